"""Placeholders for the values that change from one recording to the next: IDs, times, IP addresses, tokens.

One `Normaliser` serves one notebook, so the same real value gets the same placeholder everywhere in it (a task ID
in `docker service ps` and in a check's message), and re-recording a notebook changes only what really changed.
A placeholder has the length of the value it replaces wherever it can, so Docker's tables keep their columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import nbformat

__all__ = ["Normaliser", "normalise_outputs"]

# Swarm object IDs (nodes, services, tasks, networks, secrets) are 25 characters of [0-9a-z]; Docker tables show
# their first 12. Container and image IDs are 64 hex digits, shown as 12; a widget's model ID is 32. A short token
# counts as an ID only with a digit in it, so 12-letter words ("distribution") stay as they are. One pattern, one
# pass: a placeholder is never taken for a value again.
_IDS = re.compile(
    r"\bSWM(?P<token>TKN|KEY)-1-[0-9A-Za-z+/=-]+"
    r"|\b(?P<hex>[0-9a-f]{64}|[0-9a-f]{32})\b"
    r"|\b(?P<swarm>[0-9a-z]{25})\b"
    r"|\b(?P<short>(?=[0-9a-z]{0,11}[0-9])[0-9a-z]{12})\b"
    # ... or, without a digit, where Docker prints one: a table's first column, a progress line's "<id>: running".
    r"|^(?P<bare>[a-z]{12})(?=:| {3})",
    re.MULTILINE,
)
_TIMES = re.compile(
    r"\b(?P<date>\d{4}-\d\d-\d\d)(?P<sep>[T ])\d\d:\d\d:\d\d(?P<fraction>\.\d+)?"
    r"|(?<![\d:.])\d\d:\d\d:\d\d(?![\d:])"
)
# A relative age ("12 seconds ago", "Up 20 seconds") and an interface's peer index (eth0@if7736) keep only their shape.
_UNITS = r"(?:second|minute|hour|day|week|month)s?"
_AGO = re.compile(rf"\b(\d+)( {_UNITS} ago)\b|(?<=@if)(\d+)\b|(?<=\bUp )(\d+)(?= {_UNITS}\b)")
_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3})(\d{1,3})(?![\d.]|\.\d)")
# Addresses that mean the same everywhere (any, loopback, masks, broadcast) are left as they are.
_FIXED_IP = re.compile(r"^(0\.|127\.|255\.|224\.)")
# RFC 5737's documentation networks, then more of the same kind: plainly not a real address of the reader's.
_NETS = ["192.0.2.", "198.51.100.", "203.0.113."] + [f"192.0.{n}." for n in range(3, 250)]


class Normaliser:
    """Replaces IDs, timestamps, clock times, relative ages, join tokens and IPv4 addresses with placeholders.

    Placeholders are given in order of first appearance, and a mapping, once made, is kept for the notebook.
    """

    def __init__(self) -> None:
        self._map: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._nets: dict[str, str] = {}

    def _next(self, kind: str) -> int:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return self._counts[kind]

    def _once(self, real: str, make: Callable[[], str]) -> str:
        if real not in self._map:
            self._map[real] = make()
        return self._map[real]

    def text(self, text: str) -> str:
        """The text with every changing value replaced by its placeholder."""
        text = _IDS.sub(self._id, text)
        text = _TIMES.sub(self._time, text)
        text = _AGO.sub(lambda m: "N" * len(m[1]) + m[2] if m[1] else "N" * len(m[3] or m[4]), text)
        return _IPV4.sub(self._ip, text)

    def _id(self, m: re.Match[str]) -> str:
        real = m[0]
        if m["token"]:
            return self._once(real, lambda: f"SWM{m['token']}-1-{'x' * 8}{self._next('token')}")
        if m["short"] or m["bare"]:
            return self._once(real, lambda: _padded(f"id{self._next('id')}", 12))
        made = self._once(real, lambda: _padded(f"{'hex' if m['hex'] else 'id'}{self._next('id')}", len(real)))
        # The 12-character form of an ID maps to the start of the ID's placeholder, as Docker truncates it.
        self._map.setdefault(real[:12], made[:12])
        return made

    def _time(self, m: re.Match[str]) -> str:
        def make() -> str:
            clock = _hms(self._next("time"))
            if not m["date"]:
                return clock
            fraction = "." + "0" * (len(m["fraction"]) - 1) if m["fraction"] else ""
            return f"2000-01-01{m['sep']}{clock}{fraction}"

        return self._once(m[0], make)

    def _ip(self, m: re.Match[str]) -> str:
        real = m[0]
        if _FIXED_IP.match(real) or any(int(part) > 255 for part in real.split(".")):
            return real
        # A network keeps its hosts together: 10.0.1.5 and 10.0.1.6 become two hosts of one placeholder network.
        net = self._nets.setdefault(m[1], _NETS[min(len(self._nets), len(_NETS) - 1)])
        return net + m[2]


def _padded(stem: str, width: int) -> str:
    return (stem + "x" * width)[:width]


def _hms(n: int) -> str:
    return f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def _walk(value: Any, fix: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, list):
        return [_walk(v, fix) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, fix) for k, v in value.items()}
    return value


def normalise_outputs(nb: Any, normaliser: Normaliser | None = None) -> Any:
    """Normalise every output of a notebook (text, HTML, SVG, JSON alike) in place, with one mapping; returns it.

    Sources are left alone: they are the course's code, byte for byte.
    """
    normaliser = normaliser or Normaliser()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(_walk(output, normaliser.text)) for output in cell.outputs]
    return nb
