"""What the Docker engine's errors mean: its error texts are read here and nowhere else.

The engine reports most refusals as an HTTP status plus an English sentence;
`reason()` turns one into a short, stable word the rest of labkit branches on,
and `engine_error()` turns one into an EngineError a learner can act on.
"""

from __future__ import annotations

from collections.abc import Callable

import docker.errors

from ..base.errors import EngineError

__all__ = ["reason", "engine_error", "removed", "REASONS"]

# (reason, texts that identify it): checked in order, first match wins.
_TEXTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("paused", ("is paused",)),
    ("not-running", ("is not running", "is restarting")),
    ("name-in-use", ("is already in use by container",)),
    ("network-exists", ("network with name",)),
    ("subnet-overlap", ("pool overlaps", "overlaps with")),
    ("already-connected", ("already exists in network", "endpoint with name")),
    ("not-connected", ("is not connected",)),
    ("cap-unsupported", ("capability not supported", "invalid capdrop", "invalid capadd")),
    ("privileged-refused", ("unable to apply caps", "operation not permitted")),
    ("in-use", ("volume is in use", "has active endpoints", "resource is still in use")),
    ("in-progress", ("already in progress", "marked for removal")),
    ("ambiguous", ("is ambiguous",)),
)
REASONS = ("not-found",) + tuple(r for r, _ in _TEXTS) + ("other",)

_FIXES = {
    "name-in-use": "another container already has that name; remove it or use another lab name",
    "subnet-overlap": "every 172.31.x.0/24 subnet is taken; remove old labs with `labkit down --all`",
    "privileged-refused": "this engine refuses --privileged; labkit measures that itself (`labkit doctor`)",
    "in-use": "something still uses it; retry, or remove the lab with `labkit down NAME`",
}


def reason(exc: BaseException) -> str:
    """One of REASONS for a docker-py error ("not-found", "name-in-use", "paused", ..., else "other")."""
    if isinstance(exc, docker.errors.NotFound):
        text = str(exc).lower()
        # Some refusals come back as 404 too (exec into a paused/stopped container on old engines).
        for name, texts in _TEXTS[:2]:
            if any(t in text for t in texts):
                return name
        return "not-found"
    text = str(exc).lower()
    for name, texts in _TEXTS:
        if any(t in text for t in texts):
            return name
    return "other"


def engine_error(doing: str, exc: BaseException) -> EngineError:
    """An EngineError for a failed operation: `failed to <doing>: <engine's words>` plus the fix if one is known."""
    words = getattr(exc, "explanation", None) or str(exc)
    text = f"failed to {doing}: {str(words).strip()[:400]}"
    fix = _FIXES.get(reason(exc))
    return EngineError(f"{text}\nFix: {fix}" if fix else text)


def removed(remove: Callable[[], object]) -> bool:
    """Run a removal: True if it removed something, False if it was already gone (or another process is on it)."""
    try:
        remove()
        return True
    except docker.errors.APIError as exc:
        if reason(exc) in ("not-found", "in-progress"):
            return False
        raise
