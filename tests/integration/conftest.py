"""Integration tests run against real swarms of docker-in-docker nodes (never a fake backend)."""

from __future__ import annotations

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
    return ([f"container {c['Names'][0]}" for c in api.containers(all=True, filters=flt)]
            + [f"network {n['Name']}" for n in api.networks(filters=flt)]
            + [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []])


def wait_gone(name: str, timeout: float = HANG) -> None:
    """Wait until nothing labelled with this lab is left: a removed lab's node volumes are deleted by a detached
    process after `lab.stop()` or `labkit down` returns (labkit.host.volume_reaper)."""
    try:
        poll(lambda: lab_objects(name), lambda left: not left, timeout=timeout, interval=0.2,
             what=f"every object of lab {name} to be gone")
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
