"""`labkit context`: the host's own docker CLI and a Docker SDK other than docker-py drive a lab's swarm through a
mutual-TLS endpoint on 127.0.0.1, and `labkit down` takes it away."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import aiodocker
import pytest

import labkit
from labkit.base.certs import make_bundle
from labkit.base.facts import context_proxy_name
from labkit.base.poll import poll
from labkit.host.engine import client

from .conftest import unique, wait_gone

pytestmark = pytest.mark.skipif(not shutil.which("docker"), reason="needs the host's docker CLI")


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)


def labkit_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "labkit.cli", *args], env)


def refused(port: int, ctx: ssl.SSLContext) -> bool:
    """True if the endpoint will not serve GET /_ping to this TLS context."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    try:
        conn.request("GET", "/_ping")
        return conn.getresponse().status != 200
    except (ssl.SSLError, ConnectionError, http.client.HTTPException):
        return True
    finally:
        conn.close()


async def through_sdk(context: str | None = None) -> tuple[list[str], int]:
    """Node hostnames and running `ctx` tasks, read with aiodocker (no docker-py involved): by a docker context's
    name, or (None) as DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH say."""
    async with aiodocker.Docker(context=context) as docker:
        nodes = sorted(n["Description"]["Hostname"] for n in await docker.nodes.list())
        tasks = await docker.tasks.list(filters={"service": "ctx", "desired-state": "running"})
        return nodes, sum(t["Status"]["State"] == "running" for t in tasks)


def test_the_host_cli_and_another_sdk_drive_the_swarm_through_the_context(tmp_path, monkeypatch):
    home = tmp_path / "home"  # the docker CLI's context store and labkit's certificates, away from the user's
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_CONFIG", "DOCKER_CONTEXT", "XDG_DATA_HOME")}
    env["HOME"] = str(home)
    name = unique("ctx")
    context = f"labkit-{name}-manager1"
    lab = labkit.Lab(managers=1, workers=1, name=name, quiet=True).start()
    try:
        made = labkit_cli(env, "context", name)
        assert made.returncode == 0, made.stdout + made.stderr
        assert f"docker --context {context} node ls" in made.stdout
        exports = re.search(r"export (DOCKER_HOST=\S+ DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=\S+)", made.stdout)
        assert exports, made.stdout
        printed = dict(pair.split("=", 1) for pair in shlex.split(exports.group(1)))
        port = int(printed["DOCKER_HOST"].rsplit(":", 1)[1])
        certs = Path(printed["DOCKER_CERT_PATH"])
        assert certs.is_relative_to(home) and (certs / "key.pem").stat().st_mode & 0o077 == 0

        # Published on the host's loopback only, by the labelled proxy.
        proxy = client().api.inspect_container(context_proxy_name(name, "manager1"))
        assert proxy["Config"]["Labels"]["labkit.lab"] == name
        assert proxy["HostConfig"]["PortBindings"]["2376/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": ""}]
        assert proxy["NetworkSettings"]["Ports"]["2376/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]

        # The host's docker CLI, through the context.
        # Asked until both are Ready: with the labs' 1 s heartbeat a node stalled a few seconds by a loaded machine is
        # Down for a moment (a full run saw "worker1 Down" here).
        ls = ["docker", "--context", context, "node", "ls", "--format", "{{.Hostname}} {{.Status}}"]
        nodes = poll(
            lambda: sorted(run(ls, env).stdout.split("\n")[:-1]),
            lambda seen: seen == ["manager1 Ready", "worker1 Ready"],
            timeout=60,
            what="both nodes Ready through the context",
        )
        assert nodes == ["manager1 Ready", "worker1 Ready"]
        svc = run(
            ["docker", "--context", context, "service", "create", "--name", "ctx", "--replicas", "2", "nginx"], env
        )
        assert svc.returncode == 0 and "converged" in svc.stdout + svc.stderr, svc.stdout + svc.stderr
        assert "ctx" in lab.node("manager1").sh("docker service ls --format '{{.Name}}'").stdout.split()  # in the lab

        # aiodocker, by the context's name (the CLI's context store) and by the variables labkit printed.
        monkeypatch.setenv("HOME", str(home))
        for var in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
            monkeypatch.delenv(var, raising=False)
        seen = poll(
            lambda: asyncio.run(through_sdk(context=context)),
            lambda s: s[1] == 2,
            timeout=60,
            what="2 running ctx tasks through aiodocker",
        )
        assert seen == (["manager1", "worker1"], 2)
        for var, value in printed.items():
            monkeypatch.setenv(var, value)
        assert asyncio.run(through_sdk()) == (["manager1", "worker1"], 2)

        # Mutual TLS: no client certificate, or one from another CA, is refused; the real one is served.
        no_cert = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        assert refused(port, no_cert)
        stranger = make_bundle("stranger")
        (tmp_path / "s-cert.pem").write_bytes(stranger.client_cert)
        (tmp_path / "s-key.pem").write_bytes(stranger.client_key)
        other_ca = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        other_ca.load_cert_chain(str(tmp_path / "s-cert.pem"), str(tmp_path / "s-key.pem"))
        assert refused(port, other_ca)
        mine = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        mine.load_cert_chain(str(certs / "cert.pem"), str(certs / "key.pem"))
        assert not refused(port, mine)

        again = labkit_cli(env, "context", name)  # kept: no second restart, same port
        assert again.returncode == 0 and "restarting" not in again.stderr and f":{port}" in again.stdout
    finally:
        down = labkit_cli(env, "down", name)
    assert down.returncode == 0, down.stdout + down.stderr
    listed = run(["docker", "context", "ls", "--format", "{{.Name}}"], env)
    assert listed.returncode == 0 and context not in listed.stdout.split()
    assert not certs.exists()
    wait_gone(name)  # node volumes go in the background, with the cleaner container that deletes them
