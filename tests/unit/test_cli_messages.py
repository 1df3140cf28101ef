"""What a new user reads from the `labkit` command before any lab exists: help, version, warnings, messages."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings

import pytest

from labkit.base.facts import cli_lab_exists, cli_warning, even_managers_warning, no_engine, no_lab
from labkit.front import cli
from labkit.front.cli_args import COMMANDS, build_parser, version
from labkit.front.commands import wants_tty


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def help_of(*words: str) -> str:
    out = io.StringIO()
    with pytest.raises(SystemExit) as done, contextlib.redirect_stdout(out):
        build_parser().parse_args([*words, "--help"])
    assert done.value.code == 0
    return out.getvalue()


def test_plain_labkit_prints_the_command_summary_and_exits_0():
    res = run()
    assert res.returncode == 0 and res.stderr == ""
    assert "the following arguments are required" not in res.stdout
    for name in ("up", "status", "exec", "shell", "down", "doctor", "images", "progress", "lab"):
        assert f"\n    {name} " in res.stdout, name
    assert "labkit exec demo manager1 -- docker node ls" in res.stdout  # examples, as kind and docker show them


def test_version_is_the_installed_one():
    res = run("--version")
    assert res.returncode == 0 and res.stdout == f"labkit {version()}\n"
    assert version()[0].isdigit()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_description_examples_and_help_for_each_option(command):
    text = help_of(command)
    assert COMMANDS[command][1].splitlines()[0] in text and "examples:\n  labkit " + command in text
    parser = build_parser()
    sub = next(a for a in parser._actions if a.nargs == "A...")
    for action in sub.choices[command]._actions:
        assert action.help, f"labkit {command}: {action.option_strings or action.dest} has no help text"


def test_up_help_shows_the_defaults():
    text = help_of("up")
    assert "(default: 1)" in text and "(default: 2)" in text and "generated name" in text and "--replace" in text
    assert "(default: list every lab)" in help_of("status")
    assert "--all" in help_of("down") and "NAME ..." in help_of("down")


def test_the_documented_commands_parse():
    p = build_parser()
    up = p.parse_args(["up", "--name", "demo", "--managers", "3", "--workers", "3", "--replace"])
    assert (up.name, up.managers, up.workers, up.replace) == ("demo", 3, 3, True)
    default = p.parse_args(["up"])
    assert (default.name, default.managers, default.workers, default.replace) == (None, 1, 2, False)
    assert p.parse_args(["down", "a", "b"]).names == ["a", "b"]


def test_an_even_number_of_managers_is_one_clean_warning_line(capsys):
    with warnings.catch_warnings():
        warnings.showwarning = cli._show_warning
        warnings.warn(even_managers_warning(2), stacklevel=1)
    err = capsys.readouterr().err
    assert err == f"labkit: warning: {even_managers_warning(2)}\n"
    assert ".py" not in err and "UserWarning" not in err


def test_up_with_even_managers_warns_in_one_line_before_asking_the_engine():
    res = run("up", "--name", "even", "--managers", "2", env={"DOCKER_HOST": "unix:///nonexistent/labkit.sock"})
    lines = res.stderr.splitlines()
    assert lines[0] == cli_warning(even_managers_warning(2))
    assert "UserWarning" not in res.stderr and "warnings.warn" not in res.stderr
    assert lines[1].startswith("labkit: no Docker engine answers at unix:///nonexistent/labkit.sock (from DOCKER_HOST)")


def test_a_wrong_docker_host_is_named():
    res = run("status", env={"DOCKER_HOST": "tcp://127.0.0.1:9"})
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "no Docker engine answers at tcp://127.0.0.1:9 (from DOCKER_HOST)" in res.stderr
    assert no_engine("unix:///var/run/docker.sock", False).endswith("(the default; set DOCKER_HOST for another engine)")


def test_no_lab_suggests_the_closest_name():
    assert no_lab("nc-typo", ["nc-demo", "nb04"]) == (
        "no lab named 'nc-typo' on this engine; did you mean 'nc-demo'? (see `labkit status`)"
    )
    assert no_lab("zzz", ["nc-demo"]) == "no lab named 'zzz' on this engine (see `labkit status`)"
    assert no_lab("demo") == "no lab named 'demo' on this engine (see `labkit status`)"


def test_a_taken_name_gets_the_cli_ways_out():
    text = cli_lab_exists("demo")
    assert "labkit down demo" in text and "labkit up --name demo --replace" in text
    assert "Lab.attach" not in text and "replace=True" not in text


def test_exec_gets_a_terminal_only_when_labkits_output_is_one(tmp_path):
    leader, follower = os.openpty()
    with open(follower, "w", closefd=True) as terminal, open(tmp_path / "out.txt", "w") as file:
        assert wants_tty(terminal) is True
        assert wants_tty(file) is False
    os.close(leader)
    read_end, write_end = os.pipe()
    with open(read_end) as _, open(write_end, "w") as pipe:
        assert wants_tty(pipe) is False
    closed = io.StringIO()
    closed.close()
    assert wants_tty(closed) is False


def test_quick_commands_import_only_what_they_need():
    code = (
        "import sys\nfrom labkit.front import cli\ntry:\n    cli.main({argv})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('docker', 'labkit.front.lab', 'labkit.swarm.steps', 'labkit.course', 'ipywidgets', "
        "'IPython', 'anywidget', 'labkit.widgets') if m in sys.modules]; print(heavy, file=sys.stderr)"
    )
    for argv in (["--help"], ["up", "--help"], ["--version"], []):
        res = subprocess.run([sys.executable, "-c", code.format(argv=argv)], capture_output=True, text=True, timeout=60)
        assert res.stderr.strip().splitlines()[-1] == "[]", (argv, res.stderr)
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/labkit.sock"}
    for argv in (["status"], ["down", "x"]):
        res = subprocess.run(
            [sys.executable, "-c", code.format(argv=argv)], capture_output=True, text=True, timeout=60, env=env
        )
        assert res.stderr.strip().splitlines()[-1] == "['docker']", (argv, res.stderr)
