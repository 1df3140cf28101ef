"""03 · Services and tasks: create, list, inspect, scale (also from the board), a task bound to its node, remove."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait, wait_service
from ..verdicts import missing_service, nodes_text, placement_text

NODES = ("manager1", "worker1", "worker2")
PS = "docker ps -q --no-trunc"  # what runs on a node, read-only: a killed task's container is gone at once
PROBES = tuple((n, PS) for n in NODES)
ENDED = ("failed", "complete", "shutdown", "rejected", "orphaned", "remove")
SIX = "docker service create --detach --name web --replicas 6 nginx"


def _two_each(s) -> bool:
    return s.placement("web") == {n: 2 for n in NODES}


def _replicas(n: int | None) -> str:
    return f"{n} replica{'' if n == 1 else 's'}"


def _container_up(ev: Evidence, t) -> bool | None:
    """Whether a task's container still runs on its node (None if that node could not be asked)."""
    if not t.container_id or not t.node_hostname or ev.exit_code(t.node_hostname, PS) is None:
        return None
    return t.container_id in ev.output(t.node_hostname, PS).split()


def _slot(snap, slot: int):
    """(the slot's ended tasks, oldest first; its running task or None)."""
    tasks = [t for t in snap.tasks_of("web", current=False) if t.slot == slot]
    ended = sorted((t for t in tasks if t.state in ENDED), key=lambda t: t.created_at)
    running = next((t for t in tasks if t.state == "running" and t.desired_state == "running"), None)
    return ended, running


def _first_task_still_up(ev: Evidence, slot: int) -> Verdict:
    """The slot has no history: fail at once if its container still runs, else wait for its node to report."""
    _, cur = _slot(ev.snapshot, slot)
    if cur is None:
        return waiting(f"web.{slot} has no running task yet")
    if _container_up(ev, cur) is False:
        return waiting(f"web.{slot}'s container is gone from {cur.node_hostname}; waiting for the node to report it")
    return failed(f"web.{slot} still runs its first task on {cur.node_hostname} (its container is up); expected that "
                  "task to fail and a new one to replace it")


def _replaced(snap, slot: int) -> Verdict:
    ended, cur = _slot(snap, slot)
    old = ended[-1]
    why = old.error or old.message
    if cur is None:
        return waiting(f"web.{slot}'s task {old.state} on {old.node_hostname}; the swarm starts a new one after the "
                       "restart delay (5 s)")
    return passed(f"web.{slot}: the old task stays on {old.node_hostname}, {old.state} ({why}), as history; a new task "
                  f"runs on {cur.node_hostname}")


# -- lesson checks ------------------------------------------------------------------------------
def web_created(ev: Evidence) -> Verdict:
    """docker service create --name web nginx: one replicated task running."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if svc.mode != "replicated" or svc.replicas != 1:
        return failed(f"web is {svc.mode} with {_replicas(svc.replicas)}; expected the default: replicated, 1 replica")
    running = snap.running("web")
    if not running:
        return waiting("web's task is starting")
    return passed(f"service web: replicated, 1 replica, image {svc.image}; its task runs on {running[0].node_hostname}")


def five_spread(ev: Evidence) -> Verdict:
    """web scaled to 5: the tasks cover all three nodes."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if svc.replicas != 5:
        return failed(f"web wants {_replicas(svc.replicas)}; expected 5")
    placement = snap.placement("web")
    if sum(placement.values()) < 5:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 5")
    if set(placement) != set(NODES):
        return failed(f"web runs {placement_text(snap, 'web')}; expected the 5 tasks spread over all 3 nodes")
    return passed(f"5 tasks spread over all three nodes: {placement_text(snap, 'web')}")


def slot1_replaced(ev: Evidence) -> Verdict:
    """web.1's container killed: its task failed and stays on its node as history; a new task fills slot 1."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    ended, _ = _slot(snap, 1)
    if not ended:
        return _first_task_still_up(ev, 1)
    return _replaced(snap, 1)


def scaled_down(ev: Evidence) -> Verdict:
    """web scaled down to 2."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if svc.replicas != 2:
        return failed(f"web wants {_replicas(svc.replicas)}; expected 2")
    if len(snap.running("web")) != 2:
        return waiting(f"web runs {placement_text(snap, 'web')}; the extra tasks are shutting down")
    return passed(f"web runs 2 tasks: {placement_text(snap, 'web')}")


def all_gone(ev: Evidence) -> Verdict:
    """web removed: no service, and no container left on any node."""
    snap = ev.snapshot
    if snap.services:
        return failed(f"services: {nodes_text([s.name for s in snap.services])}; expected none")
    left = [n for n in NODES if ev.output(n, PS).split()]
    if left:
        return waiting(f"containers still stopping on {nodes_text(left)}")
    return passed("no services, and no container left on any node")


# -- exercises ----------------------------------------------------------------------------------
def two_per_node(ev: Evidence) -> Verdict:
    """Exercise (board): 2 web tasks on each of the 3 nodes."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + '; expected web with 2 tasks per node — reset("03", section="scale")')
    svc = snap.service("web")
    if svc.replicas == 5:
        return failed(f"web wants 5 replicas ({placement_text(snap, 'web')}); expected 2 on each of the 3 nodes")
    if svc.replicas != 6:
        return failed(f"web wants {_replicas(svc.replicas)}: that cannot be 2 on each of 3 nodes; expected 6")
    if len(snap.running("web")) < 6:
        return waiting(f"web wants 6; running: {placement_text(snap, 'web')}")
    if _two_each(snap):
        return passed(f"web wants 6: 2 tasks on each node ({placement_text(snap, 'web')})")
    odd = [f"{n.hostname} is {n.availability if n.state == 'ready' else n.state}" for n in snap.nodes
           if n.state != "ready" or n.availability != "active"]
    if odd:
        return failed(f"web runs 6 tasks placed {placement_text(snap, 'web')}: {', '.join(odd)}; expected every node "
                      "Active and 2 tasks on each")
    return failed(f"web runs 6 tasks placed {placement_text(snap, 'web')}; expected 2 on each node")


def restart_on_failure(ev: Evidence) -> Verdict:
    """Exercise: web's restart policy replaces a task only when it fails (condition on-failure); still 6 replicas."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + '; expected web with 6 replicas — reset("03", section="task-bound")')
    svc = snap.service("web")
    if svc.replicas != 6:
        return failed(f"web wants {_replicas(svc.replicas)}; expected 6 — change only what happens when a task ends")
    policy = ((ev.service_spec("web") or {}).get("TaskTemplate") or {}).get("RestartPolicy") or {}
    condition = policy.get("Condition") or "any"
    if condition == "any":
        return failed("web's restart condition is any (the default): a task that exits cleanly is replaced too; "
                      "expected only failed tasks replaced")
    if condition == "none":
        return failed("web's restart condition is none: a task that fails is not replaced either; expected failed "
                      "tasks still replaced, and clean exits left ended")
    if condition != "on-failure":
        return failed(f"web's restart condition is {condition}; expected on-failure")
    if svc.update_state == "paused":
        return failed(f"web's update to the new restart policy paused: {svc.update_message}")
    running = len(snap.running("web"))
    if svc.update_state == "updating" or running != 6:
        return waiting(f"web's restart condition is on-failure; its tasks are being replaced with the new spec "
                       f"({running} of 6 running)")
    return passed("web's restart condition is on-failure: a task that fails is replaced, one that exits 0 stays "
                  f"ended ({placement_text(snap, 'web')})")


def zero_tasks(ev: Evidence) -> Verdict:
    """Exercise: web keeps existing (name, settings, history) but runs no task."""
    snap = ev.snapshot
    if missing_service(snap, "web") is not None:
        return failed("there is no service web: removing deletes its definition and its history; expected web to still "
                      "exist, with no task — recreate it (docker service create --name web nginx) and try again")
    svc = snap.service("web")
    if svc.mode != "replicated":
        return failed(f"web is {svc.mode}; expected the replicated web, wanting no task")
    running = len(snap.running("web"))
    if svc.replicas != 0:
        odd = [n for n in snap.nodes if n.availability != "active"]
        if odd:
            states = ", ".join(f"{n.hostname} is {n.availability}" for n in odd)
            return failed(f"{states}, and web still wants {svc.replicas} tasks ({running} running): you changed the "
                          "nodes; expected the service to want 0 tasks — set the nodes back to active")
        return failed(f"web still wants {_replicas(svc.replicas)} ({running} running); expected 0")
    if running:
        return waiting(f"web wants 0; {running} task(s) still shutting down")
    return passed("web still exists and wants 0 tasks: none runs (its spec and history are kept)")


PLAN = NotebookPlan(
    "03", "Services and tasks", "03-services-and-tasks.ipynb", managers=1, workers=2,
    sections=(
        Section("services", "Services and tasks / Create a service: docker service create"),
        Section("ls", "List services: docker service ls", (
            sh("manager1", "docker service create --detach --name web nginx"), wait_service("web", 1))),
        Section("ps", "The service's tasks: docker service ps", (
            sh("manager1", "docker service create --detach --name web nginx"), wait_service("web", 1))),
        Section("inspect", "Inspect a service: docker service inspect [--pretty]", (
            sh("manager1", "docker service create --detach --name web nginx"), wait_service("web", 1))),
        Section("scale", "Scale: docker service scale <SERVICE>=<NUMBER-OF-TASKS>", (
            sh("manager1", "docker service create --detach --name web nginx"), wait_service("web", 1))),
        Section("task-bound", "A task is bound to its node", (
            sh("manager1", SIX), wait(_two_each, "2 web tasks on each node"))),
        Section("scale-down", "Scale down", (sh("manager1", SIX), wait(_two_each, "2 web tasks on each node"))),
        Section("remove", "Remove a service: docker service rm <SERVICE-ID>", (
            sh("manager1", "docker service create --detach --name web --replicas 0 nginx"),)),
    ),
    checks=(
        Check("03-web-created", "services", "a service, one task", web_created,
              unsolved="there is no service web", wait=90),
        Check("03-five-spread", "scale", "5 tasks over 3 nodes", five_spread,
              unsolved="web wants 1 replica; expected 5", wait=90),
        Check("03-two-per-node", "scale", "2 tasks per node, from the board", two_per_node,
              hints=("How many tasks is 2 on each of 3 nodes?",
                     "The board's row for web has a scale control: set the number and press scale. The board's log "
                     "shows the command it ran.",
                     "The scheduler spreads a service's tasks evenly: a multiple of the number of nodes gives each "
                     "node the same count."),
              solution='board = lab.board()\nboard.act("scale", "web", 6)\nboard.wait()', board=True,
              unsolved="web wants 5 replicas", wait=60,
              wrong=(('board = lab.board()\nboard.act("scale", "web", 7)\nboard.wait()', "cannot be 2 on each"),)),
        Check("03-slot1-replaced", "task-bound", "a killed task is replaced, not moved", slot1_replaced,
              probes=PROBES, unsolved="web.1 still runs its first task", wait=60),
        Check("03-restart-on-failure", "task-bound", "replace failed tasks only", restart_on_failure,
              needs=("services",),
              hints=("What the swarm does when a task's container ends is web's *restart policy*, part of its spec. "
                     "The cell above named its default.",
                     "A service's spec is changed with `docker service update`; `docker service update --help | grep "
                     "restart` lists the restart settings.",
                     "The setting is `--restart-condition`. Of its three values, `none` replaces nothing and `any` "
                     "everything."),
              solution="%%node manager1\ndocker service update --detach --restart-condition on-failure web",
              unsolved="restart condition is any", wait=120,
              wrong=(("%%node manager1\ndocker service update --detach --restart-condition none web",
                      "not replaced either"),)),
        Check("03-scaled-down", "scale-down", "scaled down to 2", scaled_down,
              unsolved="web wants 6 replicas; expected 2", wait=30),
        Check("03-zero-tasks", "scale-down", "no task, service kept", zero_tasks,
              hints=("How many tasks to run is part of the desired state. Which number means none?",
                     "It is the command used just above, with another number.",
                     "A scale to the number that means none keeps the service, its spec and its history; "
                     "`docker service rm` would delete them."),
              solution="%%node manager1\ndocker service scale web=0",
              unsolved="web still wants 2 replicas", wait=30,
              wrong=(("%%node manager1\ndocker service rm web", "removing deletes its definition"),)),
        Check("03-all-gone", "remove", "service and containers gone", all_gone,
              probes=PROBES, unsolved="services: web; expected none", wait=60),
    ),
)
