"""run_in_container on a terminal, against a fake Engine API (no engine): the window a caller asks for, and output
cut inside a multi-byte character."""

from __future__ import annotations

import io

from labkit.host import exec as host_exec


class Api:
    """The exec calls of docker-py's APIClient that run_in_container makes, answering with given frames."""

    def __init__(self, frames: list[tuple[bytes | None, bytes | None]]):
        self.frames, self.resized, self.created = frames, [], {}

    def exec_create(self, container, argv, **kwargs):
        self.created = kwargs
        return {"Id": "e1"}

    def exec_start(self, exec_id, tty):
        return iter(self.frames)

    def exec_resize(self, exec_id, height, width):
        self.resized.append((height, width))

    def exec_inspect(self, exec_id):
        return {"ExitCode": 3}


def run(monkeypatch, api: Api, **kwargs) -> tuple[host_exec.CommandResult, str]:
    monkeypatch.setattr(host_exec, "client", lambda: type("Client", (), {"api": api})())
    # The fake engine hands out frames already parsed (labkit/host/exec_frames.py parses real ones).
    monkeypatch.setattr(host_exec, "exec_frames", lambda api, exec_id, tty: (api.exec_start(exec_id, tty), None))
    out = io.StringIO()
    result = host_exec.run_in_container("c", ["sh", "-c", "x"], check=False, stream=out, tty=True, **kwargs)
    return result, out.getvalue()


def test_the_terminal_gets_the_window_asked_for(monkeypatch):
    api = Api([(b"ok\r\n", None)])
    result, shown = run(monkeypatch, api, window=(50, 200))
    assert api.created["tty"] is True and api.resized == [(50, 200)]
    assert (result.exit_code, result.stdout, shown) == (3, "ok\r\n", "ok\r\n")


def test_a_character_cut_between_frames_arrives_whole(monkeypatch):
    word = "überall ✓\r\n".encode()
    api = Api([(word[:1], None), (word[1:10], None), (word[10:], None)])  # cuts inside ü and inside ✓
    result, shown = run(monkeypatch, api, window=(50, 200))
    assert result.stdout == shown == "überall ✓\r\n"
