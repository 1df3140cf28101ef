"""Reading raw Engine API lists from a manager, for what a snapshot does not carry (service specs, networks,
secrets, the swarm's own settings). GET only: reading never changes the lab."""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..base.errors import ApiUnanswered, InvalidInput
from ..host.exec import ContainerNotRunning, run_in_container
from .answers import API_VERSION, SEPARATOR
from .context import LabState
from .decide import manager_candidates
from .snapshot import lab_faults

__all__ = ["read_api", "API_PATHS"]

API_PATHS = ("services", "networks", "secrets", "configs", "swarm", "info", "nodes", "tasks")

# $@ are the paths; one curl each, separated, each ending with its HTTP code. A loaded 2-core host can take
# seconds to list services mid-update: 10 s before a manager counts as not answering.
_SCRIPT = (
    "for p in \"$@\"; do "
    f"r=$(curl -sS -m 10 --unix-socket /var/run/docker.sock -w '\\n%{{http_code}}' http://d/{API_VERSION}/$p 2>&1); "
    f"printf '%s\\n{SEPARATOR}\\n' \"$r\"; done"
)


def _parse(paths: list[str], stdout: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for path, chunk in zip(paths, stdout.split(SEPARATOR)):
        body, _, code = chunk.strip().rpartition("\n")
        if code != "200":
            return None
        out[path] = json.loads(body)
    return out if len(out) == len(paths) else None


def read_api(state: LabState, paths: Iterable[str]) -> dict[str, Any]:
    """{path: decoded JSON} for each of `paths` (from API_PATHS), read in one exec on the first manager that
    answers all of them; ApiUnanswered saying which were asked if none does."""
    paths = list(dict.fromkeys(paths))
    bad = [p for p in paths if p not in API_PATHS]
    if bad:
        raise InvalidInput(f"unknown Engine API list(s) {bad}; known: {', '.join(API_PATHS)}")
    if not paths:
        return {}
    faults = lab_faults(state)
    tried = []
    for host in manager_candidates(state.created_roles(), state.view.managers, state.view.answered):
        if faults.get(host):
            continue
        try:
            r = run_in_container(state.container_of(host), ["sh", "-c", _SCRIPT, "sh", *paths], check=False)
        except ContainerNotRunning:
            continue
        found = _parse(paths, r.stdout)
        if found is not None:
            return found
        tried.append(host)
    raise ApiUnanswered(f"no manager answered the Engine API for {', '.join(paths)} (asked: {', '.join(tried) or 'none'})")
