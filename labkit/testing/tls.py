"""TLS for a test swarm's managers: a throwaway CA, a server certificate per swarm and a client certificate.

Other tools (the docker CLI, docker-py, a deploy script under test) reach a manager's engine through a published
TCP port, with the usual DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH settings. TLS is required there: a
nested dockerd with a plain-TCP listener sleeps ~16 s at start, and an open engine port is a root shell for anyone
who can reach it. Keys are P-256, made by the `openssl` command (a fraction of a second for all of them).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import LabkitError

__all__ = ["SwarmCerts", "DockerHost", "make_certs"]


@dataclass(frozen=True)
class DockerHost:
    """Where a manager's engine answers, and the TLS files a client needs (the docker CLI's conventions)."""

    url: str  # tcp://127.0.0.1:<port>
    cert_path: str  # a directory with ca.pem, cert.pem and key.pem

    @property
    def env(self) -> dict[str, str]:
        """The environment variables the docker CLI, docker-py and testcontainers read."""
        return {"DOCKER_HOST": self.url, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": self.cert_path}

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class SwarmCerts:
    """The files of one swarm's TLS: what a manager's engine gets, and the client side in `directory`."""

    directory: Path
    server_files: tuple[tuple[str, bytes], ...]  # (name, content) for the managers' TLS directory

    def remove(self) -> None:
        """Delete the client files (the server files go with the nodes)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise LabkitError(f"openssl {args[0]} failed: {proc.stderr.strip()[-500:]}")


def make_certs(names: list[str], addresses: list[str]) -> SwarmCerts:
    """A CA, a server certificate valid for these host names and IP addresses, and a client certificate."""
    if shutil.which("openssl") is None:
        raise LabkitError(
            "the `openssl` command is needed for a test swarm's TLS (docker_host, docker_client); "
            "install it (Debian: apt-get install openssl) or pass tls=False"
        )
    d = Path(tempfile.mkdtemp(prefix="labkit-swarm-tls-"))
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=labkit test CA",
        cwd=d,
    )
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{a}" for a in addresses])
    for who, ext in (
        ("server", f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        _openssl("req", "-new", *key, "-keyout", f"{who}-key.pem", "-out", f"{who}.csr", "-subj", f"/CN={who}", cwd=d)
        (d / f"{who}.ext").write_text(ext)
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{who}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            f"{who}-cert.pem",
            "-days",
            "2",
            "-extfile",
            f"{who}.ext",
            cwd=d,
        )
    server = tuple((n, (d / n).read_bytes()) for n in ("ca.pem", "server-cert.pem", "server-key.pem"))
    (d / "cert.pem").write_bytes((d / "client-cert.pem").read_bytes())  # the docker CLI's names
    (d / "key.pem").write_bytes((d / "client-key.pem").read_bytes())
    for n in ("ca-key.pem", "server-key.pem", "client-key.pem", "server.csr", "client.csr", "ca.srl"):
        (d / n).unlink(missing_ok=True)  # only what a client needs stays
    (d / "key.pem").chmod(0o600)
    return SwarmCerts(d, server)
