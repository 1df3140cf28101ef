"""The hub process and its REST API: start it detached, find it again by its pid file, stop it, ask it things.

`workshop up` starts JupyterHub in its own session (it outlives the command); its pid goes in the state dir
and is trusted only while /proc says that pid is a jupyterhub run with this room's config. Over HTTPS, labkit's
own requests trust exactly the certificate the room serves (tls.PIN), whoever signed it and whatever names it holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..base.errors import EngineError, WaitTimeout
from ..base.poll import poll
from .names import state_dir
from .tls import PIN

__all__ = ["start_hub", "hub_pid", "stop_hub", "HubAPI"]

PID_FILE = "hub.pid"


def pinned_context(url: str, state: Path) -> ssl.SSLContext | None:
    """For an https URL, a TLS context that trusts the served certificate only (None for http)."""
    if not url.startswith("https:"):
        return None
    pin = state / PIN
    if not pin.exists():
        raise EngineError(f"the hub serves HTTPS but its certificate is not in {pin}: `labkit workshop down`, then up")
    ctx = ssl.create_default_context(cafile=str(pin))
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # the served certificate itself is the trust anchor
    ctx.check_hostname = False  # we dial 127.0.0.1, which the instructor's own certificate need not name
    return ctx


def start_hub(state: Path, config: Path, url: str) -> int:
    """Start `jupyterhub -f config` detached, wait until it answers at url; return its pid."""
    log = open(state / "jupyterhub.log", "ab")  # the hub keeps writing it after we return
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=state,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    (state / PID_FILE).write_text(str(proc.pid))
    context = pinned_context(url, state)

    def answers() -> bool:
        if proc.poll() is not None:
            tail = (state / "jupyterhub.log").read_text(errors="replace").splitlines()[-15:]
            raise EngineError("JupyterHub exited while starting:\n" + "\n".join(tail))
        try:
            with urllib.request.urlopen(url + "hub/api/", timeout=2, context=context) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    poll(answers, bool, timeout=90, interval=0.3, what="JupyterHub to answer", show=lambda _: "not yet")
    return proc.pid


def hub_pid(state: Path) -> int | None:
    """The running hub's pid, or None (no pid file, or that pid is not this room's jupyterhub any more)."""
    try:
        pid = int((state / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    config = str(state / "jupyterhub_config.py").encode()
    return pid if b"jupyterhub" in b" ".join(cmdline) and config in cmdline else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def stop_hub(state: Path, timeout: float = 60.0) -> bool:
    """SIGTERM the hub (it stops the servers it spawned, then its proxy and services), SIGKILL if it hangs;
    then the proxy if it is still there. True if a hub was running."""
    pid = hub_pid(state)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        try:
            poll(lambda: _alive(pid), lambda alive: not alive, timeout=timeout, what=f"the hub (pid {pid}) to stop")
        except WaitTimeout:  # it hangs: its process group goes, spawner and all
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        proxy = int((state / "proxy.pid").read_text().strip())
        if b"configurable-http-proxy" in Path(f"/proc/{proxy}/cmdline").read_bytes():
            os.kill(proxy, signal.SIGTERM)
    return pid is not None


class HubAPI:
    """JupyterHub's REST API as the labkit-cli service."""

    def __init__(self, url: str, token: str, state: Path | None = None) -> None:
        self.base = url.rstrip("/") + "/hub/api"
        self.token = token
        self.context = pinned_context(url, state or state_dir())

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        """One request; the decoded JSON answer (None for an empty one)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30, context=self.context) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else None

    def users(self) -> list[dict]:
        """Every user with their servers."""
        return list(self.call("GET", "/users"))

    def stop_server(self, user: str, timeout: float = 120.0) -> None:
        """Stop the user's server and wait until the hub says it is gone."""
        with contextlib.suppress(urllib.error.HTTPError):  # 400/404: it was not running
            self.call("DELETE", f"/users/{user}/server")
        poll(
            lambda: self.call("GET", f"/users/{user}").get("servers", {}).get("", None),
            lambda s: not s,
            timeout=timeout,
            interval=0.5,
            what=f"{user}'s server to stop",
            show=lambda s: str((s or {}).get("pending")),
        )

    def start_server(self, user: str, timeout: float = 300.0) -> None:
        """Start the user's server and wait until it is ready."""
        with contextlib.suppress(urllib.error.HTTPError):  # 400: already running
            self.call("POST", f"/users/{user}/server")
        poll(
            lambda: self.call("GET", f"/users/{user}").get("servers", {}).get("", {}),
            lambda s: bool(s.get("ready")),
            timeout=timeout,
            interval=0.5,
            what=f"{user}'s server to start",
            show=lambda s: str(s.get("pending")),
        )
