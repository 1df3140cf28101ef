#!/bin/sh
# labkit/web's start: write the page from the environment (so `--env-add MESSAGE=...` shows), then run nginx.
set -e
mkdir -p /srv/web
printf 'web %s on %s\nmessage: %s\n' "$WEB_VERSION" "$(hostname)" "$MESSAGE" > /srv/web/index.txt
# /health answers 200 while this file exists: delete it (`rm /srv/web/healthy`) to make a task unhealthy.
if [ "$WEB_HEALTHY" = yes ]; then echo ok > /srv/web/healthy; fi
exec nginx -g 'daemon off;'
