"""08 · Overlay networks and service discovery: an overlay network, a service on it, the embedded DNS server,
traffic across hosts, VIP (with IPVS) and dnsrr (the fallback), and encrypted overlays (with IPsec ESP)."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait_service
from ..verdicts import service_endpoint_mode as _mode, missing_service, network as _network, nodes_text, \
    raw_service as _raw_service, service_networks as _service_networks, virtual_ip as _vip
from .overlay_lessons import APPNET, BACKNET, CLIENT, LOGS, LOOKUP, NETWORKS_ON_WORKER1, PROBE, appnet, \
    client_reaches_web, cross_host, dns_web, encrypted_overlay, secnet, vip_traffic, vip_vs_tasks, wanted_mode, \
    web_on_appnet, web_step


# -- exercises ----------------------------------------------------------------------------------
def backnet(ev: Evidence) -> Verdict:
    """Exercise: backnet, an attachable swarm overlay on 10.20.0.0/24 (not encrypted)."""
    net = _network(ev, "backnet")
    if net is None:
        swarm = sorted(n.get("Name", "") for n in ev.networks() if n.get("Scope") == "swarm")
        return failed(f"there is no network backnet (swarm networks: {nodes_text(swarm)}); expected an overlay "
                      "network backnet")
    subnets = [c.get("Subnet") for c in (net.get("IPAM") or {}).get("Config") or []]
    again = " — docker network rm backnet and create it again"  # a network cannot be changed
    if (net.get("Driver"), net.get("Scope")) != ("overlay", "swarm"):
        return failed(f"backnet is a {net.get('Driver')} network of scope {net.get('Scope')}: it exists on manager1 "
                      f"only; expected driver overlay, scope swarm{again}")
    if not net.get("Attachable"):
        return failed(f"backnet is not attachable: docker run --network backnet would be refused; expected "
                      f"attachable{again}")
    if subnets != ["10.20.0.0/24"]:
        return failed(f"backnet's subnet is {nodes_text(subnets)} (chosen by the swarm); expected 10.20.0.0/24{again}")
    if "encrypted" in (net.get("Options") or {}):
        return failed("backnet has the option encrypted: its traffic between nodes needs IPsec ESP in the kernel "
                      f"(see the last section); expected a plain overlay{again}")
    return passed("backnet: overlay, scope swarm, attachable, subnet 10.20.0.0/24")


def web_on_backnet(ev: Evidence) -> Verdict:
    """Exercise: the running web service also on backnet, updated in place, endpoint mode unchanged."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + "; expected the running web service, updated in place")
    nets, mode, want = _service_networks(ev, "web"), _mode(ev, "web"), wanted_mode(ev.routing_mesh)
    if "backnet" not in nets:
        return failed(f"web is on {nodes_text(nets)} only; expected appnet and backnet")
    if "appnet" not in nets:
        return failed(f"web is on {nodes_text(nets)} only: containers on appnet (the client, later) would not find "
                      "it; expected appnet and backnet")
    if not _raw_service(ev, "web").get("PreviousSpec"):
        return failed("web has no previous spec: it was removed and created again; expected the running service "
                      "updated in place (its tasks replaced one by one)")
    if mode != want:
        return failed(f"web's endpoint mode is {mode}; expected {want}, as before"
                      + ("" if ev.routing_mesh else " — without IPVS nothing answers behind a VIP on this host"))
    svc = snap.service("web")
    if svc.update_state not in (None, "completed") or len(snap.running("web")) != 3:
        return waiting(f"web's update is {svc.update_state}: {len(snap.running('web'))} of 3 tasks running")
    return passed(f"web is on {', '.join(nets)} ({mode}); its 3 tasks were replaced in place")


def api_dnsrr(ev: Evidence) -> Verdict:
    """Exercise: api's name resolves to its tasks (dnsrr), on appnet, 2 tasks."""
    snap = ev.snapshot
    if (v := missing_service(snap, "api")) is not None:
        return failed(v.text + "; expected api (labkit/whoami) on appnet")
    mode = _mode(ev, "api")
    if mode != "dnsrr":
        return failed(f"api's endpoint mode is {mode}: api resolves to the virtual IP {_vip(ev, 'api', 'appnet')}, "
                      f"which needs IPVS ({'present' if ev.routing_mesh else 'absent'} on this host); expected dnsrr")
    nets = _service_networks(ev, "api")
    if "appnet" not in nets:
        return failed(f"api is not on appnet (networks: {nodes_text(nets)}); expected appnet")
    svc = snap.service("api")
    if svc.replicas != 2:
        return failed(f"api wants {svc.replicas} tasks; expected 2")
    if svc.update_state not in (None, "completed") or len(snap.running("api")) != 2:
        return waiting(f"api's update is {svc.update_state}: {len(snap.running('api'))} of 2 tasks running")
    return passed("api is dnsrr on appnet with 2 tasks: its name resolves to the task addresses")


_WEB = (sh("manager1", APPNET), sh("manager1", BACKNET), web_step())

PLAN = NotebookPlan(
    "08", "Overlay networks and service discovery", "08-overlay-networks-and-service-discovery.ipynb",
    managers=1, workers=2,
    sections=(
        Section("networks", "The networks of a swarm node"),
        Section("create-overlay", "Create an overlay network"),
        Section("service-on-overlay", "A service on the overlay network", (sh("manager1", APPNET),
                                                                            sh("manager1", BACKNET))),
        Section("dns", "Service discovery: the embedded DNS server", _WEB + (wait_service("web", 3),)),
        Section("cross-host", "Traffic across hosts", _WEB + (sh("manager1", PROBE), wait_service("web", 3))),
        Section("service-to-service", "Services talking to services",
                _WEB + (sh("manager1", PROBE), wait_service("web", 3))),
        Section("vip-vs-dnsrr", "VIP vs dnsrr", _WEB + (sh("manager1", PROBE), sh("manager1", CLIENT),
                                                         wait_service("web", 3), wait_service("client", 1))),
        Section("encrypted", "Encrypted overlay networks", (sh("manager1", APPNET), sh("manager1", PROBE))),
    ),
    checks=(
        Check("08-appnet", "create-overlay", "appnet spans the swarm", appnet, needs=("networks",),
              probes=(("worker1", NETWORKS_ON_WORKER1),), unsolved="there is no network appnet", wait=10),
        Check("08-backnet", "create-overlay", "a second overlay, your way", backnet, needs=("networks",),
              hints=("The cell above created appnet. What do you keep, and what do you add?",
                     "`docker network create` takes `--subnet`.",
                     "Keep appnet's driver and `--attachable`, and add `--subnet` with the range the goal names."),
              solution="%%node manager1\ndocker network create -d overlay --attachable --subnet 10.20.0.0/24 backnet",
              unsolved="there is no network backnet", wait=10,
              wrong=(("%%node manager1\ndocker network create --attachable --subnet 10.20.0.0/24 backnet",
                      "exists on manager1 only"),)),
        Check("08-web-on-appnet", "service-on-overlay", "web on appnet; worker1 sets it up", web_on_appnet,
              needs=("services", "networks", "mesh"), probes=(("worker1", NETWORKS_ON_WORKER1),),
              unsolved="there is no service web", wait=90),
        Check("08-web-on-backnet", "service-on-overlay", "web on both networks, updated in place", web_on_backnet,
              needs=("services", "networks", "mesh"),
              hints=("A service's networks are part of its spec, and `docker service update` can change them.",
                     "Look for a flag that adds a network rather than replacing the list: "
                     "`docker service update --help | grep network`.",
                     "The flag is `--network-add`; it takes the network's name."),
              solution="%%node manager1\ndocker service update --network-add backnet web",
              unsolved="web is on appnet only; expected appnet and backnet", wait=90),
        Check("08-dns-web", "dns", "web and tasks.web resolve", dns_web, needs=("services", "networks", "tasks"),
              probes=(("manager1", LOOKUP.format(name="web")), ("manager1", LOOKUP.format(name="tasks.web"))),
              unsolved="there is no container probe", wait=30),
        Check("08-cross-host", "cross-host", "requests served on other hosts", cross_host,
              probes=(("manager1", LOGS.format(service="web")),), unsolved="no request has reached web", wait=20),
        Check("08-client-reaches-web", "service-to-service", "a service finds another by name", client_reaches_web,
              probes=(("manager1", LOGS.format(service="client")),), unsolved="there is no service client", wait=60),
        Check("08-vip-vs-tasks", "vip-vs-dnsrr", "api resolves to a VIP", vip_vs_tasks,
              needs=("services", "networks", "tasks"),
              probes=(("manager1", LOOKUP.format(name="api")), ("manager1", LOOKUP.format(name="tasks.api"))),
              unsolved="there is no service api", wait=90),
        Check("08-vip-traffic", "vip-vs-dnsrr", "the VIP answers only with IPVS", vip_traffic, needs=("mesh",),
              probes=(("manager1", LOGS.format(service="api")),), unsolved="no request has reached api", wait=20),
        Check("08-api-dnsrr", "vip-vs-dnsrr", "api reachable by name without IPVS", api_dnsrr,
              needs=("services", "networks", "mesh"),
              hints=("The endpoint mode decides what the name resolves to (the table above).",
                     "It can be changed on a running service with `docker service update`.",
                     "The flag is `--endpoint-mode`, and the mode that resolves to the tasks is `dnsrr`."),
              solution="%%node manager1\ndocker service update --endpoint-mode dnsrr api",
              unsolved="api's endpoint mode is vip", wait=90,
              wrong=(("%%node manager1\ndocker service scale api=3", "expected dnsrr"),)),
        Check("08-secnet", "encrypted", "an encrypted overlay, a task on every node", secnet,
              needs=("services", "networks"), unsolved="there is no network secnet", wait=90),
        Check("08-encrypted-overlay", "encrypted", "what crosses an encrypted overlay", encrypted_overlay,
              probes=(("manager1", LOGS.format(service="vault")),), needs=("esp",),
              unsolved="no request has reached vault", wait=30),
    ),
)
