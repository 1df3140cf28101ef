"""Starting a lab: a plain list of small named steps, each a function of the LabState, the way kind builds a cluster.

    prepare → (replace: remove the previous lab) → claim the name (network) → provision nodes and the
    registry → wait for engines → docker swarm init → join managers → join workers → wait Ready → mark ready

`start_steps` says which steps a start takes; runner.py runs them in order and,
if one fails, removes what this start created unless asked to keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..base.errors import LabExists
from ..base.facts import lab_exists, labels_for
from ..host import containers, inventory, networks, probe, registry, teardown
from ..images import ensure_images, registry_plan
from ..images.boot import node_command
from ..images.specs import NODE
from .context import LabState, NodeRecord
from .formation import init_swarm, join_nodes
from .memory import check_memory
from .node import Node
from .waits import all_ready, wait_for

__all__ = ["start_steps", "Step", "REMOVE_PREVIOUS", "provision", "wait_engines", "wait_ready", "nodes_created_as"]


@dataclass(frozen=True, eq=False)
class Step:
    """One start step: the words a learner reads (and a failure names), and what it does to the lab."""

    title: str
    run: Callable[[LabState], None]


def nodes_created_as(state: LabState, role: str) -> list[str]:
    """Hostnames of the nodes created with this role, in creation order."""
    return [h for h, rec in state.nodes.items() if rec.created_role == role]


def _nodes(state: LabState, role: str) -> list[Node]:
    return [Node(state, h) for h in nodes_created_as(state, role)]


def _first_manager(state: LabState) -> Node:
    return Node(state, nodes_created_as(state, "manager")[0])


def prepare(state: LabState, in_advance: bool = False) -> None:
    """Make sure the images are there, know how nodes run on this engine (measured once per engine), and that the
    lab fits the memory the engine gives labs, if it says (a workshop's limit; prepared labs may make room for a
    start, never for another lab in advance)."""
    check_memory(state, state.managers + state.workers, may_release=not in_advance)  # first: refused at once
    ensure_images(log=state.report.line)
    mode = probe.node_mode(NODE.tag)
    state.choose_runtime(NODE.tag, mode)
    state.report.line("nodes run in " + mode.explanation())


def remove_previous(state: LabState) -> None:
    """replace=True: remove a lab of the same name first (re-running a notebook)."""
    if state.name in inventory.find_labs(state.name):
        state.report.line(f"removing the previous lab {state.name!r} (replace=True)")
        teardown.remove_lab(state.name)


def claim_network(state: LabState) -> None:
    """Create the lab's network: this claims the name (LabExists if another lab has it)."""
    if state.name in inventory.find_labs(state.name):
        raise LabExists(lab_exists(state.name))
    labels = labels_for(
        "network",
        state.name,
        instance=state.instance,
        shape=f"{state.managers}+{state.workers}",
        heartbeat=state.heartbeat or "",
        swarm=str(state.swarm).lower(),
    )
    state.use_network(networks.create_lab_network(state.name, labels))


def provision(state: LabState, records: list[NodeRecord]) -> None:
    """Create node containers in parallel; wait for all before returning, even on Ctrl-C."""
    for rec in records:
        state.add_node(rec)
    if state.mode is None:  # a lab attached from its labels knows how it runs only when it adds a node
        image = state.node_image or NODE.tag
        state.choose_runtime(image, probe.node_mode(image))
    assert state.network is not None and state.mode is not None
    # By id: while two starts race for one name, two networks of that name may exist for an instant.
    specs = [
        containers.NodeSpec(
            state.name,
            r.hostname,
            r.created_role,
            r.ip,
            state.network.id,
            state.node_image,
            state.mode,
            state.instance,
            node_command(state.name, r.hostname, state.mode),
        )
        for r in records
    ]
    pool = ThreadPoolExecutor(max_workers=min(8, len(specs)) or 1)
    try:
        for future in [pool.submit(containers.create_node, spec) for spec in specs]:
            future.result()
    finally:
        # Let in-flight creations finish so cleanup (by label) sees every container.
        pool.shutdown(wait=True, cancel_futures=True)
    state.report.step(
        f"$ docker run -d --name {state.container_of('<node>')} --hostname <node> ... "
        f"({', '.join(r.hostname for r in records)})"
    )


def provision_all(state: LabState) -> None:
    """Create every node of the planned shape while the lab registry starts, then attach the registry."""
    plan = registry_plan()
    records = [state.plan_node("manager", i) for i in range(1, state.managers + 1)]
    records += [state.plan_node("worker", i) for i in range(1, state.workers + 1)]
    registry_log: list[str] = []  # printed afterwards: nothing prints from a worker thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = pool.submit(registry.ensure_registry, plan, registry_log.append)
        try:
            provision(state, records)
        finally:
            started.exception()  # wait for it either way, so cleanup sees everything
    for line in registry_log:
        state.report.line(line)
    started.result()
    assert state.network is not None
    registry.connect_registry(state.network.id, plan, log=state.report.line)


def wait_engines(state: LabState, hostnames: list[str]) -> None:
    """Wait until the Docker engine inside each named node answers."""
    with ThreadPoolExecutor(max_workers=max(1, len(hostnames))) as pool:
        list(pool.map(lambda h: Node(state, h).wait_engine(), hostnames))
    state.report.step(f"Docker engines answer in {len(hostnames)} node(s)")


def wait_ready(state: LabState, hostnames: list[str], timeout: float = 60) -> None:
    """Wait until the swarm reports every named node Ready."""
    wait_for(state, all_ready(hostnames), timeout=timeout, what=f"{len(hostnames)} node(s) Ready", quiet=True)


# The steps, as objects: the front end may act on one of them by identity (never by matching its title).
PREPARE = Step("prepare engine and images", prepare)
PREPARE_IN_ADVANCE = Step(PREPARE.title, lambda s: prepare(s, in_advance=True))
REMOVE_PREVIOUS = Step("remove the previous lab of that name", remove_previous)
CLAIM_NETWORK = Step("create the lab network", claim_network)
PROVISION = Step("provision nodes and the lab registry", provision_all)
WAIT_ENGINES = Step("wait for each node's Docker engine", lambda s: wait_engines(s, list(s.nodes)))
INIT_SWARM = Step("docker swarm init", lambda s: init_swarm(s, _first_manager(s)))
JOIN_MANAGERS = Step("join managers", lambda s: join_nodes(s, _first_manager(s), _nodes(s, "manager")[1:], "manager"))
JOIN_WORKERS = Step("join workers", lambda s: join_nodes(s, _first_manager(s), _nodes(s, "worker"), "worker"))
WAIT_READY = Step("wait until every node is Ready", lambda s: wait_ready(s, list(s.nodes)))
MARK_PREPARED = Step("mark the lab prepared", lambda s: inventory.mark_prepared(s.name, s.instance))
MARK_READY = Step("mark the lab ready", lambda s: inventory.mark_ready(s.name, s.instance))


def start_steps(replace: bool, swarm: bool, in_advance: bool = False) -> list[Step]:
    """The steps of a start, in order; `in_advance` marks the lab prepared (for a later start of its name to take)
    instead of ready."""
    first = PREPARE_IN_ADVANCE if in_advance else PREPARE
    steps = [first] + ([REMOVE_PREVIOUS] if replace else []) + [CLAIM_NETWORK, PROVISION, WAIT_ENGINES]
    if swarm:
        steps += [INIT_SWARM, JOIN_MANAGERS, JOIN_WORKERS, WAIT_READY]
    return steps + [MARK_PREPARED if in_advance else MARK_READY]
