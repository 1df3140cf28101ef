"""Notebook 14's break-and-fix challenges: each section starts on a lab its set-up steps break (the learner does not
see how), and each check verifies the repair, not the diagnosis."""

from __future__ import annotations

import re

from ..model import Check, Evidence, Section, Step, Verdict, failed, passed, waiting
from ..steps import sh, wait, wait_service
from ..verdicts import active_nodes, missing_service, nodes_text, placement_text, raw_service

API = ("docker service create -d --name api --replicas 2 --replicas-max-per-node 1 "
       "--constraint node.labels.tier==backend labkit/whoami")
SHOP = "docker service create -d --name shop --replicas 2 labkit/whoami:1.0"
LEGACY = "docker run -d --name legacy --restart always -p 8080:80 labkit/whoami"
FRONT = "docker service create -d --name front --mode global --publish mode=host,published=8080,target=80 labkit/whoami"
CART = "docker service create -d --name cart --replicas 2 labkit/web:v3"
DATA_NET = "docker network create -d overlay --attachable appnet"
DATA_WEB = "docker service create -d --name web --mode global --network appnet --endpoint-mode dnsrr labkit/whoami"
DATA_PROBE = "docker run -d --name probe --network appnet busybox sleep 1d"
BLOCKED = (("udp", 4789), ("tcp", 7946), ("udp", 7946))
BLOCK = "; ".join(f"iptables -A INPUT -p {proto} --dport {port} -j DROP" for proto, port in BLOCKED)
FIREWALL = "iptables -S INPUT"
# From manager1's probe container: every address tasks.web resolves to, and whether it answers across the overlay.
REACH = ("docker exec probe sh -c 'for ip in $(nslookup tasks.web 2>/dev/null | sed -n \"s/^Address: *//p\" "
         "| grep -v :53); do if timeout 3 wget -qO /dev/null http://$ip/; then echo \"$ip answers\"; "
         "else echo \"$ip no answer\"; fi; done'")
PORT_HOLDERS = "docker ps --format '{{.Names}} {{.Ports}}'"


def _hidden(what: str, node: str, script: str) -> Step:
    """A set-up step shown only as what happened: what was typed is for the learner to find out."""
    return Step(what, lambda lab: lab.node(node).sh(script))


def _failed_tasks(ev: Evidence, service: str) -> str:
    """The newest error or pending reason among a service's tasks, as `docker service ps --no-trunc` shows it."""
    tasks = sorted(ev.snapshot.tasks_of(service, current=False), key=lambda t: t.updated_at, reverse=True)
    return next((t.error or t.message for t in tasks if t.error), "")


def _gone(ev: Evidence, service: str) -> Verdict | None:
    """missing_service's verdict, saying the service was to be repaired in place; None if it exists."""
    if (v := missing_service(ev.snapshot, service)) is not None:
        return failed(v.text + f"; expected {service}, repaired in place")
    return None


def _runs(ev: Evidence, service: str, want: int) -> Verdict | None:
    """None if the service runs `want` tasks; else a verdict saying how many, and the tasks' error."""
    snap = ev.snapshot
    if (v := _gone(ev, service)) is not None:
        return v
    n = len(snap.running(service))
    if n >= want:
        return None
    why = _failed_tasks(ev, service)
    states = nodes_text(sorted({t.state for t in snap.tasks_of(service)}))
    return failed(f"{service} runs {n} of {want}" + (f"; its tasks say: {why}" if why else f"; its tasks: {states}"))


# -- the challenges' verdicts ---------------------------------------------------------------------
def fix_constraint(ev: Evidence) -> Verdict:
    """Challenge: api, whose placement nothing satisfies, runs both its replicas."""
    if (v := _runs(ev, "api", 2)) is None:
        return passed(f"api runs both replicas: {placement_text(ev.snapshot, 'api')}")
    snap = ev.snapshot
    # A pending task stays so until a node fits (the scheduler tries again whenever a node changes); any other state
    # short of running is a task on its way.
    if missing_service(snap, "api") is not None or all(t.state in ("pending", "running") for t in snap.tasks_of("api")):
        return v
    return waiting(f"api's tasks are on their way to a node; {v.text}")


def fix_image(ev: Evidence) -> Verdict:
    """Challenge: shop, whose image the registry does not have, runs both replicas."""
    snap = ev.snapshot
    if (v := _runs(ev, "shop", 2)) is None:
        return passed(f"shop runs both replicas of {snap.service('shop').image}: {placement_text(snap, 'shop')}")
    if missing_service(snap, "shop") is not None or snap.service("shop").image.endswith(":1.0"):
        return v
    return waiting(f"shop now wants {snap.service('shop').image}; {v.text}")


def fix_port(ev: Evidence) -> Verdict:
    """Challenge: front answers on port 8080 of every node (a container outside the swarm held it on worker1)."""
    snap = ev.snapshot
    if (v := _gone(ev, "front")) is not None:
        return v
    ports = [p for p in snap.service("front").ports if p.target == 80]
    if [p.published for p in ports] != [8080] or ports[0].mode != "host":
        return failed(f"front publishes {nodes_text([str(p) for p in ports])}: clients know 8080; expected "
                      "8080 in host mode")
    bare = [h for h in active_nodes(snap) if h not in snap.placement("front")]
    if not bare:
        return passed(f"front runs on every node and answers on their port 8080: {placement_text(snap, 'front')}")
    holders = [ln.split()[0] for ln in ev.output("worker1", PORT_HOLDERS).splitlines()
               if ":8080->" in ln and not ln.startswith("front.")]
    if "worker1" in bare and holders:
        return failed(f"worker1 has no running front task: container {holders[0]} holds port 8080 there")
    if "worker1" in bare:
        return waiting(f"port 8080 is free on worker1; front's next try starts there (nodes without front: "
                       f"{nodes_text(bare)})")
    return waiting(f"front runs on {placement_text(snap, 'front')}; waiting for {nodes_text(bare)}")


def fix_health(ev: Evidence) -> Verdict:
    """Challenge: cart runs healthy tasks with its health check still on."""
    snap = ev.snapshot
    if (v := _gone(ev, "cart")) is not None:
        return v
    spec = (raw_service(ev, "cart").get("Spec") or {}).get("TaskTemplate", {}).get("ContainerSpec", {})
    if (spec.get("Healthcheck") or {}).get("Test") == ["NONE"]:
        return failed("cart's health check is off: nothing would notice a task that stops serving; expected a "
                      "health check that passes")
    if (v := _runs(ev, "cart", 2)) is None:
        return passed(f"cart runs 2 healthy tasks of {snap.service('cart').image}: {placement_text(snap, 'cart')}")
    if snap.service("cart").image.split("@")[0].endswith(":v3") and not (spec.get("Healthcheck") or {}).get("Test"):
        return v
    return waiting(f"cart now runs {snap.service('cart').image}; {v.text}")


def _dropped(rules: str) -> list[str]:
    """The swarm ports an `iptables -S INPUT` listing drops, as "4789/udp"."""
    return [f"{port}/{proto}" for proto, port in BLOCKED
            if re.search(rf"-p {proto} .*--dport {port} .*-j (DROP|REJECT)", rules)]


def fix_dataplane(ev: Evidence) -> Verdict:
    """Challenge: worker2's firewall lets the data plane through again, and every web task answers across the
    overlay."""
    dropped = _dropped(ev.output("worker2", FIREWALL))
    if dropped:
        return failed(f"worker2 drops {', '.join(dropped)}: overlay traffic (4789/udp) and the nodes' gossip "
                      "(7946) cannot reach it; expected them let through")
    if (v := missing_service(ev.snapshot, "web")) is not None:
        return failed(v.text + "; expected web, left as it was")
    reach = ev.output("manager1", REACH)
    answered, silent = reach.count(" answers"), reach.count(" no answer")
    tasks = len(ev.snapshot.running("web"))
    if silent or not answered:
        return waiting(f"worker2 lets the swarm ports through; {answered} of the {answered + silent} web addresses "
                       "manager1 knows answer so far")
    # An address the gossip dropped while the ports were shut comes back into DNS later (up to a minute): every
    # address listed answering is the repair.
    late = f" ({tasks - answered} more once the nodes' gossip catches up)" if answered < tasks else ""
    return passed(f"worker2 lets 4789/udp and 7946 through: the {answered} web addresses manager1 knows answer "
                  f"across the overlay{late}")


# -- sections and checks ---------------------------------------------------------------------------
_SEEN = "(the command is not shown: finding out what is wrong is the exercise)"
SECTIONS = (
    Section("fix-constraint", "Challenge: api never starts", (
        _hidden(f"a colleague deployed api {_SEEN}", "manager1", API),)),
    Section("fix-image", "Challenge: shop never starts", (
        _hidden(f"a colleague deployed shop {_SEEN}", "manager1", SHOP),
        wait(lambda s: any(t.error for t in s.tasks_of("shop", current=False)), "shop's first try", 30))),
    Section("fix-port", "Challenge: front is missing on one node", (
        _hidden(f"someone started a container on worker1 by hand {_SEEN}", "worker1", LEGACY),
        _hidden(f"a colleague deployed front {_SEEN}", "manager1", FRONT))),
    Section("fix-health", "Challenge: cart never stays up", (
        _hidden(f"a colleague deployed cart {_SEEN}", "manager1", CART),)),
    Section("fix-dataplane", "Challenge: some requests time out", (
        sh("manager1", DATA_NET), sh("manager1", DATA_WEB), sh("manager1", DATA_PROBE), wait_service("web", 3),
        _hidden(f"worker2's firewall was changed {_SEEN}", "worker2", BLOCK))),
)

CHECKS = (
    Check("14-fix-constraint", "fix-constraint", "api's two replicas run", fix_constraint,
          hints=("Ask the swarm why a task is not running: `docker service ps` with `--no-trunc` shows the whole "
                 "reason.",
                 "Two placement rules are at work; `docker service inspect --pretty api` lists them. Either the "
                 "nodes or the service can change.",
                 "Node labels: `docker node update --label-add`; the service side: `--constraint-rm`."),
          solution="%%node manager1\ndocker node update --label-add tier=backend worker1\n"
                   "docker node update --label-add tier=backend worker2",
          unsolved="api runs 0 of 2", wait=60,
          wrong=(("%%node manager1\ndocker node update --label-add tier=backend worker1", "api runs 1 of 2"),)),
    Check("14-fix-image", "fix-image", "shop's two replicas run", fix_image,
          hints=("`docker service ps --no-trunc shop`: what does the ERROR column say?",
                 "The registry has no such tag. Which images does it have? (`docker image ls` on a node that "
                 "ran web services, or the tag the course always uses.)",
                 "`docker service update --image` changes a service's image in place."),
          solution="%%node manager1\ndocker service update -d --image labkit/whoami shop",
          unsolved="shop runs 0 of 2", wait=60,
          wrong=(("%%node manager1\ndocker service update --force shop", "No such image"),)),
    Check("14-fix-port", "fix-port", "front on every node's port 8080", fix_port, probes=(("worker1", PORT_HOLDERS),),
          hints=("`docker service ps --no-trunc front`: which node fails, and with what error?",
                 "In host mode a task binds the node's own port. On that node, what else listens on 8080? "
                 "(`docker ps` there.)",
                 "The container was started by hand, outside the swarm: `docker rm -f` on that node frees the port."),
          solution="%%node worker1\ndocker rm -f legacy",
          unsolved="worker1 has no running front task", wait=60,
          wrong=(("%%node manager1\ndocker service update --publish-rm 80 "
                  "--publish-add mode=host,published=8081,target=80 front", "clients know 8080"),)),
    Check("14-fix-health", "fix-health", "cart healthy, its health check on", fix_health, needs=("services",),
          hints=("`docker service ps --no-trunc cart`: tasks start, then fail. With what error?",
                 "`docker inspect` of the image (on a node) shows its HEALTHCHECK and its version label; "
                 "the registry has other releases of the same app.",
                 "`docker service update --image` to a release whose health check passes (notebook 13's web "
                 "releases)."),
          solution="%%node manager1\ndocker service update -d --image labkit/web:v2 cart",
          unsolved="cart runs 0 of 2", wait=90,
          wrong=(("%%node manager1\ndocker service update --no-healthcheck cart", "health check is off"),)),
    Check("14-fix-dataplane", "fix-dataplane", "every web task answers across the overlay", fix_dataplane,
          probes=(("worker2", FIREWALL), ("manager1", REACH)),
          hints=("Which tasks do not answer? `docker service ps web` tells which node runs each address "
                 "(`docker inspect` of a task shows its address).",
                 "That node is Ready, so its control plane (2377) works. What else must pass between nodes? "
                 "(Notebook 00's port list.)",
                 "List that node's firewall rules (`iptables -S`); `-D` deletes a rule given as it was added, or "
                 "a whole chain can be flushed."),
          solution="%%node worker2\niptables -F INPUT",
          unsolved="worker2 drops 4789/udp, 7946/tcp, 7946/udp", wait=90,
          wrong=(("%%node worker2\niptables -D INPUT -p udp --dport 4789 -j DROP", "drops 7946/tcp"),)),
)
