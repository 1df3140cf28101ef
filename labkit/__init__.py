"""labkit: a real multi-node Docker Swarm on your laptop, for learning Swarm mode in JupyterLab.

    >>> import labkit
    >>> with labkit.Lab(managers=1, workers=2) as lab:
    ...     print(lab.node("manager1").sh("docker node ls"))

In a notebook, `%load_ext labkit` adds the `%%node manager1` cell magic.

The package is layered, and imports only go downward:
base (errors, names) ← host (the Docker engine) ← images ← swarm (lab state, steps, snapshots)
← front ends (widgets ← front: Lab, CLI, magics ← course); tests/unit/test_layers.py holds the table.
"""

from typing import TYPE_CHECKING, Any

from .base.errors import (
    ApiUnanswered,
    CommandError,
    EngineError,
    EngineUnavailable,
    ImageUnavailable,
    InvalidInput,
    LabAlreadyStarted,
    LabBroken,
    LabExists,
    LabkitError,
    LabNotRunning,
    NodeNotRunning,
    SwarmFormationFailed,
    UnexpectedState,
    UnknownNode,
    UnknownService,
    WaitTimeout,
)

if TYPE_CHECKING:
    from .front.lab import Lab, current_lab
    from .host.engine import ensure_engine
    from .host.exec import CommandResult
    from .host.teardown import remove_everything, remove_lab
    from .swarm.capabilities import Capabilities
    from .swarm.http import HttpReply
    from .swarm.node import Node
    from .swarm.state import NodeState, PortState, ServiceState, SwarmSnapshot, TaskState

# Imported on first use, so `labkit --help` or `labkit down NAME` does not load the whole library (and docker-py).
_LAZY = {
    "Lab": "front.lab",
    "current_lab": "front.lab",
    "ensure_engine": "host.engine",
    "CommandResult": "host.exec",
    "remove_everything": "host.teardown",
    "remove_lab": "host.teardown",
    "Capabilities": "swarm.capabilities",
    "HttpReply": "swarm.http",
    "Node": "swarm.node",
    "NodeState": "swarm.state",
    "PortState": "swarm.state",
    "ServiceState": "swarm.state",
    "SwarmSnapshot": "swarm.state",
    "TaskState": "swarm.state",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

# A plain literal, so ruff and mypy see the public names; kept in case-folded order (tests/unit/test_errors_and_api.py).
__all__ = [
    "ApiUnanswered",
    "Capabilities",
    "CommandError",
    "CommandResult",
    "current_lab",
    "EngineError",
    "EngineUnavailable",
    "ensure_engine",
    "HttpReply",
    "ImageUnavailable",
    "InvalidInput",
    "Lab",
    "LabAlreadyStarted",
    "LabBroken",
    "LabExists",
    "LabkitError",
    "LabNotRunning",
    "list_labs",
    "load_ipython_extension",
    "Node",
    "NodeNotRunning",
    "NodeState",
    "PortState",
    "remove_everything",
    "remove_lab",
    "ServiceState",
    "SwarmFormationFailed",
    "SwarmSnapshot",
    "TaskState",
    "UnexpectedState",
    "UnknownNode",
    "UnknownService",
    "WaitTimeout",
]


def list_labs() -> dict[str, list[dict]]:
    """Every lab on this engine: {lab name: [its node container summaries]}, found by label."""
    from .host.inventory import find_labs

    return {name: list(objs.containers) for name, objs in find_labs().items()}


def load_ipython_extension(ipython) -> None:
    """`%load_ext labkit`: register the %%node cell magic."""
    from .front.magics import load_ipython_extension as _load

    _load(ipython)
