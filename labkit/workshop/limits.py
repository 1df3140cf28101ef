"""What one learner may use, and Docker's size strings (`3g`) read and shown."""

from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import InvalidInput

__all__ = ["Limits", "to_bytes", "ENGINE_RESERVE"]

# What the learner engine's own dockerd and containerd hold (measured ~70-90 MiB at idle, more while pulling),
# kept out of the labs' share: the labs' cgroup is limited to the engine's memory minus this, so a learner's
# nodes run out of memory before their engine does.
ENGINE_RESERVE = 256 * 2**20


@dataclass(frozen=True)
class Limits:
    """What one learner may use: their engine (which holds their labs) and their JupyterLab server."""

    engine_memory: str = "3g"
    engine_cpus: float = 1.0
    server_memory: str = "1g"
    server_cpus: float = 1.0

    def describe(self) -> str:
        """One line for messages and the login cards."""
        return (
            f"labs (your Docker engine): {_size(self.engine_memory)} memory, {self.engine_cpus:g} CPU; "
            f"JupyterLab: {_size(self.server_memory)} memory, {self.server_cpus:g} CPU"
        )

    def labs_memory(self) -> int:
        """Bytes the learner's labs may use: the engine's limit less what the engine itself needs."""
        return to_bytes(self.engine_memory) - ENGINE_RESERVE


def to_bytes(docker_size: str) -> int:
    """Docker's `3g` (k, m, g; b optional) as bytes; InvalidInput for anything else."""
    s = docker_size.strip().lower().removesuffix("b")
    factor = {"k": 2**10, "m": 2**20, "g": 2**30}.get(s[-1:], 1)
    try:
        value = float(s[:-1] if factor > 1 else s) * factor
    except ValueError:
        value = 0
    if value < 64 * 2**20:
        raise InvalidInput(f"invalid memory size {docker_size!r}: use e.g. 512m or 3g (at least 64m)")
    return int(value)


def _size(docker_size: str) -> str:
    """Docker's `3g` as `3 GiB` (what a learner reads)."""
    units = {"k": "KiB", "m": "MiB", "g": "GiB"}
    s = docker_size.strip().lower().removesuffix("b")
    return f"{s[:-1]} {units[s[-1]]}" if s and s[-1] in units else docker_size
