"""05 · Publishing ports: ingress mode and the routing mesh (or its absence), a port the swarm picks, mode=host."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait_service
from ..verdicts import active_nodes, missing_service, nodes_text, one_per_node, placement_text

NODES = ("manager1", "worker1", "worker2")
WEB_INGRESS = "docker service create --detach --name web --replicas 2 --publish 8080:80 labkit/whoami"
WEB_HOST = ("docker service create --detach --name web --replicas 2 "
            "--publish published=8080,target=80,mode=host labkit/whoami")
# Read-only probes: 4 requests to node:8080, each sent from another node; one line per request
# (`hostname: <container>` from labkit/whoami, or curl's error).
ASK = "for i in 1 2 3 4; do curl -sS -m 2 http://{target}:8080/ 2>&1 | head -1; done"
SENDER = {"manager1": "worker1", "worker1": "manager1", "worker2": "manager1"}
HTTP = tuple((SENDER[t], ASK.format(target=t)) for t in NODES)


def answers(ev: Evidence, target: str) -> list[str]:
    """What target:8080 said to each request: the answering container's hostname, or "" for a failure."""
    lines = ev.output(SENDER[target], ASK.format(target=target)).splitlines()
    return [ln.split(":", 1)[1].strip() if ln.startswith("hostname:") else "" for ln in lines][:4] or [""] * 4


def error(ev: Evidence, target: str) -> str:
    """curl's first error for target:8080 (e.g. "Could not connect to server")."""
    lines = [ln for ln in ev.output(SENDER[target], ASK.format(target=target)).splitlines() if ln.startswith("curl")]
    return lines[0].split(": ")[-1] if lines else "no answer"


def who(ev: Evidence, container: str) -> str:
    """The task behind a container hostname: "web.1@manager1"."""
    task = next((t for t in ev.snapshot.tasks if container and t.container_id.startswith(container)), None)
    return f"{task.label}@{task.node_hostname}" if task else container


def port_8080(ev: Evidence, service: str = "web"):
    """The service's port published as 8080, or None."""
    return next((p for p in ev.snapshot.service(service).ports if p.published == 8080), None)


def ports_text(ev: Evidence, service: str) -> str:
    """The service's published ports, e.g. "8080:80/tcp"."""
    return ", ".join(str(p) for p in ev.snapshot.service(service).ports) or "no port"


def own_task_answers(ev: Evidence, node: str) -> bool:
    """True if node:8080 answered all 4 requests, each with the web task running on that node."""
    mine = [t.container_id for t in ev.snapshot.running("web") if t.node_hostname == node]
    return len(mine) == 1 and all(a and mine[0].startswith(a) for a in answers(ev, node))


# -- lesson checks ------------------------------------------------------------------------------
def web_published(ev: Evidence) -> Verdict:
    """web publishes 8080 -> 80 in ingress mode; 2 tasks run and one node has none."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    port = port_8080(ev)
    if port is None or (port.target, port.mode) != (80, "ingress"):
        return failed(f"web publishes {ports_text(ev, 'web')}; expected 8080:80 in the default ingress mode")
    if len(snap.running("web")) < 2:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 2 tasks")
    idle = [h for h in NODES if h not in snap.placement("web")]
    return passed(f"web publishes {port} on every node (ingress mode); tasks on {placement_text(snap, 'web')}; "
                  f"{nodes_text(idle)} runs none")


def mesh_or_not(ev: Evidence) -> Verdict:
    """With IPVS the node without a task answers, from both tasks; without IPVS no node answers at all."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    idles = [h for h in NODES if h not in snap.placement("web")]
    if len(snap.running("web")) < 2 or len(idles) != 1:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 2 tasks on 2 nodes")
    idle, ok = idles[0], {h: [a for a in answers(ev, h) if a] for h in NODES}
    if ev.routing_mesh:
        served = sorted({who(ev, a) for a in ok[idle]})
        if len(ok[idle]) == 4 and len(served) == 2 and all(len(ok[h]) == 4 for h in NODES):
            return passed(f"routing mesh: {idle} runs no web task, yet it answered 4 of 4 requests, served in turn by "
                          f"{' and '.join(served)}; the other nodes answer too")
        return waiting(f"{idle} answered {len(ok[idle])} of 4 requests ({', '.join(served) or error(ev, idle)}); "
                       "waiting for the mesh to answer from both tasks")
    if any(ok.values()):
        return failed(f"{nodes_text([h for h in NODES if ok[h]])} answered on 8080 although this host has no IPVS; "
                      "expected no answer (labkit's capabilities may be wrong)")
    return passed(f"no routing mesh on this host (no IPVS): {idle} runs no task and refused 4 of 4 requests "
                  f"({error(ev, idle)}); so did {' and '.join(sorted(snap.placement('web')))}, which run one each")


def host_mode_web(ev: Evidence) -> Verdict:
    """web created again with --publish published=8080,target=80,mode=host: 2 tasks."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    port = port_8080(ev)
    if port is None or (port.target, port.mode) != (80, "host"):
        return failed(f"web publishes {ports_text(ev, 'web')}; expected published=8080,target=80,mode=host")
    if len(snap.running("web")) < 2:
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 2 tasks")
    idle = [h for h in NODES if h not in snap.placement("web")]
    return passed(f"web publishes {port}; tasks on {placement_text(snap, 'web')}; {nodes_text(idle)} runs none")


def host_mode_answers(ev: Evidence) -> Verdict:
    """In host mode, a node with a task answers with its own task; the node without one refuses."""
    if (v := host_mode_web(ev)).status != "passed":
        return v
    hosting = sorted(ev.snapshot.placement("web"))
    idle = [h for h in NODES if h not in hosting]
    if any(a for h in idle for a in answers(ev, h)):
        return failed(f"{nodes_text(idle)} runs no web task but answered on 8080; expected no answer in host mode")
    if not all(own_task_answers(ev, h) for h in hosting):
        return waiting(f"asking {nodes_text(hosting)}: " + "; ".join(
            f"{h} → {', '.join(who(ev, a) if a else 'no answer' for a in answers(ev, h))}" for h in hosting))
    return passed(f"{' and '.join(f'{h} answered 4/4 with its own task {who(ev, answers(ev, h)[0])}' for h in hosting)}"
                  f"; {nodes_text(idle)} runs none and refuses ({error(ev, idle[0]) if idle else '-'})")


def one_pending(ev: Evidence) -> Verdict:
    """web scaled to 4 in host mode on 3 nodes: 3 run, the 4th is pending (port already in use)."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    if snap.service("web").replicas != 4:
        return failed(f"web wants {snap.service('web').replicas} replicas; expected 4")
    pending = [t for t in snap.tasks_of("web") if t.state == "pending"]
    if len(snap.running("web")) == 3 and pending:
        return passed(f"3 tasks run ({placement_text(snap, 'web')}); {pending[0].label} is pending: "
                      f"{pending[0].error or pending[0].message}")
    return waiting(f"web runs {placement_text(snap, 'web')}; waiting for 3 running and 1 pending")


def three_host_tasks(ev: Evidence) -> Verdict:
    """Back to 3: one task per node, none pending, and every node answers with its own task."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    if snap.service("web").replicas != 3:
        return failed(f"web wants {snap.service('web').replicas} replicas; expected 3")
    if not one_per_node(snap, "web", list(NODES)) or any(t.state == "pending" for t in snap.tasks_of("web")):
        return waiting(f"web runs {placement_text(snap, 'web')}; waiting for one per node and none pending")
    if not all(own_task_answers(ev, h) for h in NODES):
        return waiting("waiting for every node to answer on 8080 with its own task")
    return passed("one web task per node, none pending; every node answers on 8080 with its own task: "
                  + ", ".join(f"{h} → {who(ev, answers(ev, h)[0]).split('@')[0]}" for h in NODES))


# -- exercises ----------------------------------------------------------------------------------
def auto_port(ev: Evidence) -> Verdict:
    """Exercise: a service `auto` (nginx) whose port 80 is published on a port the swarm picks."""
    snap = ev.snapshot
    if (v := missing_service(snap, "auto")) is not None:
        return failed(v.text + "; expected auto publishing its port 80")
    ports = [p for p in snap.service("auto").ports if p.target == 80]
    if not ports:
        return failed(f"auto publishes {ports_text(ev, 'auto')}: nginx listens on 80; expected target port 80 "
                      "published")
    if ports[0].mode == "host":
        return failed("auto publishes port 80 in host mode; expected the default ingress mode, where the swarm picks "
                      "the port from 30000–32767")
    spec = (ev.service_spec("auto") or {}).get("EndpointSpec", {}).get("Ports") or []
    chosen = [p.get("PublishedPort") for p in spec if p.get("TargetPort") == 80 and p.get("PublishedPort")]
    if chosen:
        return failed(f"auto publishes {chosen[0]}:80, a port you chose; expected a port the swarm picks, from "
                      "30000–32767 — give only the target port")
    if not snap.running("auto"):
        return waiting(f"auto publishes {ports[0]}; waiting for its task")
    return passed(f"the swarm picked port {ports[0].published} (from 30000–32767) for auto's port 80")


def host_mode_everywhere(ev: Evidence) -> Verdict:
    """Exercise: 8080 answers on every node, new ones included, each with web's own task, without the mesh."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        other = [f"{s.name} ({s.mode})" for s in snap.services if any(p.published == 8080 for p in s.ports)]
        return failed(v.text + (f"; {nodes_text(other)} publishes 8080" if other else "")
                      + "; expected the service named web")
    svc, nodes = snap.service("web"), active_nodes(snap)
    if svc.mode == "replicated":
        return failed(f"web is replicated ({svc.replicas} replicas): a node that joins later gets no task; expected "
                      "web in global mode")
    port = port_8080(ev)
    if port is None or port.target != 80:
        return failed(f"web publishes {ports_text(ev, 'web')}; expected published 8080, target 80 (whoami listens "
                      "on 80)")
    if port.mode != "host":
        mesh = "available here, but not what was asked" if ev.routing_mesh else "absent on this host"
        return failed(f"web publishes 8080 in ingress mode: that needs the routing mesh (IPVS, {mesh}); "
                      "expected mode=host")
    if not svc.image.startswith("labkit/whoami"):
        return failed(f"web runs {svc.image}; expected labkit/whoami")
    pending = [t for t in snap.tasks_of("web") if t.state == "pending"]
    if one_per_node(snap, "web", nodes) and not pending:
        return passed(f"web is global with 8080 published in host mode: one task on each of {nodes_text(nodes)}, "
                      "each answering for its node, and on any node that joins")
    why = f"; {pending[0].label} pending: {pending[0].error}" if pending and pending[0].error else ""
    return waiting(f"web is global, host mode; running: {placement_text(snap, 'web')}{why}")


PLAN = NotebookPlan(
    "05", "Publishing ports and the routing mesh", "05-publishing-and-routing-mesh.ipynb", managers=1, workers=2,
    sections=(
        Section("publish", "How a published port works (ingress mode)"),
        Section("no-task-node", "Ask a node that runs no task", (sh("manager1", WEB_INGRESS), wait_service("web", 2))),
        Section("traffic-panel", "The traffic panel", (sh("manager1", WEB_INGRESS), wait_service("web", 2))),
        Section("one-port", "One published port, one service", (sh("manager1", WEB_INGRESS), wait_service("web", 2))),
        Section("auto-port", "Let the swarm choose the port", (sh("manager1", WEB_INGRESS), wait_service("web", 2))),
        Section("host-mode", "mode=host: publish on the nodes that run a task",
                (sh("manager1", WEB_INGRESS), wait_service("web", 2))),
        Section("host-mode-per-node", "One task per node and port", (sh("manager1", WEB_HOST), wait_service("web", 2))),
    ),
    checks=(
        Check("05-web-published", "publish", "web publishes 8080", web_published, unsolved="there is no service web",
              wait=90),
        Check("05-mesh-or-not", "no-task-node", "the node without a task: mesh or not", mesh_or_not,
              unsolved="there is no service web", needs=("mesh",), probes=HTTP, wait=30),
        Check("05-auto-port", "auto-port", "a port the swarm picks", auto_port,
              hints=("`--publish` has a long form, `published=…,target=…`. Which part can you leave out?",
                     "Leave out the published port and the swarm allocates one itself.",
                     "Give `--publish` only `target=80`: with no `published=` part, the swarm picks a port in "
                     "30000–32767."),
              solution="%%node manager1\ndocker service create --detach --name auto --publish target=80 nginx",
              unsolved="there is no service auto", needs=("services",), wait=60,
              wrong=(("%%node manager1\ndocker service create --detach --name auto --publish 30080:80 nginx",
                      "a port you chose"),)),
        Check("05-host-mode-web", "host-mode", "web in host mode", host_mode_web, unsolved="there is no service web",
              wait=90),
        Check("05-host-mode-answers", "host-mode", "only nodes with a task answer", host_mode_answers,
              unsolved="there is no service web", probes=HTTP, wait=30),
        Check("05-one-pending", "host-mode-per-node", "the 4th task cannot be placed", one_pending,
              unsolved="wants 2 replicas; expected 4", wait=60),
        Check("05-three-host-tasks", "host-mode-per-node", "one task per node, each answers", three_host_tasks,
              unsolved="wants 4 replicas; expected 3", probes=HTTP, wait=60),
        Check("05-host-mode-everywhere", "host-mode-per-node", "8080 on every node, without the mesh",
              host_mode_everywhere,
              hints=("You need two things: a service mode that follows the nodes (notebook 04) and a publish mode "
                     "that skips the mesh (this section).",
                     "A service's mode is fixed when it is created: remove web and create it again with both.",
                     "`--mode global` for the service, and `mode=host` in the long form of `--publish` (next to "
                     "`published=8080,target=80`)."),
              solution="%%node manager1\ndocker service rm web\ndocker service create --detach --name web "
                       "--mode global --publish published=8080,target=80,mode=host labkit/whoami",
              unsolved="a node that joins later gets no task", needs=("mesh",), wait=60,
              wrong=(("%%node manager1\ndocker service rm web\n"
                      "docker service create --detach --name web --mode global --publish 8080:80 labkit/whoami",
                      "expected mode=host"),)),
    ),
)
