"""labkit.testing: a real multi-node Docker Swarm in anyone's tests, as a testcontainers module.

with SwarmContainer(managers=3, workers=2) as swarm:
    swarm.deploy("stack.yml", name="shop")
    swarm.wait_service("shop_web", running=3)

swarm       SwarmContainer: start (testcontainers) and form (labkit's swarm layer) a swarm, and remove it
operations  deploy, wait, HTTP, commands, faults, images, DOCKER_HOST for other tools
nodes       the node and registry containers (testcontainers DockerContainers)
tls         the managers' TLS port: certificates and DockerHost
report      what a failed test shows about its swarm
progress    what a swarm tells as it starts, to the `labkit.testing` logger
plugin      the pytest plugin (`swarm` fixture, `@pytest.mark.swarm(managers, workers)`)
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .operations import HttpResponse, SwarmNode
    from .swarm import SwarmContainer
    from .tls import DockerHost

# Imported on first use: the pytest plugin (loaded in every pytest run of a project that installs labkit) lives in
# this package, and must not load testcontainers and docker-py for a run that never asks for a swarm.
_LAZY = {"SwarmContainer": "swarm", "SwarmNode": "operations", "HttpResponse": "operations", "DockerHost": "tls"}

__all__ = ["SwarmContainer", "SwarmNode", "HttpResponse", "DockerHost"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit.testing' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
