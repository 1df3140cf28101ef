"""11 · Stacks: one compose file (endpoint mode by this host's IPVS) deployed, scaled, reset, updated, removed."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait
from ..verdicts import active_nodes, missing_service, network, nodes_text, one_per_node, placement_text, \
    raw_service, service_networks
from .stack_files import FILE, NS, READ_FILE, agent_in_file, compose, staging_one_replica, stack as _stack, \
    write_file

DEPLOY = "cd /root/app && docker stack deploy -c docker-compose.yml app"
CLIENT_LOGS = "docker service logs --raw --tail 20 app_client"


def _counts(s, **want: int) -> bool:
    return all(len(s.running(f"app_{k}")) == n for k, n in want.items())
_DEPLOYED = wait(lambda s: _counts(s, web=2, client=1), "app_web 2, app_client 1")  # the stack as the file says

def _env(ev: Evidence, service: str) -> list[str]:
    return raw_service(ev, service).get("Spec", {}).get("TaskTemplate", {}).get("ContainerSpec", {}).get("Env") or []


def _answered_by(ev: Evidence) -> set[str]:
    """The web containers that answered the client's last requests."""
    return {ln.split()[1] for ln in ev.output("manager1", CLIENT_LOGS).splitlines() if ln.startswith("hostname: ")}


def _web_ids(ev: Evidence) -> set[str]:
    return {t.container_id[:12] for t in ev.snapshot.running("app_web")}


# -- lesson checks ------------------------------------------------------------------------------
def app_deployed(ev: Evidence) -> Verdict:
    """Stack app: app_web (2, on workers only) and app_client (1) on the overlay app_backend, all labelled."""
    snap = ev.snapshot
    for name in ("app_web", "app_client"):
        if (v := missing_service(snap, name)) is not None:
            return v
    if _stack(ev, "app") != ["app_client", "app_web"]:
        return failed(f"the services labelled {NS}=app are {nodes_text(_stack(ev, 'app'))}; "
                      "expected app_client, app_web")
    net = network(ev, "app_backend") or {}
    if net.get("Driver") != "overlay" or (net.get("Labels") or {}).get(NS) != "app":
        return failed(f"app_backend is {net.get('Driver') or 'missing'}; expected the stack's overlay network")
    constraints = raw_service(ev, "app_web")["Spec"].get("TaskTemplate", {}).get("Placement", {}).get("Constraints")
    if "node.role == worker" not in (constraints or []):
        return failed(f"app_web's placement constraints are {constraints or 'none'}; expected node.role == worker")
    managers = [h for h in snap.placement("app_web") if snap.node(h).role == "manager"]
    if managers:
        return failed(f"app_web runs on {nodes_text(managers)}, a manager; expected workers only")
    if not _counts(snap, web=2, client=1):
        return waiting(f"app_web runs {placement_text(snap, 'app_web')}; "
                       f"app_client {placement_text(snap, 'app_client')}")
    return passed(f"stack app: app_web 2 ({placement_text(snap, 'app_web')}: workers only), app_client 1, network "
                  f"app_backend (overlay), all labelled {NS}=app")


def client_reaches_both(ev: Evidence) -> Verdict:
    """The client finds `web` by its short name, and both web tasks answer it."""
    if (v := missing_service(ev.snapshot, "app_client")) is not None:
        return v
    answered, web = _answered_by(ev), _web_ids(ev)
    if not web or not web <= answered:
        return waiting(f"the client's last answers came from {nodes_text(sorted(answered))}; web's containers are "
                       f"{nodes_text(sorted(web))}")
    return passed(f"the client reaches web by name; both tasks answer: {', '.join(sorted(web))}")


def staging_gone(ev: Evidence) -> Verdict:
    """docker stack rm staging removed the staging services and network; app is untouched."""
    if _stack(ev, "staging"):
        return failed(f"{nodes_text(_stack(ev, 'staging'))} still exist; expected the stack staging removed")
    nets = [n["Name"] for n in ev.networks() if (n.get("Labels") or {}).get(NS) == "staging"]
    if nets:
        return waiting(f"the network {nodes_text(nets)} is being removed")
    if _stack(ev, "app") != ["app_client", "app_web"]:
        return failed(f"stack app has {nodes_text(_stack(ev, 'app'))}; expected app_client and app_web untouched")
    return passed("no service or network of staging is left; app_web and app_client still run")


def file_wins(ev: Evidence) -> Verdict:
    """Deploying the unchanged file set app_web back to the file's 2 replicas."""
    svc = ev.snapshot.service("app_web") if not missing_service(ev.snapshot, "app_web") else None
    if svc is None:
        return failed("there is no service app_web; expected the stack app deployed from the file")
    if svc.replicas != 2:
        return failed(f"app_web wants {svc.replicas} replicas: the scale from the board is still in force; expected "
                      "2, as the file says")
    if len(ev.snapshot.running("app_web")) != 2:
        return waiting(f"app_web wants 2; running: {placement_text(ev.snapshot, 'app_web')}")
    return passed(f"back to 2, as the file says: {placement_text(ev.snapshot, 'app_web')}")


def version_2(ev: Evidence) -> Verdict:
    """Version 2 rolled out: 4 web tasks with RELEASE=2, update completed, and the client hears the new tasks."""
    snap = ev.snapshot
    if (v := missing_service(snap, "app_web")) is not None:
        return v
    svc, env = snap.service("app_web"), _env(ev, "app_web")
    if svc.replicas != 4 or "RELEASE=2" not in env:
        return failed(f"app_web wants {svc.replicas} replicas with environment {env or 'none'}; expected version 2 of "
                      "the file: 4 replicas, RELEASE=2")
    new = {t["Status"].get("ContainerStatus", {}).get("ContainerID", "")[:12] for t in ev.api.get("tasks") or []
           if "RELEASE=2" in (t.get("Spec", {}).get("ContainerSpec", {}).get("Env") or [])}
    old = [t for t in snap.running("app_web") if t.container_id[:12] not in new]
    if svc.update_state != "completed" or len(snap.running("app_web")) != 4 or old:
        return waiting(f"app_web's update is {svc.update_state}: {len(snap.running('app_web'))} running, "
                       f"{len(old)} still on version 1")
    heard = _answered_by(ev) & _web_ids(ev)
    if len(heard) < 2:
        return waiting(f"the client has heard {len(heard)} of the new tasks so far")
    return passed(f"app_web: 4 tasks with RELEASE=2, rolled out one by one ({placement_text(snap, 'app_web')}); the "
                  f"client gets answers from {len(heard)} of them")


def stack_gone(ev: Evidence) -> Verdict:
    """docker stack rm app removed every service and the network of the stack."""
    left = [s.name for s in ev.snapshot.services]
    if left:
        return failed(f"{nodes_text(left)} still exist; expected no service once the stack app is removed")
    if network(ev, "app_backend"):
        return waiting("the network app_backend is being removed")
    return passed("no services, no app_backend network: the stack is gone")


# -- exercises ----------------------------------------------------------------------------------
def scale_with_board(ev: Evidence) -> Verdict:
    """Board exercise: app_web scaled to 4 (by hand, outside the file)."""
    snap = ev.snapshot
    if (v := missing_service(snap, "app_web")) is not None:
        return failed(v.text + "; expected it at 4 — docker stack deploy brings it back")
    client = snap.service("app_client").replicas if not missing_service(snap, "app_client") else 1
    if client != 1:
        return failed(f"app_client wants {client}: you scaled the client; expected app_web at 4 (and app_client at 1)")
    replicas = snap.service("app_web").replicas
    if replicas != 4:
        return failed(f"app_web wants {replicas} replicas; expected 4")
    if len(snap.running("app_web")) != 4:
        return waiting(f"app_web wants 4; running: {placement_text(snap, 'app_web')}")
    return passed(f"app_web runs 4 tasks: {placement_text(snap, 'app_web')}")


def agent_everywhere(ev: Evidence) -> Verdict:
    """After the file with agent is deployed: app_agent, part of stack app, global, on app_backend; web still
    version 2."""
    snap = ev.snapshot
    if missing_service(snap, "app_agent") is not None:
        if not missing_service(snap, "agent"):
            return failed(f"agent has no {NS}=app label: it was made by docker service create, so docker stack rm app "
                          "would leave it behind; expected it in the compose file, deployed with docker stack deploy")
        return failed(f"there is no service app_agent (stack app has: {nodes_text(_stack(ev, 'app'))}); expected a "
                      "service agent in the compose file")
    spec = raw_service(ev, "app_agent")["Spec"]
    if (spec.get("Labels") or {}).get(NS) != "app":
        return failed(f"app_agent has no {NS}=app label: docker stack rm app would leave it behind; expected it in "
                      "the compose file, deployed with docker stack deploy")
    if snap.service("app_agent").mode != "global":
        return failed(f"app_agent is {snap.service('app_agent').mode} ({placement_text(snap, 'app_agent')}); expected "
                      "one task on every node — deploy: mode: global")
    nets = service_networks(ev, "app_agent")
    if "app_backend" not in nets:
        return failed(f"app_agent is on {nodes_text(nets)}; expected app_backend — a service that lists no networks "
                      "gets the stack's default network")
    web = snap.service("app_web")
    if web.replicas != 4 or "RELEASE=2" not in _env(ev, "app_web"):
        return failed(f"app_web now wants {web.replicas} replicas with {_env(ev, 'app_web') or 'no environment'}: the "
                      "file you deployed lost version 2; expected web unchanged (4 replicas, RELEASE=2)")
    nodes = active_nodes(snap)
    if not one_per_node(snap, "app_agent", nodes):
        return waiting(f"app_agent runs {placement_text(snap, 'app_agent')}; waiting for one on each of "
                       f"{nodes_text(nodes)}")
    return passed(f"app_agent is part of stack app, global on app_backend: one task on each of {nodes_text(nodes)}")


PLAN = NotebookPlan(
    "11", "Stacks", "11-stacks.ipynb", managers=1, workers=2,
    sections=(
        Section("compose-file", "The compose file"),
        Section("deploy", "Deploy", (write_file(1),)),
        Section("desired-state", "The file is the desired state", (write_file(1), sh("manager1", DEPLOY), _DEPLOYED)),
        Section("version-2", "Version 2: change the file, deploy again", (
            write_file(1), sh("manager1", DEPLOY), _DEPLOYED)),
        Section("remove", "Remove the stack", (write_file(3), sh("manager1", DEPLOY),
            wait(lambda s: _counts(s, web=4, client=1, agent=3), "app_web 4, app_client 1, app_agent 3", 120))),
    ),
    checks=(
        Check("11-app-deployed", "deploy", "the stack runs, namespaced, web on workers", app_deployed,
              needs=("services", "networks"), unsolved="there is no service app_web", wait=90),
        Check("11-client-reaches-both", "deploy", "services find each other by short name", client_reaches_both,
              probes=(("manager1", CLIENT_LOGS),), unsolved="there is no service app_client", wait=60),
        Check("11-staging-one-replica", "deploy", "a staging copy, web at 1, same file", staging_one_replica,
              needs=("services", "networks"), probes=(("manager1", READ_FILE),),
              hints=("A stack's name is the last argument of `docker stack deploy`, and it prefixes everything, so "
                     "one file can be deployed twice. The replica count is the part that must differ.",
                     "Scaling staging_web after the deploy would not last: the next deploy of the file sets it back "
                     "(you will see it below). What you deploy must already say 1.",
                     "`docker stack deploy` takes `-c` more than once: a second, small compose file overrides the "
                     "first one's values, and `-c -` reads one from stdin."),
              solution="%%node manager1\ncd /root/app\nprintf 'version: \"3.8\"\\nservices:\\n  web:\\n    deploy:\\n"
                       "      replicas: 1\\n' | docker stack deploy -c docker-compose.yml -c - staging",
              unsolved=f"no service carries the label {NS}=staging", wait=90,
              wrong=(("%%node manager1\ncd /root/app && docker stack deploy -c docker-compose.yml staging",
                      "as the file says"),
                     ("%%node manager1\ncd /root/app && docker stack deploy -c docker-compose.yml staging\n"
                      "docker service scale -d staging_web=1", "was scaled after it was deployed"))),
        Check("11-staging-gone", "deploy", "staging removed, app untouched", staging_gone,
              needs=("services", "networks"), unsolved="still exist", wait=60),
        Check("11-scale-with-board", "desired-state", "app_web scaled from the board", scale_with_board,
              hints=("The board has one row per service.",
                     "app_web's row has a scale control: set the number, then let go of it.",
                     "The number is the goal's; the board's log then shows the command it ran for you."),
              solution='board = lab.board()\nboard.act("scale", "app_web", 4)\nboard.wait()', board=True,
              unsolved="app_web wants 2 replicas; expected 4", wait=60),
        Check("11-file-wins", "desired-state", "the file wins", file_wins,
              unsolved="the scale from the board is still in force", wait=60),
        Check("11-version-2", "version-2", "version 2 rolled out", version_2, needs=("services", "tasks"),
              probes=(("manager1", CLIENT_LOGS),), unsolved="expected version 2 of the file", wait=120),
        Check("11-agent-in-file", "version-2", "an agent on every node, in the file", agent_in_file,
              probes=(("manager1", READ_FILE),),
              hints=("The stack is what the file says: the agent goes into the file, as one more service under "
                     "`services:`, next to web and client.",
                     "Copy client's shape: `image`, `command`, `networks`. Then a `deploy:` section for how many tasks "
                     "run where.",
                     "'One task per node' is a service mode (notebook 04): in a compose file, `mode:` under "
                     "`deploy:`."),
              solution=f"%%nodefile --expand manager1 {FILE}\n" + compose(3),
              unsolved="has no service agent", wait=10,
              wrong=((f"%%nodefile --expand manager1 {FILE}\n" + compose(3).replace("mode: global", "replicas: 1"),
                      "is not global"),)),
        Check("11-agent-everywhere", "version-2", "the agent runs on every node, in the stack", agent_everywhere,
              needs=("services", "networks"), unsolved="there is no service app_agent", wait=90),
        Check("11-stack-gone", "remove", "the whole stack removed", stack_gone, needs=("networks",),
              unsolved="still exist", wait=60),
    ),
)
