"""Ryuk reaps a swarm whose test process was SIGKILLed: every node, the registry, the network and the volumes.

Our machines cannot pull testcontainers/ryuk. Where that image is absent, the test builds a clearly marked stand-in
under Ryuk's exact name and tag (tests/standins/ryuk.Dockerfile: labkit's node image running ryuk-standin.pl, which
speaks Ryuk's protocol) and removes it afterwards; where the real image is present, the real Ryuk is used.
"""

from __future__ import annotations

import io
import os
import signal
import tarfile
import textwrap
from pathlib import Path

import docker.errors
import pytest
from testcontainers.core.config import testcontainers_config

from labkit.base.poll import poll
from labkit.host.engine import client
from labkit.host.teardown import remove_lab

from .swarm_subprocess import left_of, start_pytest, wait_for_file, wait_gone

STANDINS = Path(__file__).parent.parent / "standins"

HOLDING = """
import pathlib, time

def test_hold(swarm):
    (pathlib.Path(__file__).parent / "name").write_text(swarm.name)
    time.sleep(600)
"""


@pytest.fixture
def ryuk_image():
    """Ryuk's image: the real one if present, else the stand-in, built now and removed afterwards."""
    api = client().api
    tag = testcontainers_config.ryuk_image
    try:
        api.inspect_image(tag)
        yield tag
        return
    except docker.errors.ImageNotFound:
        pass
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for name in ("ryuk.Dockerfile", "ryuk-standin.pl"):
            tar.add(STANDINS / name, arcname=name)
    context.seek(0)
    for line in api.build(
        fileobj=context, custom_context=True, dockerfile="ryuk.Dockerfile", tag=tag, rm=True, decode=True
    ):
        assert "error" not in line, line
    try:
        yield tag
    finally:
        for c in api.containers(all=True, filters={"ancestor": tag}):
            api.remove_container(c["Id"], force=True)
        api.remove_image(tag, force=True)


def _session_labelled(swarm: str) -> dict[str, int]:
    """How many of the swarm's containers, networks and volumes carry testcontainers' session label."""
    api = client().api
    flt = {"label": [f"labkit.lab={swarm}", "org.testcontainers.session-id"]}
    return {
        "containers": len(api.containers(all=True, filters=flt)),
        "networks": len(api.networks(filters=flt)),
        "volumes": len((api.volumes(filters=flt) or {}).get("Volumes") or []),
    }


def test_sigkill_mid_test_and_ryuk_removes_every_object_of_the_swarm(tmp_path, ryuk_image):
    (tmp_path / "test_team.py").write_text(textwrap.dedent(HOLDING))
    # Ryuk on (the default), reaping one second after its client is gone instead of ten.
    proc = start_pytest(
        tmp_path, "--swarm-shape", "1+1", env={"RYUK_RECONNECTION_TIMEOUT": "1s", "RYUK_CONTAINER_IMAGE": ryuk_image}
    )
    name = ""
    try:
        name = wait_for_file(tmp_path / "name", proc)
        before = _session_labelled(name)
        # two nodes and the registry; the network; two node volumes and the ready marker
        assert before == {"containers": 3, "networks": 1, "volumes": 3}, before
        reapers = client().api.containers(filters={"ancestor": ryuk_image})
        assert len(reapers) == 1, "testcontainers started Ryuk (or its stand-in)"
        os.killpg(proc.pid, signal.SIGKILL)  # the whole session: no cleanup of ours can run
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        wait_gone(name, timeout=120)
        poll(
            lambda: client().api.containers(all=True, filters={"id": reapers[0]["Id"]}),
            lambda c: not c,
            timeout=60,
            what="Ryuk to finish and go",
            show=repr,
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        if name and left_of(name):
            remove_lab(name)  # keep the engine clean for the rest of the suite (the assertion above has failed)
