"""Run commands inside containers: the one helper every other module uses.

Built on the low-level exec API (exec_create / exec_start / exec_inspect)
because docker-py's exec_run reports no exit code when streaming.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import docker.errors

from ..base.errors import CommandError, ExecStreamBroken
from .api_errors import reason
from .engine import client
from .exec_frames import exec_frames

__all__ = ["CommandResult", "ContainerNotRunning", "run_in_container", "LineSink", "RawSink"]


@dataclass(frozen=True)
class CommandResult:
    """What a command printed and how it exited."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    node: str = ""

    @property
    def ok(self) -> bool:
        """True if the command exited 0."""
        return self.exit_code == 0

    def __str__(self) -> str:
        return self.stdout

    def _repr_pretty_(self, p, cycle):  # IPython shows the output, not a dataclass dump
        p.text(self.stdout + (self.stderr if self.stderr else ""))


class ContainerNotRunning(Exception):
    """The container cannot run commands now; `state` is "paused", "not-running" or "not-found"."""

    def __init__(self, state: str, detail: str):
        self.state = state
        super().__init__(detail)


class LineSink:
    """Pass streamed output on a line at a time.

    Programs like curl write stderr byte by byte; forwarding each chunk would
    become hundreds of separate notebook output messages.
    """

    def __init__(self, sink: IO[str]):
        self.sink = sink
        self.pending = ""

    def write(self, text: str) -> None:
        """Queue text; pass on every complete line (or 4 KiB without a newline)."""
        self.pending += text
        cut = self.pending.rfind("\n") + 1
        if cut == 0 and len(self.pending) < 4096:
            return
        cut = cut or len(self.pending)
        self.sink.write(self.pending[:cut])
        self.sink.flush()
        self.pending = self.pending[cut:]

    def close(self) -> None:
        """Pass on what is left (a last line without a newline)."""
        if self.pending:
            self.sink.write(self.pending)
            self.pending = ""
        self.sink.flush()


class RawSink(LineSink):
    """Pass output on as it comes, for a terminal: redraws (cursor moves, `\\r`) need no line end."""

    def write(self, text: str) -> None:
        """Write and flush at once."""
        self.sink.write(text)
        self.sink.flush()


def _sink(out: IO[str], tty: bool) -> LineSink:
    return RawSink(out) if tty else LineSink(out)


def _fit_window(api: Any, exec_id: str, window: tuple[int, int] | None) -> None:
    """Size the command's terminal like ours, or (rows, columns) if given (docker exec -t sizes it after the start)."""
    try:
        if window is None:
            size = os.get_terminal_size(sys.stdout.fileno())
            window = size.lines, size.columns
        api.exec_resize(exec_id, height=window[0], width=window[1])
    except Exception:  # no local size, or the command ended already: the engine's default size serves
        pass


def run_in_container(
    container: str,
    argv: Sequence[str],
    *,
    node: str = "",
    check: bool = True,
    stream: bool | IO[str] = False,
    env: dict[str, str] | None = None,
    workdir: str | None = None,
    tty: bool = False,
    window: tuple[int, int] | None = None,
) -> CommandResult:
    """Run argv in a container (by name or id); stream output live if asked; CommandError on failure if check.

    tty=True gives the command a terminal of this one's size, as `docker exec -t` does: its output (stdout
    and stderr in one, as on any terminal) is passed on as it comes, so progress displays redraw in place;
    window=(rows, columns) sizes that terminal instead (for output rendered elsewhere, e.g. in a notebook cell).
    ContainerNotRunning if the container is paused, stopped or gone (the
    caller knows what that means for a node).
    """
    api = client().api
    try:
        exec_id = api.exec_create(
            container, list(argv), stdout=True, stderr=True, environment=env, workdir=workdir, tty=tty
        )["Id"]
    except docker.errors.APIError as exc:
        why = reason(exc)
        if why in ("paused", "not-running", "not-found"):
            raise ContainerNotRunning(why, str(exc)) from None
        raise
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    out_sink = _sink(sys.stdout if stream is True else stream, tty) if stream else None
    err_sink = LineSink(sys.stderr if stream is True else stream) if stream else None
    # A frame may end inside a multi-byte character (a terminal's output is cut anywhere): decode across frames.
    out_text, err_text = (codecs.getincrementaldecoder("utf-8")("replace") for _ in range(2))
    response = None
    try:
        frames, response = exec_frames(api, exec_id, tty)
        if tty:
            _fit_window(api, exec_id, window)
        try:
            for out, err in frames:
                if out:
                    text = out_text.decode(out)
                    out_chunks.append(text)
                    if out_sink:
                        out_sink.write(text)
                if err:
                    text = err_text.decode(err)
                    err_chunks.append(text)
                    if err_sink:
                        err_sink.write(text)
        except ValueError as exc:  # a byte that is no frame header: the stream is garbled
            raise ExecStreamBroken(
                f"the engine's reply to `{argv[0]}` in {container} could not be read ({exc}); run it again"
            ) from exc
    finally:  # a last partial line is shown even after Ctrl-C
        for sink in (out_sink, err_sink):
            if sink:
                sink.close()
        if response is not None:
            response.close()
    exit_code = api.exec_inspect(exec_id).get("ExitCode")
    result = CommandResult(
        tuple(argv), -1 if exit_code is None else exit_code, "".join(out_chunks), "".join(err_chunks), node
    )
    if check and result.exit_code != 0:
        raise CommandError(result.argv, result.exit_code, result.stdout, result.stderr, node=node)
    return result
