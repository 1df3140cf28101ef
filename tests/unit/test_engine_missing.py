"""Without a reachable engine every entry point says how to get one, and creates nothing."""

import os
import subprocess
import sys

import pytest

import labkit


def run_cli(*args):
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/labkit-test.sock"}
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("args", [["status"], ["up", "--name", "nope"], ["down", "--all"], ["images", "ls"]])
def test_cli_reports_the_missing_engine_with_the_fix(args):
    res = run_cli(*args)
    assert res.returncode == 1
    assert "no Docker engine answers" in res.stderr and "Docker Desktop" in res.stderr
    assert "Traceback" not in res.stderr


def test_lab_start_raises_engine_unavailable(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/labkit-test.sock")
    from labkit.host import engine as _engine

    _engine.client.cache_clear()
    try:
        with pytest.raises(labkit.EngineUnavailable, match="labkit doctor"):
            labkit.Lab(name="no-engine", quiet=True).start()
    finally:
        _engine.client.cache_clear()
