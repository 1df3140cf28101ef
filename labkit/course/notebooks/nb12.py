"""12 · Scheduling and resources: node labels, placement constraints and preferences, replicas per node,
reservations and limits, and the Pending task that says why it waits."""

from __future__ import annotations

import re

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..verdicts import active_nodes, missing_service, nodes_text, one_per_node, placement_text, requires_service
from .scheduling_lessons import FIT_FILE, HALF, SPREAD_FILE, WEB, agent_on_worker4, api_in_zone_a, \
    big_pending, big_runs, counts_said, no_prediction, node_labels, placement_spec, prediction, \
    read_probe, solo_one_pending, spec_of, stuck, too_late, two_rules, zones, zones_labelled


def _groups(ev: Evidence) -> str:
    """The nodes grouped by their zone label: "a (worker1, worker2), b (worker3), no label (manager1)"."""
    labels, groups = node_labels(ev), dict[str, list[str]]()
    for n in ev.snapshot.nodes:
        groups.setdefault(labels.get(n.hostname, {}).get("zone", ""), []).append(n.hostname)
    return ", ".join(f"{z or 'no label'} ({nodes_text(h)})" for z, h in sorted(groups.items(), key=lambda g: not g[0]))


# -- exercises ----------------------------------------------------------------------------------
def predict_spread(ev: Evidence) -> Verdict:
    """Exercise: predict where web's 6 tasks land under spread=node.labels.zone, then create it and compare."""
    snap = ev.snapshot
    if (said := prediction(ev, SPREAD_FILE)) is None:
        return no_prediction(ev, "web", SPREAD_FILE)
    written, text = said
    guess = counts_said(text)
    if not guess:
        return failed(f"{SPREAD_FILE} says {text!r}: no node=count in it; expected e.g. manager1=1 worker1=2 ...")
    if missing_service(snap, "web") is not None:
        return failed(f"your prediction is written ({text}); web does not exist yet; expected web created with the "
                      "command above")
    place = placement_spec(ev, "web")
    spread = [p.get("Spread", {}).get("SpreadDescriptor") for p in place.get("Preferences") or []]
    if snap.service("web").replicas != 6 or spread != ["node.labels.zone"] or place.get("Constraints"):
        return failed("web is not the experiment's service; expected 6 replicas, spread=node.labels.zone and no "
                      "constraint, exactly as the command above")
    if (late := too_late(ev, "web", written, SPREAD_FILE)) is not None:
        return late
    seen = snap.placement("web")
    if sum(seen.values()) < 6:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for its 6 tasks")
    if guess == seen:
        return passed(f"you predicted it: {placement_text(snap, 'web')} (groups: {_groups(ev)})")
    unlabelled = [h for h in seen if "zone" not in node_labels(ev).get(h, {})]
    why = ("; nodes without the zone label form a group of their own" if any(h not in guess for h in unlabelled)
           else "")
    return failed(f"you predicted {', '.join(f'{h} {n}' for h, n in sorted(guess.items()))}; the swarm placed "
                  f"{placement_text(snap, 'web')}: spread shares the tasks equally between the groups {_groups(ev)}"
                  f"{why}")


@requires_service("solo")
def solo_all_running(ev: Evidence) -> Verdict:
    """Exercise: all 3 solo tasks Running, still never two on the same node."""
    snap = ev.snapshot
    replicas, limit = snap.service("solo").replicas, placement_spec(ev, "solo").get("MaxReplicas", 0)
    if replicas != 3:
        return failed(f"solo wants {replicas} replicas; expected 3 replicas, all running")
    if limit != 1:
        doubled = [h for h, n in snap.placement("solo").items() if n > 1]
        shared = f"{nodes_text(doubled)} runs two solo tasks; " if doubled else ""
        return failed(f"solo allows {limit or 'any number of'} task(s) per node: {shared}the rule that keeps its "
                      "tasks apart is gone; expected at most one per node, kept")
    if snap.service("solo").update_state in ("updating", "rollback_started"):
        return waiting(f"solo is being updated; running: {placement_text(snap, 'solo')}")
    if pending := stuck(ev, "solo"):
        return failed(f"{len(pending)} of 3 solo task(s) cannot be placed: {pending[0].error}; expected all 3 "
                      "running, never two on one node")
    if len(snap.running("solo")) == 3 and all(n == 1 for n in snap.placement("solo").values()):
        return passed(f"3 solo tasks on 3 different nodes: {placement_text(snap, 'solo')}")
    return waiting(f"solo runs {placement_text(snap, 'solo')}; waiting for 3 running tasks")


def predict_fit(ev: Evidence) -> Verdict:
    """Exercise: predict how many of half's 9 tasks run and how many stay Pending, then create it and compare."""
    snap = ev.snapshot
    if (said := prediction(ev, FIT_FILE)) is None:
        return no_prediction(ev, "half", FIT_FILE)
    written, text = said
    guess = {k: int(n) for k, n in re.findall(r"(running|pending)\s*[=:]\s*(\d+)", text.lower())}
    if set(guess) != {"running", "pending"}:
        return failed(f"{FIT_FILE} says {text!r}; expected two numbers, e.g. running=5 pending=4")
    if missing_service(snap, "half") is not None:
        return failed(f"your prediction is written ({text}); half does not exist yet; expected half created with the "
                      "cell above")
    reserved = ((spec_of(ev, "half").get("TaskTemplate", {}).get("Resources") or {}).get("Reservations") or {}).get(
        "MemoryBytes", 0)
    if not reserved or snap.service("half").replicas != 9:
        return failed("half is not the experiment's service; expected 9 replicas reserving 40% of a node's memory, "
                      "exactly as the command above")
    if (late := too_late(ev, "half", written, FIT_FILE)) is not None:
        return late
    running, pending = len(snap.running("half")), len(stuck(ev, "half"))
    if running + pending < 9:
        return waiting(f"half: {running} running, {pending} refused; waiting for every task to run or be refused")
    if guess == {"running": running, "pending": pending}:
        return passed(f"you predicted it: {running} running ({placement_text(snap, 'half')}), {pending} Pending")
    memory = min(n.get("Description", {}).get("Resources", {}).get("MemoryBytes", 0) for n in ev.api["nodes"])
    room, nodes = memory // reserved, len(active_nodes(snap))
    return failed(f"you predicted running {guess['running']}, pending {guess['pending']}; the swarm runs {running} "
                  f"and keeps {pending} Pending: each node has room for {room} reservations of "
                  f"{round(100 * reserved / memory)}% of its memory, and {nodes} nodes hold {room * nodes}")


def agent_on_workers(ev: Evidence) -> Verdict:
    """Exercise: agent runs one task on every worker, workers that join later included, and none on a manager."""
    snap = ev.snapshot
    if (v := missing_service(snap, "agent")) is not None:
        return failed(v.text + "; expected agent with one task on every worker")
    svc = snap.service("agent")
    rules = [c.replace(" ", "") for c in placement_spec(ev, "agent").get("Constraints") or []]
    on_managers = [h for h in snap.placement("agent") if snap.node(h).role == "manager"]
    if on_managers:
        return failed(f"agent has a task on {nodes_text(on_managers)}, a manager; expected workers only")
    if not rules:
        managers = [n.hostname for n in snap.nodes if n.role == "manager"]
        return failed(f"agent has no constraint, so {nodes_text(managers)} gets a task too, as a manager; expected "
                      "workers only")
    if svc.mode != "global":
        return failed(f"agent is {svc.mode} with {svc.replicas} replicas: a worker that joins later gets none; "
                      "expected one task on every worker, new workers included")
    if not {"node.role==worker", "node.role!=manager"} & set(rules):
        return failed(f"agent keeps off today's managers with {', '.join(rules)}: a manager added later would get a "
                      "task; expected a rule on the node's role")
    workers = [h for h in active_nodes(snap) if snap.node(h).role == "worker"]
    if one_per_node(snap, "agent", workers):
        return passed(f"agent is global on the workers: one task on each of {nodes_text(workers)}, none on a manager")
    return waiting(f"agent runs {placement_text(snap, 'agent')}; waiting for one on each of {nodes_text(workers)}")


PLAN = NotebookPlan(
    "12", "Scheduling and resources", "12-scheduling-and-resources.ipynb", managers=1, workers=3,
    sections=(
        Section("board", "The live board"),
        Section("labels", "Node labels and placement constraints"),
        Section("spread", "Placement preferences: spread over zones", (zones(),)),
        Section("max-per-node", "At most N tasks per node", (zones(),)),
        Section("resources", "Reservations, limits and the Pending task", (zones(),)),
        Section("global", "Constraints on a global service", (zones(),)),
    ),
    checks=(
        Check("12-zones-labelled", "labels", "zones as node labels", zones_labelled, unsolved="worker1 has no zone",
              needs=("nodes",)),
        Check("12-api-in-zone-a", "labels", "api only in zone a", api_in_zone_a, unsolved="there is no service api"),
        Check("12-two-rules", "labels", "two constraints, both hold", two_rules, unsolved="no service pinned"),
        Check("12-predict-spread", "spread", "predict a spread with an unlabelled node", predict_spread,
              hints=("Spread does not look at nodes one by one: it splits the replicas equally between groups of "
                     "nodes, one group per value of the label, and then spreads each group's share on its nodes.",
                     "Count the groups. Which values does zone take, and does every node that can run web have one?",
                     "Nodes without the label are not left out: together they form one more group, as if their zone "
                     "were empty."),
              solution=f"%%node manager1\necho manager1=2 worker1=1 worker2=1 worker3=2 > {SPREAD_FILE}\n{WEB}",
              unsolved="no prediction in", needs=("services", "nodes"), probes=(("manager1", read_probe(SPREAD_FILE)),),
              wait=60,
              wrong=((f"%%node manager1\necho worker1=2 worker2=1 worker3=3 > {SPREAD_FILE}\n{WEB}",
                      "nodes without the zone label form a group of their own"),
                     (f"%%node manager1\n{WEB}", "a guess made once the tasks are placed is no prediction"))),
        Check("12-solo-one-pending", "max-per-node", "one solo task cannot be placed", solo_one_pending,
              unsolved="no service solo", needs=("services",)),
        Check("12-solo-all-running", "max-per-node", "all solo tasks run, still apart", solo_all_running,
              hints=("Read why the third task waits: `docker service ps --no-trunc solo` names two reasons. "
                     "Which of solo's rules can go without breaking the goal?",
                     "At most one per node is the goal. How many nodes do solo's constraints leave it?",
                     "Remove the zone constraint (`docker service update --constraint-rm`), or make a third node "
                     "satisfy it with a label."),
              solution="%%node manager1\ndocker service update --constraint-rm node.labels.zone==a solo",
              unsolved="cannot be placed", needs=("services",), wait=90,
              wrong=(("%%node manager1\ndocker service update --replicas-max-per-node 0 solo",
                      "the rule that keeps its tasks apart is gone"),
                     ("%%node manager1\ndocker service scale solo=2", "expected 3 replicas"))),
        Check("12-big-pending", "resources", "big stays Pending", big_pending, unsolved="no service big"),
        Check("12-big-runs", "resources", "big fits once it asks less", big_runs, unsolved="still reserves",
              needs=("services",)),
        Check("12-predict-fit", "resources", "predict how many reservations fit", predict_fit,
              hints=("A reservation is held on one node for as long as its task runs there; the scheduler places a "
                     "task only where what is left covers it.",
                     "How many reservations of 40% fit in 100% of one node? Then multiply by the nodes that take "
                     "tasks.",
                     "Every node of this lab takes tasks, manager1 included, and each one reports your whole "
                     "machine's memory as its own."),
              solution=f"%%node manager1\necho running=8 pending=1 > {FIT_FILE}\n{HALF}",
              unsolved="no prediction in", needs=("services", "nodes"), probes=(("manager1", read_probe(FIT_FILE)),),
              wait=60,
              wrong=((f"%%node manager1\necho running=9 pending=0 > {FIT_FILE}\n{HALF}", "has room for 2"),)),
        Check("12-agent-on-workers", "global", "agent on every worker, never a manager", agent_on_workers,
              hints=("Two things at once: a mode that follows the nodes (notebook 04), and a rule that keeps tasks "
                     "off some nodes (this notebook).",
                     "Which node attribute tells a manager from a worker, and stays right for nodes that join later?",
                     "`--mode global` together with a `--constraint` on `node.role`."),
              solution="%%node manager1\ndocker service create --detach --name agent --mode global "
                       "--constraint node.role==worker labkit/whoami",
              unsolved="there is no service agent", needs=("services",), wait=60,
              wrong=(("%%node manager1\ndocker service create --detach --name agent --mode global labkit/whoami",
                      "expected workers only"),
                     ("%%node manager1\ndocker service create --detach --name agent --replicas 3 "
                      "--replicas-max-per-node 1 --constraint node.role==worker labkit/whoami",
                      "a worker that joins later gets none"))),
        Check("12-agent-on-worker4", "global", "worker4 gets its agent", agent_on_worker4,
              unsolved="worker4 is not in the swarm"),
    ),
)
