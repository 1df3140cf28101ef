"""06 · Desired state and node failure: 10 replicas, a crashed worker, reconciliation, rebalance, a partition."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Step, Verdict, failed, passed, waiting
from ..steps import sh, wait
from ..verdicts import active_nodes, missing_service, nodes_text, placement_text

NODES = ("manager1", "worker1", "worker2", "worker3")
WEB = "docker service create -d --name web --replicas 10 nginx"
AGENT = "docker service create -d --name agent --mode global busybox sleep 1d"
# Read-only probe: how many web containers run in each node (the node's own engine, reached from the host).
COUNT = "docker ps -q --filter name=web | wc -l"
CONTAINERS = tuple((h, COUNT) for h in NODES)
UNDO = {"killed": "start", "stopped": "start", "paused": "unpause", "disconnected": "reconnect"}


def _services_up(agents: int = 4) -> tuple[Step, ...]:
    return (sh("manager1", WEB), sh("manager1", AGENT),
            wait(lambda s: len(s.running("web")) == 10 and len(s.running("agent")) == agents,
                 f"10 web and {agents} agent tasks running", 120))


def _kill_a_two(lab) -> None:
    placement = lab.snapshot().placement("web")
    lab.node(min(h for h, n in placement.items() if h.startswith("worker") and n == 2)).kill()


CRASHED = _services_up() + (
    Step("lab.node(<the first worker holding 2 web tasks>).kill()", _kill_a_two),
    wait(lambda s: any(n.fault == "killed" and n.state == "down" for n in s.nodes), "the killed worker Down", 30))
RECONCILED = CRASHED + (
    wait(lambda s: len(s.running("web")) == 10 and not any(n.fault for n in s.nodes
                                                              if n.hostname in s.placement("web")),
         "10 web tasks running, none on the killed worker", 60),)


def faulted_nodes(ev: Evidence, kind: str) -> list[str]:
    """Nodes whose container has this fault."""
    return [n.hostname for n in ev.snapshot.nodes if n.fault == kind]


def faults_text(ev: Evidence) -> str:
    """"worker3 killed" for every faulted node, or "none"."""
    return ", ".join(f"{n.hostname} {n.fault}" for n in ev.snapshot.nodes if n.fault) or "none"


def the_one(ev: Evidence, kind: str, what: str) -> tuple[str, Verdict | None]:
    """The one node with this fault, or ("", a failed verdict naming what is wrong instead)."""
    found = faulted_nodes(ev, kind)
    if len(found) > 1:
        return "", failed(f"{' and '.join(found)} are {kind}; expected one")
    if found:
        return found[0], None
    for n in ev.snapshot.nodes:
        if n.fault:  # the first other fault is in the way
            return "", failed(f"{n.hostname} is {n.fault}, not {kind}; expected {what} — press "
                              f"{UNDO.get(n.fault, 'start')} on {n.hostname} first")
    return "", failed(f"no node is {kind} (faults: none); expected {what}")


def web_count(ev: Evidence, node: str) -> int | None:
    """web containers running in a node, as its own engine says (None if it could not be asked)."""
    out = ev.output(node, COUNT).strip()
    return int(out) if ev.exit_code(node, COUNT) == 0 and out.isdigit() else None


def left_running(ev: Evidence, node: str) -> list:
    """web tasks the swarm last saw running on a node but no longer wants (desired shutdown)."""
    return [t for t in ev.snapshot.tasks_of("web", current=False)
            if t.node_hostname == node and t.state == "running" and t.desired_state == "shutdown"]


# -- lesson checks ------------------------------------------------------------------------------
def ten_and_agent(ev: Evidence) -> Verdict:
    """The article's 10 replicas, plus a global agent on each of the 4 nodes."""
    snap = ev.snapshot
    for name in ("web", "agent"):
        if (v := missing_service(snap, name)) is not None:
            return v
    if snap.service("web").replicas != 10 or snap.service("agent").mode != "global":
        return failed(f"web wants {snap.service('web').replicas} replicas and agent is {snap.service('agent').mode}; "
                      "expected 10 web replicas and a global agent")
    if len(snap.running("web")) == 10 and set(snap.placement("agent")) == set(NODES):
        return passed(f"10/10 web tasks ({placement_text(snap, 'web')}) and one agent task on each of the 4 nodes")
    return waiting(f"web runs {len(snap.running('web'))}/10, agent {len(snap.running('agent'))}/4")


def killed_node_down(ev: Evidence) -> Verdict:
    """The killed worker is marked Down: its heartbeats stopped."""
    victim, problem = the_one(ev, "killed", "one worker killed")
    if problem:
        return problem
    period = (ev.api.get("swarm") or {}).get("Spec", {}).get("Dispatcher", {}).get("HeartbeatPeriod", 0) / 1e9
    if ev.snapshot.node(victim).state != "down":
        return waiting(f"{victim} is killed; the manager lists it {ev.snapshot.node(victim).state} until its "
                       "heartbeats are overdue")
    return passed(f"{victim} is Down ({ev.snapshot.node(victim).message or 'heartbeat failure'}): with a {period:g} s "
                  f"heartbeat that takes ≈ {period * 2 - 1:g}–{period * 3 + 1.5:g} s after a crash")


def _web_replaced(ev: Evidence, fault: str, what: str) -> tuple[str, Verdict | None]:
    """The worker with this fault, and why web is not yet 10 tasks elsewhere with that worker Down (None: it is)."""
    node, problem = the_one(ev, fault, what)
    if problem:
        return node, problem
    snap = ev.snapshot
    if snap.node(node).state != "down" or len(snap.running("web")) != 10 or node in snap.placement("web"):
        return node, waiting(f"{node} is {snap.node(node).state}; web runs {len(snap.running('web'))}/10 "
                             f"({placement_text(snap, 'web')})")
    return node, None


def reconciled(ev: Evidence) -> Verdict:
    """10 web tasks run again, none on the dead node, whose old tasks stay listed there (desired shutdown)."""
    victim, problem = _web_replaced(ev, "killed", "one worker killed")
    if problem:
        return problem
    snap = ev.snapshot
    old = left_running(ev, victim)
    return passed(f"10 web tasks run again, none on {victim} ({placement_text(snap, 'web')}); {victim}'s "
                  f"{len(old)} old task(s) ({', '.join(t.label for t in old)}) are still listed there, desired "
                  "shutdown")


def back_empty(ev: Evidence) -> Verdict:
    """The crashed node is back: Ready, its global agent task again, and no web task."""
    snap = ev.snapshot
    if any(n.fault for n in snap.nodes):
        return failed(f"{faults_text(ev)}: it is still down; expected it started again")
    if len(active_nodes(snap)) != 4 or set(snap.placement("agent")) != set(NODES):
        return waiting(f"nodes Ready: {nodes_text(active_nodes(snap))}; agent on {placement_text(snap, 'agent')}")
    empty = [h for h in NODES if h not in snap.placement("web")]
    if len(empty) != 1:
        return failed(f"web runs {placement_text(snap, 'web')}; expected the restarted node to run none (tasks are "
                      "never moved back)")
    return passed(f"{empty[0]} is back: Ready, with a new agent task (agent on all 4 nodes), and no web task "
                  f"({placement_text(snap, 'web')})")


def partition_replaced(ev: Evidence) -> Verdict:
    """The cut-off worker is Down and its web tasks were replaced on the other nodes."""
    cut, problem = _web_replaced(ev, "disconnected", "one worker cut off")
    if problem:
        return problem
    snap = ev.snapshot
    return passed(f"{cut} is Down for the managers and web runs 10 tasks elsewhere: {placement_text(snap, 'web')}")


def extra_copies(ev: Evidence) -> Verdict:
    """The cut-off node still runs its old web containers: more copies than desired."""
    cut, problem = the_one(ev, "disconnected", "one worker cut off")
    if problem:
        return problem
    old, still = left_running(ev, cut), web_count(ev, cut)
    if ev.snapshot.node(cut).state != "down" or not old:
        return waiting(f"{cut} is {ev.snapshot.node(cut).state}; waiting for the managers to replace its tasks")
    if still != len(old):
        return failed(f"{cut} runs {still} web container(s); expected its {len(old)} old task(s) still running")
    total = len(ev.snapshot.running("web")) + still
    return passed(f"{cut} still runs its {still} old web containers: right now {total} copies of web run, for 10 "
                  "desired")


def partition_healed(ev: Evidence) -> Verdict:
    """Reconnected: the node is Ready, its old web containers stopped, exactly 10 web containers in the swarm."""
    snap = ev.snapshot
    if faulted_nodes(ev, "disconnected"):
        return failed(f"{nodes_text(faulted_nodes(ev, 'disconnected'))} is still cut off; expected it reconnected")
    if any(n.fault for n in snap.nodes):
        return failed(f"{faults_text(ev)}; expected every node running and connected")
    counts = {h: web_count(ev, h) for h in NODES}
    empty = [h for h in NODES if h not in snap.placement("web")]
    total = sum(c or 0 for c in counts.values())
    if len(active_nodes(snap)) != 4 or len(empty) != 1 or counts[empty[0]] != 0 or total != 10:
        return waiting(f"nodes Ready: {nodes_text(active_nodes(snap))}; web containers per node: "
                       + ", ".join(f"{h} {c}" for h, c in counts.items()))
    return passed(f"{empty[0]} is Ready and stopped its old web containers: exactly 10 web containers run in the swarm "
                  f"({placement_text(snap, 'web')})")


# -- exercises ----------------------------------------------------------------------------------
def crash_a_worker(ev: Evidence) -> Verdict:
    """Board exercise: kill (not stop) a worker that holds exactly 2 of web's 10 tasks."""
    victim, problem = the_one(ev, "killed", "one worker killed")
    if problem:
        return problem
    if not victim.startswith("worker"):
        return failed(f"{victim} is killed: the only manager, so nothing can be rescheduled; expected a worker — "
                      f"press start on {victim}, then kill a worker")
    held = [t for t in ev.snapshot.tasks_of("web", current=False) if t.node_hostname == victim and t.state == "running"]
    if len(held) != 2:
        return failed(f"{victim} held {len(held)} web task(s) when it was killed; expected a worker holding "
                      'exactly 2 — reset("06", section="crash") and try again')
    return passed(f"{victim} is killed, with 2 of web's tasks on it ({', '.join(t.label for t in held)})")


def rebalance(ev: Evidence) -> Verdict:
    """Exercise: web spread over all 4 nodes again, 2 or 3 tasks each, still 10 replicas."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if svc.replicas != 10:
        return failed(f"web wants {svc.replicas} replicas; expected 10 — scaling adds or removes tasks, it does not "
                      "move the others")
    off = [f"{n.hostname} is {n.availability if n.state == 'ready' else n.state}" for n in snap.nodes
           if n.availability != "active" or n.state != "ready"]
    if off:
        return failed(f"{', '.join(off)}; expected every node Ready and active")
    if svc.update_state in ("paused", "rollback_started", "rollback_paused", "rollback_completed"):
        return failed(f"web's update is {svc.update_state}: {svc.update_message}; expected it completed")
    counts = {h: snap.placement("web").get(h, 0) for h in NODES}
    spread = ", ".join(f"{h} {c}" for h, c in counts.items())
    if svc.update_state == "updating" or len(snap.running("web")) != 10:
        return waiting(f"web's tasks per node: {spread} ({svc.update_state or 'not updating'})")
    if all(c in (2, 3) for c in counts.values()):
        return passed(f"web is spread again: {spread}")
    bare = [h for h, c in counts.items() if c == 0]
    return failed(f"web's tasks per node: {spread}" + (f" — {nodes_text(bare)} still runs none" if bare else "")
                  + "; expected 2 or 3 on every node")


def cut_off_a_worker(ev: Evidence) -> Verdict:
    """Board exercise: disconnect (not kill) a worker that runs web tasks."""
    cut, problem = the_one(ev, "disconnected", "one worker cut off")
    if problem:
        return problem
    if not cut.startswith("worker"):
        return failed(f"{cut} is cut off: the only manager hears no one, so the swarm cannot react; expected a "
                      f"worker — press reconnect on {cut}")
    held = [t for t in ev.snapshot.tasks_of("web", current=False) if t.node_hostname == cut and t.state == "running"]
    if not held:
        return failed(f"{cut} runs no web task; expected a worker that runs web tasks — press reconnect on {cut}")
    return passed(f"{cut} is cut off the network with {len(held)} web task(s) on it; its containers keep running")


BOARD_KILL = ('p = lab.snapshot().placement("web")\nboard = lab.board()\n'
              'board.act("kill", min(h for h, n in p.items() if h.startswith("worker") and n == 2))\nboard.wait()')
BOARD_CUT = ('p = lab.snapshot().placement("web")\nboard = lab.board()\n'
             'board.act("disconnect", max(sorted(h for h in p if h.startswith("worker")), key=p.get))\nboard.wait()')

PLAN = NotebookPlan(
    "06", "Desired state and node failure", "06-desired-state-and-node-failure.ipynb", managers=1, workers=3,
    sections=(
        Section("heartbeat", "How a manager knows a node is alive: heartbeats"),
        Section("ten-replicas", "The article's example: 10 replicas"),
        Section("board", "The board", _services_up()),
        Section("crash", "Crash the worker", _services_up()),
        Section("reconciliation", "Reconciliation: two replacements, elsewhere", CRASHED),
        Section("global-on-dead-node", "What about the global service?", RECONCILED),
        Section("bring-back", "Bring the node back", RECONCILED),
        Section("rebalance", "Rebalance: spread the service again", (
            sh("manager1", "docker node update --availability drain worker3"), *_services_up(agents=3),
            sh("manager1", "docker node update --availability active worker3"),
            wait(lambda s: len(s.running("agent")) == 4, "agent back on worker3 (and no web task there)", 60))),
        Section("partition", "A network partition: cut off, not dead", _services_up()),
    ),
    checks=(
        Check("06-ten-and-agent", "ten-replicas", "10 web replicas and a global agent", ten_and_agent,
              unsolved="there is no service web", wait=120),
        Check("06-crash-a-worker", "crash", "a worker holding 2 replicas crashes", crash_a_worker,
              hints=("The board shows how many web cards each node has.",
                     "Pick a worker column with exactly two web cards; manager1 is not a worker. A crash is not a "
                     "clean stop: which button cuts the power?",
                     "Press kill on a worker whose column shows exactly two web cards."),
              solution=BOARD_KILL, board=True, unsolved="no node is killed", wait=10),
        Check("06-killed-node-down", "crash", "the dead worker is marked Down", killed_node_down,
              unsolved="no node is killed", needs=("swarm",), wait=30),
        Check("06-reconciled", "reconciliation", "two replacements, elsewhere", reconciled,
              unsolved="no node is killed", wait=60),
        Check("06-back-empty", "bring-back", "the node is back, with no web task", back_empty,
              unsolved="still down; expected it started again", wait=60),
        Check("06-rebalance", "rebalance", "web spread over all 4 nodes again", rebalance,
              hints=("Running tasks are never moved. To 'move' them they must be replaced by new tasks, and the "
                     "scheduler puts new tasks on the least loaded nodes.",
                     "A rolling update replaces every task, even when nothing in the spec changed, if you force it.",
                     "The flag is `--force` on `docker service update`; a higher `--update-parallelism` only makes "
                     "it quicker."),
              solution="%%node manager1\ndocker service update -d --force --update-parallelism 3 web",
              unsolved="still runs none", wait=120,
              wrong=(("%%node manager1\ndocker service scale web=12", "expected 10"),)),
        Check("06-cut-off-a-worker", "partition", "a worker cut off the network", cut_off_a_worker,
              hints=("Which board button breaks the network but leaves the node running?",
                     "disconnect does on the host what an unplugged cable does.",
                     "Press disconnect on the worker with the most web cards."),
              solution=BOARD_CUT, board=True, unsolved="no node is disconnected", wait=10),
        Check("06-partition-replaced", "partition", "Down for the managers, replaced", partition_replaced,
              unsolved="no node is disconnected", wait=60),
        Check("06-extra-copies", "partition", "more copies than desired", extra_copies,
              unsolved="no node is disconnected", probes=CONTAINERS, wait=30),
        Check("06-partition-healed", "partition", "healed: exactly 10 copies again", partition_healed,
              unsolved="still cut off", probes=CONTAINERS, wait=90),
    ),
)
