"""Does this engine allow `--privileged`, and which capabilities can it grant? Measured once per engine.

The answer is kept on the engine itself, as a labelled volume named after the
engine's ID, so every later process (a CLI call, a notebook kernel) reads it
in one list call instead of starting probe containers again. A probe
container lives for a fraction of a second; one left behind by a process
killed at that moment is removed by the next probe or teardown.
"""

from __future__ import annotations

import os
import secrets
import time

import docker.errors

from ..base.errors import EngineError
from ..base.facts import KIND_PROBE, KIND_PROBE_RESULT, LABEL_CAPDROP, LABEL_MODE, label_filter, labels_for, probe_name
from .api_errors import engine_error, reason
from .containers import RESTRICTED_OPTIONS, NodeMode
from .engine import client, engine_id
from .inventory import probe_containers

__all__ = ["node_mode", "forget_node_mode", "sweep_probes"]

_DROPPABLE = ("SYS_RESOURCE",)  # refused by VMs whose engine lacks it; dropped only if the engine has it
_STALE_PROBE = 2.0  # seconds: a probe lives for a fraction of one; an older one was left by a killed process


def node_mode(image: str) -> NodeMode:
    """How nodes run on this engine: LABKIT_NODE_MODE if set, else the remembered or a fresh measurement."""
    forced = os.environ.get("LABKIT_NODE_MODE")
    if forced == "privileged":
        return NodeMode("privileged")
    if forced == "restricted":  # still measured: which capabilities exist differs with the depth
        return _restricted(image)
    remembered = _remembered()
    if remembered is not None:
        return remembered
    mode = _measure(image)
    _remember(mode)
    return mode


def _result_filter() -> dict:
    return label_filter(KIND_PROBE_RESULT, None, engine=engine_id())


def _remembered() -> NodeMode | None:
    for v in (client().api.volumes(filters=_result_filter()) or {}).get("Volumes") or []:
        labels = v.get("Labels") or {}
        if labels.get(LABEL_MODE) in ("privileged", "restricted"):
            drop = tuple(c for c in labels.get(LABEL_CAPDROP, "").split(",") if c)
            return NodeMode(labels[LABEL_MODE], drop)
    return None


def _remember(mode: NodeMode) -> None:
    labels = labels_for(KIND_PROBE_RESULT, None, engine=engine_id(), mode=mode.name, capdrop=",".join(mode.cap_drop))
    client().api.create_volume(f"labkit-probe-{engine_id()}", labels=labels)


def forget_node_mode() -> None:
    """Forget the remembered measurement (`labkit doctor --remeasure`, or after changing the engine's settings)."""
    for v in (client().api.volumes(filters=_result_filter()) or {}).get("Volumes") or []:
        try:
            client().api.remove_volume(v["Name"], force=True)
        except docker.errors.NotFound:
            continue


def _measure(image: str) -> NodeMode:
    sweep_probes()
    if _try(image, {"privileged": True}):
        return NodeMode("privileged")
    return _restricted(image)


def _restricted(image: str) -> NodeMode:
    """Restricted mode, dropping only the capabilities the engine refuses and actually has."""
    if _try(image, dict(cap_add=["ALL"], cap_drop=list(_DROPPABLE), **RESTRICTED_OPTIONS)):
        return NodeMode("restricted", _DROPPABLE)
    # One level deeper (an engine inside a container) the capability is already gone: dropping it is refused.
    if _try(image, dict(cap_add=["ALL"], **RESTRICTED_OPTIONS)):
        return NodeMode("restricted", ())
    raise EngineError(
        "this engine runs neither privileged nor restricted Docker-in-Docker containers; see `labkit doctor`"
    )


def _try(image: str, options: dict) -> bool:
    """Create and start `true` with these options; True if the engine accepted them."""
    api = client().api
    probe = None
    try:
        host_config = api.create_host_config(auto_remove=True, **options)
        probe = api.create_container(
            image,
            ["true"],
            entrypoint=["true"],
            labels=labels_for(KIND_PROBE),
            name=probe_name(secrets.token_hex(4)),
            host_config=host_config,
        )
        api.start(probe["Id"])
        return True
    except docker.errors.APIError as exc:
        if reason(exc) in ("privileged-refused", "cap-unsupported"):
            return False
        raise engine_error("probe whether this engine allows Docker-in-Docker", exc) from exc
    finally:
        if probe is not None:
            try:
                api.remove_container(probe["Id"], force=True)
            except docker.errors.APIError:
                pass  # auto_remove already took it


def sweep_probes(older_than: float = _STALE_PROBE) -> int:
    """Remove probe containers older than `older_than` seconds (left by a process killed mid-probe)."""
    removed = 0
    now = time.time()
    for c in probe_containers():
        if now - float(c.get("Created", now)) >= older_than:
            try:
                client().api.remove_container(c["Id"], force=True)
                removed += 1
            except docker.errors.APIError:
                continue
    return removed
