"""Integration tests run against real swarms of docker-in-docker nodes (never a fake backend).

A test that needs a swarm only to test swarm behaviour takes labkit.testing's `swarm` fixture (a SwarmContainer,
shaped by `@pytest.mark.swarm`); one whose subject is labkit's own Lab, CLI or course machinery takes `lab` or
`fresh_lab` below (a labkit.Lab).
"""

from __future__ import annotations

import os
import uuid

import pytest

import labkit
from labkit.base.errors import WaitTimeout
from labkit.base.poll import poll
from labkit.host.engine import client, ensure_engine
from labkit.images import ensure_images

from ..support import HANG


@pytest.fixture(autouse=True)
def no_preparing(monkeypatch):
    """No lab is prepared in the background for a later test (kernels started by a test inherit this)."""
    monkeypatch.setenv("LABKIT_POOL", "0")


@pytest.fixture(scope="session", autouse=True)
def engine_and_images():
    """The engine answers and labkit's images exist (built offline when Docker Hub is unreachable)."""
    ensure_engine()
    ensure_images()


def unique(prefix: str) -> str:
    """A lab name no other test (or developer) uses at the same time."""
    return f"{prefix}-{uuid.uuid4().hex[:4]}"


def lab_objects(name: str) -> list[str]:
    """Every container, network and volume labelled with this lab's name."""
    api = client().api
    flt = {"label": [f"labkit.lab={name}"]}
    return (
        [f"container {c['Names'][0]}" for c in api.containers(all=True, filters=flt)]
        + [f"network {n['Name']}" for n in api.networks(filters=flt)]
        + [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    )


def wait_gone(name: str, timeout: float = HANG) -> None:
    """Wait until nothing labelled with this lab is left: a removed lab's node volumes are deleted by a detached
    process after `lab.stop()` or `labkit down` returns (labkit.host.volume_reaper)."""
    try:
        poll(
            lambda: lab_objects(name),
            lambda left: not left,
            timeout=timeout,
            interval=0.2,
            what=f"every object of lab {name} to be gone",
        )
    except WaitTimeout as exc:
        raise AssertionError(str(exc)) from None


@pytest.fixture(scope="module")
def lab():
    """A 1 manager + 2 workers lab shared by the tests of one module."""
    with labkit.Lab(managers=1, workers=2, name=unique("it"), quiet=True) as lab:
        yield lab


@pytest.fixture
def fresh_lab(request):
    """A lab of its own for a test that breaks things; shape from @pytest.mark.shape(m, w)."""
    marker = request.node.get_closest_marker("shape")
    managers, workers = marker.args if marker else (1, 2)
    with labkit.Lab(managers=managers, workers=workers, name=unique("it"), quiet=True) as lab:
        yield lab


def pytest_collection_modifyitems(items):
    # (pytestmark in a conftest is ignored; mark every test of this folder here)
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.integration)


def pytest_configure(config):
    config.addinivalue_line("markers", "shape(managers, workers): size of the fresh_lab fixture")
    global _RYUK
    _RYUK = _choose_ryuk()


_RYUK = ""  # how the session's test swarms are reaped, for the header


def _choose_ryuk() -> str:
    """Ryuk on where its image is here (a killed run's test swarms are then reaped), else off: our machines cannot
    pull it, and SwarmContainer refuses to start without it unless told. Decided once, in the controlling process
    before xdist starts its workers, who inherit the variable, so every process of the run decides alike."""
    from testcontainers.core.config import testcontainers_config

    image = testcontainers_config.ryuk_image
    given = os.environ.get("TESTCONTAINERS_RYUK_DISABLED")
    if given is not None:
        return f"Ryuk: {'off' if testcontainers_config.ryuk_disabled else 'on'} (TESTCONTAINERS_RYUK_DISABLED={given})"
    if _image_here(image):
        return f"Ryuk: on ({image} is here): test swarms of a killed run are reaped"
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    testcontainers_config.ryuk_disabled = True  # in case testcontainers read its settings already
    return (
        f"Ryuk: off ({image} is not on this engine; TESTCONTAINERS_RYUK_DISABLED=false pulls it): each test "
        "swarm's own cleanup removes it, and `labkit down` what a killed run leaves"
    )


def _image_here(image: str) -> bool:
    """True if the engine answers and has this image (no pull is tried)."""
    import docker.errors

    from labkit.host.engine import engine_answers

    if not engine_answers():
        return False
    try:
        client().api.inspect_image(image)
        return True
    except docker.errors.APIError:  # not found, or an engine that cannot say: no Ryuk
        return False


def pytest_report_header(config):
    """One line: whether Ryuk reaps the test swarms of this run."""
    return _RYUK or None
