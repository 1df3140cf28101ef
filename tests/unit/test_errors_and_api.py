"""Error messages, the public API surface, fault classification, CLI parsing and progress output."""

import io
import threading

import pytest

import labkit
from labkit.cli import build_parser
from labkit.front.progress import Progress
from labkit.swarm.decide import container_fault


def test_command_error_carries_argv_code_and_output():
    err = labkit.CommandError(
        ["sh", "-c", "docker node ls"], 1, "", "Error: This node is not a swarm manager.", node="worker1"
    )
    assert err.argv == ["sh", "-c", "docker node ls"] and err.exit_code == 1
    assert "on worker1 (exit code 1): docker node ls" in str(err)
    assert "not a swarm manager" in str(err)
    assert isinstance(err, labkit.LabkitError)


def test_unknown_node_is_a_key_error_with_a_plain_message():
    err = labkit.UnknownNode("no node named 'x'; nodes are: manager1")
    assert isinstance(err, KeyError) and str(err) == "no node named 'x'; nodes are: manager1"


def test_public_api_is_explicit_and_sorted():
    assert labkit.__all__ == sorted(labkit.__all__, key=str.casefold)
    for name in labkit.__all__:
        assert getattr(labkit, name).__doc__, f"{name} has no docstring"


@pytest.mark.parametrize(
    "state,exit_code,networks,expected",
    [
        ("running", None, {"lab-net": {}}, None),
        ("paused", None, {"lab-net": {}}, "paused"),
        ("exited", 137, {}, "killed"),
        ("exited", 0, {}, "stopped"),
        ("created", None, {}, "stopped"),
        ("running", None, {"bridge": {}}, "disconnected"),
    ],
)
def test_fault_classification(state, exit_code, networks, expected):
    summary = {"State": state, "NetworkSettings": {"Networks": networks}}
    assert container_fault(summary, exit_code, "lab-net") == expected
    assert container_fault(None, None, "lab-net") == "removed"


def test_cli_parses_the_documented_commands():
    p = build_parser()
    up = p.parse_args(["up", "--name", "demo", "--managers", "3", "--workers", "3"])
    assert (up.name, up.managers, up.workers) == ("demo", 3, 3)
    ex = p.parse_args(["exec", "demo", "manager1", "--", "docker", "node", "ls"])
    assert (ex.name, ex.node) == ("demo", "manager1") and ex.command[-3:] == ["docker", "node", "ls"]
    assert p.parse_args(["down", "--all"]).all
    assert p.parse_args(["images", "build"]).action == "build"
    with pytest.raises(SystemExit):
        p.parse_args(["images", "fetch"])


def test_progress_never_prints_from_a_background_thread():
    out = io.StringIO()
    progress = Progress(out=out)
    progress.line("from main")
    worker = threading.Thread(target=lambda: progress.line("from thread"))
    worker.start()
    worker.join()
    assert "from main" in out.getvalue() and "from thread" not in out.getvalue()


def test_lab_rejects_bad_input_before_touching_docker():
    with pytest.raises(ValueError, match="managers must be"):
        labkit.Lab(managers=0)
    with pytest.raises(ValueError, match="invalid lab name"):
        labkit.Lab(name="Bad Name")
    lab = labkit.Lab(name="never-started")
    with pytest.raises(labkit.LabNotRunning, match="not started yet"):
        lab.nodes  # noqa: B018 (reading the property is the act under test)


def test_streamed_output_is_passed_on_a_line_at_a_time():
    import io

    from labkit.host.exec import LineSink as _LineSink

    class Recorder(io.StringIO):
        writes: list[str] = []

        def write(self, s):
            self.writes.append(s)
            return super().write(s)

    rec = Recorder()
    rec.writes = []
    sink = _LineSink(rec)
    for ch in "curl: (7) Failed\nsecond line\npartial":
        sink.write(ch)
    assert rec.writes == ["curl: (7) Failed\n", "second line\n"]
    sink.close()
    assert rec.writes[-1] == "partial" and rec.getvalue() == "curl: (7) Failed\nsecond line\npartial"


def test_labkit_lab_passes_every_argument_to_jupyterlab(monkeypatch):
    from labkit.front import cli, commands

    seen = {}
    monkeypatch.setitem(commands.COMMANDS, "lab", lambda args: seen.setdefault("argv", args.jupyter_args) and 0)
    cli.main(["lab", "--port", "8899", "--no-browser", "--ServerApp.token=x"])
    assert seen["argv"] == ["--port", "8899", "--no-browser", "--ServerApp.token=x"]
