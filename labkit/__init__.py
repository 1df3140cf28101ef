"""labkit: a real multi-node Docker Swarm on your laptop, for learning Swarm mode in JupyterLab.

    >>> import labkit
    >>> with labkit.Lab(managers=1, workers=2) as lab:
    ...     print(lab.node("manager1").sh("docker node ls"))

In a notebook, `%load_ext labkit` adds the `%%node manager1` cell magic.

The package is layered, and imports only go downward:
base (errors, names) ← host (the Docker engine) ← images ← swarm (lab state, steps, snapshots)
← front ends (front: Lab, CLI, magics; widgets).
"""

from .base.errors import (ApiUnanswered, CommandError, EngineError, EngineUnavailable, ImageUnavailable, InvalidInput,
                          LabBroken, LabExists, LabkitError, LabNotRunning, UnknownNode, WaitTimeout)
from .front.lab import Lab, current_lab
from .host.engine import ensure_engine
from .host.exec import CommandResult
from .host.teardown import remove_everything, remove_lab
from .swarm.capabilities import Capabilities
from .swarm.http import HttpReply
from .swarm.node import Node
from .swarm.state import NodeState, PortState, ServiceState, SwarmSnapshot, TaskState

__version__ = "0.1.0"

__all__ = sorted([
    "ApiUnanswered", "Capabilities", "CommandError", "CommandResult", "EngineError", "EngineUnavailable", "HttpReply",
    "ImageUnavailable", "InvalidInput", "Lab", "LabBroken", "LabExists", "LabNotRunning", "LabkitError", "Node",
    "NodeState", "PortState", "ServiceState", "SwarmSnapshot", "TaskState", "UnknownNode", "WaitTimeout",
    "current_lab", "ensure_engine", "list_labs", "load_ipython_extension", "remove_everything", "remove_lab",
], key=str.casefold)


def list_labs() -> dict[str, list[dict]]:
    """Every lab on this engine: {lab name: [its node container summaries]}, found by label."""
    from .host.inventory import find_labs

    return {name: list(objs.containers) for name, objs in find_labs().items()}


def load_ipython_extension(ipython) -> None:
    """`%load_ext labkit`: register the %%node cell magic."""
    from .front.magics import load_ipython_extension as _load

    _load(ipython)
