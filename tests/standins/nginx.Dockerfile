# STAND-IN for nginx:1.27-alpine (tests only): labkit's Debian nginx under the official tag.
FROM labkit/nginx:latest
LABEL labkit.standin=true
