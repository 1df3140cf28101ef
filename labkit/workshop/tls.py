"""The hub's HTTPS: on when it listens beyond loopback, with a certificate made for the room or the instructor's own.

`check_given` runs before `workshop up` creates anything, so bad flags leave nothing behind. `hub_tls` then writes
into the room's state directory (gone with `down`): the certificate the proxy serves and its key, or, for the
instructor's own pair, only a copy of the certificate. Either way `PIN` holds the served certificate: labkit's own
requests to the hub (`up` waiting for it, `status`, `reset`) trust exactly that certificate and nothing else.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..base.certs import make_bundle
from ..base.errors import InvalidInput

__all__ = ["HubTls", "PIN", "is_loopback", "check_given", "hub_tls", "fingerprint"]

TLS_DIR = "tls"  # in the room's state directory (mode 0700)
PIN = f"{TLS_DIR}/served.pem"  # the served certificate, what labkit's own requests to the hub trust


@dataclass(frozen=True)
class HubTls:
    """The files the proxy serves HTTPS with, and the served certificate's SHA-256 fingerprint."""

    cert: Path
    key: Path
    fingerprint: str


def is_loopback(listen: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, localhost); 0.0.0.0 is every address."""
    if listen == "localhost":
        return True
    try:
        return ipaddress.ip_address(listen).is_loopback
    except ValueError:
        return False  # a host name: whoever resolves it reaches it


def _read(path: Path, what: str, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} {path} ({flag}): {exc.strerror or exc}") from None


def fingerprint(cert_pem: bytes) -> str:
    """The SHA-256 fingerprint of the first certificate in PEM bytes, as browsers show it (AB:CD:...)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(Encoding.DER)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def check_given(cert: str | Path | None, key: str | Path | None) -> tuple[Path, Path] | None:
    """The instructor's (certificate, key), checked: both or neither given, readable, PEM, and a pair.

    InvalidInput says what is wrong; nothing is written.
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        missing, given = ("--tls-key", "--tls-cert") if key is None else ("--tls-cert", "--tls-key")
        raise InvalidInput(f"{given} needs {missing} too: give the certificate and its private key together")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    cert_path, key_path = Path(cert).expanduser().resolve(), Path(key).expanduser().resolve()
    cert_pem, key_pem = _read(cert_path, "certificate", "--tls-cert"), _read(key_path, "private key", "--tls-key")
    try:
        public = x509.load_pem_x509_certificate(cert_pem).public_key()
    except ValueError:
        raise InvalidInput(f"{cert_path} (--tls-cert) is not a PEM certificate (-----BEGIN CERTIFICATE-----)") from None
    try:
        private = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise InvalidInput(
            f"{key_path} (--tls-key) is not an unencrypted PEM private key (the proxy cannot ask for a passphrase)"
        ) from None
    spki = (Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    if private.public_key().public_bytes(*spki) != public.public_bytes(*spki):
        raise InvalidInput(f"the key {key_path} does not belong to the certificate {cert_path}")
    return cert_path, key_path


def _names(listen: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(DNS names, IP addresses) the generated certificate is valid for: the address asked for, this machine's
    names and addresses (for 0.0.0.0, learners may come in on any of them), and loopback."""
    dns = {"localhost", socket.gethostname(), socket.getfqdn()}
    ips = {"127.0.0.1"}
    if listen not in ("0.0.0.0", "", "::"):
        try:
            ips.add(str(ipaddress.ip_address(listen)))
        except ValueError:
            dns.add(listen)
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, family=socket.AF_INET):
            ips.add(str(info[4][0]))
    except OSError:
        pass  # no name service: the address asked for and loopback are enough
    return tuple(sorted(d for d in dns if d)), tuple(sorted(ips))


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def hub_tls(
    state: Path, listen: str, given: tuple[Path, Path] | None, log: Callable[[str], None] = print
) -> HubTls | None:
    """The hub's TLS files: the instructor's pair if given; else, beyond loopback, a certificate made for the room
    (a fresh CA whose key is never written, as `labkit context` makes them); else None (plain HTTP on loopback)."""
    if given is None and is_loopback(listen):
        return None
    folder = state / TLS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if given is not None:
        cert, key = given
        served = cert.read_bytes()
        _write(state / PIN, served, 0o644)
        how = f"your certificate {cert}"
    else:
        dns, ips = _names(listen)
        bundle = make_bundle("labkit workshop hub", dns_names=dns, ips=ips)
        cert, key = folder / "hub.pem", folder / "hub-key.pem"
        served = bundle.server_cert
        _write(key, bundle.server_key, 0o600)
        _write(cert, bundle.server_cert + bundle.ca, 0o644)  # the chain: a learner may trust the room's CA instead
        _write(folder / "ca.pem", bundle.ca, 0o644)
        _write(state / PIN, served, 0o644)
        how = f"a certificate made for this room ({', '.join(ips + dns)}; browsers warn until it is trusted)"
    found = fingerprint(served)
    log(f"  HTTPS with {how}\n  its SHA-256 fingerprint: {found}")
    return HubTls(cert, key, found)
