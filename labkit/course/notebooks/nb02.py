"""02 · Managing nodes: inspect, promote and demote, availability (pause, drain on the board), leave and remove."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait, wait_service
from ..verdicts import missing_service, nodes_text, placement_text, wrong_replicas

WEB = "docker service create --detach --name web --replicas 4 labkit/whoami"
# What worker3's own engine says (a manager cannot see that a node left until its heartbeats stop).
WORKER3_STATE = ("worker3", "docker info --format '{{.Swarm.LocalNodeState}}'")
UNDO = {"killed": ("kill", "start"), "stopped": ("stop", "start"), "paused": ("pause", "unpause"),
        "disconnected": ("disconnect", "reconnect")}


def _managers(snap) -> list[str]:
    return [n.hostname for n in snap.nodes if n.role == "manager"]


# -- lesson checks ------------------------------------------------------------------------------
def worker1_manager(ev: Evidence) -> Verdict:
    """worker1 promoted: a manager, Reachable."""
    w1 = ev.snapshot.node("worker1")
    if w1.role != "manager":
        return failed(f"worker1 is a {w1.role}; expected it promoted to manager")
    if w1.reachability != "reachable":
        return waiting(f"worker1 is a manager, {w1.reachability or 'not yet in the Raft group'}")
    return passed("worker1 is a manager now, Reachable (manager1 still leads)")


def one_manager(ev: Evidence) -> Verdict:
    """worker1 demoted: manager1 is the only manager again."""
    snap = ev.snapshot
    managers = _managers(snap)
    if managers != ["manager1"]:
        return failed(f"managers: {nodes_text(managers)}; expected manager1 alone")
    leaving = [n.hostname for n in snap.nodes if n.hostname != "manager1" and n.reachability is not None]
    if leaving:
        return waiting(f"{nodes_text(leaving)}: leaving the Raft group")
    return passed("manager1 is the only manager again; worker1, worker2 and worker3 are workers")


def pause_keeps_task(ev: Evidence) -> Verdict:
    """web scaled to 8 while worker2 is paused: worker2 keeps its one task and gets no new one."""
    snap = ev.snapshot
    w2 = snap.node("worker2")
    if w2.availability != "pause":
        return failed(f"worker2 is {w2.availability}; expected it paused (docker node update --availability pause)")
    if (v := wrong_replicas(snap, "web", 8)) is not None:
        return v
    placement = snap.placement("web")
    if sum(placement.values()) < 8:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 8")
    if placement.get("worker2", 0) != 1:
        return failed(f"worker2 runs {placement.get('worker2', 0)} web task(s); expected exactly its first one: a "
                      "paused node keeps its tasks and gets no new one")
    return passed(f"8 tasks ({placement_text(snap, 'web')}): paused worker2 kept its task and got no new one")


def active_no_rebalance(ev: Evidence) -> Verdict:
    """worker2 active again, and still empty: running tasks are not moved back."""
    snap = ev.snapshot
    w2 = snap.node("worker2")
    if w2.availability != "active":
        return failed(f"worker2 is {w2.availability}; expected active again")
    here = snap.placement("web").get("worker2", 0)
    if here:
        return failed(f"worker2 runs {here} web task(s); expected none: the swarm does not move running tasks back")
    return passed(f"worker2 is active and runs no web task ({placement_text(snap, 'web')}): nothing was moved back")


def worker3_down(ev: Evidence) -> Verdict:
    """worker3 left the swarm (its own engine says so) and the managers mark it Down."""
    snap = ev.snapshot
    if "worker3" not in [n.hostname for n in snap.nodes]:
        return failed("worker3 is no longer listed; expected it listed Down once it left (the next cell removes it)")
    w3 = snap.node("worker3")
    if w3.fault:
        return failed(f"worker3's container is {w3.fault}; expected it running, its engine out of the swarm "
                      "(docker swarm leave, on worker3)")
    local = ev.output(*WORKER3_STATE).strip() or "unknown"
    if w3.state == "down":
        return passed(f"worker3 left (its docker info says {local}); the managers mark it Down")
    if local != "inactive":
        return failed(f"worker3's engine is still in the swarm (docker info on worker3: {local}); expected it to "
                      "have left (docker swarm leave, on worker3)")
    return waiting(f"worker3 has left; the managers still see it {w3.state} until it misses a few heartbeats")


def worker3_gone(ev: Evidence) -> Verdict:
    """worker3 removed from the managers' list."""
    snap = ev.snapshot
    hosts = [n.hostname for n in snap.nodes]
    if "worker3" in hosts:
        return failed(f"worker3 is still listed ({snap.node('worker3').state}); expected it removed (docker node rm, "
                      "on manager1)")
    lost = [h for h in ("manager1", "worker1", "worker2") if h not in hosts]
    if lost:
        return failed(f"{nodes_text(lost)} is no longer listed either; expected only worker3 removed")
    return passed(f"worker3 is gone from the swarm: {nodes_text(hosts)}")


# -- exercises ----------------------------------------------------------------------------------
def _labels(ev: Evidence) -> dict[str, dict]:
    """Each node's labels (its Spec's), by hostname, from the raw /nodes list."""
    return {n.get("Description", {}).get("Hostname", "?"): (n.get("Spec") or {}).get("Labels") or {}
            for n in ev.api.get("nodes") or []}


def rack_label(ev: Evidence) -> Verdict:
    """Exercise: worker2 carries the node label rack=b (a field of its Spec, set from a manager)."""
    labels = _labels(ev)
    mine = labels.get("worker2", {})
    if mine.get("rack") == "b":
        return passed("worker2's Spec has the label rack=b (docker node inspect shows it under Labels)")
    if "rack" in mine:
        return failed(f"worker2 has rack={mine['rack'] or '(no value)'}; expected the value b: a label is key=value")
    elsewhere = [h for h, ls in sorted(labels.items()) if ls.get("rack") == "b"]
    if elsewhere:
        return failed(f"{nodes_text(elsewhere)} has the label rack=b; expected it on worker2")
    return failed("worker2 has no label rack; expected rack=b in worker2's Spec")


def drain_worker2(ev: Evidence) -> Verdict:
    """Exercise (board): worker2 drained, running no web task, web still at 8 replicas."""
    snap = ev.snapshot
    w2 = snap.node("worker2")
    if w2.fault:
        did, undo = UNDO.get(w2.fault, (w2.fault, "start"))
        return failed(f"worker2's container is {w2.fault} (board: {did}): its tasks are replaced because it looks "
                      f"dead, not because it was drained; expected worker2 up and drained — press {undo} on it, "
                      "then drain")
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + '; expected web with its 8 replicas — reset("02", section="drain")')
    svc = snap.service("web")
    if svc.replicas != 8:
        return failed(f"web wants {svc.replicas} replicas; expected 8 — draining must not lose a replica")
    others = [n.hostname for n in snap.nodes if n.availability == "drain" and n.hostname != "worker2"]
    also = f"{nodes_text(others)} is drained and " if others else ""
    here = [t.label for t in snap.running("web") if t.node_hostname == "worker2"]
    if w2.availability == "pause":
        return failed(f"{also}worker2 is paused: a paused node keeps its task ({nodes_text(here)} still runs there); "
                      "expected worker2 drained — its task shut down and replaced elsewhere")
    if w2.availability != "drain":
        return failed(f"{also}worker2 is {w2.availability}; expected worker2 drained")
    if others:
        return failed(f"{nodes_text(others)} is drained too; expected only worker2 out of scheduling "
                      f"(and {nodes_text(others)} active)")
    still = [t.label for t in snap.tasks_of("web", current=False)
             if t.node_hostname == "worker2" and t.state == "running"]
    if still:
        return waiting(f"worker2 is drained; {nodes_text(still)} is stopping there")
    if len(snap.running("web")) < 8:
        return waiting(f"worker2 is drained; web runs {placement_text(snap, 'web')}, waiting for 8")
    return passed(f"worker2 is drained and runs no web task; web still runs 8 ({placement_text(snap, 'web')})")


PLAN = NotebookPlan(
    "02", "Managing nodes", "02-managing-nodes.ipynb", managers=1, workers=3,
    sections=(
        Section("inspect", "Inspect a node: docker node inspect <NODE-ID> [--pretty]"),
        Section("roles", "Roles: docker node promote and docker node demote"),
        Section("promote", "Promote a worker: docker node promote <HOSTNAME>"),
        Section("demote", "Demote a manager: docker node demote <HOSTNAME>", (
            sh("manager1", "docker node promote worker1"),
            wait(lambda s: sum(n.role == "manager" and n.reachability == "reachable" for n in s.nodes) == 2,
                 "2 Reachable managers", 60))),
        Section("availability", "Availability: active, pause, drain"),
        Section("drain", "Drain", (
            sh("manager1", WEB), wait_service("web", 4),
            sh("manager1", "docker node update --availability pause worker2"),
            sh("manager1", "docker service scale --detach web=8"),
            wait(lambda s: len(s.running("web")) == 8 and s.placement("web").get("worker2") == 1,
                 "8 running tasks of web, 1 of them on worker2"))),
        Section("leave-and-remove", "Leave and remove: docker swarm leave, docker node rm <NODE-ID>"),
        Section("leave-force", "docker swarm leave --force", (
            sh("worker3", "docker swarm leave"),
            wait(lambda s: s.node("worker3").state == "down", "worker3 Down", 60),
            sh("manager1", "docker node rm worker3"))),
    ),
    checks=(
        Check("02-worker1-manager", "promote", "worker1 promoted", worker1_manager,
              unsolved="worker1 is a worker", wait=30),
        Check("02-rack-label", "promote", "worker2 labelled rack=b", rack_label, needs=("nodes",),
              hints=("A label is something *you* decide about a node, so it lives in the node's Spec, next to its "
                     "role and its availability (the inspect section above).",
                     "`promote` is a shortcut that changes one field of a Spec. The general command that changes a "
                     "node's Spec is `docker node update`: its `--help` lists a flag for labels.",
                     "The flag is `--label-add`, and it takes the label as `key=value`."),
              solution="%%node manager1\ndocker node update --label-add rack=b worker2",
              unsolved="worker2 has no label rack", wait=10,
              wrong=(("%%node manager1\ndocker node update --label-add rack=b worker1", "expected it on worker2"),
                     ("%%node manager1\ndocker node update --label-add rack worker2", "expected the value b"))),
        Check("02-one-manager", "demote", "back to one manager", one_manager,
              unsolved="expected manager1 alone", wait=30),
        Check("02-pause-keeps-task", "availability", "a paused node keeps its task", pause_keeps_task,
              unsolved="web wants 4 replicas; expected 8", wait=90),
        Check("02-drain-worker2", "drain", "worker2 drained from the board", drain_worker2,
              hints=("Look at worker2's buttons on the board: one of them changes its availability.",
                     "Pause only stops new tasks from arriving. The other availability also moves the tasks that "
                     "are running.",
                     "The availability that also shuts the running tasks down, so that the swarm replaces them "
                     "elsewhere, is `drain`: a button on every node's column."),
              solution='board = lab.board()\nboard.act("drain", "worker2")\nboard.wait()', board=True,
              unsolved="worker2 is paused: a paused node keeps its task", wait=60,
              wrong=(('board = lab.board()\nboard.act("kill", "worker2")\nboard.wait()', "looks dead"),)),
        Check("02-active-no-rebalance", "drain", "active again, still empty", active_no_rebalance,
              unsolved="worker2 is drain; expected active", wait=30),
        Check("02-worker3-down", "leave-and-remove", "worker3 left: Down", worker3_down,
              probes=(WORKER3_STATE,), unsolved="worker3's engine is still in the swarm", wait=60),
        Check("02-worker3-gone", "leave-and-remove", "worker3 removed", worker3_gone,
              unsolved="worker3 is still listed", wait=10),
    ),
)
