"""The host side of `labkit context`: the client's certificates in the user's data directory, the host `docker` CLI's
context that names them, a TLS ping of the endpoint, and their removal with the lab (host.teardown).

The docker CLI copies the certificates into its own context store when the context is made; the copy here is for
the tools that read DOCKER_CERT_PATH (Docker SDKs, Portainer, VS Code), under Docker's usual file names.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import ssl
import subprocess
from pathlib import Path

from ..base.certs import TlsBundle
from ..base.errors import EngineError
from ..base.facts import ROLES, context_name

__all__ = [
    "contexts_dir",
    "cert_dir",
    "write_client",
    "docker_cli",
    "make_context",
    "forget_contexts",
    "ping",
    "tls_context",
    "get",
    "unsettled_nodes",
]


def contexts_dir() -> Path:
    """Where the client certificates live: `<user data dir>/labkit/contexts` (Linux: ~/.local/share/labkit/...)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("labkit", appauthor=False)) / "contexts"


def cert_dir(lab: str, hostname: str) -> Path:
    """The DOCKER_CERT_PATH of a node's endpoint: ca.pem, cert.pem, key.pem."""
    return contexts_dir() / f"{lab}-{hostname}"


def write_client(lab: str, hostname: str, bundle: TlsBundle) -> Path:
    """Write the CA and the client's pair (the key readable by this user only); return the directory."""
    path = cert_dir(lab, hostname)
    path.mkdir(parents=True, exist_ok=True)
    for name, data, mode in (
        ("ca.pem", bundle.ca, 0o644),
        ("cert.pem", bundle.client_cert, 0o644),
        ("key.pem", bundle.client_key, 0o600),
    ):
        target = path / name
        target.touch(mode=0o600, exist_ok=True)  # never readable by others, not even for a moment
        target.write_bytes(data)
        target.chmod(mode)
    return path


def tls_context(certs: Path) -> ssl.SSLContext:
    """A client SSL context for the endpoint: trusts only its CA, presents its client certificate."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    ctx.load_cert_chain(str(certs / "cert.pem"), str(certs / "key.pem"))
    return ctx


def get(port: int, certs: Path, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET an Engine API path over mutual TLS at 127.0.0.1:port: (status, body), (0, b"") if nothing answers."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls_context(certs))
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException):  # not up yet: refused, reset, or the TLS handshake cut short
        return 0, b""
    finally:
        conn.close()


def ping(port: int, certs: Path) -> bool:
    """True if the engine answers GET /_ping over mutual TLS at 127.0.0.1:port."""
    return get(port, certs, "/_ping", timeout=2.0) == (200, b"OK")


def unsettled_nodes(port: int, certs: Path) -> list[str]:
    """Nodes the engine's swarm does not yet see as ready or down (e.g. `unknown` just after a manager restarts);
    [] from a worker, which has no node list."""
    status, body = get(port, certs, "/nodes")
    if status != 200:
        return [] if status == 503 else ["(no answer)"]
    nodes = json.loads(body)
    return [n["Description"]["Hostname"] for n in nodes if n["Status"]["State"] not in ("ready", "down")]


def docker_cli() -> str | None:
    """The host's `docker` command, None if there is none on PATH."""
    return shutil.which("docker")


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    cli = docker_cli()
    assert cli, "callers check docker_cli() first"
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=30)


def make_context(lab: str, hostname: str, port: int, certs: Path) -> str:
    """Create (or replace) the host CLI's context for the endpoint; return its name."""
    name = context_name(lab, hostname)
    _docker("context", "rm", "--force", name)  # a context of an earlier endpoint: its port and certs are stale
    spec = f"host=tcp://127.0.0.1:{port},ca={certs / 'ca.pem'},cert={certs / 'cert.pem'},key={certs / 'key.pem'}"
    done = _docker("context", "create", name, "--description", f"labkit lab {lab}, node {hostname}", "--docker", spec)
    if done.returncode != 0:
        raise EngineError(f"docker context create {name} failed: {done.stderr.strip()}")
    return name


def _ours(lab: str | None, hostname: str | None) -> re.Pattern[str]:
    """The `<lab>-<node>` part of labkit's context names; exact, so lab 'demo' never matches lab 'demo-2'."""
    lab_re = re.escape(lab) if lab else "[a-z][a-z0-9-]*"
    node_re = re.escape(hostname) if hostname else f"(?:{'|'.join(ROLES)})[0-9]+"
    return re.compile(f"{lab_re}-{node_re}")


def forget_contexts(lab: str | None, hostname: str | None = None) -> list[str]:
    """Remove the CLI contexts and certificates `labkit context` made for a lab (or one node; every lab if None).

    Selected by the certificate directories labkit wrote, so a teardown with none costs no `docker` call.
    """
    root = contexts_dir()
    pattern = _ours(lab, hostname)
    dirs = [d for d in root.iterdir() if d.is_dir() and pattern.fullmatch(d.name)] if root.is_dir() else []
    if not dirs:
        return []
    names = [f"labkit-{d.name}" for d in dirs]
    if docker_cli():
        listed = _docker("context", "ls", "--format", "{{.Name}}").stdout.split()
        gone = [n for n in names if n in listed]
        if gone:
            _docker("context", "rm", "--force", *gone)
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    return names
