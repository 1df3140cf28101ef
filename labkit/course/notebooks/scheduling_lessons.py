"""Notebook 12 (scheduling and resources): the commands its cells and resets share, what a placement spec says,
the learner's written predictions, and the lesson steps' checks."""

from __future__ import annotations

import re

from ..model import Evidence, Step, Verdict, failed, passed, waiting
from ..steps import sh
from ..verdicts import missing_service, nodes_text, once_placed, placement_text, requires_service
from ...swarm.answers import instant

ZONES = ("docker node update --label-add zone=a worker1\ndocker node update --label-add zone=a worker2\n"
         "docker node update --label-add zone=b worker3")
SPREAD_FILE = "/root/predict-spread"
FIT_FILE = "/root/predict-fit"
WEB = "docker service create --detach --name web --replicas 6 --placement-pref spread=node.labels.zone labkit/whoami"
HALF = ("MEM=$(docker node inspect self --format '{{.Description.Resources.MemoryBytes}}')\n"
        "docker service create --detach --name half --replicas 9 --reserve-memory $((MEM * 2 / 5)) labkit/whoami")


def zones() -> Step:
    """The section resets' first step: worker1 and worker2 in zone a, worker3 in zone b, manager1 unlabelled."""
    return sh("manager1", ZONES)


def read_probe(path: str) -> str:
    """The read-only command that shows when a prediction file was written (epoch seconds) and what it says."""
    return f"stat -c %Y {path} && cat {path}"


def prediction(ev: Evidence, path: str) -> tuple[float, str] | None:
    """(when it was written, what it says) of a prediction file on manager1; None if there is none."""
    if ev.exit_code("manager1", read_probe(path)) != 0:
        return None
    first, _, rest = ev.output("manager1", read_probe(path)).strip().partition("\n")
    try:
        return float(first.strip()), rest.strip()
    except ValueError:
        return None


def counts_said(text: str) -> dict[str, int]:
    """ "manager1=2 worker1=1" (or "manager1: 2", one per line) as {hostname: count}, zero counts left out."""
    return {h: int(n) for h, n in re.findall(r"([A-Za-z][\w.-]*)\s*[=:]\s*(\d+)", text) if int(n)}


def spec_of(ev: Evidence, service: str) -> dict:
    """A service's raw spec (needs "services"), or {}."""
    return ev.service_spec(service) or {}


def placement_spec(ev: Evidence, service: str) -> dict:
    """A service's Placement: Constraints, Preferences, MaxReplicas (needs "services")."""
    return spec_of(ev, service).get("TaskTemplate", {}).get("Placement") or {}


def node_labels(ev: Evidence) -> dict[str, dict[str, str]]:
    """Every node's swarm labels by hostname (needs "nodes")."""
    return {
        n.get("Description", {}).get("Hostname", ""): dict(n.get("Spec", {}).get("Labels") or {})
        for n in ev.api.get("nodes") or []
    }


def too_late(ev: Evidence, service: str, written: float, path: str) -> Verdict | None:
    """A failed verdict if the prediction was written after the service was created (it saw the answer)."""
    created = instant(ev.snapshot.service(service).created_at)
    if created is not None and written > created:
        return failed(f"{path} was written after {service} was created: a guess made once the tasks are placed is "
                      f"no prediction; expected the prediction first (docker service rm {service}, write it, then "
                      f"create {service} again)")
    return None


def no_prediction(ev: Evidence, service: str, path: str) -> Verdict:
    """What the check says when manager1 has no prediction file."""
    if any(s.name == service for s in ev.snapshot.services):
        return failed(f"{service} already runs and there is no prediction in {path} on manager1: a guess made once "
                      f"the tasks are placed is no prediction; expected the prediction first (docker service rm "
                      f"{service}, write it, then create {service} again)")
    return failed(f"no prediction in {path} on manager1 yet; expected your prediction there, then {service} created "
                  "with the command above")


def stuck(ev: Evidence, service: str) -> list:
    """A service's current tasks the scheduler could not place (Pending with an error saying why)."""
    return [t for t in ev.snapshot.tasks_of(service) if t.state == "pending" and t.error]


# -- lesson checks ------------------------------------------------------------------------------
def zones_labelled(ev: Evidence) -> Verdict:
    """worker1 and worker2 carry zone=a, worker3 zone=b, and manager1 no zone label."""
    labels = node_labels(ev)
    want = {"worker1": "a", "worker2": "a", "worker3": "b"}
    for host, zone in want.items():
        got = labels.get(host, {}).get("zone")
        if got != zone:
            return failed(f"{host} has " + (f"zone={got}" if got else "no zone label") + f"; expected zone={zone}")
    if "zone" in labels.get("manager1", {}):
        return failed(f"manager1 has zone={labels['manager1']['zone']}; expected manager1 without a zone label")
    return passed("zone=a on worker1 and worker2, zone=b on worker3; manager1 has no zone label")


@requires_service("api")
def api_in_zone_a(ev: Evidence) -> Verdict:
    """api's 3 tasks run only on the zone a nodes."""
    where = placement_text(ev.snapshot, "api")
    return once_placed(ev.snapshot, "api", 3, ("worker1", "worker2"),
                       passed(f"api runs only in zone a: {where}"),
                       failed(f"api runs {where}; expected its tasks on worker1 and worker2 only"))


@requires_service("pinned")
def two_rules(ev: Evidence) -> Verdict:
    """pinned: workers only and not worker1, so both tasks run on worker2 and worker3."""
    where = placement_text(ev.snapshot, "pinned")
    return once_placed(ev.snapshot, "pinned", 2, ("worker2", "worker3"),
                       passed(f"both constraints hold: pinned runs {where}"),
                       failed(f"pinned runs {where}; expected worker2 and worker3 only"))


@requires_service("solo")
def solo_one_pending(ev: Evidence) -> Verdict:
    """solo: 3 replicas, at most one per node, on the 2 zone a nodes: 2 run, 1 stays Pending."""
    snap = ev.snapshot
    waiting_tasks = stuck(ev, "solo")
    if len(snap.running("solo")) == 2 and len(waiting_tasks) == 1:
        t = waiting_tasks[0]
        return passed(f"2 tasks run ({placement_text(snap, 'solo')}); {t.label} is Pending: {t.error}")
    return waiting(f"solo runs {placement_text(snap, 'solo')}; waiting for 2 running and 1 Pending")


@requires_service("big")
def big_pending(ev: Evidence) -> Verdict:
    """big reserves more memory than any node has: its task stays Pending, and says why."""
    snap = ev.snapshot
    if (tasks := stuck(ev, "big")) and "insufficient resources" in tasks[0].error:
        return passed(f"{tasks[0].label} is Pending: {tasks[0].error}")
    return waiting(f"big runs {placement_text(snap, 'big')}; waiting for its task to be refused by every node")


@requires_service("big")
def big_runs(ev: Evidence) -> Verdict:
    """big's reservation lowered: its task is placed and runs."""
    snap = ev.snapshot
    wanted = (spec_of(ev, "big").get("TaskTemplate", {}).get("Resources") or {}).get("Reservations") or {}
    if wanted.get("MemoryBytes", 0) > 1 << 30:
        return failed(f"big still reserves {wanted['MemoryBytes'] >> 30} GiB; expected 64 MiB")
    if snap.running("big"):
        return passed(f"big fits now and runs on {nodes_text(sorted(snap.placement('big')))}")
    return waiting("big reserves 64 MiB; waiting for its task to run")


def agent_on_worker4(ev: Evidence) -> Verdict:
    """worker4 joined: the global agent started a task there by itself, and still none on a manager."""
    snap = ev.snapshot
    if not any(n.hostname == "worker4" for n in snap.nodes):
        return failed("worker4 is not in the swarm; expected lab.add_worker() to have added it")
    if (v := missing_service(snap, "agent")) is not None:
        return v
    on_managers = [h for h in snap.placement("agent") if snap.node(h).role == "manager"]
    if on_managers:
        return failed(f"agent runs on {nodes_text(on_managers)}, a manager; expected workers only")
    if snap.placement("agent").get("worker4") == 1:
        return passed(f"worker4 got its agent task by itself: {placement_text(snap, 'agent')}")
    return waiting(f"agent runs {placement_text(snap, 'agent')}; waiting for worker4's task")
