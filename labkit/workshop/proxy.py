"""configurable-http-proxy, JupyterHub's default proxy: installed from npm into labkit's data directory when missing.

It is a tool, like the venv: `workshop down` leaves it (it holds no room state), so the next room starts
without npm. Node.js comes from the machine, or from Debian's `nodejs` and `npm` when we are root on Debian.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_dir

from ..base.errors import InvalidInput

__all__ = ["ensure_proxy", "proxy_dir"]

PACKAGE = "configurable-http-proxy@5"


def proxy_dir() -> Path:
    """Where the proxy is installed (~/.local/share/labkit/workshop-proxy on Linux)."""
    return Path(user_data_dir("labkit", appauthor=False)) / "workshop-proxy"


def _node_tools(log: Callable[[str], None]) -> None:
    if shutil.which("node") and shutil.which("npm"):
        return
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        log("$ apt-get install -y nodejs npm   # for JupyterHub's proxy")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        proc = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nodejs", "npm"], capture_output=True, text=True, env=env
        )
        if proc.returncode == 0:
            return
    raise InvalidInput(
        "a workshop needs Node.js and npm for JupyterHub's proxy (configurable-http-proxy).\n"
        "Fix: install them (Debian/Ubuntu: apt-get install -y nodejs npm), then run it again."
    )


def ensure_proxy(log: Callable[[str], None] = print) -> str:
    """The path of the configurable-http-proxy command, installing it with npm first if needed."""
    binary = proxy_dir() / "node_modules/.bin/configurable-http-proxy"
    if binary.exists():
        return str(binary)
    _node_tools(log)
    proxy_dir().mkdir(parents=True, exist_ok=True)
    argv = ["npm", "install", "--prefix", str(proxy_dir()), "--no-audit", "--no-fund", "--loglevel=error", PACKAGE]
    log("$ " + " ".join(argv))
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0 or not binary.exists():
        raise InvalidInput(
            f"failed to install JupyterHub's proxy with npm (exit {proc.returncode}):\n"
            f"{proc.stderr.strip()[-1000:]}\nFix: check npm's registry access, then run it again."
        )
    return str(binary)
