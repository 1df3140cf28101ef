"""The pytest plugin of labkit.testing: a `swarm` fixture, shaped by `@pytest.mark.swarm(managers, workers)`.

Loaded in every pytest run of a project that installs labkit (the `pytest11` entry point), so this module imports
nothing heavy: labkit.testing (and testcontainers, docker) are imported when a test first asks for a swarm.

    @pytest.mark.swarm(managers=1, workers=2)             # shared by every test of that shape in the session
    def test_web(swarm): ...

    @pytest.mark.swarm(managers=3, workers=0, fresh=True)  # a swarm of its own, removed after the test
    def test_leader_loss(swarm): ...

With pytest-xdist each worker process starts its own swarms (names are random, so nothing collides). A failed
test's report gets a "labkit swarm" section: the swarm's snapshot and `docker service ps --no-trunc` of each service.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .swarm import SwarmContainer

__all__ = ["swarm", "pytest_addoption", "pytest_configure", "pytest_runtest_makereport"]

_DEFAULT_SHAPE = "1+2"
_SECTION = "labkit swarm"


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--swarm-shape M+W`: the shape of a `swarm` fixture whose test has no `swarm` marker."""
    group = parser.getgroup("labkit", "labkit test swarms")
    group.addoption(
        "--swarm-shape",
        default=None,
        metavar="M+W",
        help=f"managers+workers of the `swarm` fixture without a marker (default {_DEFAULT_SHAPE})",
    )
    parser.addini(
        "swarm_shape",
        f"managers+workers of the `swarm` fixture without a marker ({_DEFAULT_SHAPE})",
        default=_DEFAULT_SHAPE,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the `swarm` marker."""
    config.addinivalue_line(
        "markers",
        "swarm(managers=1, workers=2, fresh=False, **options): the shape of the "
        "`swarm` fixture (a SwarmContainer); fresh=True gives the test its own swarm",
    )


def _shape(text: str) -> tuple[int, int]:
    try:
        managers, workers = (int(x) for x in text.split("+"))
    except ValueError:
        raise pytest.UsageError(f"--swarm-shape must look like 1+2 (managers+workers), not {text!r}") from None
    return managers, workers


def _wanted(request: pytest.FixtureRequest) -> tuple[dict[str, Any], bool]:
    """SwarmContainer arguments for this test, and whether it wants a swarm of its own."""
    marker = request.node.get_closest_marker("swarm")
    config = request.config
    managers, workers = _shape(config.getoption("--swarm-shape") or config.getini("swarm_shape"))
    kwargs: dict[str, Any] = {"managers": managers, "workers": workers}
    fresh = False
    if marker is not None:
        names = ("managers", "workers")
        kwargs.update(dict(zip(names, marker.args[:2], strict=False)))
        options = dict(marker.kwargs)
        fresh = bool(options.pop("fresh", False))
        kwargs.update(options)
    return kwargs, fresh


class _Shared:
    """The session's shared swarms, one per set of arguments, removed when the session ends."""

    def __init__(self) -> None:
        self.swarms: dict[str, SwarmContainer] = {}

    def get(self, kwargs: dict[str, Any]) -> SwarmContainer:
        from .swarm import SwarmContainer

        key = repr(sorted(kwargs.items()))
        if key not in self.swarms:
            swarm = SwarmContainer(**kwargs)
            swarm.__enter__()  # a start that fails removes what it made, and the next test of this shape retries
            self.swarms[key] = swarm
        return self.swarms[key]

    def close(self) -> None:
        for swarm in self.swarms.values():
            swarm.stop()
        self.swarms.clear()


@pytest.fixture(scope="session")
def _labkit_shared_swarms() -> Iterator[_Shared]:
    """The session's shared swarms (private to the plugin)."""
    shared = _Shared()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def swarm(request: pytest.FixtureRequest, _labkit_shared_swarms: _Shared) -> Iterator[SwarmContainer]:
    """A running Docker Swarm (labkit.testing.SwarmContainer), shaped by `@pytest.mark.swarm(managers, workers)`.

    Shared by the session's tests of the same shape unless the marker says `fresh=True`.
    """
    kwargs, fresh = _wanted(request)
    if not fresh:
        yield _labkit_shared_swarms.get(kwargs)
        return
    from .swarm import SwarmContainer

    with SwarmContainer(**kwargs) as own:
        yield own


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the swarm's snapshot and its tasks' errors to a failed test's report."""
    report = yield
    used = getattr(item, "funcargs", {}).get("swarm")
    if report.failed and call.when == "call" and used is not None and hasattr(used, "report"):
        report.sections.append((_SECTION, used.report()))
    return report
