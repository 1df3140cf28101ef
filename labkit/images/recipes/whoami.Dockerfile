# Built from labkit's nginx image: nothing is downloaded.
ARG BASE=labkit/nginx:latest
FROM ${BASE}
COPY whoami.conf /etc/nginx/conf.d/default.conf
RUN rm -f /etc/nginx/sites-enabled/default 2>/dev/null || true
