"""HTTP requests from inside the lab network to any node:port.

Requests are sent by curl from another node, so they work where container IPs
are not reachable from the host (Docker Desktop) and they enter the target node
exactly as external traffic would, through its published port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..base.errors import InvalidInput
from .context import LabState
from .node import Node
from .snapshot import lab_faults

__all__ = ["HttpReply", "http_requests"]

_SEP = "@@labkit-http@@"


@dataclass(frozen=True)
class HttpReply:
    """One request's outcome: status and body, or the error curl reported."""

    node: str  # the node the request was sent to
    port: int
    ok: bool
    status: int | None
    body: str
    error: str = ""

    @property
    def served_by(self) -> str | None:
        """The container hostname that answered, if the body says (labkit/whoami does: `hostname: ...`)."""
        m = re.search(r"^hostname:\s*(\S+)", self.body, re.M)
        return m.group(1) if m else None


# $1 URL, $2 request count, $3 timeout; per-call temporary files: several panels may send through one node at once.
_SCRIPT = (
    'd=$(mktemp -d); i=0; while [ "$i" -lt "$2" ]; do i=$((i+1)); '
    'curl -sS -m "$3" -o "$d/body" -w "%{http_code}" "$1" 2>"$d/err"; '
    'echo " rc=$?"; cat "$d/body" 2>/dev/null; rm -f "$d/body"; '
    f'cat "$d/err"; echo {_SEP}; done; rm -rf "$d"'
)


def http_requests(
    state: LabState, node: str, port: int, path: str = "/", count: int = 1, timeout: float = 2.0
) -> list[HttpReply]:
    """Send `count` GET requests to node:port from a healthy node other than the target (if any); InvalidInput for
    a port, count or path that is not one (checked before anything runs)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"port must be an integer from 1 to 65535 (got {port!r})")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
        raise InvalidInput(f"count must be an integer from 1 to 1000 (got {count!r})")
    if not isinstance(path, str) or not path.startswith("/") or any(c.isspace() for c in path):
        raise InvalidInput(f"path must start with '/' and contain no spaces (got {path!r})")
    target = Node(state, node)
    faults = lab_faults(state)
    sender = next((Node(state, h) for h in state.nodes if h != node and not faults.get(h)), target)
    url = f"http://{target.ip}:{int(port)}{path}"
    out = sender.exec(["sh", "-c", _SCRIPT, "sh", url, str(int(count)), f"{float(timeout):g}"], check=False).stdout
    replies = []
    for chunk in out.split(_SEP)[:count]:
        lines = chunk.strip("\n").split("\n")
        code = lines[0].split()[0] if lines and lines[0].split() else ""  # "<http code> rc=<curl exit>"
        rest = "\n".join(lines[1:])
        status = int(code) if code.isdigit() and code != "000" else None
        if status is None:
            replies.append(HttpReply(node, port, False, None, "", error=rest.strip() or "no answer"))
        else:
            replies.append(HttpReply(node, port, 200 <= status < 400, status, rest))
    return replies
