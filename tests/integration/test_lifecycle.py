"""Forming, inspecting and removing labs; what happens with bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import labkit
from labkit.host.engine import client
from labkit.swarm.waits import all_ready

from ..support import HANG, interruptible
from .conftest import unique, wait_gone


def objects_of(name: str) -> list[str]:
    api = client().api
    flt = {"label": [f"labkit.lab={name}"]}
    return (
        [c["Names"][0] for c in api.containers(all=True, filters=flt)]
        + [n["Name"] for n in api.networks(filters=flt)]
        + [v["Name"] for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    )


def test_one_manager_two_workers_are_ready(lab):
    # Waited for, not read once: with the labs' 1 s heartbeat, a node a loaded machine stalls for a few seconds is
    # Down for a moment, whichever test then reads it.
    snap = lab.wait(all_ready(["manager1", "worker1", "worker2"]), timeout=HANG, what="every node Ready")
    assert [(n.hostname, n.role, n.state) for n in snap.nodes] == [
        ("manager1", "manager", "ready"),
        ("worker1", "worker", "ready"),
        ("worker2", "worker", "ready"),
    ]
    assert snap.leader.hostname == "manager1" and snap.error is None
    out = lab.node("manager1").sh("docker node ls").stdout
    assert out.count("Ready") == 3 and "Leader" in out


def test_names_labels_and_hostnames_are_deterministic(lab):
    node = lab.node("worker2")
    assert node.container_name == f"{lab.name}-worker2"
    c = client().containers.get(node.container_name)
    assert c.labels["labkit.lab"] == lab.name and c.labels["labkit.role"] == "worker"
    assert node.sh("hostname").stdout.strip() == "worker2"
    assert node.ip.startswith("172.31.")


def test_commands_raise_command_error_with_details(lab):
    with pytest.raises(labkit.CommandError) as info:
        lab.node("worker1").sh("docker node ls")
    err = info.value
    assert err.exit_code != 0 and err.node == "worker1"
    assert "docker node ls" in err.argv[-1] and "not a swarm manager" in (err.stderr + err.stdout)
    result = lab.node("worker1").sh("docker node ls", check=False)
    assert result.exit_code == err.exit_code and not result.ok


def test_unknown_node_lists_valid_names(lab):
    with pytest.raises(labkit.UnknownNode, match="nodes are: manager1, worker1, worker2"):
        lab.node("worker7")


def test_attach_finds_a_lab_by_its_labels(lab):
    other = labkit.Lab.attach(lab.name)
    assert [n.name for n in other.nodes] == ["manager1", "worker1", "worker2"]
    assert other.node("worker1").ip == lab.node("worker1").ip
    assert other.snapshot().leader.hostname == "manager1"


def test_capabilities_are_measured(lab):
    caps = lab.capabilities
    on_host = os.path.exists("/proc/net/ip_vs") or bool(
        lab.node("manager1").sh("test -e /proc/net/ip_vs", check=False).ok
    )
    assert caps.routing_mesh == on_host
    assert caps.mode in ("privileged", "restricted") and caps.privileged == (caps.mode == "privileged")
    assert "IPVS" in caps.reason["routing_mesh"] or "routing mesh" in caps.reason["routing_mesh"]


def test_stop_removes_everything_and_is_idempotent():
    lab = labkit.Lab(managers=1, workers=1, name=unique("stop"), quiet=True).start()
    assert len(objects_of(lab.name)) == 6  # 2 containers, 1 network, 2 node volumes, 1 ready marker
    lab.stop()
    lab.stop()
    wait_gone(lab.name)  # node volumes go last, deleted by a detached process
    with pytest.raises(labkit.LabNotRunning, match="has been stopped"):
        lab.node("manager1")
    with pytest.raises(labkit.LabNotRunning):
        lab.snapshot()


def test_a_name_in_use_is_refused_and_the_first_lab_survives(lab):
    with pytest.raises(labkit.LabExists, match="already exists"):
        labkit.Lab(name=lab.name, quiet=True).start()
    lab.wait(all_ready(["worker2"]), timeout=HANG, what="worker2 Ready")  # or WaitTimeout


def test_swarm_false_gives_engines_without_a_swarm():
    with labkit.Lab(managers=1, workers=1, name=unique("noswarm"), quiet=True, swarm=False) as lab:
        info = lab.node("manager1").sh("docker info --format '{{.Swarm.LocalNodeState}}'").stdout.strip()
        assert info == "inactive"


def test_ctrl_c_during_start_leaves_nothing_behind(tmp_path):
    name = unique("ctrlc")
    proc = subprocess.Popen(
        [sys.executable, "-u", "-c", f"import labkit; labkit.Lab(name={name!r}, workers=3).start()"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=interruptible,
    )
    # Interrupt as soon as start() says its node containers exist, while their engines still boot: polling the
    # engine for the containers instead could see them only once, under load, the lab was ready.
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.lstrip().startswith("✓ $ docker run"):
            break
    assert seen and "docker run" in seen[-1], "".join(seen)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    out = "".join(seen) + rest
    assert proc.returncode != 0, out
    assert "KeyboardInterrupt" in out
    wait_gone(name)
