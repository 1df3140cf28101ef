"""Every error labkit raises on purpose is a LabkitError subclass whose message says what to do; the cause is kept,
yet the CLI and IPython still show one line (LABKIT_DEBUG=1 shows the traceback with its cause). No engine."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

import labkit
from labkit.base.errors import (
    CommandError,
    EngineError,
    InvalidInput,
    LabBroken,
    LabkitError,
    NodeNotRunning,
    SwarmFormationFailed,
    UnexpectedState,
    UnknownNode,
    UnknownService,
    WaitTimeout,
)
from labkit.course import helpers
from labkit.host.exec import CommandResult, ContainerNotRunning
from labkit.swarm import formation, membership
from labkit.swarm import node as node_module
from labkit.swarm.context import LabState, NodeRecord
from labkit.swarm.node import Node
from labkit.swarm.state import SwarmSnapshot, parse_snapshot

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"


def snapshot(name: str = "three_nodes_services.json") -> SwarmSnapshot:
    raw = json.loads((PAYLOADS / name).read_text())
    return parse_snapshot("nb04", "manager1", raw["nodes"], raw["services"], raw["tasks"], taken_at=0.0)


def lab_state(*hosts: str) -> LabState:
    state = LabState("errlab")
    for i, host in enumerate(hosts):
        state.add_node(NodeRecord(host, "manager" if host.startswith("manager") else "worker", f"10.9.0.{10 + i}"))
    return state


def failed(argv: list[str], node: str) -> CommandError:
    return CommandError(argv, 1, "", "Error response from daemon: This node is already part of a swarm.", node=node)


# -- the swarm layer -------------------------------------------------------------------------------------------
def test_a_failed_swarm_init_names_the_node_keeps_the_command_error_and_says_what_to_run():
    def sh(script: str) -> None:
        raise failed(["sh", "-c", script], "manager1")

    first = SimpleNamespace(name="manager1", ip="10.9.0.10", sh=sh)
    with pytest.raises(SwarmFormationFailed, match="failed to initialise the swarm on manager1") as info:
        formation.init_swarm(lab_state("manager1"), first)  # type: ignore[arg-type]
    assert "already part of a swarm" in str(info.value) and "labkit doctor" in str(info.value)
    assert isinstance(info.value.__cause__, CommandError) and info.value.__cause__.node == "manager1"


def test_a_failed_join_names_the_node_and_role_and_keeps_the_command_error():
    def exec_(argv: list[str], **_: object) -> CommandResult:
        if argv[:3] == ["docker", "swarm", "join-token"]:
            return CommandResult(tuple(argv), 0, "SWMTKN-1-x\n", "")
        raise failed(argv, "manager2")

    manager = SimpleNamespace(name="manager1", ip="10.9.0.10", exec=exec_)
    joiner = SimpleNamespace(name="manager2", ip="10.9.0.11", exec=exec_)
    with pytest.raises(SwarmFormationFailed, match="failed to join manager2 as a manager") as info:
        formation.join_nodes(lab_state("manager1", "manager2"), manager, [joiner], "manager")  # type: ignore[arg-type]
    assert isinstance(info.value.__cause__, CommandError) and "labkit doctor" in str(info.value)


@pytest.mark.parametrize(
    "fault,error,fix",
    [
        ("killed", NodeNotRunning, "lab.node('worker1').start()"),
        ("paused", NodeNotRunning, "lab.node('worker1').unpause()"),
        ("removed", LabBroken, "lab.remove_node('worker1')"),  # a node the lab lost: the lab is broken
    ],
)
def test_a_command_on_a_node_that_is_not_running_says_how_to_bring_it_back(monkeypatch, fault, error, fix):
    def refuse(*_: object, **__: object) -> None:
        raise ContainerNotRunning("not-running", "Container errlab-worker1 is not running")

    monkeypatch.setattr(node_module, "run_in_container", refuse)
    monkeypatch.setattr(node_module, "lab_faults", lambda state: {"worker1": fault})
    with pytest.raises(error) as info:
        Node(lab_state("manager1", "worker1"), "worker1").sh("docker ps")
    assert f"cannot run 'docker ps' on worker1: the node is {fault}" in str(info.value) and fix in str(info.value)
    assert isinstance(info.value.__cause__, ContainerNotRunning)


def test_an_engine_that_never_answers_is_a_wait_timeout_with_the_node_logs(monkeypatch):
    monkeypatch.setattr(
        node_module,
        "run_in_container",
        lambda *a, **k: CommandResult(tuple(a[1]), 1, "", "Cannot connect to the Docker daemon"),
    )
    monkeypatch.setattr(node_module.containers, "logs_tail", lambda *a, **k: 'level=fatal msg="no space left"')
    with pytest.raises(WaitTimeout, match="failed to start the Docker engine in worker1") as info:
        Node(lab_state("worker1"), "worker1").wait_engine(timeout=0)
    assert "Cannot connect to the Docker daemon" in str(info.value) and "no space left" in str(info.value)
    assert isinstance(info.value, TimeoutError) and isinstance(info.value.__cause__, WaitTimeout)


def test_a_lab_with_no_running_manager_is_broken_and_the_message_says_which_node_to_start(monkeypatch):
    monkeypatch.setattr(membership, "lab_faults", lambda state: {"manager1": "killed", "worker1": None})
    with pytest.raises(
        LabBroken,
        match=r"no manager of lab 'errlab' is running; start one with "
        r"lab.node\('manager1'\).start\(\)",
    ):
        membership.a_manager(lab_state("manager1", "worker1"))


def test_starting_a_lab_object_twice_says_what_to_call_instead():
    from labkit.swarm.context import LabPhase

    lab = labkit.Lab(name="errlab", quiet=True)
    lab._state.enter(LabPhase.STOPPED)  # a Lab that was started and stopped: no engine needed to get here
    with pytest.raises(labkit.LabAlreadyStarted, match=r"create a new Lab\(\).*lab.rebuild\(\)"):
        lab.start()


def test_unknown_names_in_a_snapshot_list_the_valid_ones_and_stay_key_errors():
    snap = snapshot()
    with pytest.raises(UnknownNode, match="no node .worker9.; nodes are: manager1, worker1, worker2") as node:
        snap.node("worker9")
    with pytest.raises(UnknownService, match="no service .web.; services: agent, nginx, who") as service:
        snap.service("web")
    # the traffic panel (and notebooks) catch KeyError; str() is the plain message, not KeyError's quoted repr
    assert isinstance(node.value, KeyError) and isinstance(service.value, KeyError)
    assert str(service.value).startswith("no service 'web'")


# -- the course ------------------------------------------------------------------------------------------------
def test_an_unknown_section_lists_the_sections():
    from labkit.course.catalog import plan_of

    plan = plan_of("04")
    with pytest.raises(InvalidInput, match="notebook 04 has no section 'nope'; use one of: ") as info:
        plan.section("nope")
    assert all(s.slug in str(info.value) for s in plan.sections)


def test_an_unknown_progress_event_lists_the_events_and_records_nothing(tmp_path, monkeypatch):
    from labkit.course import progress

    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(tmp_path / "p.jsonl"))
    with pytest.raises(InvalidInput, match="unknown progress event 'peek'; use one of: check, hint, solution, reset"):
        progress.record("peek", "04")
    assert not (tmp_path / "p.jsonl").exists()


class FakeLab:
    """What the lesson helpers read: a name, a snapshot, the nodes' faults and the API's node list."""

    def __init__(self, snap: SwarmSnapshot, faults: dict[str, str | None] | None = None, name: str = "nb04"):
        self.name, self._snap = name, snap
        self.nodes = [
            SimpleNamespace(name=h, fault=f, role="manager" if h.startswith("manager") else "worker")
            for h, f in (faults or {}).items()
        ]

    def snapshot(self) -> SwarmSnapshot:
        return self._snap

    def api(self, *paths: str) -> dict:
        return {"nodes": []}


def test_lesson_helpers_say_what_they_found_and_how_to_get_back_on_track():
    lab = FakeLab(snapshot(), {"manager1": None, "worker1": None, "worker2": None})
    cases = [
        (lambda: helpers.node_with("web", lab), "no node runs a task of web"),
        (lambda: helpers.node_without("agent", lab), "expected exactly one Ready node without agent, found: none"),
        (lambda: helpers.faulted("killed", lab), "expected exactly one killed node, found: none"),
        (lambda: helpers.task("nginx", 7, lab), "nginx has no current task in slot 7"),
    ]
    for call, found in cases:
        with pytest.raises(UnexpectedState) as info:
            call()
        assert found in str(info.value), str(info.value)
        assert str(info.value).endswith(
            'run the cells above again, in order, or start the notebook over with reset("04")'
        )
    two = FakeLab(snapshot(), {"manager1": None, "manager2": None})
    with pytest.raises(UnexpectedState, match="found: manager1, manager2.*run the cells above again"):
        helpers.survivor(two)


def test_lesson_helpers_for_nodes_roles_leaders_and_crashes():
    lab = FakeLab(snapshot())
    with pytest.raises(UnknownNode, match=r"no node 'worker7'; it lists: manager1 \(ready\), worker1 \(ready\)"):
        helpers.node_id("worker7", lab=lab)
    with pytest.raises(InvalidInput, match="join_token takes 'worker' or 'manager', not 'boss'"):
        helpers.join_token("boss", lab)
    no_quorum = FakeLab(SwarmSnapshot("nb09", 0.0, None, error="no manager answered: quorum lost"))
    with pytest.raises(UnexpectedState, match="no leader right now: no manager answered.*start the killed managers"):
        helpers.leader(no_quorum)
    with pytest.raises(UnexpectedState, match="does not list worker2 as Down.*wait until `docker node ls` shows"):
        helpers.down_after("worker2", lab)


# -- what a user sees -------------------------------------------------------------------------------------------
def engine_refused() -> None:
    try:
        raise OSError("connection reset by peer")  # what the engine's client raised underneath
    except OSError as exc:
        raise EngineError("the engine refused to create node x (connection reset); run `labkit doctor`") from exc


def test_the_cli_prints_one_line_without_the_cause_and_debug_raises_it_with_the_cause(monkeypatch, capsys):
    from labkit.front import cli, commands

    monkeypatch.setitem(commands.COMMANDS, "status", lambda args: engine_refused())
    monkeypatch.delenv("LABKIT_DEBUG", raising=False)
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err == "labkit: the engine refused to create node x (connection reset); run `labkit doctor`\n"
    monkeypatch.setenv("LABKIT_DEBUG", "1")
    with pytest.raises(EngineError) as info:
        cli.main(["status"])
    assert isinstance(info.value.__cause__, OSError)


@pytest.fixture(scope="module")
def shell():
    from IPython.terminal.interactiveshell import TerminalInteractiveShell
    from IPython.testing.globalipapp import start_ipython

    start_ipython()  # returns the shell only on its first call in a process
    return TerminalInteractiveShell.instance()


def test_a_notebook_shows_one_line_and_debug_shows_the_traceback_with_its_cause(shell, monkeypatch, capsys):
    shell.user_ns["engine_refused"] = engine_refused
    monkeypatch.delenv("LABKIT_DEBUG", raising=False)
    shell.run_cell("engine_refused()")
    out = capsys.readouterr().out.strip()
    assert out == "EngineError: the engine refused to create node x (connection reset); run `labkit doctor`"
    monkeypatch.setenv("LABKIT_DEBUG", "1")
    shell.run_cell("engine_refused()")
    out = capsys.readouterr().out
    assert "OSError" in out and "direct cause" in out and "Traceback" in out


def test_a_failed_node_cell_is_one_line_with_the_fix_even_under_debug(shell, monkeypatch, capsys):
    from labkit.front import magics

    class Lab:
        def node(self, name: str):
            return SimpleNamespace(exec=lambda argv, **_: CommandResult(tuple(argv), 1, "no such file\n", ""))

    monkeypatch.setattr(magics, "current_lab", lambda name=None: Lab())
    monkeypatch.setenv("LABKIT_DEBUG", "1")
    if "labkit" not in shell.extension_manager.loaded:  # another test in this process may have loaded it
        shell.run_line_magic("load_ext", "labkit")
    shell.run_cell("%%node worker1\ncat /nope")
    out = capsys.readouterr().out.strip()
    assert out == (
        "[worker1] exited with code 1: the output above says why; fix the script, or use "
        "`%%node --no-raise-error worker1` for a cell meant to fail"
    )
    assert issubclass(magics.CellFailed, LabkitError)
