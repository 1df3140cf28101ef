"""Images: one that cannot be built fails cleanly, leaves nothing, and touches no existing image."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

import labkit
from labkit.host.engine import client
from labkit.images import local, offline
from labkit.images.specs import NGINX, ImageSpec

UNREACHABLE_MIRROR = "http://127.0.0.1:9/debian"  # port 9 (discard): connection refused at once


def rootfs_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("labkit-rootfs-*"))


def test_an_unbuildable_image_raises_image_unavailable_with_the_fix(monkeypatch):
    monkeypatch.setenv("LABKIT_DEBIAN_MIRROR", UNREACHABLE_MIRROR)
    monkeypatch.setenv("LABKIT_IMAGE_NAMESPACE", "labkit-unbuildable")
    spec = ImageSpec("probe", None, packages=("nginx",))
    before = rootfs_dirs()
    with pytest.raises(labkit.ImageUnavailable, match=r"Fix: check the mirror http://127\.0\.0\.1:9/debian"):
        offline.build(spec, log=lambda line: None)
    assert not client().images.list(name="labkit-unbuildable/probe"), "no half-built image may remain"
    assert rootfs_dirs() <= before, "the temporary root filesystem must be removed"


def test_lab_start_with_a_missing_unbuildable_image_fails_cleanly(monkeypatch):
    # labkit/nginx counts as missing; rebuilding it fails because the Debian mirror is unreachable.
    monkeypatch.setenv("LABKIT_DEBIAN_MIRROR", UNREACHABLE_MIRROR)
    monkeypatch.setenv("LABKIT_OFFLINE", "1")
    from labkit.images import ensure

    real_current = local.current
    monkeypatch.setattr(ensure, "current", lambda spec: spec is not NGINX and real_current(spec))
    name = "img-missing"
    with pytest.raises(labkit.ImageUnavailable, match="Fix:"):
        labkit.Lab(managers=1, workers=1, name=name, quiet=True).start()
    leftovers = (
        client().containers.list(all=True, filters={"label": f"labkit.lab={name}"})
        + client().networks.list(filters={"label": f"labkit.lab={name}"})
        + client().volumes.list(filters={"label": f"labkit.lab={name}"})
    )
    assert leftovers == [], leftovers
    assert real_current(NGINX), "the existing labkit/nginx image must be untouched"
