"""The certificates of a node's mutual-TLS endpoint (`labkit context`): a CA of its own, a server certificate for the
node's engine and a client certificate for the host's tools, as Docker's "Protect the Docker daemon socket" makes them.

Pure: PEM bytes in memory; the host layer writes them (host.context_proxy, host.docker_context). Each endpoint gets a
fresh CA whose key is never written anywhere, so nothing but that endpoint's client certificate is ever trusted by it.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

__all__ = ["TlsBundle", "make_bundle", "LIFETIME_DAYS"]

LIFETIME_DAYS = 365  # a lab lives hours; a year keeps a forgotten context from failing for a clock skew


@dataclass(frozen=True)
class TlsBundle:
    """PEM bytes of one endpoint: the CA, the server's pair (goes into the node) and the client's pair (stays here)."""

    ca: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes


def make_bundle(
    common_name: str, dns_names: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ("127.0.0.1",)
) -> TlsBundle:
    """A fresh CA and a server and a client certificate signed by it.

    The server certificate names `dns_names` and `ips` (the host's tools dial 127.0.0.1 and verify the name); the
    client certificate carries the clientAuth usage that dockerd's --tlsverify requires. P-256 keys: made in
    milliseconds, and accepted by dockerd, the docker CLI and the Docker SDKs.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)  # a node's clock may lag
    until = now + datetime.timedelta(days=LIFETIME_DAYS)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "labkit"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        )

    def key() -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    def pem_key(k: ec.EllipticCurvePrivateKey) -> bytes:
        return k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    ca_key, server_key, client_key = key(), key(), key()
    ca_name = name(f"labkit CA for {common_name}")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(
        subject: str, pub: ec.EllipticCurvePublicKey, usage: x509.ObjectIdentifier, alt: list[x509.GeneralName]
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(ca_name)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if alt:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    alt: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names]
    alt += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    server = leaf(common_name, server_key.public_key(), ExtendedKeyUsageOID.SERVER_AUTH, alt)
    client = leaf(f"labkit client of {common_name}", client_key.public_key(), ExtendedKeyUsageOID.CLIENT_AUTH, [])
    pem = serialization.Encoding.PEM
    return TlsBundle(
        ca=ca.public_bytes(pem),
        server_cert=server.public_bytes(pem),
        server_key=pem_key(server_key),
        client_cert=client.public_bytes(pem),
        client_key=pem_key(client_key),
    )
