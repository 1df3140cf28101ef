"""Helpers of the labkit.testing tests: run pytest on a test file in a process of its own, and list what a swarm
left on the engine (by label, the way its cleanup selects)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labkit.base.poll import poll
from labkit.host.engine import client

from ..support import interruptible

__all__ = ["left_of", "wait_gone", "start_pytest", "wait_for_file", "RYUK_OFF"]

RYUK_OFF = {"TESTCONTAINERS_RYUK_DISABLED": "true"}


def left_of(swarm: str) -> list[str]:
    """Every container, network and volume labelled with this swarm's name (labkit.lab=<name>)."""
    api = client().api
    flt = {"label": [f"labkit.lab={swarm}"]}
    left = [f"container {c['Names'][0].lstrip('/')}" for c in api.containers(all=True, filters=flt)]
    left += [f"network {n['Name']}" for n in api.networks(filters=flt)]
    left += [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    return left


def wait_gone(swarm: str, timeout: float = 90) -> None:
    """Wait until nothing of the swarm is left (labkit hands node volumes to a detached remover, so the last ones
    go shortly after the swarm's cleanup returns); WaitTimeout listing what is left otherwise."""
    poll(
        lambda: left_of(swarm),
        lambda left: not left,
        timeout=timeout,
        interval=0.5,
        what=f"every object of swarm {swarm} to be removed",
        show=", ".join,
    )


def start_pytest(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """pytest on `folder` in a process (and session) of its own: the project's conftest files are not loaded there,
    labkit's plugin is (its pytest11 entry point)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "TESTCONTAINERS_", "RYUK_"))}
    environment.update(env or {})
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            "--rootdir",
            str(folder),
            str(folder),
            *args,
        ],
        cwd=folder,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )


def wait_for_file(path: Path, proc: subprocess.Popen[str], timeout: float = 180) -> str:
    """The text a test in `proc` writes to `path` once its swarm is up (fails early if the process ends)."""

    def look() -> str | None:
        if proc.poll() is not None and not path.exists():
            raise AssertionError(
                f"pytest ended (exit {proc.returncode}) before writing {path.name}:\n"
                + (proc.stdout.read() if proc.stdout else "")
            )
        return path.read_text() if path.exists() and path.read_text() else None

    return poll(look, bool, timeout=timeout, interval=0.2, what=f"{path.name} to be written", show=str)
