"""`labkit context` without an engine: what goes into the node, what the host keeps, what it prints, and that a
lab's teardown forgets exactly that lab's contexts."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from labkit.base.certs import make_bundle
from labkit.base.facts import DOCKERD_FLAGS_FILE
from labkit.front.cli_args import build_parser
from labkit.front.docker_context import Endpoint, usage
from labkit.host import context_proxy, docker_context
from labkit.host.containers import NodeMode
from labkit.images.boot import node_command


def test_a_node_boots_with_the_flags_labkit_context_left_for_it(tmp_path):
    script = node_command("lab", "manager1", NodeMode("privileged"))[2]
    hook = script[script.index("if [ -f") : script.index(" && exec")]
    flags = tmp_path / "flags"
    flags.write_text(context_proxy.dockerd_flags() + "\n")
    argv = subprocess.run(
        [
            "sh",
            "-c",
            hook.replace(DOCKERD_FLAGS_FILE, str(flags)) + ' && printf "%s\\n" "$@"',
            "node",
            "dockerd",
            "--host=unix:///var/run/docker.sock",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")[:-1]
    assert argv[:2] == ["dockerd", "--host=unix:///var/run/docker.sock"]
    assert argv[2:] == context_proxy.dockerd_flags().split()
    assert "--tlsverify" in argv and "--host=tcp://0.0.0.0:2376" in argv
    flags.unlink()  # no file: the engine boots as before
    argv = subprocess.run(
        ["sh", "-c", hook.replace(DOCKERD_FLAGS_FILE, str(flags)) + ' && printf "%s\\n" "$@"', "node", "dockerd"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert argv == ["dockerd"]


def test_the_node_gets_its_server_pair_the_ca_and_the_flags_with_a_private_key(monkeypatch):
    bundle = make_bundle("manager1")
    written = {}

    class Api:
        def put_archive(self, container: str, path: str, data: bytes) -> None:
            written.update(container=container, path=path, data=data)

    class Client:
        api = Api()

    node = context_proxy.NodeEndpoint("lab", "manager1", "lab-manager1", "10.0.0.2", "sha256:x", True, True)
    monkeypatch.setattr(context_proxy, "client", lambda: Client())
    context_proxy.install_tls(node, bundle)
    assert (written["container"], written["path"]) == ("lab-manager1", "/")
    with tarfile.open(fileobj=io.BytesIO(written["data"])) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert {"etc", "etc/labkit", "etc/labkit/tls"} <= set(members)
        assert members["etc/labkit/tls/server-key.pem"].mode == 0o600
        content = {name: tar.extractfile(m).read() for name, m in members.items() if m.isfile()}
    assert content["etc/labkit/tls/ca.pem"] == bundle.ca
    assert content["etc/labkit/tls/server-cert.pem"] == bundle.server_cert
    flags = content[DOCKERD_FLAGS_FILE.lstrip("/")].decode()
    assert flags.split() == context_proxy.dockerd_flags().split()
    assert f"--tlscacert={context_proxy.TLS_DIR}/ca.pem" in flags


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(docker_context, "contexts_dir", lambda: tmp_path / "contexts")
    return tmp_path / "contexts"


def test_client_files_use_dockers_names_and_the_key_is_private(store):
    path = docker_context.write_client("demo", "manager1", make_bundle("manager1"))
    assert path == store / "demo-manager1"
    assert sorted(p.name for p in path.iterdir()) == ["ca.pem", "cert.pem", "key.pem"]
    assert (path / "key.pem").stat().st_mode & 0o777 == 0o600


def test_a_teardown_forgets_only_its_own_labs_contexts(store, monkeypatch):
    for d in ("demo-manager1", "demo-worker2", "demo-2-manager1", "demox-manager1", "other-manager1"):
        (store / d).mkdir(parents=True)
    calls: list[tuple[str, ...]] = []

    def docker(*args: str) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        out = "default\nlabkit-demo-manager1\nlabkit-demo-2-manager1\n" if args[1] == "ls" else ""
        return subprocess.CompletedProcess(args, 0, out, "")

    monkeypatch.setattr(docker_context, "docker_cli", lambda: "/usr/bin/docker")
    monkeypatch.setattr(docker_context, "_docker", docker)
    assert sorted(docker_context.forget_contexts("demo")) == ["labkit-demo-manager1", "labkit-demo-worker2"]
    assert calls[-1] == ("context", "rm", "--force", "labkit-demo-manager1")  # worker2's was never in the CLI
    assert sorted(p.name for p in store.iterdir()) == ["demo-2-manager1", "demox-manager1", "other-manager1"]
    calls.clear()
    assert docker_context.forget_contexts("nothing-here") == [] and calls == []  # no directory: no docker call
    assert docker_context.forget_contexts("demo-2", "worker1") == []
    assert docker_context.forget_contexts("demo-2", "manager1") == ["labkit-demo-2-manager1"]


def test_without_a_docker_cli_the_certificates_still_go(store, monkeypatch):
    (store / "demo-manager1").mkdir(parents=True)
    monkeypatch.setattr(docker_context, "docker_cli", lambda: None)
    assert docker_context.forget_contexts(None) == ["labkit-demo-manager1"]
    assert not any(store.iterdir())


def test_labkit_context_says_what_it_made_and_how_to_use_it():
    text = usage(Endpoint("demo", "manager1", 49153, Path("/d/demo-manager1"), "labkit-demo-manager1"))
    assert "docker --context labkit-demo-manager1 node ls" in text
    assert "export DOCKER_HOST=tcp://127.0.0.1:49153 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/d/demo-manager1" in text
    assert "127.0.0.1 only" in text and "labkit down demo" in text
    bare = usage(Endpoint("demo", "worker1", 49153, Path("/d/demo-worker1"), None))
    assert "no `docker` command on this host" in bare and "docker --context" not in bare
    assert "DOCKER_HOST=tcp://127.0.0.1:49153" in bare


def test_the_context_command_defaults_to_manager1():
    args = build_parser().parse_args(["context", "demo"])
    assert (args.cmd, args.name, args.node) == ("context", "demo", "manager1")
    assert build_parser().parse_args(["context", "demo", "worker1"]).node == "worker1"
