# labkit/web:v1, v2, v3: one small web app in three releases, for update and health lessons.
# Built from labkit's whoami image (nginx, curl) with no RUN step: nothing is downloaded, each build takes seconds.
ARG BASE=labkit/whoami:latest
FROM ${BASE}
ARG VERSION=v1
ARG HEALTHY=yes
COPY web.conf /etc/nginx/conf.d/default.conf
COPY web-start.sh /usr/local/bin/web-start
# WEB_HEALTHY=no is v3's bug: it never writes the file /health serves, so its HEALTHCHECK fails.
ENV WEB_VERSION=${VERSION} WEB_HEALTHY=${HEALTHY} MESSAGE=hello
# Short interval so a lesson sees a verdict in seconds (Docker's default is 30 s).
HEALTHCHECK --interval=2s --timeout=2s --retries=3 CMD curl -fsS -o /dev/null http://127.0.0.1/health || exit 1
LABEL org.opencontainers.image.version=${VERSION}
CMD ["sh", "/usr/local/bin/web-start"]
