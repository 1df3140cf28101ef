"""A garbled exec stream is a clear labkit error, and a snapshot read treats it as a manager that did not answer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from labkit.base.errors import ExecStreamBroken
from labkit.host import exec as host_exec
from labkit.swarm import snapshot


class GarbledApi:
    """An engine whose exec stream breaks: a byte that is no frame header."""

    def exec_create(self, container, argv, **options):
        return {"Id": "e1"}

    def exec_start(self, exec_id, **options):
        def frames():
            yield b'{"ID":"x"', None
            raise ValueError("107 is not a valid stream")

        return frames()

    def exec_inspect(self, exec_id):
        return {"ExitCode": 0}


@pytest.fixture
def garbled(monkeypatch):
    monkeypatch.setattr(host_exec, "client", lambda: SimpleNamespace(api=GarbledApi()))
    # The fake engine hands out frames already parsed (labkit/host/exec_frames.py parses real ones).
    monkeypatch.setattr(host_exec, "exec_frames", lambda api, exec_id, tty: (api.exec_start(exec_id), None))


def test_a_garbled_stream_raises_exec_stream_broken_with_the_cause(garbled):
    with pytest.raises(ExecStreamBroken, match="could not be read .*107 is not a valid stream.*run it again") as info:
        host_exec.run_in_container("lab-manager1", ["sh", "-c", "true"])
    assert isinstance(info.value.__cause__, ValueError)


def test_a_snapshot_read_counts_a_garbled_reply_as_no_answer(garbled, monkeypatch):
    state = SimpleNamespace(container_of=lambda host: f"lab-{host}")
    monkeypatch.setattr(snapshot, "run_in_container", host_exec.run_in_container)
    answer = snapshot.ask_manager(state, "manager1")
    assert answer.payloads is None
    assert "could not be read" in (answer.error or "")
