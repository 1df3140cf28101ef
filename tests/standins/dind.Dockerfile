# STAND-IN for docker:27.5.1-dind (tests only): labkit's offline node image under the official tag.
FROM labkit/node:latest
# node-online.Dockerfile runs `apk add curl bash openssl`: Debian's root filesystem has them already.
RUN printf '#!/bin/sh\necho "stand-in apk: $* (already present in this Debian-based stand-in)"\n' > /usr/local/bin/apk \
 && chmod +x /usr/local/bin/apk
LABEL labkit.standin=true
