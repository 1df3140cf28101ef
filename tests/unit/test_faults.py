"""The node faults' table (labkit/base/faults.py) drives every place that names a fault: the host commands, the
docker-py calls, the Node methods, the board's actions and the timeline. Adding a row, or a fault in one place
only, fails here."""

from __future__ import annotations

import inspect

import docker
import docker.errors
import pytest

from labkit.base.errors import EngineError, InvalidInput
from labkit.base.faults import FAULT_NAMES, FAULT_STATES, NODE_FAULTS, fault_leaving, fault_named, host_command
from labkit.host import containers
from labkit.host.api_errors import REASONS
from labkit.host.inventory import LabObjects
from labkit.images.boot import node_command
from labkit.swarm.answers import SNAPSHOT_SCRIPT, parse_lists, read_script
from labkit.swarm.decide import FAULTS
from labkit.swarm.health import lab_health
from labkit.swarm.node import Node
from labkit.widgets._actions import NODE_ACTIONS, plan_action
from labkit.widgets._diff import diff_snapshots
from labkit.widgets._protocol import NodeView

from .widgets_support import StubLab, web_snapshot

ROWS = pytest.mark.parametrize("fault", NODE_FAULTS, ids=lambda f: f.name)


def test_names_are_unique_and_the_states_are_the_ones_the_snapshot_reports():
    assert len(set(FAULT_NAMES)) == len(FAULT_NAMES) == 7
    assert FAULT_STATES == FAULTS  # decide.container_fault reports exactly these


@ROWS
def test_every_action_is_a_node_method_with_the_table_doc(fault):
    method = getattr(Node, fault.name)
    assert callable(method) and method.__doc__ == fault.doc
    assert fault.doc.endswith(".") and fault.note.startswith("on the host:")


def test_node_offers_what_the_widgets_protocol_asks():
    members = [m for m in NodeView.__dict__ if not m.startswith("_") and m not in ("name",)]
    assert {"do", "host_command", "sh", "container_name"} <= set(members)
    assert all(hasattr(Node, m) for m in members), [m for m in members if not hasattr(Node, m)]


@ROWS
def test_every_fault_state_says_what_happened_and_what_repairs_it(fault):
    if fault.leaves:
        assert fault.happened and fault_leaving(fault.leaves) is fault
        repair = fault_named(fault.repair)
        assert not repair.leaves, "a repair leaves the node without a fault"
    else:
        assert not fault.happened and not fault.repair
    assert fault.already in ("",) + REASONS


@ROWS
def test_every_action_has_a_quoted_host_command(fault):
    cmd = host_command(fault.name, "lab-worker1", "lab-net", "172.31.1.12", "worker1")
    assert cmd.startswith("docker ") and cmd.endswith("lab-worker1")
    assert ("lab-net" in cmd) == (fault.engine.method.endswith("network"))
    assert host_command(fault.name, "a b").endswith("'a b'")


def test_host_commands_in_full_and_unknown_ones():
    assert host_command("kill", "demo-worker2") == "docker kill demo-worker2"
    assert (
        host_command("reconnect", "c", "n", "10.0.0.5", "w1") == "docker network connect --ip 10.0.0.5 --alias w1 n c"
    )
    assert host_command("remove", "c") == "docker rm -f c"
    with pytest.raises(InvalidInput, match="unknown node action 'explode'; known: kill, stop"):
        host_command("explode", "c")


class _Api:
    """Records the docker-py calls the host layer makes; raises `error` if set."""

    def __init__(self, error: Exception | None = None):
        self.calls: list[tuple] = []
        self.error = error

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            self.calls.append((method, args, kwargs))
            if self.error:
                raise self.error

        return call


def _host(monkeypatch, error: Exception | None = None) -> _Api:
    api = _Api(error)
    monkeypatch.setattr(containers, "client", lambda: type("C", (), {"api": api})())
    return api


@ROWS
def test_the_host_layer_makes_a_real_docker_py_call_per_row(fault, monkeypatch):
    api = _host(monkeypatch)
    containers.apply(fault.name, "lab-worker1", network="lab-net", ip="172.31.1.12", alias="worker1")
    [(method, args, kwargs)] = api.calls
    assert method == fault.engine.method and args[0] == "lab-worker1"
    inspect.signature(getattr(docker.APIClient, method)).bind(None, *args, **kwargs)  # docker-py accepts them


def test_reconnect_keeps_the_address_and_alias(monkeypatch):
    api = _host(monkeypatch)
    containers.apply("reconnect", "c", network="n", ip="10.0.0.5", alias="w1")
    assert api.calls == [("connect_container_to_network", ("c", "n"), {"aliases": ["w1"], "ipv4_address": "10.0.0.5"})]


def test_an_action_done_already_is_no_error_but_others_are(monkeypatch):
    _host(monkeypatch, docker.errors.APIError("container c is not connected to network n"))
    containers.apply("disconnect", "c", network="n")
    with pytest.raises(EngineError, match="failed to kill c"):
        containers.apply("kill", "c")  # the same refusal means something else to a kill
    with pytest.raises(InvalidInput):
        containers.apply("explode", "c")


@ROWS
def test_every_action_is_a_board_action_that_runs_the_node_method(fault):
    lab = StubLab([web_snapshot(1)])
    action = plan_action(lab, fault.name, "worker1")
    assert fault.name in NODE_ACTIONS and action.where == "host" and action.note == fault.note
    assert action.command == host_command(fault.name, "t-worker1", "t-net", "172.31.1.12", "worker1")
    assert action.run() is None and lab.calls == [(fault.name, "worker1")]


@pytest.mark.parametrize("state", [s for s in FAULT_STATES if s != "removed"])
def test_the_timeline_says_what_happened_to_a_node(state):
    events = diff_snapshots(web_snapshot(1), web_snapshot(2, faults={"worker1": state}))
    assert f"worker1: {fault_leaving(state).happened}" in [e["text"] for e in events]


def test_one_script_reads_the_engine_api_and_its_parser_never_raises():
    assert SNAPSHOT_SCRIPT == read_script(3, stop_at_failure=True, paths=("nodes", "services", "tasks"))
    assert '"$@"' in read_script(10, stop_at_failure=False) and "break" not in read_script(10, False)
    ok = '[{"ID": "n1"}]\n200\n@@labkit@@\n{"ID": "x"}\n200\n@@labkit@@\n'
    assert parse_lists(["nodes", "swarm"], ok) == ({"nodes": [{"ID": "n1"}], "swarm": {"ID": "x"}}, None)
    payloads, error = parse_lists(["nodes", "swarm"], "[]\n200\n@@labkit@@\n<html>oops\n200\n@@labkit@@\n")
    assert payloads == {"nodes": []} and error.startswith("unreadable answer from /swarm")
    assert (
        parse_lists(["nodes"], '{"message": "This node is not a swarm manager."}\n503\n@@labkit@@\n')[1]
        == "This node is not a swarm manager."
    )
    assert parse_lists(["nodes", "tasks"], "[]\n200\n@@labkit@@\n") == ({"nodes": []}, "HTTP ? from /tasks")
    assert parse_lists(["nodes", "tasks"], "[]\n200") == ({"nodes": []}, "")  # cut short: the caller says how


def test_a_node_boots_containerd_then_dockerd_with_the_lab_registry_as_its_mirror():
    privileged = node_command("lab", "worker1", containers.NodeMode("privileged"))
    restricted = node_command("lab", "worker1", containers.NodeMode("restricted", ("SYS_MODULE",)))
    assert privileged[:2] == ("sh", "-c") and "containerd --config" in privileged[2] and privileged[4] == "dockerd"
    assert "--registry-mirror=http://registry:5000" in privileged
    assert not any(a.startswith("--cgroup-parent") for a in privileged)
    assert restricted[-1] == "--cgroup-parent=/labkit/lab-worker1"


def _container(host: str, state: str = "running", networks: tuple = ("lab-net",)) -> dict:
    return {
        "Id": host,
        "State": state,
        "Labels": {"labkit.node": host, "labkit.mode": "privileged"},
        "NetworkSettings": {"Networks": {n: {} for n in networks}},
    }


def test_status_says_how_to_recover_each_fault():
    nodes = (_container("manager1"), _container("worker1", "exited"), _container("worker2", "paused"))
    down = lab_health(LabObjects("lab", ready=True, containers=nodes), {"worker1": 137}, "h", lambda _: False)
    assert down.state == "degraded" and down.note == "worker1 killed; start again: docker start lab-worker1"
    paused = lab_health(LabObjects("lab", ready=True, containers=(nodes[0], nodes[2])), {}, "h", lambda _: False)
    assert paused.note == "worker2 paused (a fault injected in the lab: see the lesson)"
    stale = lab_health(
        LabObjects("lab", containers=nodes[:1], labels={"labkit.pid": "7", "labkit.host": "h"}),
        {},
        "h",
        lambda _: False,
    )
    assert (stale.state, stale.note) == (
        "half-built",
        "stale: its start never finished (process 7 is gone); remove it: labkit down lab",
    )
