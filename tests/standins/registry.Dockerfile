# STAND-IN for registry:2.8.3 (tests only): Debian's docker-registry, laid out like the official image.
FROM labkit/node:latest
RUN mkdir -p /etc/docker/registry /var/lib/registry \
 && sed 's#/var/lib/docker-registry#/var/lib/registry#' /etc/labkit/registry.yml > /etc/docker/registry/config.yml
ENTRYPOINT ["docker-registry", "serve"]
CMD ["/etc/docker/registry/config.yml"]
LABEL labkit.standin=true
