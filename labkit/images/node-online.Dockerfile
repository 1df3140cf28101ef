# Online node image: the official docker:dind plus curl (labkit reads the Engine
# API of a node through its unix socket with curl).
ARG DIND_IMAGE=docker:27.5.1-dind
FROM ${DIND_IMAGE}
RUN apk add --no-cache curl bash
