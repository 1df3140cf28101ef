"""The node faults and repairs a learner can do, in one table: everything else is derived from it.

Each row says what the action is called (the `Node` method and the board's button), the host `docker`
command it stands for (shown to the learner), the docker-py call the host layer makes, the notes shown on
the board, and the fault state it leaves the node in ("killed"), which the timeline and `labkit status`
name. `host.containers.apply` runs a row, `swarm.node.Node` has a method per row, and the widgets read
their notes and labels here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import InvalidInput
from .quoting import sh_join

__all__ = [
    "Target",
    "EngineCall",
    "NodeFault",
    "NODE_FAULTS",
    "FAULT_NAMES",
    "FAULT_STATES",
    "fault_named",
    "fault_leaving",
    "host_command",
]


@dataclass(frozen=True)
class Target:
    """The node container an action is done to: its name, the lab network, and the node's address and alias."""

    container: str
    network: str = ""
    ip: str = ""
    alias: str = ""

    def fill(self, template: str) -> str:
        """A template with {container}, {network}, {ip} and {alias} filled in."""
        return template.format(**asdict(self))


@dataclass(frozen=True)
class EngineCall:
    """A docker-py `APIClient` call: its method, its positional arguments and its keyword arguments.

    Arguments are templates filled from the Target (a tuple stands for a list of them); other values pass as
    they are. Only the host layer makes the call: this layer does not import docker.
    """

    method: str
    args: tuple[str, ...] = ("{container}",)
    options: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class NodeFault:
    """One action on a node container, done from the host."""

    name: str  # the Node method and the board's button
    argv: tuple[str, ...]  # the host command it stands for; templates as in Target.fill
    engine: EngineCall
    doc: str  # the Node method's docstring
    note: str  # the board's line under the command: what the learner should see
    leaves: str = ""  # the fault state it leaves the node in ("killed"); "" for a repair
    happened: str = ""  # the timeline's words for that state
    repair: str = ""  # the action that undoes it
    already: str = ""  # the engine's refusal (api_errors.reason) that means it is done already

    def command(self, target: Target) -> str:
        """The host `docker` command, quoted, e.g. `docker kill demo-worker2`."""
        return sh_join(target.fill(word) for word in self.argv)


_ON_NET = ("{container}", "{network}")
NODE_FAULTS: tuple[NodeFault, ...] = (
    NodeFault(
        "kill",
        ("docker", "kill", "{container}"),
        EngineCall("kill"),
        "Crash the node: SIGKILL its container, as a power cut would (`docker kill <container>`).",
        "on the host: the node's container is killed from outside",
        "killed",
        "its container was killed from the host",
        "start",
    ),
    NodeFault(
        "stop",
        ("docker", "stop", "{container}"),
        EngineCall("stop", options=(("timeout", 10),)),
        "Shut the node down cleanly (`docker stop <container>`); its swarm state is kept.",
        "on the host: the node's container is stopped",
        "stopped",
        "its container was stopped from the host",
        "start",
    ),
    NodeFault(
        "start",
        ("docker", "start", "{container}"),
        EngineCall("start"),
        "Start a killed or stopped node again (or unpause a paused one); it comes back with its swarm state.",
        "on the host: the node's container starts again",
    ),
    NodeFault(
        "pause",
        ("docker", "pause", "{container}"),
        EngineCall("pause"),
        "Freeze every process in the node (`docker pause`): it stops answering but keeps its state.",
        "on the host: every process of the node is frozen",
        "paused",
        "its container was paused (every process frozen)",
        "unpause",
    ),
    NodeFault(
        "unpause",
        ("docker", "unpause", "{container}"),
        EngineCall("unpause"),
        "Resume a paused node.",
        "on the host: the node's processes resume",
    ),
    NodeFault(
        "disconnect",
        ("docker", "network", "disconnect", "{network}", "{container}"),
        EngineCall("disconnect_container_from_network", _ON_NET, (("force", True),)),
        "Cut the node off the lab network (a network partition); it keeps running.",
        "on the host: the node is cut off the lab network",
        "disconnected",
        "its container was cut off the lab network",
        "reconnect",
        already="not-connected",
    ),
    NodeFault(
        "reconnect",
        ("docker", "network", "connect", "--ip", "{ip}", "--alias", "{alias}", "{network}", "{container}"),
        EngineCall("connect_container_to_network", _ON_NET, (("aliases", ("{alias}",)), ("ipv4_address", "{ip}"))),
        "Reconnect a partitioned node with its old IP address (swarm peers know it by that address).",
        "on the host: the node is back on the lab network",
        already="already-connected",
    ),
)
FAULT_NAMES = tuple(f.name for f in NODE_FAULTS)
# Every state `Node.fault` can report: those the actions leave, and a container removed outside labkit.
FAULT_STATES = tuple(f.leaves for f in NODE_FAULTS if f.leaves) + ("removed",)

# Not a fault (the swarm is told first, see swarm.membership), but shown the same way.
_REMOVE = NodeFault(
    "remove",
    ("docker", "rm", "-f", "{container}"),
    EngineCall("remove_container"),
    "Remove the node's container.",
    "on the host: the node's container is removed",
)


def fault_named(name: str) -> NodeFault:
    """The row of an action; InvalidInput naming the known ones if there is none."""
    for fault in NODE_FAULTS:
        if fault.name == name:
            return fault
    raise InvalidInput(f"unknown node action {name!r}; known: {', '.join(FAULT_NAMES)}")


def fault_leaving(state: str) -> NodeFault | None:
    """The action that leaves a node in a fault state ("killed" -> kill), None for "removed" or an unknown one."""
    return next((f for f in NODE_FAULTS if f.leaves and f.leaves == state), None)


def host_command(action: str, container: str, network: str = "", ip: str = "", alias: str = "") -> str:
    """The `docker` command run on the host for a node action (or "remove"), e.g. `docker kill demo-worker2`."""
    fault = _REMOVE if action == _REMOVE.name else fault_named(action)
    return fault.command(Target(container, network, ip, alias))
