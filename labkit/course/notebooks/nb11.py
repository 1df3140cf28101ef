"""11 · Stacks: one compose file (endpoint mode by this host's IPVS) deployed, scaled, reset, updated, removed."""

from __future__ import annotations

from ..helpers import endpoint_mode
from ..model import Check, Evidence, NotebookPlan, Section, Step, Verdict, failed, passed, waiting
from ..steps import sh, wait
from ..verdicts import active_nodes, missing_service, network, nodes_text, one_per_node, placement_text, \
    raw_service, service_networks

NS = "com.docker.stack.namespace"
# The compose file of the notebook; {mode} is vip where this host has IPVS, dnsrr (the fallback) where not.
COMPOSE = """version: "3.8"

services:
  web:
    image: labkit/whoami
    networks: [backend]
    deploy:
      replicas: 2
      endpoint_mode: {mode}
      placement:
        constraints: [node.role == worker]
      update_config:
        parallelism: 1
        delay: 2s

  client:
    image: busybox
    command: ["sh", "-c", "while true; do wget -qO- http://web | head -1; sleep 1; done"]
    networks: [backend]

networks:
  backend:
    driver: overlay
"""
DEPLOY = "cd /root/app && docker stack deploy -c docker-compose.yml app"
V2 = ("cd /root/app && sed -i 's/replicas: 2/replicas: 4/' docker-compose.yml && sed -i 's/    image: labkit\\/whoami/"
      "    image: labkit\\/whoami\\n    environment:\\n      RELEASE: \"2\"/' docker-compose.yml")
AGENT = ("cd /root/app && sed -i 's/^networks:$/  agent:\\n    image: busybox\\n    command: [\"sleep\", \"1d\"]\\n"
         "    networks: [backend]\\n    deploy:\\n      mode: global\\n\\nnetworks:/' docker-compose.yml")
CLIENT_LOGS = "docker service logs --raw --tail 20 app_client"


def _write_v1() -> Step:
    """Write the compose file as the notebook's cell does (endpoint mode from this host's IPVS)."""
    def run(lab):
        mode = endpoint_mode(lab)
        script = f"mkdir -p /root/app && cat > /root/app/docker-compose.yml <<'EOF'\n{COMPOSE.format(mode=mode)}EOF"
        return lab.node("manager1").sh(script)
    return Step("[manager1] $ cat > /root/app/docker-compose.yml  # the file of the notebook", run)


def _counts(s, **want: int) -> bool:
    return all(len(s.running(f"app_{k}")) == n for k, n in want.items())
_DEPLOYED = wait(lambda s: _counts(s, web=2, client=1), "app_web 2, app_client 1")  # the stack as the file says

def _stack(ev: Evidence, name: str) -> list[str]:
    """The services labelled as parts of a stack."""
    return sorted(s["Spec"]["Name"] for s in ev.services() if (s["Spec"].get("Labels") or {}).get(NS) == name)


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
def staging_stack(ev: Evidence) -> Verdict:
    """Exercise: a second copy of the app from the same file, as the stack staging, app untouched."""
    snap, staging = ev.snapshot, _stack(ev, "staging")
    bare = sorted(s["Spec"]["Name"] for s in ev.services() if NS not in (s["Spec"].get("Labels") or {}))
    if not staging:
        if bare:
            return failed(f"services {nodes_text(bare)} exist without a stack prefix or label: they were made by "
                          "docker service create; expected the stack staging, deployed from the file")
        return failed(f"no service carries the label {NS}=staging; expected a stack named staging")
    gone = [n for n in ("app_web", "app_client") if n not in _stack(ev, "app")]
    if gone:
        return failed(f"{nodes_text(gone)} is gone; expected app and staging side by side")
    if staging != ["staging_client", "staging_web"]:
        return failed(f"stack staging has {nodes_text(staging)}; "
                      "expected staging_client and staging_web, from the file")
    if snap.service("staging_web").replicas != 2:
        return failed(f"staging_web wants {snap.service('staging_web').replicas} replicas; the file says 2 — expected "
                      "the unchanged file")
    if (network(ev, "staging_backend") or {}).get("Driver") != "overlay":
        return waiting("the network staging_backend is not there yet")
    if len(snap.running("staging_web")) != 2 or len(snap.running("staging_client")) != 1:
        return waiting(f"staging_web runs {placement_text(snap, 'staging_web')}; staging_client "
                       f"{placement_text(snap, 'staging_client')}")
    return passed("stack staging (staging_web 2, staging_client 1, network staging_backend) runs next to app")


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
    """Exercise: agent, part of stack app, global, on app_backend; web still version 2."""
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
        Section("deploy", "Deploy", (_write_v1(),)),
        Section("desired-state", "The file is the desired state", (
            _write_v1(), sh("manager1", DEPLOY), _DEPLOYED)),
        Section("version-2", "Version 2: change the file, deploy again", (
            _write_v1(), sh("manager1", DEPLOY), _DEPLOYED)),
        Section("remove", "Remove the stack", (
            _write_v1(), sh("manager1", V2), sh("manager1", AGENT), sh("manager1", DEPLOY),
            wait(lambda s: _counts(s, web=4, client=1, agent=3), "app_web 4, app_client 1, app_agent 3", 120))),
    ),
    checks=(
        Check("11-app-deployed", "deploy", "the stack runs, namespaced, web on workers", app_deployed,
              needs=("services", "networks"), unsolved="there is no service app_web", wait=90),
        Check("11-client-reaches-both", "deploy", "services find each other by short name", client_reaches_both,
              probes=(("manager1", CLIENT_LOGS),), unsolved="there is no service app_client", wait=60),
        Check("11-staging-stack", "deploy", "a second copy of the app", staging_stack,
              needs=("services", "networks"),
              hints=("The stack name is the last argument of the deploy command, and it prefixes everything.",
                     "Same directory, same file, another name.",
                     "cd /root/app && docker stack deploy -c docker-compose.yml staging"),
              solution="%%node manager1\ncd /root/app && docker stack deploy -c docker-compose.yml staging",
              unsolved=f"no service carries the label {NS}=staging", wait=90,
              wrong=(("%%node manager1\ndocker service create -d --name web labkit/whoami",
                      "without a stack prefix or label"),)),
        Check("11-staging-gone", "deploy", "staging removed, app untouched", staging_gone,
              needs=("services", "networks"), unsolved="still exist", wait=60),
        Check("11-scale-with-board", "desired-state", "app_web scaled from the board", scale_with_board,
              hints=("The board has one row per service.",
                     "Set app_web's scale to 4 and let go of the slider. The log shows `docker service scale --detach "
                     "app_web=4`.",
                     "Scale app_web to 4 on the board."),
              solution='board = lab.board()\nboard.act("scale", "app_web", 4)\nboard.wait()', board=True,
              unsolved="app_web wants 2 replicas; expected 4", wait=60),
        Check("11-file-wins", "desired-state", "the file wins", file_wins,
              unsolved="the scale from the board is still in force", wait=60),
        Check("11-version-2", "version-2", "version 2 rolled out", version_2, needs=("services", "tasks"),
              probes=(("manager1", CLIENT_LOGS),), unsolved="expected version 2 of the file", wait=120),
        Check("11-agent-everywhere", "version-2", "an agent on every node, in the stack", agent_everywhere,
              needs=("services", "networks"),
              hints=("Change the file, then deploy it again, as for version 2.",
                     "Under `services:` add `agent:` with `image`, `command`, `networks: [backend]` and a `deploy:` "
                     "section. 'One task per node' is a mode (notebook 04).",
                     "Add before the top-level `networks:` line:\n  agent:\n    image: busybox\n    command: "
                     "[\"sleep\", \"1d\"]\n    networks: [backend]\n    deploy:\n      mode: global\n"
                     "then `docker stack deploy -c docker-compose.yml app`."),
              solution="%%node manager1\n" + AGENT.replace(" && sed", "\nsed") + "\ndocker stack deploy -c "
                       "docker-compose.yml app",
              unsolved="there is no service app_agent", wait=90,
              wrong=(("%%node manager1\ndocker service create -d --name agent --mode global busybox sleep 1d",
                      "it was made by docker service create"),)),
        Check("11-stack-gone", "remove", "the whole stack removed", stack_gone, needs=("networks",),
              unsolved="still exist", wait=60),
    ),
)
