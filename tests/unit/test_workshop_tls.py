"""The hub's HTTPS (docs/security.md §4): on exactly when it listens beyond loopback or a certificate is given; a
certificate made for the room by default, the instructor's own with --tls-cert/--tls-key; bad flags refused with a
clear message before anything is made; and labkit's own requests trust the served certificate and nothing else."""

from __future__ import annotations

import ssl
import stat
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509

from labkit.base.certs import make_bundle
from labkit.base.errors import InvalidInput
from labkit.workshop import room, tls
from labkit.workshop.hub import pinned_context
from labkit.workshop.hubconfig import HubSettings, write_config


def settings(state: Path, listen: str, given=None, log=lambda line: None) -> HubSettings:
    hub_tls = tls.hub_tls(state, listen, given, log)
    return HubSettings(("ana",), state, "/x/chp", "172.17.0.1", port=8443, listen=listen, tls=hub_tls)


def own_pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An instructor's certificate and key, and a key of another certificate."""
    bundle = make_bundle("hub.example.org", dns_names=("hub.example.org",), ips=())
    paths = tmp_path / "hub.pem", tmp_path / "hub-key.pem", tmp_path / "other-key.pem"
    for path, data in zip(paths, (bundle.server_cert, bundle.server_key, bundle.client_key), strict=True):
        path.write_bytes(data)
    return paths


def test_loopback_is_plain_http_and_anything_else_is_not():
    assert all(tls.is_loopback(a) for a in ("127.0.0.1", "127.0.1.1", "::1", "localhost"))
    assert not any(tls.is_loopback(a) for a in ("0.0.0.0", "172.17.0.1", "::", "hub.example.org"))


def test_on_loopback_no_certificate_is_made(tmp_path):
    s = settings(tmp_path, "127.0.0.1")
    text = write_config(s).read_text()
    assert s.tls is None and s.url == "http://127.0.0.1:8443/" and not (tmp_path / "tls").exists()
    assert "c.JupyterHub.bind_url = 'http://127.0.0.1:8443'" in text and "ssl_" not in text


def test_beyond_loopback_a_certificate_is_made_for_the_room(tmp_path):
    lines = []
    s = settings(tmp_path, "172.17.0.1", log=lines.append)
    assert s.tls is not None and s.url == "https://172.17.0.1:8443/"
    text = write_config(s).read_text()
    assert "c.JupyterHub.bind_url = 'https://172.17.0.1:8443'" in text
    assert f"c.JupyterHub.ssl_cert = {str(tmp_path / 'tls/hub.pem')!r}" in text
    assert f"c.JupyterHub.ssl_key = {str(tmp_path / 'tls/hub-key.pem')!r}" in text
    assert stat.S_IMODE((tmp_path / "tls/hub-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    leaf = x509.load_pem_x509_certificate((tmp_path / "tls/hub.pem").read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert {"172.17.0.1", "127.0.0.1"} <= ips
    # The fingerprint the instructor is shown (and the cards carry) is the served certificate's.
    assert s.tls.fingerprint == tls.fingerprint((tmp_path / tls.PIN).read_bytes()) and s.tls.fingerprint in lines[0]
    assert len(s.tls.fingerprint.split(":")) == 32


def test_the_instructors_own_pair_is_used_as_given(tmp_path):
    cert, key, _ = own_pair(tmp_path)
    state = tmp_path / "state"
    s = settings(state, "0.0.0.0", tls.check_given(str(cert), str(key)))
    text = write_config(s).read_text()
    assert f"c.JupyterHub.ssl_cert = {str(cert)!r}" in text and f"c.JupyterHub.ssl_key = {str(key)!r}" in text
    assert s.url.startswith("https://") and (state / tls.PIN).read_bytes() == cert.read_bytes()
    assert not (state / "tls/hub-key.pem").exists()  # the instructor's key is not copied anywhere
    # Given on loopback too: the instructor asked for it.
    assert settings(tmp_path / "s2", "127.0.0.1", (cert, key)).tls is not None


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("cert-only", "--tls-cert needs --tls-key too"),
        ("key-only", "--tls-key needs --tls-cert too"),
        ("missing", "cannot read the certificate"),
        ("not-pem", "is not a PEM certificate"),
        ("key-not-pem", "is not an unencrypted PEM private key"),
        ("other-key", "does not belong to the certificate"),
    ],
)
def test_bad_tls_flags_are_refused_before_anything_is_made(tmp_path, monkeypatch, which, message):
    cert, key, other = own_pair(tmp_path)
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    flags = {
        "cert-only": (cert, None),
        "key-only": (None, key),
        "missing": (tmp_path / "nope.pem", key),
        "not-pem": (junk, key),
        "key-not-pem": (cert, junk),
        "other-key": (cert, other),
    }[which]
    state = tmp_path / "state"
    monkeypatch.setattr(room, "state_dir", lambda: state)

    def too_far(*args, **kwargs):
        raise AssertionError("up went on past bad TLS flags")

    monkeypatch.setattr(room, "ensure_images", too_far)
    with pytest.raises(InvalidInput, match=message):
        room.up(["ana"], listen="0.0.0.0", tls_cert=flags[0], tls_key=flags[1], log=lambda line: None)
    assert not state.exists()


def test_cli_has_the_tls_flags():
    from labkit.front.cli_args import build_parser

    args = build_parser().parse_args(["workshop", "up", "--learners", "2", "--tls-cert", "a.pem", "--tls-key", "k"])
    assert (args.tls_cert, args.tls_key) == ("a.pem", "k")
    assert build_parser().parse_args(["workshop", "up", "--learners", "2"]).tls_cert is None


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hub")

    def log_message(self, *args) -> None:
        pass


def test_labkits_requests_trust_the_served_certificate_only(tmp_path):
    s = settings(tmp_path / "room", "10.1.2.3")  # an address this machine need not have: we dial 127.0.0.1
    assert s.tls is not None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(s.tls.cert, s.tls.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/"
    try:
        with urllib.request.urlopen(url, timeout=10, context=pinned_context(url, tmp_path / "room")) as r:
            assert r.read() == b"hub"
        settings(tmp_path / "another", "10.1.2.3")  # another room's certificate: not the one served here
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(url, timeout=10, context=pinned_context(url, tmp_path / "another"))
    finally:
        server.shutdown()
        server.server_close()
    assert pinned_context("http://127.0.0.1:8000/", tmp_path / "room") is None
