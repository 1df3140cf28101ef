"""The host Docker engine: connect to it, and start one on our Debian machines.

labkit talks to the engine through docker-py (DOCKER_HOST is honoured). On a
fresh Debian/Ubuntu VM with root and no engine, `ensure_engine()` installs
Debian's docker.io and starts dockerd in the background, as a user would.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

import docker
from docker.constants import DEFAULT_UNIX_SOCKET

from ..base.errors import EngineUnavailable
from ..base.facts import no_engine
from ..base.poll import poll

__all__ = ["client", "ensure_engine", "engine_address", "engine_answers", "engine_id", "engine_info"]

CONNECT_TIMEOUT = 5  # seconds for the engine to answer the first call
DOCKERD_LOG = os.environ.get("LABKIT_DOCKERD_LOG", "/var/log/labkit-dockerd.log")

HOW_TO_GET_DOCKER = (
    "labkit needs a running Docker engine.\n"
    "  - Linux: install Docker Engine (https://docs.docker.com/engine/install/) and start it, "
    "or on Debian/Ubuntu as root run `labkit setup` (it installs docker.io and starts dockerd)\n"
    "  - macOS/Windows: install and start Docker Desktop\n"
    "  - a remote engine: set DOCKER_HOST\n"
    "Then check with `labkit doctor`."
)


def engine_address() -> tuple[str, bool]:
    """Where docker-py looks for the engine, as it decides it: (DOCKER_HOST, True), else (the default socket, False)."""
    host = os.environ.get("DOCKER_HOST", "")
    return (host, True) if host else (DEFAULT_UNIX_SOCKET.replace("http+unix", "unix"), False)


def engine_answers(timeout: int = 3) -> bool:
    """True if an engine answers a ping right now."""
    try:
        c = docker.from_env(timeout=timeout)
        try:
            return bool(c.ping())
        finally:
            c.close()
    except Exception:  # any failure to connect means "no"
        return False


@functools.lru_cache(maxsize=1)
def client() -> docker.DockerClient:
    """A docker-py client for the host engine; EngineUnavailable (with the fix) if none answers."""
    try:
        c = docker.from_env(timeout=CONNECT_TIMEOUT)  # a wrong address fails in seconds
        c.ping()
        c.api.timeout = 300  # each later request may take long (an image build, a busy engine)
        return c
    except Exception as exc:
        raise EngineUnavailable(f"{no_engine(*engine_address())}: {_short(exc)}.\n{HOW_TO_GET_DOCKER}") from exc


@functools.lru_cache(maxsize=1)
def engine_id() -> str:
    """The engine's own ID (`docker info` → ID): what a per-engine measurement is remembered under."""
    raw = str(client().info().get("ID") or "unknown")
    return "".join(ch for ch in raw.lower() if ch.isalnum())[:24] or "unknown"


def engine_info() -> dict:
    """`docker info` of the host engine, as a dict."""
    return client().info()


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _can_install() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and os.path.exists("/etc/debian_version")
        and not os.environ.get("DOCKER_HOST")
    )


def ensure_engine(log: Callable[[str], None] = print, install: bool = True) -> docker.DockerClient:
    """Return a client, first installing/starting dockerd on a Debian root host if none answers."""
    try:
        return client()  # the one connection this process uses: a quick command pays for no second one
    except EngineUnavailable:
        pass
    if not install or not _can_install():
        raise EngineUnavailable(f"{no_engine(*engine_address())}.\n{HOW_TO_GET_DOCKER}")
    if not shutil.which("dockerd"):
        log("$ apt-get install -y docker.io   # no Docker engine on this machine yet")
        _run(["apt-get", "update", "-qq"])
        _run(["apt-get", "install", "-y", "-qq", "docker.io"], env={"DEBIAN_FRONTEND": "noninteractive"})
    start_dockerd(log)
    poll(
        lambda: engine_answers(timeout=2),
        bool,
        timeout=60,
        interval=0.5,
        what=f"dockerd to answer (its log: {DOCKERD_LOG})",
        show=lambda ok: "no answer yet",
    )
    client.cache_clear()
    engine_id.cache_clear()
    log("  engine is up")
    return client()


def start_dockerd(log: Callable[[str], None] = print) -> None:
    """Start dockerd in the background, in its own session so it outlives this process (and Ctrl-C in it)."""
    log(f"$ dockerd > {DOCKERD_LOG} 2>&1 &   # start the engine in the background")
    os.makedirs(os.path.dirname(DOCKERD_LOG), exist_ok=True)
    with open(DOCKERD_LOG, "ab") as out:
        subprocess.Popen(
            ["dockerd"], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(argv, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EngineUnavailable(f"failed to run {' '.join(argv)} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
