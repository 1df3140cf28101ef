"""HTTP requests into a swarm (labkit.Lab.http and SwarmContainer.http_to share swarm.http.http_requests) refuse a
port, count or path that is not one before anything runs: no node is asked, no command is built."""

from __future__ import annotations

import pytest

from labkit.base.errors import InvalidInput
from labkit.swarm.http import http_requests


class NoState:
    """A lab state that fails any use: a refusal must come before the state is touched."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the state was used ({name}) before the input was checked")


@pytest.mark.parametrize(
    "kwargs,says",
    [
        (dict(port="80; touch /tmp/x"), "port must be"),
        (dict(port=True), "port must be"),
        (dict(port=0), "port must be"),
        (dict(port=70000), "port must be"),
        (dict(port=80, count=0), "count must be"),
        (dict(port=80, count=10**6), "count must be"),
        (dict(port=80, path="no-slash"), "path must"),
        (dict(port=80, path="/a b"), "path must"),
    ],
)
def test_bad_input_is_refused_before_the_swarm_is_asked(kwargs, says):
    with pytest.raises(InvalidInput, match=says):
        http_requests(NoState(), "worker1", **kwargs)  # type: ignore[arg-type]
