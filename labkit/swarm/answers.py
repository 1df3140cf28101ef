"""Reading a manager's Engine API in one exec, and what its answer means (pure).

The nested engines listen on their unix socket only, so Engine API lists are
fetched with curl inside a manager, several in one exec (read_script), and
read back with parse_lists. The snapshot's script stops at the first failure:
after quorum is lost each request would otherwise wait for its timeout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "API_VERSION",
    "SNAPSHOT_SCRIPT",
    "read_script",
    "parse_lists",
    "Answer",
    "parse_answer",
    "NO_LEADER",
    "NOT_A_MANAGER",
    "instant",
]

API_VERSION = "v1.41"  # understood by Docker 20.10 and every later engine
SEPARATOR = "@@labkit@@"
NO_LEADER = "does not have a leader"
NOT_A_MANAGER = "not a swarm manager"
LISTS = ("nodes", "services", "tasks")


def read_script(timeout: int, stop_at_failure: bool, paths: Sequence[str] = ()) -> str:
    """A shell script that GETs each Engine API path (`paths`, else its arguments "$@") with curl, printing each
    body and HTTP code followed by SEPARATOR; parse_lists reads what it printed."""
    words = " ".join(paths) if paths else '"$@"'
    stop = ' case "$r" in *200) ;; *) break ;; esac;' if stop_at_failure else ""
    return (
        f"for p in {words}; do "
        f"r=$(curl -sS -m {timeout} --unix-socket /var/run/docker.sock -w '\\n%{{http_code}}' "
        f"http://d/{API_VERSION}/$p 2>&1); "
        f"printf '%s\\n{SEPARATOR}\\n' \"$r\";{stop} done"
    )


SNAPSHOT_SCRIPT = read_script(3, stop_at_failure=True, paths=LISTS)


@dataclass(frozen=True)
class Answer:
    """One manager's answer: the three Engine API lists, or why there are none."""

    host: str
    payloads: dict[str, list[dict[str, Any]]] | None = None
    error: str | None = None

    @property
    def no_leader(self) -> bool:
        """The manager says the swarm has no leader (quorum lost, or an election that cannot finish)."""
        return bool(self.error and NO_LEADER in self.error)

    @property
    def timed_out(self) -> bool:
        """The manager did not answer in time: it forwards reads to a leader that is gone or unreachable."""
        return bool(self.error and ("timed out" in self.error or self.error.startswith("HTTP 000")))


def parse_lists(paths: Sequence[str], stdout: str) -> tuple[dict[str, Any], str | None]:
    """What a read_script printed: ({path: decoded JSON}, None) if every path answered, else what was read before
    the first failure and that failure in the engine's words ("" when the output stopped short)."""
    payloads: dict[str, Any] = {}
    for path, chunk in zip(paths, stdout.split(SEPARATOR), strict=False):  # output may stop short
        body, _, code = chunk.strip().rpartition("\n")
        if code != "200":
            return payloads, _api_message(body) or f"HTTP {code or '?'} from /{path}"
        if not body.strip():
            return payloads, f"empty answer from /{path}"
        try:
            payloads[path] = json.loads(body)
        except ValueError:
            return payloads, f"unreadable answer from /{path}: {body[-200:]!r}"
    return payloads, (None if len(payloads) == len(paths) else "")


def parse_answer(host: str, exit_code: int | None, stdout: str, exec_error: str = "") -> Answer:
    """What a run of SNAPSHOT_SCRIPT in `host` produced: payloads, or an error in the engine's words."""
    if exec_error:
        return Answer(host, error=f"cannot run commands in it ({exec_error.strip().splitlines()[0][:200]})")
    payloads, error = parse_lists(LISTS, stdout)
    if error is not None:
        return Answer(host, error=error or f"unexpected answer (exit {exit_code}): {stdout[-300:]!r}")
    return Answer(host, payloads=payloads)


def _api_message(body: str) -> str:
    try:
        return str(json.loads(body).get("message", "")).strip()
    except (ValueError, AttributeError):
        return body.strip()[-300:]


def instant(stamp: str) -> float | None:
    """Seconds since the epoch of an Engine API timestamp (nanoseconds cut to microseconds); None if there is none."""
    head, _, frac = stamp.rstrip("Z").partition(".")
    try:
        return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00").timestamp()
    except ValueError:
        return None
