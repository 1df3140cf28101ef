"""The online path: the official images from Docker Hub (docker:dind, registry:2, nginx, busybox).

An image already on the engine under the official tag is used as it is, the
way `docker run` only pulls what is missing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from ..base.errors import EngineError, ImageUnavailable
from ..host import image_store
from .specs import (
    DIND_IMAGE,
    LABEL_RECIPE,
    NGINX,
    NODE,
    RECIPES,
    REGISTRY_ONLINE_IMAGE,
    WEB_RELEASES,
    WHOAMI,
    ImageSpec,
)

__all__ = ["build", "build_whoami", "build_web", "pull_if_missing"]


def pull_if_missing(tag: str, log: Callable[[str], None]) -> None:
    """`docker pull tag` unless the engine already has it."""
    if image_store.inspect_image(tag) is not None:
        return
    log(f"$ docker pull {tag}")
    image_store.pull(tag)


def build(spec: ImageSpec, log: Callable[[str], None]) -> None:
    """Make spec's host tag from the official image (not labkit.managed: containers inherit image labels)."""
    labels = {LABEL_RECIPE: spec.recipe()}
    try:
        if spec is NODE:
            pull_if_missing(DIND_IMAGE, log)
            log(f"$ docker build -t {spec.tag} (FROM {DIND_IMAGE} + curl, openssl)")
            _build(str(RECIPES), "node-online.Dockerfile", spec.tag, labels, {"DIND_IMAGE": DIND_IMAGE})
            pull_if_missing(REGISTRY_ONLINE_IMAGE, log)
        elif spec is WHOAMI:
            build_whoami(log, labels)
        elif spec in WEB_RELEASES:
            build_web(spec, log, labels)
        elif spec.online is None:  # a programming error: every other image is made from an official one
            raise ValueError(f"image {spec.key} names no official image to start from")
        else:
            pull_if_missing(spec.online, log)
            with tempfile.TemporaryDirectory() as ctx:  # a one-line build so the recipe label marks it current
                Path(ctx, "Dockerfile").write_text(f"FROM {spec.online}\n")
                _build(ctx, "Dockerfile", spec.tag, labels)
    except EngineError as exc:
        raise ImageUnavailable(
            f"failed to get {spec.tag} from Docker Hub ({str(exc)[:300]}).\n"
            "Fix: check your network, or build offline from Debian packages with "
            "`LABKIT_OFFLINE=1 labkit images build`."
        ) from exc


def build_whoami(log: Callable[[str], None], labels: dict[str, str]) -> None:
    """labkit/whoami: labkit's nginx answering with the container that served the request."""
    log(f"$ docker build -t {WHOAMI.tag} -f whoami.Dockerfile .   # FROM {NGINX.tag}")
    _build(str(RECIPES), "whoami.Dockerfile", WHOAMI.tag, labels, {"BASE": NGINX.tag})


def build_web(spec: ImageSpec, log: Callable[[str], None], labels: dict[str, str]) -> None:
    """labkit/web:vN: a release of the small web app, built FROM labkit's whoami (which must be current)."""
    args = {"BASE": WHOAMI.tag, **dict(spec.build_args)}
    log(
        f"$ docker build -t {spec.tag} -f web.Dockerfile .   # FROM {WHOAMI.tag}, "
        + " ".join(f"{k}={v}" for k, v in spec.build_args)
    )
    _build(str(RECIPES), "web.Dockerfile", spec.tag, labels, args)


_build = image_store.build
