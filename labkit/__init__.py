"""labkit: a real multi-node Docker Swarm on your laptop, for learning Swarm mode in JupyterLab.

    >>> import labkit
    >>> with labkit.Lab(managers=1, workers=2) as lab:
    ...     print(lab.node("manager1").sh("docker node ls"))

In a notebook, `%load_ext labkit` adds the `%%node manager1` cell magic.
"""

from ._capabilities import Capabilities
from ._engine import ensure_engine
from ._errors import (CommandError, EngineUnavailable, ImageUnavailable, LabExists, LabkitError, LabNotRunning,
                      UnknownNode)
from ._exec import CommandResult
from ._http import HttpReply
from ._lab import Lab, current_lab
from ._node import Node
from ._state import NodeState, PortState, ServiceState, SwarmSnapshot, TaskState
from ._teardown import list_labs, remove_everything, remove_lab

__version__ = "0.1.0"

__all__ = sorted([
    "Capabilities", "CommandError", "CommandResult", "EngineUnavailable", "HttpReply", "ImageUnavailable", "Lab",
    "LabExists", "LabNotRunning", "LabkitError", "Node", "NodeState", "PortState", "ServiceState", "SwarmSnapshot",
    "TaskState", "UnknownNode", "current_lab", "ensure_engine", "list_labs", "load_ipython_extension",
    "remove_everything", "remove_lab",
], key=str.casefold)


def load_ipython_extension(ipython) -> None:
    """`%load_ext labkit`: register the %%node cell magic."""
    from ._magics import load_ipython_extension as _load

    _load(ipython)
