"""labkit.testing.SwarmContainer used as a testcontainers module: a stack deployed, served, broken and healed."""

from __future__ import annotations

import json
import subprocess
from contextlib import closing

import pytest

from labkit.base.errors import UnknownNode
from labkit.testing import SwarmContainer

from .swarm_subprocess import left_of, wait_gone

STACK = """\
version: "3.8"
services:
  web:
    image: nginx
    deploy:
      replicas: 3
"""


def test_a_stack_converges_serves_and_survives_a_killed_worker(tmp_path):
    stack = tmp_path / "stack.yml"
    stack.write_text(STACK)
    with SwarmContainer(managers=1, workers=2) as swarm:
        name = swarm.name
        assert sorted(left_of(name)) != [], "the swarm's objects carry labkit's labels"
        swarm.deploy(stack, name="shop", resolve_image="never")
        swarm.wait_service("shop_web", running=3)
        reply = swarm.http("shop_web", "/")
        assert reply.status == 200 and "Welcome to nginx" in reply.body
        victim = next(h for h, n in swarm.snapshot().placement("shop_web").items() if h.startswith("worker"))
        swarm.node(victim).kill()
        snap = swarm.wait_service("shop_web", running=3)
        assert victim not in snap.placement("shop_web"), "the killed worker's task runs elsewhere"
        assert snap.node(victim).state == "down" and snap.node(victim).fault == "killed"
        assert swarm.http("shop_web", "/").status == 200
    wait_gone(name)


def test_faults_drain_partition_and_the_leader():
    with SwarmContainer(managers=3, workers=1) as swarm:
        swarm.node("worker1").drain()
        assert swarm.snapshot().node("worker1").availability == "drain"
        swarm.node("worker1").activate()
        swarm.node("manager3").partition()
        assert swarm.snapshot().node("manager3").fault == "disconnected"
        swarm.node("manager3").reconnect()
        swarm.node("manager2").pause()
        assert swarm.snapshot().node("manager2").fault == "paused"
        swarm.node("manager2").unpause()
        swarm.node("manager2").stop()
        assert swarm.snapshot().node("manager2").fault == "stopped"
        swarm.node("manager2").start()
        # Killing the leader before manager2 is back in Raft would leave one voter of three: no quorum, no leader.
        swarm.wait(
            lambda s: all(n.state == "ready" and n.reachability == "reachable" for n in s.nodes if n.role == "manager"),
            60,
            "the three managers ready and reachable again",
        )
        old = swarm.kill_leader()
        new = swarm.leader()  # the other two managers keep a quorum and elect a leader
        assert new.name != old.name
        assert swarm.snapshot().node(old.name).fault == "killed"
        with pytest.raises(UnknownNode, match="nodes are: manager1, manager2, manager3, worker1"):
            swarm.node("worker9")


def test_other_tools_reach_a_manager_and_two_swarms_keep_their_own_settings():
    with (
        SwarmContainer(managers=1, workers=0, heartbeat="3s") as slow,
        SwarmContainer(managers=1, workers=0, heartbeat=None, tls=False) as default,
    ):
        host = slow.docker_host()
        cli = subprocess.run(
            ["docker", "info", "--format", "{{json .Swarm}}"], env=host.env, capture_output=True, text=True, check=True
        )
        assert json.loads(cli.stdout)["LocalNodeState"] == "active"
        with closing(slow.docker_client()) as api:
            spec = api.swarm.attrs["Spec"]["Dispatcher"]["HeartbeatPeriod"]
        assert spec == 3_000_000_000  # nanoseconds: this swarm's own setting
        shown = default.exec("manager1", ["docker", "info", "--format", "{{json .Swarm.Cluster.Spec.Dispatcher}}"])
        assert json.loads(shown.stdout)["HeartbeatPeriod"] == 5_000_000_000  # Docker's default, not the other's
        with pytest.raises(Exception, match="tls=False"):
            default.docker_host()
        assert slow.exec("manager1", ["hostname"]).stdout.strip() == "manager1"
    wait_gone(slow.name)
    wait_gone(default.name)
