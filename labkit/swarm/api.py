"""Reading raw Engine API lists from a manager, for what a snapshot does not carry (service specs, networks,
secrets, the swarm's own settings). GET only: reading never changes the lab."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..base.errors import ApiUnanswered, InvalidInput
from ..host.exec import ContainerNotRunning, run_in_container
from .answers import parse_lists, read_script
from .context import LabState
from .decide import manager_candidates
from .snapshot import lab_faults

__all__ = ["read_api", "API_PATHS"]

API_PATHS = ("services", "networks", "secrets", "configs", "swarm", "info", "nodes", "tasks")

# One curl per path. A loaded 2-core host can take seconds to list services mid-update: 10 s before a manager
# counts as not answering.
_SCRIPT = read_script(10, stop_at_failure=False)


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
        found, error = parse_lists(paths, r.stdout)
        if error is None:
            return found
        tried.append(f"{host}: {error[:200]}" if error else host)
    raise ApiUnanswered(
        f"no manager answered the Engine API for {', '.join(paths)} (asked: {', '.join(tried) or 'none'})"
    )
