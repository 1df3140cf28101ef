"""The certificates `labkit context` makes (base.certs): what they name, and that a real TLS handshake with them is
mutual — the server takes the client's certificate and turns away a client without one or from another CA."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from labkit.base.certs import TlsBundle, make_bundle


@pytest.fixture(scope="module")
def bundle() -> TlsBundle:
    return make_bundle("manager1", dns_names=("localhost", "manager1"), ips=("127.0.0.1", "172.31.1.11"))


def test_the_server_certificate_names_the_loopback_and_the_node(bundle):
    server = x509.load_pem_x509_certificate(bundle.server_cert)
    alt = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(alt.get_values_for_type(x509.DNSName)) == {"localhost", "manager1"}
    assert set(alt.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("172.31.1.11"),
    }
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_the_client_certificate_is_for_client_auth_and_both_are_signed_by_the_ca(bundle):
    ca = x509.load_pem_x509_certificate(bundle.ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for pem, oid in (
        (bundle.client_cert, ExtendedKeyUsageOID.CLIENT_AUTH),
        (bundle.server_cert, ExtendedKeyUsageOID.SERVER_AUTH),
    ):
        cert = x509.load_pem_x509_certificate(pem)
        cert.verify_directly_issued_by(ca)  # raises if the CA did not sign it
        assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [oid]
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_every_endpoint_gets_its_own_ca(bundle):
    other = make_bundle("manager1")
    assert other.ca != bundle.ca
    with pytest.raises((ValueError, InvalidSignature)):  # same CA name, another key
        x509.load_pem_x509_certificate(other.client_cert).verify_directly_issued_by(
            x509.load_pem_x509_certificate(bundle.ca)
        )


def _files(tmp: Path, bundle: TlsBundle, prefix: str) -> dict[str, str]:
    paths = {}
    for field in ("ca", "server_cert", "server_key", "client_cert", "client_key"):
        path = tmp / f"{prefix}-{field}.pem"
        path.write_bytes(getattr(bundle, field))
        paths[field] = str(path)
    return paths


def _handshake(server_files: dict[str, str], client: ssl.SSLContext) -> str:
    """Serve one TLS connection on 127.0.0.1 that requires a client certificate; what the client reads."""
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.load_cert_chain(server_files["server_cert"], server_files["server_key"])
    srv.load_verify_locations(server_files["ca"])
    srv.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with srv.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"OK")
        except (ssl.SSLError, OSError):
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.recv(2).decode()
    finally:
        thread.join(10)
        listener.close()


def test_a_handshake_is_mutual(bundle, tmp_path):
    files = _files(tmp_path, bundle, "mine")
    mine = ssl.create_default_context(cafile=files["ca"])
    mine.load_cert_chain(files["client_cert"], files["client_key"])
    assert _handshake(files, mine) == "OK"

    no_cert = ssl.create_default_context(cafile=files["ca"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _handshake(files, no_cert)

    stranger = _files(tmp_path, make_bundle("stranger"), "stranger")
    foreign = ssl.create_default_context(cafile=files["ca"])
    foreign.load_cert_chain(stranger["client_cert"], stranger["client_key"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _handshake(files, foreign)
