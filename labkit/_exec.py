"""Run commands inside node containers: the one helper every other module uses.

Built on the low-level exec API (exec_create / exec_start / exec_inspect)
because docker-py's exec_run reports no exit code when streaming.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, Sequence

from ._engine import client
from ._errors import CommandError

__all__ = ["CommandResult", "run_in_container"]


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


def run_in_container(
    container_id: str,
    argv: Sequence[str],
    *,
    node: str = "",
    check: bool = True,
    stream: bool | IO[str] = False,
    env: dict[str, str] | None = None,
    workdir: str | None = None,
) -> CommandResult:
    """Run argv in a container; stream output live if asked; raise CommandError on failure if check."""
    api = client().api
    exec_id = api.exec_create(container_id, list(argv), stdout=True, stderr=True, environment=env,
                              workdir=workdir)["Id"]
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    out_sink = (sys.stdout if stream is True else stream) if stream else None
    err_sink = (sys.stderr if stream is True else stream) if stream else None
    for out, err in api.exec_start(exec_id, stream=True, demux=True):
        if out:
            text = out.decode("utf-8", "replace")
            out_chunks.append(text)
            if out_sink:
                out_sink.write(text)
                out_sink.flush()
        if err:
            text = err.decode("utf-8", "replace")
            err_chunks.append(text)
            if err_sink:
                err_sink.write(text)
                err_sink.flush()
    exit_code = api.exec_inspect(exec_id).get("ExitCode")
    result = CommandResult(tuple(argv), -1 if exit_code is None else exit_code, "".join(out_chunks),
                           "".join(err_chunks), node)
    if check and result.exit_code != 0:
        raise CommandError(result.argv, result.exit_code, result.stdout, result.stderr, node=node)
    return result
