"""Memory on the engine: what the engine says its labs may use (a label), what its containers use now, and
whether a container was killed for lack of memory."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..base.facts import LABEL_LABS_MEMORY
from .engine import client

__all__ = ["labs_memory_limit", "memory_in_use", "oom_killed"]


def labs_memory_limit() -> int | None:
    """Bytes this engine's labs may use in all (its `labkit.labs-memory` label), or None: no limit is set."""
    for label in client().info().get("Labels") or []:
        key, _, value = str(label).partition("=")
        if key == LABEL_LABS_MEMORY and value.strip().isdigit():
            return int(value)
    return None


def _in_use(container_id: str) -> int:
    api: Any = client().api  # docker-py's low-level API (its stubs do not know the Engine API's dicts)
    try:
        stats = api.stats(container_id, stream=False, one_shot=True)
    except Exception:  # it stopped or went meanwhile: it holds nothing
        return 0
    mem = stats.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    # As `docker stats` counts it: the page cache the kernel can drop at once is not in use.
    cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
    return max(0, int(mem.get("usage", 0)) - int(cache))


def memory_in_use() -> dict[str, tuple[dict, int]]:
    """Every running container on the engine: its labels and the bytes it uses now (one stats call each)."""
    running = client().api.containers()
    with ThreadPoolExecutor(max_workers=8) as pool:
        used = list(pool.map(_in_use, [c["Id"] for c in running]))
    return {c["Id"]: (c.get("Labels") or {}, u) for c, u in zip(running, used, strict=True)}


def oom_killed(container: str) -> bool:
    """True if the container stopped and the engine says it was killed for lack of memory."""
    try:
        state = client().api.inspect_container(container)["State"]
    except Exception:  # removed: nothing to say
        return False
    return not state.get("Running") and bool(state.get("OOMKilled"))
