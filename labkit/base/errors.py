"""Errors labkit raises. Every message says what went wrong and what to do.

    LabkitError
    ├── CommandError          a command inside a node exited non-zero
    ├── EngineUnavailable     no Docker engine answers on this host
    ├── EngineError           the engine refused an operation (the message says which and why)
    ├── ApiUnanswered         no manager answered an Engine API read (a busy or electing swarm: ask again)
    ├── ImageUnavailable      an image is missing and cannot be built or pulled
    ├── InvalidInput          a bad name, count or argument (also a ValueError)
    ├── LabNotRunning         a call on a lab that is stopped or was never started
    ├── LabAlreadyStarted     start() on a Lab object that was started before
    ├── LabExists             a lab with this name already exists
    ├── LabBroken             a lab is half-built or lost nodes; the message says how to recover
    ├── NodeNotRunning        a command sent to a node that is killed, stopped or paused
    ├── SwarmFormationFailed  `docker swarm init` or `join` failed on a node
    ├── UnexpectedState       a lesson helper found the lab not as the lesson expects at that point
    ├── UnknownNode           a node name that is not in the lab or the swarm (also a KeyError)
    ├── UnknownService        a service name the swarm does not list (also a KeyError)
    └── WaitTimeout           a wait ran out; says what it waited for and what it saw last (also a TimeoutError)

    >>> try:
    ...     lab.node("worker9")
    ... except labkit.UnknownNode as exc:
    ...     print(exc)          # no node named 'worker9' in lab 'demo'; nodes are: manager1, worker1

Where labkit turns an underlying failure (a Docker API error, a failed command) into one of these, the
original is kept as `__cause__`. Users still see one line: the CLI prints `labkit: <message>`, and in
IPython/Jupyter a LabkitError shows as `<Class>: <message>`; LABKIT_DEBUG=1 shows the full traceback
with its cause in both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .i18n import tr  # a learner reads the one line in the notebook's language

__all__ = [
    "LabkitError",
    "CommandError",
    "EngineUnavailable",
    "EngineError",
    "ApiUnanswered",
    "ExecStreamBroken",
    "ImageUnavailable",
    "InvalidInput",
    "LabNotRunning",
    "LabAlreadyStarted",
    "LabExists",
    "LabBroken",
    "NodeNotRunning",
    "SwarmFormationFailed",
    "UnexpectedState",
    "UnknownNode",
    "UnknownService",
    "WaitTimeout",
    "debugging",
]


def debugging() -> bool:
    """True when LABKIT_DEBUG=1: errors show their full traceback (and cause) instead of one line."""
    return os.environ.get("LABKIT_DEBUG") == "1"


class LabkitError(Exception):
    """Base class of every error labkit raises on purpose."""

    @property
    def _render_traceback_(self) -> Callable[[], list[str]]:
        # IPython calls this hook instead of printing a traceback: a learner sees one line, as the CLI prints.
        # Under LABKIT_DEBUG=1 the hook is absent, so IPython shows the whole traceback with its cause.
        if debugging():
            raise AttributeError("_render_traceback_")
        return self._one_line

    def _one_line(self) -> list[str]:
        notes = [str(n) for n in getattr(self, "__notes__", ())]  # e.g. the start step that failed
        return f"{type(self).__name__}: {tr(str(self))}".splitlines() + notes


class CommandError(LabkitError):
    """A command run inside a node exited with a non-zero code.

    Carries the argv, exit code and both output streams so callers can add
    context ("failed to join worker2: ...") without losing the details.
    """

    def __init__(self, argv: Sequence[str], exit_code: int, stdout: str = "", stderr: str = "", node: str = ""):
        self.argv = list(argv)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.node = node
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" on {self.node}" if self.node else ""
        cmd = self.argv[-1] if self.argv[:2] == ["sh", "-c"] else " ".join(self.argv)
        output = (self.stderr.strip() or self.stdout.strip())[-1500:]
        text = f"command failed{where} (exit code {self.exit_code}): {cmd}"
        return f"{text}\n{output}" if output else text


class EngineUnavailable(LabkitError):
    """No Docker engine answers; the message says how to get one."""


class EngineError(LabkitError):
    """The Docker engine refused an operation; the message names the operation, the engine's reason and a fix."""


class ApiUnanswered(LabkitError):
    """No manager answered an Engine API read in time; usually passing (a busy host, an election): ask again."""


class ExecStreamBroken(LabkitError):
    """The engine's reply to a command in a container could not be read (its stream frames were garbled)."""


class ImageUnavailable(LabkitError):
    """An image labkit needs is missing and could not be built or pulled."""


class InvalidInput(LabkitError, ValueError):
    """A lab name, node count or argument labkit cannot accept; the message says what is allowed."""


class LabNotRunning(LabkitError):
    """The lab was stopped (or never started); start a new one."""


class LabAlreadyStarted(LabkitError):
    """`start()` was called on a Lab object that was started (or stopped) before; the message says what to call."""


class LabExists(LabkitError):
    """A lab with the requested name already exists on this engine."""


class LabBroken(LabkitError):
    """A lab that cannot be used as it is (half-built, or nodes lost); the message gives the one recovering command.

    Raised when no manager of a lab runs any more, and when a command is sent to a node whose container was
    removed behind labkit's back.
    """


class NodeNotRunning(LabkitError):
    """A command was sent to a node that is killed, stopped or paused; the message says how to bring it back."""


class SwarmFormationFailed(LabkitError):
    """`docker swarm init` or `docker swarm join` failed on a node while a lab formed or grew its swarm.

    The message carries the node's own error; the failed command (a CommandError) is the `__cause__`.
    """


class UnexpectedState(LabkitError):
    """A lesson helper (`leader()`, `task()`, `faulted()`, ...) found the lab not as the lesson expects at that
    point: no leader, no task in a slot, not exactly one faulted node. The message says what it found and how
    to get back on track."""


class _UnknownName(LabkitError, KeyError):
    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnknownNode(_UnknownName):
    """A node name that is not part of the lab (or that the swarm does not list); the message lists the valid names."""


class UnknownService(_UnknownName):
    """A service name the swarm does not list; the message lists the services it has."""


class WaitTimeout(LabkitError, TimeoutError):
    """A wait ran out of time; the message says what it waited for and what it saw last."""
