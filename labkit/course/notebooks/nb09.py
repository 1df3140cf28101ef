"""09 · Managers, Raft and quorum: kill the leader, lose the majority, recover with --force-new-cluster."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Step, Verdict, failed, passed, waiting
from ..steps import fault, sh, wait, wait_service
from ..verdicts import missing_service, nodes_text, placement_text, wrong_replicas

WEB = "docker service create -d --name web --replicas {n} labkit/whoami"
# The lab's nodes: a reset crashes manager1 and manager2 (a learner may crash others: checks read the lab instead).
SHAPE = ("manager1", "manager2", "manager3", "worker1", "worker2")


def _remove(host: str) -> Step:
    """Take a node out of the swarm and delete its container, as `lab.remove_node` does."""
    return Step(f"lab.remove_node({host!r})", lambda lab: lab.remove_node(host))


def _running_on_live(snap, service: str) -> int:
    """Running tasks of a service on nodes whose container has no fault (a killed node's tasks still look running
    until the managers mark it Down)."""
    live = {n.hostname for n in snap.nodes if not n.fault}
    return sum(1 for t in snap.running(service) if t.node_hostname in live)


def _web_on_live(n: int):
    return wait(lambda s: _running_on_live(s, "web") == n, f"{n} web tasks on the nodes that run", 90)


def _managers(snap) -> list:
    return [n for n in snap.nodes if n.role == "manager"]


# -- exercise: crash the leader -----------------------------------------------------------------
# A new leader marks every node "unknown" until it re-registers (SwarmKit's dispatcher, markNodesUnknown); a node
# dead through the election never does, and keeps that mark until it goes Down "for node in "unknown" state".
# A follower killed under a leader that stays goes Down for a plain "heartbeat failure".
ELECTED_WHILE_DEAD = '"unknown" state'


def crash_the_leader(ev: Evidence) -> Verdict:
    """Exercise (board): kill the manager that leads when the fault happens (not necessarily manager1: restarting a
    manager moves leadership); a new one is elected. Whether the killed manager led is read from its node status."""
    snap = ev.snapshot
    down = [n for n in snap.nodes if n.fault]
    if not down:
        return failed("no manager is killed (faults: none); expected the leader crashed")
    workers = [n for n in down if n.role != "manager"]
    if workers:
        w = workers[0]
        return failed(f"{w.hostname} is {w.fault}: workers take no part in Raft; expected the leader crashed — "
                      f"press start on {w.hostname}")
    if len(down) > 1:
        names = nodes_text([n.hostname for n in down])
        return failed(f"{len(down)} managers are down ({names}): 1 of 3 is not a majority, so no leader can be "
                      f"elected; expected only the leader crashed — press start on {down[-1].hostname}")
    m = down[0]
    if m.fault != "killed":
        return failed(f"{m.hostname} is {m.fault}; expected a crash (kill)")
    leader = snap.leader
    if leader is None or leader.hostname == m.hostname:
        return waiting(f"{m.hostname} is killed; the other managers are electing a new leader (≈10–19 s)")
    if m.state == "ready":  # killed seconds ago: the managers have not missed its heartbeats yet
        return waiting(f"{m.hostname} is killed; {leader.hostname} leads and has not noticed yet")
    if ELECTED_WHILE_DEAD not in m.message:
        return failed(f"{m.hostname} is killed but {leader.hostname} still leads: {m.hostname} was a follower, so no "
                      f"election was needed; expected the leader ({leader.hostname}) to crash — press start on "
                      f"{m.hostname}, wait until it is Reachable, then kill {leader.hostname}")
    return passed(f"{m.hostname} (the leader when you crashed it) is killed, and the managers elected "
                  f"{leader.hostname} in its place")


# -- lesson checks ------------------------------------------------------------------------------
def old_leader_unreachable(ev: Evidence) -> Verdict:
    """The new leader reports the crashed manager Unreachable; 2 of 3 managers still make a majority."""
    snap = ev.snapshot
    killed = [n for n in _managers(snap) if n.fault == "killed"]
    if not killed:
        return failed("no manager is down (none is killed); expected the crashed leader Unreachable")
    m = killed[0]
    if snap.leader is None:
        return waiting(f"{m.hostname} is killed; no leader yet")
    if m.reachability != "unreachable":
        return waiting(f"{snap.leader.hostname} leads and still sees {m.hostname} as {m.reachability}")
    return passed(f"{snap.leader.hostname} leads; {m.hostname} is Unreachable: 2 of 3 managers are up, "
                  "still a majority")


def scaled_with_two(ev: Evidence) -> Verdict:
    """web scaled to 6 while one manager of three is dead."""
    snap = ev.snapshot
    if (v := wrong_replicas(snap, "web", 6)) is not None:
        return v
    n = _running_on_live(snap, "web")
    if n == 6:
        return passed(f"scaled to 6 with 2 of 3 managers: {placement_text(snap, 'web')}")
    return waiting(f"web runs {n} of 6 tasks on live nodes ({placement_text(snap, 'web')})")


def survivor_leads(ev: Evidence) -> Verdict:
    """After --force-new-cluster, the surviving manager leads a 1-manager swarm that kept its services."""
    snap = ev.snapshot
    if snap.error:
        return failed(f"the swarm cannot be read: {snap.error}")
    leader = snap.leader
    if leader is None:
        return waiting("no leader yet")
    if leader.fault:
        return failed(f"{leader.hostname} is listed as leader but is {leader.fault}; expected a live manager to lead")
    kept = nodes_text([s.name for s in snap.services])
    return passed(f"{leader.hostname} leads the recovered swarm; services kept: {kept}")


def web_on_remaining(ev: Evidence) -> Verdict:
    """The dead managers are gone from the node list, and web runs its 6 tasks on the nodes left."""
    snap = ev.snapshot
    dead = [n for n in snap.nodes if n.fault]
    if dead:
        listed = ", ".join(f"{n.hostname} ({n.state})" for n in dead)
        return failed(f"{listed} still listed; expected only the nodes that run")
    if (v := missing_service(snap, "web")) is not None:
        return v
    n = _running_on_live(snap, "web")
    nodes = nodes_text([h.hostname for h in snap.nodes])
    if n == 6 and len(snap.running("web")) == 6:
        return passed(f"nodes now: {nodes}; web: {placement_text(snap, 'web')}")
    return waiting(f"nodes now: {nodes}; web runs {placement_text(snap, 'web')} (6 wanted)")


def back_to_three(ev: Evidence) -> Verdict:
    """Exercise: 3 managers again, using only the 3 nodes the swarm has (the surviving manager and the workers)."""
    snap = ev.snapshot
    hosts = [n.hostname for n in snap.nodes]
    extra = [h for h in hosts if h not in SHAPE]
    if extra or len(hosts) > 3:
        return failed(f"the swarm has {len(hosts)} nodes ({nodes_text(hosts)}); expected only the 3 you had "
                      "(no new node) — later cells check web on exactly those")
    managers = _managers(snap)
    if len(managers) < 3:
        tolerate = "1 tolerates" if len(managers) == 1 else f"{len(managers)} tolerate"
        return failed(f"{len(managers)} manager(s) ({nodes_text([m.hostname for m in managers])}): {tolerate} no "
                      "failure; expected 3")
    late = [m for m in managers if m.reachability != "reachable" or m.state != "ready"]
    if late:
        m = late[0]
        return waiting(f"{m.hostname} is a manager, {m.reachability or 'unknown'} and {m.state}")
    return passed(f"3 managers ({nodes_text([m.hostname for m in managers])}): the swarm survives the loss of any one")


def accepts_changes(ev: Evidence) -> Verdict:
    """With 3 managers again, the swarm takes changes: web scaled to 4 on the nodes that remain."""
    snap = ev.snapshot
    if (v := wrong_replicas(snap, "web", 4)) is not None:
        return v
    if _running_on_live(snap, "web") == 4 and len(snap.running("web")) == 4:
        return passed(f"the swarm accepts changes again; web: {placement_text(snap, 'web')}")
    return waiting(f"web runs {placement_text(snap, 'web')}; 4 wanted")


PLAN = NotebookPlan(
    "09", "Managers, Raft and quorum", "09-managers-raft-and-quorum.ipynb", managers=3, workers=2,
    sections=(
        Section("raft", "Raft in one paragraph"),
        Section("watch", "Watch it live", (sh("manager1", WEB.format(n=4)), wait_service("web", 4))),
        Section("kill-leader", "Kill the leader", (sh("manager1", WEB.format(n=4)), wait_service("web", 4))),
        # manager1 is killed first: web, created after the election, never has a task there to replace.
        Section("quorum-lost", "Kill a second manager: quorum lost", (
            fault("manager1", "kill"),
            wait(lambda s: s.leader is not None and s.leader.hostname != "manager1",
                 "a new leader (Raft: ≈10–19 s)", 60),
            sh("manager2", WEB.format(n=6)), _web_on_live(6))),
        Section("recover", "Recover: docker swarm init --force-new-cluster", (
            sh("manager1", WEB.format(n=6)), wait_service("web", 6), fault("manager1", "kill"),
            fault("manager2", "kill"))),
        Section("managers-back", "Back to three managers", (
            _remove("manager2"), _remove("manager1"), sh("manager3", WEB.format(n=6)), _web_on_live(6))),
    ),
    checks=(
        Check("09-crash-the-leader", "kill-leader", "crash the leader, a new one is elected", crash_the_leader,
              hints=("Only one manager leads at a time, and it is not always the one that created the swarm.",
                     "Crash means a power cut: the board's **kill** button, not stop or pause.",
                     "`docker node ls` (or the board) says `Leader` under MANAGER STATUS right now; kill that one, "
                     "then give the election ≈10–19 s."),
              solution='board = lab.board()\nboard.act("kill", leader())\nboard.wait()\n'
                       'lab.wait(lambda s: s.leader is not None, timeout=60, what="a new leader")',
              board=True, unsolved="no manager is killed", wait=45, needs=("nodes",),
              wrong=(('board = lab.board()\nboard.act("kill", next(n.hostname for n in lab.snapshot().nodes '
                      'if n.role == "manager" and not n.leader))\nboard.wait()', "was a follower"),)),
        Check("09-old-leader-unreachable", "kill-leader", "the crashed leader is Unreachable", old_leader_unreachable,
              unsolved="no manager is down", wait=30),
        Check("09-scaled-with-two", "kill-leader", "scaled with 2 of 3 managers", scaled_with_two,
              unsolved="web wants 4 replicas; expected 6", wait=90),
        Check("09-survivor-leads", "recover", "the survivor leads the recovered swarm", survivor_leads,
              unsolved="no quorum", wait=60),
        Check("09-web-on-remaining", "recover", "dead managers gone, web on the rest", web_on_remaining,
              unsolved="still listed", wait=90),
        Check("09-back-to-three-managers", "managers-back", "three managers again", back_to_three,
              hints=("Three managers tolerate one failure. Which of the nodes you have are not managers yet?",
                     "Notebook 02 turned a worker into a manager with one command (the board's promote does the "
                     "same). It runs on a manager: the one left is the leader.",
                     "`docker node promote` takes several nodes at once."),
              solution="%%node {leader()}\ndocker node promote worker1 worker2",
              unsolved="1 tolerates no failure; expected 3", wait=60,
              wrong=(("%%node {leader()}\ndocker node promote worker1", "2 tolerate no failure"),)),
        Check("09-accepts-changes", "managers-back", "the swarm accepts changes again", accepts_changes,
              unsolved="web wants 6 replicas; expected 4", wait=90),
    ),
)
