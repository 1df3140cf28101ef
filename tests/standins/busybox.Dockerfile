# STAND-IN for busybox:1.36 (tests only): labkit's busybox-static image under the official tag.
FROM labkit/busybox:latest
LABEL labkit.standin=true
