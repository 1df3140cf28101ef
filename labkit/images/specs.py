"""The images labkit needs: host tags under `labkit/`, and the names nodes pull them by.

Host-side tags live under `labkit/` so labkit never overwrites a user's own
`nginx:latest`. Nodes see the workload images under their usual names
(`nginx`, `busybox`) through the lab registry, their Docker Hub mirror.
LABKIT_IMAGE_NAMESPACE moves the host tags elsewhere (a test of the online
path builds its images beside the real ones, never over them).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ImageSpec",
    "IMAGES",
    "NODE",
    "NGINX",
    "BUSYBOX",
    "WHOAMI",
    "WEB_RELEASES",
    "RECIPES",
    "SUITE",
    "DIND_IMAGE",
    "REGISTRY_ONLINE_IMAGE",
    "LABEL_RECIPE",
    "LABEL_STANDIN",
    "namespace",
]

RECIPES = Path(__file__).parent / "recipes"
SUITE = "trixie"  # Debian trixie's docker.io gives Docker 26 inside nodes
DIND_IMAGE = "docker:27.5.1-dind"
REGISTRY_ONLINE_IMAGE = "registry:2.8.3"
LABEL_RECIPE = "labkit.recipe"
LABEL_STANDIN = "labkit.standin"  # on stand-ins for official images, built from offline ones by a test
RECIPE_VERSION = "2"  # bump to force a rebuild when the build code (not a recipe file) changes


def namespace() -> str:
    """The repository prefix of labkit's host tags: `labkit`, or LABKIT_IMAGE_NAMESPACE."""
    return os.environ.get("LABKIT_IMAGE_NAMESPACE") or "labkit"


@dataclass(frozen=True)
class ImageSpec:
    """One image: its key, the name nodes pull it by, and how to make it."""

    key: str  # node | nginx | busybox | whoami | web-v1 | web-v2 | web-v3
    mirror_as: str | None  # repository:tag inside the lab registry, None if nodes don't pull it
    packages: tuple[str, ...] = ()  # offline: Debian packages for debootstrap
    online: str | None = None  # online: official image to pull (or Dockerfile base)
    purpose: str = ""
    files: tuple[str, ...] = ()  # files of recipes/ the builds of this image use
    build_args: tuple[tuple[str, str], ...] = ()  # `docker build --build-arg` pairs (the web releases)
    repo: str = ""  # the host tag's repository when several images share one (labkit/web:v1, :v2); else the key
    version: str = "latest"  # the host tag's version

    @property
    def tag(self) -> str:
        """The tag on the host engine, e.g. `labkit/node:latest`."""
        return f"{namespace()}/{self.repo or self.key}:{self.version}"

    def recipe(self) -> str:
        """A hash of everything the builds use; a change triggers a rebuild."""
        h = hashlib.sha256(f"{RECIPE_VERSION}|{SUITE}|{self.packages}|{self.online}|{self.build_args}".encode())
        for name in self.files:
            h.update(name.encode() + (RECIPES / name).read_bytes())
        return h.hexdigest()[:16]


NODE = ImageSpec(
    "node",
    None,
    packages=(
        "docker.io",
        "docker-cli",
        "iptables",
        "iproute2",
        "procps",
        "ca-certificates",
        "curl",
        "docker-registry",
        "net-tools",
        "iputils-ping",
        "less",
        "openssl",
    ),
    online=DIND_IMAGE,
    purpose="swarm node (Docker engine inside a container)",
    files=("node-entrypoint.sh", "registry.yml", "node-online.Dockerfile"),
)
NGINX = ImageSpec(
    "nginx",
    "library/nginx:latest",
    packages=("nginx", "curl", "ca-certificates"),
    online="nginx:1.27-alpine",
    purpose="`nginx` for services, as in the tutorial",
)
BUSYBOX = ImageSpec(
    "busybox", "library/busybox:latest", online="busybox:1.36", purpose="`busybox` for DNS and network checks"
)
WHOAMI = ImageSpec(
    "whoami",
    "labkit/whoami:latest",
    purpose="web server answering with the container that served the request",
    files=("whoami.Dockerfile", "whoami.conf"),
)


def _web(version: str, healthy: bool, purpose: str) -> ImageSpec:
    return ImageSpec(
        f"web-{version}",
        f"labkit/web:{version}",
        purpose=purpose,
        files=("web.Dockerfile", "web.conf", "web-start.sh"),
        build_args=(("VERSION", version), ("HEALTHY", "yes" if healthy else "no")),
        repo="web",
        version=version,
    )


# One app in three releases, so `docker service update --image labkit/web:v2` is a real version bump.
WEB_RELEASES = (
    _web("v1", True, "web app, release v1: answers `web v1 on <container>`; HEALTHCHECK on /health"),
    _web("v2", True, "web app, release v2 (same app, next version)"),
    _web("v3", False, "web app, release v3: a broken release whose HEALTHCHECK fails (/health answers 503)"),
)
IMAGES = (NODE, NGINX, BUSYBOX, WHOAMI, *WEB_RELEASES)
