"""The online image path (issue 7 §6) run end to end on machines that reach no registry.

Stand-ins for the official images are built from the offline ones under the exact tags the online path
pulls (tests/standins/, labelled labkit.standin=true); the online path finds them as `docker pull`
would find an image already present, builds labkit's images from them under a separate namespace (so
the real labkit/* images are never touched), and a 1+2 lab runs the tutorial's nginx service.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.host import image_store
from labkit.host.engine import client
from labkit.images.specs import BUSYBOX, DIND_IMAGE, NGINX, REGISTRY_ONLINE_IMAGE

from .conftest import unique

STANDINS = Path(__file__).resolve().parents[1] / "standins"
OFFICIAL = {DIND_IMAGE: "dind", REGISTRY_ONLINE_IMAGE: "registry", NGINX.online: "nginx", BUSYBOX.online: "busybox"}
NAMESPACE = "labkit-online-test"


@pytest.fixture(scope="module")
def standins():
    built = []
    for tag, recipe in OFFICIAL.items():
        if image_store.inspect_image(tag) is None:  # a real official image, where present, is used as it is
            image_store.build(str(STANDINS), f"{recipe}.Dockerfile", tag, {"labkit.standin": "true"})
            built.append(tag)
    yield built
    for tag in built:
        labels = ((image_store.inspect_image(tag) or {}).get("Config") or {}).get("Labels") or {}
        if labels.get("labkit.standin") == "true":
            image_store.remove_image(tag)
    for img in client().api.images(name=f"{NAMESPACE}/*"):
        for tag in img.get("RepoTags") or []:
            image_store.remove_image(tag)


def online(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LABKIT_OFFLINE": "0", "LABKIT_IMAGE_NAMESPACE": NAMESPACE}
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, timeout=600,
                          env=env)


def test_the_online_path_builds_its_images_and_runs_a_lab(standins):
    pulled = online("images", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert f"FROM {DIND_IMAGE}" in pulled.stdout and "ok" in pulled.stdout
    assert "debootstrap" not in pulled.stdout, "the online path must not build from Debian packages"
    name = unique("online")
    try:
        up = online("up", "--name", name, "--workers", "2")
        assert up.returncode == 0, up.stdout + up.stderr
        assert REGISTRY_ONLINE_IMAGE in up.stdout, "the lab registry runs the official registry image"
        node = client().api.inspect_container(f"{name}-worker1")
        assert node["Config"]["Image"] == f"{NAMESPACE}/node:latest"
        create = online("exec", name, "manager1", "--", "docker", "service", "create", "--name", "nginx",
                        "--replicas", "2", "nginx")
        assert create.returncode == 0, create.stderr
        ps = online("exec", name, "manager1", "--", "docker", "service", "ps", "nginx", "--format", "{{.CurrentState}}")
        assert ps.stdout.count("Running") == 2, ps.stdout
    finally:
        online("down", name)
