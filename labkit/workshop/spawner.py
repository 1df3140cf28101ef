"""The hub's spawner: DockerSpawner, with the learner's own Docker engine started beside their server.

Loaded by the hub process only. Before the server container starts, the learner's network, volumes and
engine are made ready (and labkit's images pulled into the engine through the shared mirror); the server
then joins that network with the engine's socket volume mounted and DOCKER_HOST set; as it starts, it prepares
the learner's first lab in their engine (image.py's start script; LABKIT_POOL, passed on from the hub, bounds
it). Stopping the server (the idle culler, `workshop reset`, the hub) stops the engine too: an idle learner holds
no memory.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from dockerspawner import DockerSpawner
from traitlets import Float, Unicode

from .engine import Limits, ensure_engine, remove_engine

__all__ = ["LearnerSpawner"]


class LearnerSpawner(DockerSpawner):
    """A learner's JupyterLab container and, beside it, their Docker engine on a network of their own."""

    engine_memory = Unicode("3g", config=True, help="memory limit of a learner's engine (holds their labs)")
    engine_cpus = Float(1.0, config=True, help="CPU limit of a learner's engine")
    mirror = Unicode("", config=True, help="the shared mirror container learner engines pull through")

    def _limits(self) -> Limits:
        server_memory = f"{int(self.mem_limit or 0) // 2**20}m"
        return Limits(self.engine_memory, self.engine_cpus, server_memory, float(self.cpu_limit or 0))

    def get_env(self) -> dict:
        """DockerSpawner's environment, plus LABKIT_POOL if the room was brought up with it: `LABKIT_POOL=0 labkit
        workshop up` starts no lab in advance in any learner's engine (a capacity run that wants one lab each)."""
        env = dict(super().get_env())
        if os.environ.get("LABKIT_POOL") is not None:
            env["LABKIT_POOL"] = os.environ["LABKIT_POOL"]
        return env

    async def start(self) -> Any:
        """Make the learner's engine ready, then start their server on the learner's network."""
        learner = self.user.name
        self.network_name = await asyncio.to_thread(
            ensure_engine, learner, self._limits(), self.mirror or None, self.log.info
        )
        return await super().start()

    async def stop(self, now: bool = False) -> None:
        """Stop the server, then the learner's engine (its volumes, and so their images and home, stay)."""
        await super().stop(now=now)
        await asyncio.to_thread(remove_engine, self.user.name)
