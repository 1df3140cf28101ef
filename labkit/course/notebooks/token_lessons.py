"""The join-token checks of notebook 10 (rotate a token, fix the provisioning script that held the old one), and
what they read: the swarm's tokens, and worker2's own engine and script."""

from __future__ import annotations

import re

from ..model import Evidence, Verdict, failed, passed, waiting
from ..verdicts import ca_digest

JOIN_SCRIPT = "cat /root/join.sh"  # the provisioning script kept on worker2
SWARM_STATE = "docker info --format '{{.Swarm.NodeID}} {{.Swarm.LocalNodeState}}'"


def _swarm(ev: Evidence) -> dict:
    return ev.api.get("swarm") or {}


def _worker2(ev: Evidence) -> tuple[str, str]:
    """(node ID, LocalNodeState) as worker2's own engine reports them."""
    parts = ev.output("worker2", SWARM_STATE).split()
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0] if parts else "")


def _script_token(ev: Evidence) -> str:
    """The join token written in worker2's /root/join.sh, or ""."""
    found = re.search(r"SWMTKN-1-\S+", ev.output("worker2", JOIN_SCRIPT))
    return found.group(0) if found else ""


def worker_token_rotated(ev: Evidence) -> Verdict:
    """The worker token changed: same digest (it pins the same root CA), new secret."""
    old = _script_token(ev)
    if not old:
        return failed("worker2's /root/join.sh holds no join token; expected the script written above")
    swarm = _swarm(ev)
    now = (swarm.get("JoinTokens") or {}).get("Worker", "")
    if now == old:
        return failed("the worker token is still the one in worker2's /root/join.sh; expected a new one")
    digest = ca_digest((swarm.get("TLSInfo") or {}).get("TrustRoot", ""))
    if now.split("-")[2] == old.split("-")[2] == digest:
        return passed("new worker token: same digest (the SHA-256 of the swarm's root CA, in base 36), new secret")
    return failed("the token's digest changed too; expected only the secret to change (was the CA rotated?)")


def join_script_fixed(ev: Evidence) -> Verdict:
    """Exercise: worker2's /root/join.sh holds the current worker token again, and worker2 is back as a worker."""
    tokens, script = _swarm(ev).get("JoinTokens") or {}, _script_token(ev)
    nid, state = _worker2(ev)
    if script and script == tokens.get("Manager"):
        return failed("/root/join.sh holds the manager token: it would join every machine as a manager; expected "
                      "the worker token")
    if script != tokens.get("Worker"):
        back = "worker2 is back (joined by hand), but " if state == "active" else ""
        return failed(f"{back}/root/join.sh holds {'an old token' if script else 'no token'}: the next machine "
                      "provisioned with it would be refused; expected the script to hold the current worker token")
    if state != "active":
        return failed(f"/root/join.sh is fixed, but worker2 is in no swarm (its engine says {state or 'nothing'}); "
                      "expected worker2 back, joined with the script")
    entry = next((n for n in ev.snapshot.nodes if n.id == nid), None)
    if entry is None:
        return waiting("worker2 joined; the manager does not list it yet")
    if entry.role == "manager":
        return failed("worker2 rejoined as a manager; expected a worker")
    if entry.state != "ready":
        return waiting(f"the new worker2 entry is {entry.state}")
    return passed(f"/root/join.sh holds the current worker token, and worker2 is back with it as a new node (ID "
                  f"{nid[:12]}…), a Ready worker")
