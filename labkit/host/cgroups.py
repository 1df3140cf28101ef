"""The empty cgroups restricted nodes leave on the host: their engines create them under /labkit/<lab>-<node>."""

from __future__ import annotations

import os
from pathlib import Path

from ..base.facts import CGROUP_ROOT

__all__ = ["remove_cgroups", "leftover_cgroups"]

_ROOT = Path("/sys/fs/cgroup")


def _local_engine() -> bool:
    # Only an engine on this machine writes cgroups we can see (not DOCKER_HOST, not Docker Desktop's VM).
    return not os.environ.get("DOCKER_HOST") and _ROOT.is_dir()


def leftover_cgroups(lab: str | None = None) -> list[Path]:
    """labkit's node cgroup directories on this machine (of one lab, or all)."""
    if not _local_engine():
        return []
    pattern = "*" if lab is None else f"{lab}-*"
    return sorted(d for root in _ROOT.glob(f"*/{CGROUP_ROOT}") for d in root.glob(pattern) if d.is_dir())


def remove_cgroups(lab: str | None, node: str | None = None) -> None:
    """Remove the empty cgroups of one lab or node (all labs if lab is None); busy ones are left alone."""
    if not _local_engine():
        return
    pattern = "*" if lab is None else (f"{lab}-{node}" if node else f"{lab}-*")
    for root in _ROOT.glob(f"*/{CGROUP_ROOT}"):
        for node_dir in root.glob(pattern):
            for d in sorted((p for p in node_dir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                _rmdir(d)
            _rmdir(node_dir)


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass  # still in use or not ours to remove: leave it
