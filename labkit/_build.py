"""Building a lab: the small steps `Lab.start` runs in order, and adding or removing nodes later.

Each step is a short function of the lab, the way kind builds a cluster:
prepare → (replace: remove the previous lab) → network → provision nodes and
the registry → wait for engines → init → join managers → join workers → wait Ready. Adding a node reuses the same steps for one node.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable

from . import _provision as prov
from ._errors import LabExists
from ._images import ensure_images
from ._names import container_name, node_hostname
from ._node import Node
from ._registry import connect_registry, ensure_registry
from ._swarm import init_swarm, join_nodes
from ._teardown import list_labs, remove_lab

if TYPE_CHECKING:
    from ._lab import Lab

__all__ = ["start_steps", "add_node", "remove_node", "role_now"]


def start_steps(lab: "Lab") -> list[tuple[str, Callable[[], None]]]:
    """The steps of `Lab.start`, in order (named for the error message if one fails)."""
    steps = [
        ("prepare engine and images", lambda: prepare(lab)),
        ("create the lab network", lambda: create_network(lab)),
        ("provision nodes and the lab registry", lambda: provision_nodes(lab)),
        ("wait for each node's Docker engine", lambda: wait_engines(lab)),
    ]
    if lab.replace:
        steps.insert(1, ("remove the previous lab of that name", lambda: remove_previous(lab)))
    if lab.swarm:
        steps += [
            ("docker swarm init", lambda: init_swarm(lab, nodes_of(lab, "manager")[0])),
            ("join managers", lambda: join_nodes(lab, nodes_of(lab, "manager")[1:], "manager")),
            ("join workers", lambda: join_nodes(lab, nodes_of(lab, "worker"), "worker")),
            ("wait until every node is Ready", lambda: wait_ready(lab, list(lab._nodes))),
        ]
    return steps


def prepare(lab: "Lab") -> None:
    """Make sure the images are there (the engine answering is checked by client()); measure the node mode."""
    ensure_images(log=lab._progress.line)
    lab.mode = prov.node_mode()
    lab._progress.line("nodes run in " + prov.mode_explanation(lab.mode))


def remove_previous(lab: "Lab") -> None:
    """replace=True: remove a lab of the same name (re-running a notebook), and retire its Lab objects."""
    if list_labs().get(lab.name) is None:
        return
    lab._progress.line(f"removing the previous lab {lab.name!r} (replace=True)")
    lab._retire_namesakes()
    remove_lab(lab.name)


def create_network(lab: "Lab") -> None:
    """Create the lab's network; a lab of the same name that still exists makes this fail."""
    if list_labs().get(lab.name) is not None:
        raise LabExists(f"a lab named {lab.name!r} already exists: stop it (`labkit down {lab.name}`), "
                        "attach to it with Lab.attach(name), or pass replace=True")
    lab._network = prov.create_network(lab.name, lab._instance)


def nodes_of(lab: "Lab", role: str) -> list[Node]:
    """The lab's nodes created with this role, in creation order."""
    return [n for n in lab._nodes.values() if n.role == role]


def plan(lab: "Lab", role: str, count: int, start: int = 1) -> list[Node]:
    """Name and address `count` new nodes of a role, numbered from `start`."""
    nodes = []
    for i in range(start, start + count):
        lab._ip_index += 1  # IPs are never reused within a lab, even after remove_node
        nodes.append(Node(lab, node_hostname(role, i), role, prov.node_ip(lab._network, lab._ip_index)))
    return nodes


def provision(lab: "Lab", nodes: list[Node]) -> None:
    """Create node containers in parallel; wait for all before returning, even on Ctrl-C."""
    for n in nodes:
        lab._nodes[n.name] = n
    pool = ThreadPoolExecutor(max_workers=min(8, len(nodes)) or 1)
    try:
        futures = [pool.submit(prov.create_node, lab.name, n.name, n.role, lab._network, n.ip, lab.mode,
                               lab.reap, lab._instance) for n in nodes]
        for f in futures:
            f.result()
    finally:
        # Let in-flight creations finish so cleanup (by label) sees every container.
        pool.shutdown(wait=True, cancel_futures=True)
    lab._progress.step(f"$ docker run -d --name {container_name(lab.name, '<node>')} --hostname <node> ... "
                       f"({', '.join(n.name for n in nodes)})")


def provision_nodes(lab: "Lab") -> None:
    """Create every node of the lab's shape while the lab registry starts, then attach the registry."""
    managers, workers = lab.shape
    registry_log: list[str] = []  # printed afterwards: nothing prints from a worker thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        registry = pool.submit(ensure_registry, log=registry_log.append)
        try:
            provision(lab, plan(lab, "manager", managers) + plan(lab, "worker", workers))
        finally:
            registry.exception()  # wait for it either way, so cleanup sees everything
    for line in registry_log:
        lab._progress.line(line)
    registry.result()
    connect_registry(lab._network.name, log=lab._progress.line)


def wait_engines(lab: "Lab", nodes: list[Node] | None = None) -> None:
    """Wait until the Docker engine inside each node answers."""
    nodes = nodes or list(lab._nodes.values())
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        list(pool.map(lambda n: n._wait_engine(), nodes))
    lab._progress.step(f"Docker engines answer in {len(nodes)} node(s)")


def wait_ready(lab: "Lab", names: list[str], timeout: float = 60) -> None:
    """Wait until the swarm reports every named node Ready."""
    lab.wait(lambda s: all(any(n.hostname == h and n.state == "ready" for n in s.nodes) for h in names),
             timeout=timeout, what=f"{len(names)} node(s) Ready", quiet=True)


def add_node(lab: "Lab", role: str) -> Node:
    """Create one more node of a role and join it to the running swarm."""
    # Next free number: after removing worker2 of worker1..3, the new node is worker4, never a second worker3.
    index = 1 + max((int(n[len(role):]) for n in lab._nodes if n.startswith(role)), default=0)
    node = plan(lab, role, 1, start=index)[0]
    try:
        provision(lab, [node])
    except BaseException:
        lab._nodes.pop(node.name, None)
        remove_lab(lab.name, node=node.name)
        raise
    wait_engines(lab, [node])
    join_nodes(lab, [node], role)
    wait_ready(lab, [node.name])
    return node


def remove_node(lab: "Lab", name: str) -> None:
    """Take a node out of the swarm (demote, leave, node rm) and delete its container and volume."""
    node = lab.node(name)
    if node.fault is None:
        if role_now(lab, name) == "manager":
            lab.manager.sh(f"docker node demote {name}", check=False)
        node.sh("docker swarm leave --force", check=False)
    lab.wait(lambda s: not any(n.hostname == name and n.state == "ready" for n in s.nodes), timeout=30,
             what=f"{name} down", quiet=True)
    lab.manager.sh(f"docker node rm --force {name}", check=False)
    remove_lab(lab.name, node=name)
    del lab._nodes[name]


def role_now(lab: "Lab", name: str) -> str:
    """The node's role according to the swarm now (it may have been promoted or demoted)."""
    snap = lab.snapshot()
    try:
        return snap.node(name).role
    except KeyError:
        return lab.node(name).role
