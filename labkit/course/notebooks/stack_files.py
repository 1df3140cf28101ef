"""Notebook 11's compose files (version 1, version 2, and version 2 with the agent the learner adds), the reset step
that writes one on manager1, and the checks of its two file exercises: a staging copy with one web replica from
the unchanged file, and an agent service written into the file."""

from __future__ import annotations

from ...front.magics import write_node_file
from ..helpers import endpoint_mode
from ..model import Evidence, Step, Verdict, failed, passed, waiting
from ..verdicts import network, nodes_text, placement_text, raw_service

NS = "com.docker.stack.namespace"
FILE = "/root/app/docker-compose.yml"
READ_FILE = f"cat {FILE}"
# The compose file of the notebook, in three versions; {mode} is vip where this host has IPVS, dnsrr (the fallback)
# where not.
WEB_V1 = """  web:
    image: labkit/whoami
    networks: [backend]
    deploy:
      replicas: 2
"""
WEB_V2 = """  web:
    image: labkit/whoami
    environment:
      RELEASE: "2"
    networks: [backend]
    deploy:
      replicas: 4
"""
REST = """      endpoint_mode: {mode}
      placement:
        constraints: [node.role == worker]
      update_config:
        parallelism: 1
        delay: 2s

  client:
    image: busybox
    command: ["sh", "-c", "while true; do wget -qO- http://web | head -1; sleep 1; done"]
    networks: [backend]
"""
AGENT = """
  agent:
    image: busybox
    command: ["sleep", "1d"]
    networks: [backend]
    deploy:
      mode: global
"""
NETWORKS = """
networks:
  backend:
    driver: overlay
"""


def compose(version: int, mode: str = "{endpoint_mode()}") -> str:
    """The compose file: version 1, 2, or 3 (version 2 with the agent); `mode` fills endpoint_mode (by default the
    `{endpoint_mode()}` a `%%nodefile --expand` cell replaces)."""
    web = WEB_V1 if version == 1 else WEB_V2
    return 'version: "3.8"\n\nservices:\n' + web + REST.format(mode=mode) + (AGENT if version == 3 else "") + NETWORKS


def write_file(version: int) -> Step:
    """Write a version of the compose file on manager1, as the notebook's `%%nodefile` cells do."""
    def run(lab):
        manager = lab.node("manager1")
        manager.sh("mkdir -p /root/app")
        return write_node_file(manager, FILE, compose(version, endpoint_mode(lab)))
    return Step(f"%%nodefile manager1 {FILE}  # version {version} of the notebook's file", run)


def stack(ev: Evidence, name: str) -> list[str]:
    """The services labelled as parts of a stack."""
    return sorted(s["Spec"]["Name"] for s in ev.services() if (s["Spec"].get("Labels") or {}).get(NS) == name)


def staging_one_replica(ev: Evidence) -> Verdict:
    """Exercise: a second copy of the app as the stack staging, its web at 1 replica as deployed (not scaled after),
    the file unchanged and app untouched."""
    snap, staging = ev.snapshot, stack(ev, "staging")
    if not staging:
        bare = sorted(s["Spec"]["Name"] for s in ev.services() if NS not in (s["Spec"].get("Labels") or {}))
        if bare:
            return failed(f"services {nodes_text(bare)} exist without a stack prefix or label: they were made by "
                          "docker service create; expected the stack staging, deployed from the file")
        return failed(f"no service carries the label {NS}=staging; expected a stack named staging")
    if "replicas: 2" not in ev.output("manager1", READ_FILE):
        return failed(f"{FILE} no longer says web's replicas: 2; expected the file unchanged (app is deployed from it)")
    if stack(ev, "app") != ["app_client", "app_web"] or snap.service("app_web").replicas != 2:
        return failed(f"stack app has {nodes_text(stack(ev, 'app'))}; expected app_web (2) and app_client untouched")
    if staging != ["staging_client", "staging_web"]:
        return failed(f"stack staging has {nodes_text(staging)}; expected staging_client and staging_web")
    replicas = snap.service("staging_web").replicas
    if replicas != 1:
        return failed(f"staging_web wants {replicas} replicas, as the file says; expected 1 for staging, without "
                      "editing the file")
    before = (raw_service(ev, "staging_web").get("PreviousSpec") or {}).get("Mode", {}).get("Replicated", {})
    if before.get("Replicas", 1) != 1:
        return failed(f"staging_web was scaled after it was deployed (from {before['Replicas']}): the next deploy of "
                      "the stack puts the file's number back; expected 1 from what you deploy (docker stack rm "
                      "staging, then deploy it again)")
    if (network(ev, "staging_backend") or {}).get("Driver") != "overlay":
        return waiting("the network staging_backend is not there yet")
    if len(snap.running("staging_web")) != 1 or len(snap.running("staging_client")) != 1:
        return waiting(f"staging_web runs {placement_text(snap, 'staging_web')}; staging_client "
                       f"{placement_text(snap, 'staging_client')}")
    return passed("stack staging runs next to app from the same file, with staging_web at 1 replica as deployed")


def service_block(text: str, name: str) -> list[str]:
    """The lines of one service's block in a compose file (indented under `services:`), or []."""
    lines, block, inside = text.splitlines(), [], False
    for line in lines:
        if line.startswith(f"  {name}:"):
            inside = True
        elif inside and line.strip() and (len(line) - len(line.lstrip())) <= 2:
            break
        elif inside:
            block.append(line.strip())
    return block


def agent_in_file(ev: Evidence) -> Verdict:
    """Exercise: the compose file has an agent service (busybox sleeping, global, on backend); web is version 2."""
    text = ev.output("manager1", READ_FILE)
    agent, web = service_block(text, "agent"), service_block(text, "web")
    if not agent:
        return failed(f"{FILE} has no service agent under services:; expected one next to web and client")
    if not any(ln.startswith("image:") and "busybox" in ln for ln in agent):
        return failed("agent has no `image: busybox`; expected busybox running sleep 1d")
    if "mode: global" not in agent:
        mode = next((ln for ln in agent if ln.startswith(("replicas:", "mode:"))), "no mode, so 1 replica")
        return failed(f"agent is not global ({mode}): a replicated agent does not follow the nodes; expected one task "
                      "on every node")
    if not any(ln.startswith("networks:") and "backend" in ln for ln in agent) and "- backend" not in agent:
        return failed("agent lists no network backend: it would get the stack's default network; expected backend")
    if "replicas: 4" not in web or not any("RELEASE" in ln for ln in web):
        return failed("web in the file is no longer version 2 (4 replicas, RELEASE 2); expected it unchanged")
    return passed(f"{FILE} now describes agent: busybox, global, on backend; web is still version 2")
