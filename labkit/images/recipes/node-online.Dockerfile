# Online node image: the official docker:dind plus curl and openssl (labkit reads the Engine
# API of a node through its unix socket with curl; the security notebook reads node
# certificates with openssl).
ARG DIND_IMAGE=docker:27.5.1-dind
FROM ${DIND_IMAGE}
RUN apk add --no-cache curl bash openssl
