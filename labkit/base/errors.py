"""Errors labkit raises. Every message says what went wrong and what to do.

    LabkitError
    ├── CommandError        a command inside a node exited non-zero
    ├── EngineUnavailable   no Docker engine answers on this host
    ├── EngineError         the engine refused an operation (the message says which and why)
    ├── ApiUnanswered       no manager answered an Engine API read (a busy or electing swarm: ask again)
    ├── ImageUnavailable    an image is missing and cannot be built or pulled
    ├── InvalidInput        a bad name, count or argument (also a ValueError)
    ├── LabNotRunning       a call on a lab that is stopped or was never started
    ├── LabExists           a lab with this name already exists
    ├── LabBroken           a lab is half-built or lost nodes; the message says how to recover
    ├── UnknownNode         a node name that is not in the lab (also a KeyError)
    └── WaitTimeout         a wait ran out; says what it waited for and what it saw last (also a TimeoutError)

    >>> try:
    ...     lab.node("worker9")
    ... except labkit.UnknownNode as exc:
    ...     print(exc)          # no node named 'worker9' in lab 'demo'; nodes are: manager1, worker1
"""

from __future__ import annotations

from typing import Sequence

__all__ = [
    "LabkitError", "CommandError", "EngineUnavailable", "EngineError", "ApiUnanswered", "ImageUnavailable", "InvalidInput",
    "LabNotRunning", "LabExists", "LabBroken", "UnknownNode", "WaitTimeout",
]


class LabkitError(Exception):
    """Base class of every error labkit raises on purpose."""


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


class ImageUnavailable(LabkitError):
    """An image labkit needs is missing and could not be built or pulled."""


class InvalidInput(LabkitError, ValueError):
    """A lab name, node count or argument labkit cannot accept; the message says what is allowed."""


class LabNotRunning(LabkitError):
    """The lab was stopped (or never started); start a new one."""


class LabExists(LabkitError):
    """A lab with the requested name already exists on this engine."""


class LabBroken(LabkitError):
    """A lab that cannot be used as it is (half-built, or nodes lost); the message gives the one recovering command."""


class UnknownNode(LabkitError, KeyError):
    """A node name that is not part of the lab; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class WaitTimeout(LabkitError, TimeoutError):
    """A wait ran out of time; the message says what it waited for and what it saw last."""
