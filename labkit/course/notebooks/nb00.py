"""00 · Welcome: what Swarm mode is, the lab, the ports a swarm needs, and how exercises work (a warm-up)."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..verdicts import in_state_for, missing_service

SWARM_PORTS = (("tcp", 2377), ("tcp", 7946), ("udp", 7946), ("udp", 4789))
IPTABLES = "iptables -S INPUT"
STEADY_SECONDS = 3  # a task Running this long is not one that exits as soon as it starts


def hello_service(ev: Evidence) -> Verdict:
    """Warm-up: a service named hello, one busybox task that keeps running."""
    snap = ev.snapshot
    if (v := missing_service(snap, "hello")) is not None:
        return failed(v.text + "; expected a service named hello")
    svc = snap.service("hello")
    if not svc.image.startswith("busybox"):
        return failed(f"hello runs the image {svc.image}; expected busybox")
    if svc.mode != "replicated" or svc.replicas != 1:
        return failed(f"hello is {svc.mode} with {svc.replicas} replica(s); expected 1 replica")
    running = snap.running("hello")
    up_for = in_state_for(snap, running[0]) if running else None
    if running and (up_for is None or up_for >= STEADY_SECONDS):
        return passed(f"hello runs 1 busybox task on {running[0].node_hostname}, and it keeps running")
    done = [t for t in snap.tasks_of("hello", current=False) if t.state in ("complete", "failed", "shutdown")]
    if len(done) >= 2:
        return failed(f"hello's tasks end as soon as they start ({len(done)} ended): busybox's default command is a "
                      "shell that exits when it has no input; expected a task that stays Running — give it a "
                      "command, e.g. sleep 1d")
    if running:  # a task that ends at once is Running for an instant: look again before calling it steady
        return waiting(f"hello's task has been Running for {up_for:.0f} s; checking that it keeps running")
    return waiting("hello's task is starting")


def input_accepts_swarm_ports(ev: Evidence) -> Verdict:
    """The INPUT chain accepts everything, and the four swarm ports have explicit ACCEPT rules."""
    rules = ev.output("manager1", IPTABLES)
    if not rules.strip():
        return failed("manager1's INPUT chain could not be read")
    missing = [f"{port}/{proto}" for proto, port in SWARM_PORTS
               if f"-p {proto} -m {proto} --dport {port} -j ACCEPT" not in rules]
    if rules.splitlines()[0] != "-P INPUT ACCEPT":
        return failed(f"INPUT's policy is {rules.splitlines()[0]}; expected ACCEPT")
    if missing:
        return failed(f"no ACCEPT rule for {', '.join(missing)} in manager1's INPUT chain; expected one per swarm port")
    return passed("INPUT accepts everything, and 2377/tcp, 7946/tcp+udp and 4789/udp have explicit ACCEPT rules")


PLAN = NotebookPlan(
    "00", "Welcome", "00-welcome.ipynb", managers=1, workers=2,
    sections=(
        Section("lab", "How the lab is built"),
        Section("ports", "The ports a swarm needs"),
        Section("firewall", "Is a firewall in the way?"),
    ),
    checks=(
        Check("00-hello-service", "lab", "a first service that keeps running", hello_service,
              unsolved="there is no service hello",
              hints=("Services are created on a manager: keep `%%node manager1` and type one `docker service …` "
                     "command.",
                     "`docker service create --name NAME IMAGE [COMMAND ARGS…]`: what comes after the image is the "
                     "command the task runs.",
                     "The image is `busybox`. Its default command ends at once, so give it one that keeps running, "
                     "like `sleep 1d` (a day); `--name` names the service."),
              solution="%%node manager1\ndocker service create --name hello busybox sleep 1d",
              wrong=(("%%node manager1\ndocker service create --detach --name hello busybox",
                      "end as soon as they start"),),
              wait=60),
        Check("00-input-accepts-swarm-ports", "firewall", "the swarm ports have ACCEPT rules",
              input_accepts_swarm_ports, unsolved="no ACCEPT rule for 2377/tcp", probes=(("manager1", IPTABLES),),
              wait=5),
    ),
)

