"""01 · Create a swarm: five plain engines; the learner runs `docker swarm init`, the join tokens and the joins."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Step, Verdict, failed, passed, waiting
from ..steps import wait
from ..verdicts import nodes_text

INIT = "docker swarm init --advertise-addr {ip('manager1')}"
JOIN = "docker swarm join --token {join_token('%s')} {ip('manager1')}:2377"


def _init() -> Step:
    """manager1 creates the swarm, advertising its lab address (as the notebook's cell does)."""
    return Step(f"[manager1] $ {INIT}",
                lambda lab: lab.node("manager1").sh(f"docker swarm init --advertise-addr {lab.node('manager1').ip}"))


def _join(node: str, role: str) -> Step:
    """A node joins with the worker or manager token it reads from the swarm when the step runs."""
    def run(lab):
        token = lab.api("swarm")["swarm"]["JoinTokens"]["Worker" if role == "worker" else "Manager"]
        return lab.node(node).sh(f"docker swarm join --token {token} {lab.node('manager1').ip}:2377")

    return Step(f"[{node}] $ {JOIN % role}", run)


def _managers(snap) -> list[str]:
    return [n.hostname for n in snap.nodes if n.role == "manager"]


def _no_swarm(snap, expected: str) -> Verdict | None:
    if snap.error is None:
        return None
    return failed(f"manager1 is in no swarm yet ({snap.error}); expected {expected}")


JOINED = (_init(), _join("worker1", "worker"), _join("worker2", "worker"),
          wait(lambda s: len(s.nodes) == 3 and all(n.state == "ready" for n in s.nodes), "3 nodes Ready", 60))


# -- lesson checks ------------------------------------------------------------------------------
def one_node_swarm(ev: Evidence) -> Verdict:
    """After `docker swarm init` on manager1: a one-node swarm, manager1 its leader."""
    snap = ev.snapshot
    if (v := _no_swarm(snap, "a swarm whose first manager is manager1 (docker swarm init)")) is not None:
        return v
    if snap.leader is None:
        return waiting("the new swarm has no leader yet")
    if snap.leader.hostname != "manager1":
        return failed(f"the swarm's leader is {snap.leader.hostname}; expected manager1, where docker swarm init ran")
    if len(snap.nodes) != 1:
        return failed(f"the swarm has {len(snap.nodes)} nodes ({nodes_text([n.hostname for n in snap.nodes])}); "
                      "expected manager1 alone, right after docker swarm init")
    if snap.leader.state != "ready":
        return waiting(f"manager1 is {snap.leader.state}")
    return passed("a one-node swarm: manager1 is its manager and leader, Ready")


def worker1_joined(ev: Evidence) -> Verdict:
    """worker1 ran the join command with the worker token."""
    snap = ev.snapshot
    if (v := _no_swarm(snap, "worker1 in manager1's swarm")) is not None:
        return v
    hosts = [n.hostname for n in snap.nodes]
    if "worker1" not in hosts:
        return failed(f"worker1 is not in the swarm (manager1 lists {nodes_text(hosts)}); expected worker1 as a worker")
    w1 = snap.node("worker1")
    if w1.role != "worker":
        return failed("worker1 joined as a manager; expected a worker (the worker token)")
    if w1.state != "ready":
        return waiting(f"worker1 joined; it is {w1.state}")
    return passed("worker1 joined as a worker and is Ready")


def two_managers(ev: Evidence) -> Verdict:
    """manager2 joined with the manager token: two managers, both reachable."""
    snap = ev.snapshot
    if (v := _no_swarm(snap, "manager2 in manager1's swarm")) is not None:
        return v
    hosts = [n.hostname for n in snap.nodes]
    if "manager2" not in hosts:
        return failed(f"manager2 is not in the swarm (manager1 lists {nodes_text(hosts)}); expected it to join as "
                      "a manager")
    if snap.node("manager2").role != "manager":
        return failed("manager2 joined as a worker; expected a manager (the manager token)")
    unreachable = [n.hostname for n in snap.nodes if n.role == "manager" and n.reachability != "reachable"]
    if unreachable:
        return waiting(f"{nodes_text(unreachable)}: not Reachable yet")
    return passed(f"2 managers, both Reachable: {nodes_text(_managers(snap))}")


# -- exercises ----------------------------------------------------------------------------------
def join_worker2(ev: Evidence) -> Verdict:
    """Exercise: worker2 in the swarm as a worker, Ready, like worker1."""
    snap = ev.snapshot
    if (v := _no_swarm(snap, "worker2 in manager1's swarm")) is not None:
        return v
    hosts = [n.hostname for n in snap.nodes]
    if "worker2" not in hosts:
        return failed(f"worker2 is not in the swarm: manager1 lists {nodes_text(hosts)}; expected worker2 as a worker "
                      "— the join command runs on worker2 itself")
    w2 = snap.node("worker2")
    if w2.role != "worker":
        return failed("worker2 joined as a manager (it used the manager token); expected a worker — the token "
                      "decides the role: on manager1, docker node demote worker2")
    if w2.state != "ready":
        return waiting(f"worker2 joined; it is {w2.state}")
    return passed("worker2 joined as a worker and is Ready, like worker1")


def third_manager_no_tasks(ev: Evidence) -> Verdict:
    """Exercise: three managers (manager1-3), so that the swarm survives the loss of any one, manager3 drained (a
    manager the scheduler gives no task); workers stay workers."""
    snap = ev.snapshot
    if (v := _no_swarm(snap, "a swarm with 3 managers")) is not None:
        return v
    managers = _managers(snap)
    promoted = [h for h in ("worker1", "worker2") if h in managers]
    if promoted:
        return failed(f"{nodes_text(promoted)} {'is a manager' if len(promoted) == 1 else 'are managers'}; expected "
                      "worker1 and worker2 to stay workers, and manager3 to be the third manager")
    hosts = [n.hostname for n in snap.nodes]
    if "manager3" in hosts and snap.node("manager3").role == "worker":
        return failed("manager3 joined as a worker (worker token); expected a manager — promote it (docker node "
                      "promote manager3, on manager1) or make it leave and join again with the manager token")
    if len(managers) < 3:
        return failed(f"the swarm has {len(managers)} managers ({nodes_text(managers)}): losing "
                      f"{'either' if len(managers) == 2 else 'it'} one loses the majority; expected 3 managers")
    if managers != ["manager1", "manager2", "manager3"]:
        return failed(f"managers: {nodes_text(managers)}; expected manager1, manager2 and manager3")
    m3 = snap.node("manager3")
    if m3.availability == "active":
        return failed("manager3 is a manager, but Active: the scheduler may give it tasks like any node; expected "
                      "manager3 drained, so that it runs none")
    if m3.availability == "pause":
        return failed("manager3 is paused: it takes no new task but keeps the ones it runs; expected manager3 "
                      "drained, so that it runs none")
    late = [n.hostname for n in snap.nodes if n.role == "manager" and n.reachability != "reachable"]
    if late:
        return waiting(f"{nodes_text(late)}: not Reachable yet")
    down = [n.hostname for n in snap.nodes if n.state != "ready"]
    if down:
        return waiting(f"{nodes_text(down)}: not Ready yet")
    leader = snap.leader.hostname if snap.leader else "none"
    return passed(f"3 managers (leader {leader}; manager1, manager2, manager3 Reachable): the swarm survives the loss "
                  "of any one; manager3 is drained and runs no task; worker1 and worker2 are workers")


PLAN = NotebookPlan(
    "01", "Create a swarm", "01-create-a-swarm.ipynb", managers=3, workers=2, swarm=False,
    sections=(
        Section("before", "Step 1 — before: five separate engines"),
        Section("init", "Step 2 — docker swarm init --advertise-addr on the first manager"),
        Section("docker-info", "Step 3 — docker info: Swarm: active", (_init(),)),
        Section("join-token", "Step 4 — docker swarm join-token worker", (_init(),)),
        Section("join-workers", "Step 5 — join the workers", (_init(),)),
        Section("node-ls", "Step 6 — docker node ls", JOINED),
        Section("add-managers", "Step 7 — add managers: docker swarm join-token manager", JOINED),
        Section("odd-managers", "Why an odd number of managers?", JOINED + (
            _join("manager2", "manager"),
            wait(lambda s: sum(n.role == "manager" and n.reachability == "reachable" for n in s.nodes) == 2,
                 "2 Reachable managers", 60))),
    ),
    checks=(
        Check("01-one-node-swarm", "init", "a one-node swarm led by manager1", one_node_swarm,
              unsolved="manager1 is in no swarm yet", wait=30),
        Check("01-worker1-joined", "join-workers", "worker1 joins as a worker", worker1_joined,
              unsolved="worker1 is not in the swarm", wait=30),
        Check("01-join-worker2", "join-workers", "worker2 joins, like worker1", join_worker2,
              hints=("The join command runs on the node that joins, here worker2. The cell above did it for worker1.",
                     "It needs two things: the worker token, and manager1's address on port 2377.",
                     "In a `%%node` cell `{join_token('worker')}` and `{ip('manager1')}` expand to the token and the "
                     "address; the command is the `docker swarm join` of Step 5, run on worker2."),
              solution="%%node worker2\n" + JOIN % "worker",
              unsolved="worker2 is not in the swarm", wait=30,
              wrong=(("%%node worker2\n" + JOIN % "manager", "joined as a manager"),)),
        Check("01-two-managers", "add-managers", "manager2 joins as a manager", two_managers,
              unsolved="manager2 is not in the swarm", wait=60),
        Check("01-third-manager-no-tasks", "odd-managers", "three managers, the third runs no tasks",
              third_manager_no_tasks,
              hints=("N managers survive ⌊(N−1)/2⌋ failures (the table above): you need a third manager. The token "
                     "a node joins with decides its role.",
                     "Whether the scheduler may give a node tasks is its *availability* (`docker node ls` shows it). "
                     "`docker swarm join --help` lists what a node can set as it joins.",
                     "Join manager3 with the manager token and the availability `drain` (the join's "
                     "`--availability` flag)."),
              solution="%%node manager3\n" + JOIN % "manager" + " --availability drain",
              unsolved="the swarm has 2 managers", wait=60,
              wrong=(("%%node manager3\n" + JOIN % "manager", "but Active"),
                     ("%%node manager3\n" + JOIN % "worker" + " --availability drain", "manager3 joined as a worker"))),
    ),
)
