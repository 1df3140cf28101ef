"""The lesson checks of notebook 08 (overlay networks and service discovery), and the commands they and the
section resets share: what the probe container resolves, which tasks logged the learner's requests, and what
crosses an encrypted overlay."""

from __future__ import annotations

import re

from ..model import Evidence, Step, Verdict, failed, passed, waiting
from ..verdicts import count_text, logged_requests, missing_service, network as _network, nodes_text, \
    raw_service as _raw_service, service_endpoint_mode as _mode, service_networks as _service_networks, \
    task_addresses as _task_ips, virtual_ip as _vip

APPNET = "docker network create -d overlay --attachable appnet"
BACKNET = "docker network create -d overlay --attachable --subnet 10.20.0.0/24 backnet"
PROBE = "docker run -d --name probe --network appnet busybox sleep 1d"
WEB = ("docker service create -d --name web --network appnet --network backnet --endpoint-mode {mode} --replicas 3 "
       "labkit/whoami")
CLIENT = ("docker service create -d --name client --network appnet busybox "
          "sh -c 'while true; do wget -qO- http://web | head -1; sleep 1; done'")

NETWORKS_ON_WORKER1 = "docker network ls --format '{{.Name}}'"
LOOKUP = "docker exec probe nslookup {name}"
LOGS = "docker service logs {service} 2>&1"
_ADDRESS = re.compile(r"^Address:\s+(\d+\.\d+\.\d+\.\d+)$", re.M)  # not the server's own "127.0.0.11:53"


def wanted_mode(routing_mesh: bool) -> str:
    """The mode the notebook gives web: the default, vip, where IPVS can answer; the dnsrr fallback where not."""
    return "vip" if routing_mesh else "dnsrr"


def web_step() -> Step:
    """Create web as the notebook does: its endpoint mode follows this host's IPVS."""
    return Step("[manager1] $ " + WEB.format(mode="<vip with IPVS, dnsrr without>"),
                lambda lab: lab.node("manager1").sh(WEB.format(mode=wanted_mode(lab.capabilities.routing_mesh))))


def _answers(ev: Evidence, name: str) -> list[str] | None:
    """The addresses `nslookup name` gave in the probe container; None if the container is not there."""
    command = LOOKUP.format(name=name)
    if ev.exit_code("manager1", command) is None or "No such container" in ev.output("manager1", command):
        return None
    return sorted(_ADDRESS.findall(ev.output("manager1", command)))


def _served(ev: Evidence, service: str, path: str | None = None) -> dict[str, int]:
    """How many requests each node's tasks of the service logged (only those for `path`, if given)."""
    counts: dict[str, int] = {}
    for node, asked in logged_requests(ev.output("manager1", LOGS.format(service=service))):
        if path is None or asked == path:
            counts[node] = counts.get(node, 0) + 1
    return counts


_NO_PROBE = f"there is no container probe on manager1; expected the test container of the cell above ({PROBE})"


# -- lesson checks ------------------------------------------------------------------------------
def appnet(ev: Evidence) -> Verdict:
    """appnet: an attachable swarm-scoped overlay, known to the managers, not yet set up on worker1."""
    net = _network(ev, "appnet")
    if net is None:
        return failed("there is no network appnet; expected the overlay network of the cell above")
    if (net.get("Driver"), net.get("Scope"), net.get("Attachable")) != ("overlay", "swarm", True):
        return failed(f"appnet is driver {net.get('Driver')}, scope {net.get('Scope')}, attachable "
                      f"{net.get('Attachable')}; expected an attachable overlay of scope swarm")
    subnet = ((net.get("IPAM") or {}).get("Config") or [{}])[0].get("Subnet", "?")
    on_worker1 = ev.output("worker1", NETWORKS_ON_WORKER1).split()
    if "appnet" in on_worker1:
        return failed("worker1 already has appnet; expected it only where a task on appnet runs")
    return passed(f"appnet: driver overlay, scope swarm, attachable, subnet {subnet}; worker1 does not have it yet")


def web_on_appnet(ev: Evidence) -> Verdict:
    """web: 3 tasks on appnet, in the endpoint mode this host can serve; worker1 set appnet up for its task."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    nets, mode, want = _service_networks(ev, "web"), _mode(ev, "web"), wanted_mode(ev.routing_mesh)
    if "appnet" not in nets:
        return failed(f"web is on {nodes_text(nets)}; expected appnet")
    if mode != want:
        return failed(f"web's endpoint mode is {mode}; expected {want} on this host "
                      f"({'it has IPVS' if ev.routing_mesh else 'no IPVS: nothing answers behind a VIP'})")
    if len(snap.running("web")) != 3:
        return waiting(f"web runs {len(snap.running('web'))} of 3 tasks")
    on_worker1 = "appnet" in ev.output("worker1", NETWORKS_ON_WORKER1).split()
    if "worker1" in snap.placement("web") and not on_worker1:
        return waiting("worker1 runs a web task and is setting up appnet")
    where = "worker1 set up appnet for its task" if on_worker1 else "worker1 has no web task, so no appnet"
    return passed(f"web: 3 tasks on appnet, endpoint mode {mode}; {where}")


def _resolves(ev: Evidence, service: str, replicas: int) -> Verdict:
    """From the probe: tasks.<service> gives the task addresses on appnet; <service> gives them too (dnsrr) or the
    service's virtual IP (vip)."""
    name, tasks = _answers(ev, service), _answers(ev, f"tasks.{service}")
    if name is None or tasks is None:
        return failed(_NO_PROBE)
    if (v := missing_service(ev.snapshot, service)) is not None:
        return v
    ips, mode, vip = _task_ips(ev, service, "appnet"), _mode(ev, service), _vip(ev, service, "appnet")
    want = ips if mode == "dnsrr" else [vip]
    if len(ips) != replicas or tasks != ips or name != want:
        return waiting(f"{service} runs {len(ips)} of {replicas} tasks on appnet ({nodes_text(ips)}); {service} "
                       f"resolves to {nodes_text(name)}, tasks.{service} to {nodes_text(tasks)}")
    said = "the same addresses (dnsrr)" if mode == "dnsrr" else f"its virtual IP {vip}"
    return passed(f"tasks.{service} resolves to the {replicas} task addresses ({', '.join(ips)}); {service} to {said}")


def dns_web(ev: Evidence) -> Verdict:
    """From the probe container: tasks.web gives the 3 task addresses; web gives them too (dnsrr) or its VIP."""
    return _resolves(ev, "web", 3)


def cross_host(ev: Evidence) -> Verdict:
    """The probe's requests: 10 by name (their spread depends on the mode and the client's resolver) and one
    straight to each task's address, which reached the tasks on the other nodes through the overlay."""
    by_name, direct = _served(ev, "web", "/by-name"), _served(ev, "web", "/direct")
    if not by_name and not direct:
        return failed("no request has reached web's tasks yet (docker service logs web shows none); expected the "
                      "requests of the cell above")
    if sum(by_name.values()) < 10:
        return waiting(f"web's tasks logged {sum(by_name.values())} of the 10 requests by name so far "
                       f"({count_text(by_name)})")
    if sum(direct.values()) < 3:
        return waiting(f"web's tasks logged {sum(direct.values())} of the 3 direct requests so far "
                       f"({count_text(direct)})")
    if set(direct) <= {"manager1"}:
        return failed(f"all {sum(direct.values())} direct requests were served on manager1; expected the tasks on "
                      "other nodes to answer through the overlay")
    return passed(f"the 10 requests by name were served on {count_text(by_name)}, the direct ones on "
                  f"{count_text(direct)}: packets to the other nodes crossed the overlay")


def client_reaches_web(ev: Evidence) -> Verdict:
    """The client service finds web by name: its logs hold answers."""
    snap = ev.snapshot
    if (v := missing_service(snap, "client")) is not None:
        return v
    if not snap.running("client"):
        return waiting("client has no running task yet")
    answers = ev.output("manager1", LOGS.format(service="client")).count("hostname:")
    if answers < 3:
        return waiting(f"client logged {answers} answer(s) so far")
    return passed(f"client (on {snap.running('client')[0].node_hostname}) reaches web by name: {answers} answers "
                  "in its logs")


def vip_vs_tasks(ev: Evidence) -> Verdict:
    """api (default VIP mode): its name gives the virtual IP; tasks.api gives the 2 task addresses."""
    if _answers(ev, "api") is not None and _raw_service(ev, "api") and _mode(ev, "api") != "vip":
        return failed(f"api's endpoint mode is {_mode(ev, 'api')}; expected the default, vip")
    return _resolves(ev, "api", 2)


def vip_traffic(ev: Evidence) -> Verdict:
    """The request to tasks.api reached a task; the one to the VIP did only where IPVS exists."""
    paths = [path for _node, path in logged_requests(ev.output("manager1", LOGS.format(service="api")))]
    via_vip, via_tasks = paths.count("/via-vip"), paths.count("/via-tasks")
    if not paths:
        return failed("no request has reached api yet (docker service logs api shows none); expected the requests "
                      "of the cell above")
    if not via_tasks:
        return waiting(f"api logged {len(paths)} request(s), none to /via-tasks yet")
    if ev.routing_mesh:
        if not via_vip:
            return waiting("api logged the request through tasks.api, not yet the one through the VIP")
        return passed("this host has IPVS: both requests reached api — through the VIP (IPVS chose a task) and "
                      "through a task address")
    if via_vip:
        return failed(f"api logged {via_vip} request(s) through the VIP although this host has no IPVS")
    return passed("the request through tasks.api reached a task; the one through the VIP never did: this host "
                  "has no IPVS to forward it")


def secnet(ev: Evidence) -> Verdict:
    """secnet is an encrypted overlay, and vault runs one task on every node on it."""
    net = _network(ev, "secnet")
    if net is None:
        return failed("there is no network secnet; expected the encrypted overlay of the cell above")
    if net.get("Driver") != "overlay" or "encrypted" not in (net.get("Options") or {}):
        return failed(f"secnet is driver {net.get('Driver')} with options {net.get('Options') or {}}; expected an "
                      "overlay with the option encrypted")
    snap = ev.snapshot
    if (v := missing_service(snap, "vault")) is not None:
        return v
    nodes = [n.hostname for n in snap.nodes if n.state == "ready" and n.availability == "active"]
    if snap.placement("vault") != {h: 1 for h in nodes}:
        return waiting(f"vault runs on {count_text(snap.placement('vault'))}; waiting for one task per node")
    return passed(f"secnet: overlay, encrypted; vault runs one task on each of {nodes_text(nodes)} (the tasks "
                  "start whatever the kernel supports)")


def encrypted_overlay(ev: Evidence) -> Verdict:
    """Across secnet: with IPsec ESP every vault task answers the probe; without it, only manager1's own."""
    counts = _served(ev, "vault")
    if not counts:
        return failed("no request has reached vault yet (docker service logs vault shows none); expected the "
                      "requests of the cell above")
    others = sorted(set(ev.snapshot.placement("vault")) - {"manager1"})
    esp = ev.encrypted_overlay
    answered = [h for h in others if h in counts]
    if "manager1" not in counts:
        return waiting(f"vault logged requests on {count_text(counts)}, none yet on manager1, next to the probe")
    if esp:
        silent = [h for h in others if h not in counts]
        if silent:
            return waiting(f"the kernel has ESP; vault on {nodes_text(silent)} has logged no request yet")
        return passed(f"every vault task answered ({count_text(counts)}): traffic between the nodes crossed "
                      "secnet, encrypted with IPsec ESP")
    if answered:
        return failed(f"vault on {nodes_text(answered)} answered although this host's kernel refuses ESP; expected "
                      "only manager1's own task to answer")
    return passed(f"only manager1's own vault task answered; the tasks on {nodes_text(others)} did not: this host's "
                  "kernel has no IPsec ESP (AES-GCM), so packets between nodes on an encrypted overlay are dropped")
