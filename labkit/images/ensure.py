"""Make every image present and current: pull online, else build from Debian packages.

Builds run once, and again only when a recipe changes (each image carries the
hash of its recipe as a label). A file lock keeps two processes of a user (two
notebooks, a test run) from building the same tags at once; it lives in the user's
cache directory, so another user (or root before them) cannot leave a lock file
this user cannot open.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from . import offline, online
from .local import current, present
from .specs import IMAGES, NODE, REGISTRY_ONLINE_IMAGE

__all__ = ["ensure_images", "image_rows", "is_offline", "lock_path"]


def is_offline() -> bool:
    """True when Docker Hub cannot be reached (LABKIT_OFFLINE=1/0 forces the answer)."""
    forced = os.environ.get("LABKIT_OFFLINE")
    if forced in ("1", "true", "yes"):
        return True
    if forced in ("0", "false", "no"):
        return False
    try:
        with socket.create_connection(("registry-1.docker.io", 443), timeout=3):
            return False
    except OSError:
        return True


def image_rows() -> list[dict[str, str]]:
    """One row per image for `labkit images ls`: tag, state, size, purpose."""
    rows = []
    for spec in IMAGES:
        img = present(spec.tag)
        state = "missing" if img is None else ("ok" if current(spec) else "outdated")
        size = "-" if img is None else f"{(img.get('Size') or 0) / 1e6:.0f} MB"
        rows.append(
            {
                "image": spec.tag,
                "state": state,
                "size": size,
                "nodes see it as": spec.mirror_as or "-",
                "purpose": spec.purpose,
            }
        )
    return rows


def ensure_images(log: Callable[[str], None] = print, force: bool = False, offline_build: bool | None = None) -> None:
    """Make every image present and current: pull online, else build from Debian packages."""
    if not force and all(current(s) for s in IMAGES):
        return
    with _build_lock(log):
        todo = [s for s in IMAGES if force or not current(s)]  # the other build may have done it
        if not todo:
            return
        use_offline = is_offline() if offline_build is None else offline_build
        log(
            f"images: {'building offline from Debian packages' if use_offline else 'pulling'}: "
            + ", ".join(s.tag for s in todo)
        )
        for spec in todo:
            (offline.build if use_offline else online.build)(spec, log)
        if use_offline and not present(REGISTRY_ONLINE_IMAGE):
            log(f"images: the lab registry runs Debian's docker-registry from {NODE.tag}")


def lock_path() -> Path:
    """The image-build lock file, in the user's cache directory (~/.cache/labkit on Linux)."""
    return Path(user_cache_dir("labkit", appauthor=False, ensure_exists=True)) / "images.lock"


@contextmanager
def _build_lock(log: Callable[[str], None]) -> Iterator[None]:
    """Hold the image-build lock, saying so first when another build holds it (the wait can take minutes)."""
    lock = FileLock(lock_path())
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log("images: waiting for another labkit build to finish ...")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
