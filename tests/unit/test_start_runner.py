"""A lab's life and its start, without an engine: the phase moves only through LabState.enter, nothing outside
LabState writes its fields, and the start runner numbers, times and cleans up as Lab promises."""

from __future__ import annotations

import dataclasses

import pytest

from labkit.base.errors import LabkitError
from labkit.front import lab as lab_module
from labkit.front.lab import Lab
from labkit.host.networks import LabNetwork
from labkit.host.registry_release import main as release_main
from labkit.swarm import prepared, runner
from labkit.swarm.context import LabPhase, LabState
from labkit.swarm.runner import run_start
from labkit.swarm.steps import REMOVE_PREVIOUS, Step, start_steps


class Recorder:
    """A Reporter that keeps what it was told."""

    def __init__(self) -> None:
        self.begun: list[tuple[str, int, int]] = []
        self.lines: list[str] = []

    def begin(self, step: str, index: int, total: int) -> None:
        self.begun.append((step, index, total))

    def line(self, text: str) -> None:
        self.lines.append(text)

    def __getattr__(self, name: str):  # title, step, command, done: not looked at here
        return lambda *args: None


@pytest.fixture
def removed(monkeypatch) -> list[tuple[str, str | None]]:
    calls: list[tuple[str, str | None]] = []
    monkeypatch.setattr(runner.teardown, "remove_lab", lambda name, instance=None: calls.append((name, instance)))
    return calls


def starting(report: Recorder | None = None) -> LabState:
    state = LabState("unit", report=report or Recorder())
    state.enter(LabPhase.STARTING)
    return state


def test_a_lab_lives_new_starting_running_stopped_and_nothing_else():
    state = LabState("unit")
    assert state.phase is LabPhase.NEW
    with pytest.raises(LabkitError, match="'unit' is new; it cannot become running"):
        state.enter(LabPhase.RUNNING)
    state.enter(LabPhase.STARTING)
    state.enter(LabPhase.RUNNING)
    with pytest.raises(LabkitError, match="is running; it cannot become starting"):
        state.enter(LabPhase.STARTING)
    state.enter(LabPhase.STOPPED)
    state.enter(LabPhase.STOPPED)  # stop() is safe to call twice
    with pytest.raises(LabkitError, match="is stopped; it cannot become running"):
        state.enter(LabPhase.RUNNING)


def test_only_lab_state_s_methods_change_it():
    state = LabState("unit")
    for field, value in [("phase", LabPhase.RUNNING), ("mode", None), ("network", None), ("ip_index", 7)]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(state, field, value)
    state.use_network(LabNetwork("unit-net", "id", "10.0.0.0/24"))
    record = state.plan_node("worker")
    assert (record.hostname, state.ip_index, state.network.id) == ("worker1", 1, "id")
    with pytest.raises(TypeError):
        state.nodes["worker1"] = record  # type: ignore[index]
    state.add_node(record)
    assert list(state.nodes) == ["worker1"]
    state.drop_node("worker1")
    assert list(state.nodes) == [] and state.plan_node("worker").ip != record.ip, "an address is never reused"


def test_a_lab_shows_its_phase_in_the_same_words():
    lab = Lab(name="words", quiet=True)
    assert repr(lab).endswith(", new)") and not lab.running


def test_the_runner_numbers_times_and_runs_every_step_in_order(removed):
    ran: list[str] = []
    steps = [Step(title, lambda s, t=title: ran.append(t)) for title in ("one", "two", "three")]
    report, timings = Recorder(), []
    state = starting(report)
    run_start(state, steps, timings=timings)
    assert ran == ["one", "two", "three"]
    assert report.begun == [("one", 1, 3), ("two", 2, 3), ("three", 3, 3)]
    assert [t for t, _ in timings] == ["one", "two", "three"] and all(sec >= 0 for _, sec in timings)
    assert state.phase is LabPhase.RUNNING and removed == []


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_start_names_its_step_and_removes_what_it_created(removed, failure):
    def fail(state: LabState) -> None:
        raise failure

    ran: list[str] = []
    steps = [Step("one", lambda s: ran.append("one")), Step("two", fail), Step("three", lambda s: ran.append("3"))]
    state, timings = starting(), []
    with pytest.raises(type(failure)) as info:
        run_start(state, steps, timings=timings)
    assert "labkit: starting lab 'unit' failed at step: two" in info.value.__notes__
    assert ran == ["one"] and [t for t, _ in timings] == ["one"]
    assert state.phase is LabPhase.STOPPED and removed == [("unit", state.instance)]


def test_retain_keeps_a_failed_start_for_debugging(removed):
    report = Recorder()
    state = starting(report)
    with pytest.raises(ValueError):
        run_start(state, [Step("bad", lambda s: int("x"))], retain=True)
    assert removed == [] and state.phase is LabPhase.STOPPED
    assert any("retain=True keeps the lab" in line for line in report.lines)


def test_the_steps_are_objects_and_replace_adds_the_removal():
    assert REMOVE_PREVIOUS not in start_steps(replace=False, swarm=True)
    replacing = start_steps(replace=True, swarm=True)
    assert [s for s in replacing if s is REMOVE_PREVIOUS] == [REMOVE_PREVIOUS]
    assert [s.title for s in start_steps(replace=False, swarm=False, in_advance=True)] == [
        "prepare engine and images",
        "create the lab network",
        "provision nodes and the lab registry",
        "wait for each node's Docker engine",
        "mark the lab prepared",
    ]


def test_a_replacing_start_retires_this_process_s_other_lab_of_that_name(monkeypatch, removed):
    seen: list[bool] = []
    old = Lab(name="twin", quiet=True)
    fake_removal = Step("remove the previous lab of that name", lambda s: seen.append(old.running))
    monkeypatch.setattr(lab_module, "_started", [])
    monkeypatch.setattr(lab_module, "REMOVE_PREVIOUS", fake_removal)
    monkeypatch.setattr(
        lab_module,
        "start_steps",
        lambda replace, swarm, in_advance=False: (
            [Step("prepare", lambda s: None)] + ([fake_removal] if replace else [])
        ),
    )
    monkeypatch.setattr(prepared, "take", lambda state: None)
    old.start()
    assert old.running and old.timings and [t for t, _ in old.timings] == ["prepare"]
    new = Lab(name="twin", quiet=True, replace=True).start()
    assert seen == [False], "the old Lab object was stopped before its nodes were removed"
    assert new.running and not old.running and removed == []
    assert [t for t, _ in new.timings] == ["prepare", "remove the previous lab of that name"]


@pytest.mark.parametrize("argv", [[], ["soon"]])
def test_the_delayed_registry_release_refuses_a_bad_delay(argv, capsys):
    assert release_main(argv) == 2
    assert "usage: python -m labkit.host.registry_release SECONDS" in capsys.readouterr().err
