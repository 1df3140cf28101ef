"""04 · Replicated vs global services: the tutorial's nginx, --mode global, a node added later, a drained node."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import add_worker, sh, wait
from ..verdicts import active_nodes, missing_service, nodes_text, one_per_node, placement_text

NGINX_REPLICATED = "docker service create --name nginx --replicas {n} --publish 8080:80 nginx"
NGINX_GLOBAL = "docker service create --name nginx --mode global --publish 8080:80 nginx"
WEB_GLOBAL = "docker service create --detach --name web --mode global --constraint node.role==worker labkit/whoami"
WORKERS = ["worker1", "worker2", "worker3", "worker4"]


def _spread(name: str, n: int, nodes: list[str]):
    return wait(lambda s: one_per_node(s, name, nodes), f"one {name} task on each of {nodes_text(nodes)}", 120)


# -- lesson checks ------------------------------------------------------------------------------
def two_of_three(ev: Evidence) -> Verdict:
    """The tutorial's 2 replicas land on 2 different nodes; the third runs none."""
    snap = ev.snapshot
    if (v := missing_service(snap, "nginx")) is not None:
        return v
    placement = snap.placement("nginx")
    if sum(placement.values()) < 2:
        return waiting(f"nginx runs {sum(placement.values())} of 2 tasks ({placement_text(snap, 'nginx')})")
    empty = [n.hostname for n in snap.nodes if n.hostname not in placement]
    if len(placement) == 2 and len(empty) == 1:
        return passed(f"2 tasks on 2 different nodes ({placement_text(snap, 'nginx')}); {empty[0]} runs none")
    return failed(f"nginx runs {placement_text(snap, 'nginx')}; expected 2 tasks on 2 different nodes")


def one_per_node_of_three(ev: Evidence) -> Verdict:
    """nginx scaled to 3 on 3 nodes: one task each."""
    snap = ev.snapshot
    if (v := missing_service(snap, "nginx")) is not None:
        return v
    svc = snap.service("nginx")
    if svc.replicas != 3:
        return failed(f"nginx wants {svc.replicas} replica(s); expected 3")
    if one_per_node(snap, "nginx", ["manager1", "worker1", "worker2"]):
        return passed("one nginx task per node: manager1, worker1, worker2")
    return waiting(f"nginx runs {placement_text(snap, 'nginx')}; waiting for one per node")


def worker3_ignored(ev: Evidence) -> Verdict:
    """worker3 joined, and a replicated service does not follow it."""
    snap = ev.snapshot
    if not any(n.hostname == "worker3" for n in snap.nodes):
        return failed("worker3 is not in the swarm; expected lab.add_worker() to have added it")
    if snap.node("worker3").state != "ready":
        return waiting(f"worker3 is {snap.node('worker3').state}")
    if "worker3" in snap.placement("nginx") or len(snap.running("nginx")) != 3:
        return failed(f"nginx runs {placement_text(snap, 'nginx')}; expected 3 tasks and none on worker3")
    return passed("worker3 joined, and the replicated nginx ignores it: still 3 tasks, none on worker3")


def global_nginx(ev: Evidence) -> Verdict:
    """nginx created again in global mode: one task on each of the 4 nodes."""
    snap = ev.snapshot
    if (v := missing_service(snap, "nginx")) is not None:
        return v
    if snap.service("nginx").mode != "global":
        return failed(f"nginx is {snap.service('nginx').mode}; expected the global nginx of the cell above")
    nodes = active_nodes(snap)
    if one_per_node(snap, "nginx", nodes):
        return passed(f"global service: one nginx task on each of {nodes_text(nodes)}")
    return waiting(f"nginx runs {placement_text(snap, 'nginx')}; waiting for one on each of {nodes_text(nodes)}")


def worker4_got_tasks(ev: Evidence) -> Verdict:
    """The new worker4 got one task of each global service, by itself (web: the workers only)."""
    snap = ev.snapshot
    if not any(n.hostname == "worker4" for n in snap.nodes):
        return failed("worker4 is not in the swarm; expected lab.add_worker() to have added it")
    for name in ("nginx", "web"):
        if (v := missing_service(snap, name)) is not None:
            return v
    got = {name: snap.placement(name).get("worker4", 0) for name in ("nginx", "web")}
    if got == {"nginx": 1, "web": 1} and len(snap.running("nginx")) == 5 and len(snap.running("web")) == 4:
        return passed("worker4 got its nginx and web tasks automatically: 5 nginx (every node) + 4 web (the workers)")
    return waiting(f"worker4 runs nginx {got['nginx']}, web {got['web']} (a new node first joins the ingress "
                   "network and pulls the image)")


def back_on_worker1(ev: Evidence) -> Verdict:
    """worker1 active again: the global services come back to it by themselves."""
    snap = ev.snapshot
    if snap.node("worker1").availability != "active":
        return failed(f"worker1 is {snap.node('worker1').availability}; expected active")
    total = {"nginx": 5, "web": 4}  # web runs on the workers only
    if all(snap.placement(s).get("worker1") == 1 and len(snap.running(s)) == n for s, n in total.items()):
        return passed("back to one nginx task on each of the 5 nodes, and one web task on each of the 4 workers")
    return waiting(f"nginx on worker1: {snap.placement('nginx').get('worker1', 0)}, web: "
                   f"{snap.placement('web').get('worker1', 0)}")


# -- exercises ----------------------------------------------------------------------------------
def task_onto_worker3(ev: Evidence) -> Verdict:
    """Exercise: one of nginx's 3 tasks moves to worker3 without changing nginx (still replicated, 3 replicas), and
    every node is active again afterwards."""
    snap = ev.snapshot
    if (v := missing_service(snap, "nginx")) is not None:
        return v
    svc = snap.service("nginx")
    if svc.mode != "replicated":
        return failed(f"nginx is {svc.mode}: it was removed and created again; expected the same replicated nginx "
                      '(reset("04", section="fixed-count") brings it back)')
    if svc.replicas != 3:
        return failed(f"nginx wants {svc.replicas} replicas; expected 3 — get one of its tasks onto worker3 instead "
                      "of adding tasks")
    here = snap.placement("nginx").get("worker3", 0)
    held = [n for n in snap.nodes if n.availability != "active"]
    if held and not here:
        return waiting(f"{held[0].hostname} is {held[0].availability}; nginx runs {placement_text(snap, 'nginx')}")
    if held:
        return failed(f"worker3 runs an nginx task, but {held[0].hostname} is still {held[0].availability}; expected "
                      "every node active again when you are done")
    if not here:
        return failed(f"nginx runs {placement_text(snap, 'nginx')}: worker3 has no task; a running task never moves "
                      "by itself — expected one of nginx's 3 tasks replaced on worker3")
    if len(snap.running("nginx")) != 3:
        return waiting(f"nginx runs {placement_text(snap, 'nginx')}; waiting for 3")
    return passed(f"nginx still wants 3, and worker3 runs one of them ({placement_text(snap, 'nginx')}); every node "
                  "is active")


def _constraints(ev: Evidence, name: str) -> list[str]:
    """A service's placement constraints, spaces removed ("node.role==worker")."""
    placement = ((ev.service_spec(name) or {}).get("TaskTemplate") or {}).get("Placement") or {}
    return [c.replace(" ", "") for c in placement.get("Constraints") or []]


def web_on_workers(ev: Evidence) -> Verdict:
    """Exercise: web does what the article said a global service does: one task on every worker, now and later,
    none on managers (global mode and a constraint on the node's role)."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + "; expected web in global mode (a service's mode is set when it is created: "
                      "remove it and create it again)")
    svc = snap.service("web")
    drained = [n.hostname for n in snap.nodes if n.role == "manager" and n.availability != "active"]
    if drained:
        return failed(f"{nodes_text(drained)} is {snap.node(drained[0]).availability}: that keeps every service off "
                      "it; expected a rule of web's own, with the managers active")
    if svc.mode != "global":
        return failed(f"web is {svc.mode} with {svc.replicas} replicas: a node that joins later gets none; "
                      "expected web in global mode")
    if not svc.image.startswith("labkit/whoami"):
        return failed(f"web is global but runs {svc.image}; expected labkit/whoami")
    rules = _constraints(ev, "web")
    if not {"node.role==worker", "node.role!=manager"} & set(rules):
        return failed(f"web is global and runs on manager1 too ({placement_text(snap, 'web')}): a global service runs "
                      "on every available node, managers included; expected workers only, as a placement rule "
                      "on the node's role")
    workers = [h for h in active_nodes(snap) if snap.node(h).role == "worker"]
    if one_per_node(snap, "web", workers):
        return passed(f"web is global on the workers only: one task on each of {nodes_text(workers)}, none on "
                      "manager1, and one on any worker that joins")
    return waiting(f"web is global, workers only; running: {placement_text(snap, 'web')}")


def empty_worker1(ev: Evidence) -> Verdict:
    """Exercise: worker1 stays in the swarm and Ready but runs no task of any service, now or later."""
    snap = ev.snapshot
    w1 = snap.node("worker1")
    if w1.fault or w1.state != "ready":
        return failed(f"worker1 is {w1.fault or w1.state}: a crash is not maintenance; expected worker1 Ready and "
                      "drained (start it again)")
    for name in ("nginx", "web"):
        if (v := missing_service(snap, name)) is not None:
            return failed(v.text + "; expected nginx and web to keep running on the other nodes")
    others = [n.hostname for n in snap.nodes if n.availability == "drain" and n.hostname != "worker1"]
    here = sorted({t.service_name for t in snap.tasks if t.node_hostname == "worker1" and t.state == "running"})
    if w1.availability == "pause":
        return failed(f"worker1 is paused: it keeps {nodes_text(here)} running and only refuses new tasks; "
                      "expected no task on worker1")
    if w1.availability != "drain":
        drained = f"{nodes_text(others)} is drained and " if others else ""
        return failed(f"{drained}worker1 is active (it still runs {nodes_text(here)}); expected worker1 out of "
                      "scheduling with no task")
    if here:
        return waiting(f"worker1 is drained; its {nodes_text(here)} task(s) are stopping")
    return passed("worker1 is drained: Ready, in the swarm, and running no task")


PLAN = NotebookPlan(
    "04", "Replicated vs global services", "04-replicated-vs-global.ipynb", managers=1, workers=2,
    sections=(
        Section("board", "The live board"),
        Section("replicated", "A replicated service: 2 replicas on 3 nodes"),
        Section("fixed-count", "The count does not follow the nodes", (
            sh("manager1", NGINX_REPLICATED.format(n=3)), _spread("nginx", 3, ["manager1", "worker1", "worker2"]))),
        Section("global", "A global service: one task on every node", (
            add_worker(), sh("manager1", NGINX_REPLICATED.format(n=3)),
            wait(lambda s: len(s.running("nginx")) == 3, "3 running tasks of nginx", 120))),
        Section("new-node", "A new node gets a task automatically", (
            add_worker(), sh("manager1", NGINX_GLOBAL), sh("manager1", WEB_GLOBAL),
            _spread("web", 3, WORKERS[:3]))),
        Section("drain", "A drained node loses its task", (
            add_worker(), add_worker(), sh("manager1", NGINX_GLOBAL), sh("manager1", WEB_GLOBAL),
            _spread("web", 4, WORKERS))),
    ),
    checks=(
        Check("04-two-of-three", "replicated", "2 replicas on 3 nodes", two_of_three, unsolved="no service nginx",
                 wait=90),
        Check("04-one-per-node", "replicated", "3 replicas, one per node", one_per_node_of_three,
                 unsolved="wants 2 replica(s); expected 3", wait=90),
        Check("04-worker3-ignored", "fixed-count", "worker3 gets no task", worker3_ignored,
                 unsolved="worker3 is not in the swarm", wait=60),
        Check("04-task-onto-worker3", "fixed-count", "a task onto worker3, nginx unchanged", task_onto_worker3,
                 hints=("A running task never moves. But the scheduler places every *new* task on the node that runs "
                        "the fewest of that service's tasks: right now, worker3.",
                        "So make the swarm replace one of nginx's tasks without touching nginx: notebook 02 showed a "
                        "node setting that shuts a node's tasks down and starts them again elsewhere.",
                        "Use the availability `drain` on a node that runs an nginx task, wait until the replacement "
                        "runs, then set that node's availability back to `active`."),
                 solution="%%node manager1\ndocker node update --availability drain worker1\n"
                          "for i in $(seq 60); do  # until the replacement runs (a minute at most)\n"
                          "  docker service ps nginx --format '{{.Node}} {{.CurrentState}}' | grep -q '^worker3 Run' "
                          "&& break; sleep 1\ndone\n"
                          "docker node update --availability active worker1",
                 unsolved="worker3 has no task", wait=120,
                 wrong=(("%%node manager1\ndocker service scale nginx=4", "expected 3"),
                        ("%%node manager1\ndocker node update --availability drain worker1", "is still drain"))),
        Check("04-global-nginx", "global", "the global nginx on every node", global_nginx,
                 unsolved="there is no service nginx", wait=120),
        Check("04-web-on-workers", "global", "web on every worker, now and later", web_on_workers,
                 needs=("services",),
                 hints=("Two things: a mode that follows the nodes as they join, and a rule that keeps the managers "
                        "out.",
                        "The mode is fixed when a service is created (`docker service update` cannot change it): "
                        "remove web and create it again. The rule is a *placement constraint* on a property of the "
                        "node.",
                        "`--mode global`, and `--constraint` on `node.role` (`docker service create --help` shows "
                        "the flag)."),
                 solution="%%node manager1\ndocker service rm web\n" + WEB_GLOBAL.replace("--detach ", ""),
                 unsolved="a node that joins later gets none", wait=90,
                 wrong=(("%%node manager1\ndocker service rm web\n"
                         "docker service create --name web --mode global labkit/whoami", "managers included"),
                        ("%%node manager1\ndocker node update --availability drain manager1",
                         "expected a rule of web's own"))),
        Check("04-worker4-got-tasks", "new-node", "worker4 gets its tasks by itself", worker4_got_tasks,
                 unsolved="worker4 is not in the swarm", wait=120),
        Check("04-empty-worker1", "drain", "worker1 out of service, still Ready", empty_worker1,
                 hints=("Notebook 02: a node's availability decides whether it gets tasks.",
                        "`pause` keeps the running tasks; the other one shuts them down.",
                        "The availability that shuts a node's tasks down and keeps new ones away is `drain` (the "
                        "board has a button for it)."),
                 solution="%%node manager1\ndocker node update --availability drain worker1",
                 unsolved="worker1 is active", wait=60,
                 wrong=(("%%node manager1\ndocker node update --availability pause worker1",
                         "only refuses new tasks"),)),
        Check("04-back-on-worker1", "drain", "the global services come back", back_on_worker1,
                 unsolved="worker1 is drain; expected active", wait=90),
    ),
)
