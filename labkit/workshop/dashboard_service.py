"""The instructor dashboard: a JupyterHub service (a small tornado app) showing every learner's progress.

Served through the hub's proxy at /services/labkit-dashboard/, for the instructor only: JupyterHub's OAuth names
the user, and the service lets in only a user whose token carries `access:services!service=labkit-dashboard`,
which admins have and learners do not (JupyterHub's `user` role is `self` only). `GET /` is the page, rendered
with the current table, which then refreshes itself every few seconds from `GET data.json` (same check; 403,
never a redirect, for anyone else). Everything shown comes from files the learners write, so it is escaped on
the server and set as text in the browser, and the page's Content-Security-Policy runs no script but its own.

Where the records are (`--homes DIR`, a directory per learner, or `--docker-homes`, the room's home volumes on
this server) is read again at every refresh, so a learner added or reset shows up by themselves.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import os
import secrets
import signal
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from tornado.ioloop import IOLoop
from tornado.web import Application, HTTPError, RequestHandler, authenticated

from .dashboard import SERVICE_NAME, STUCK_AFTER, as_json, homes_in, room_view, service_spec

__all__ = ["render_page", "make_app", "docker_homes", "service_spec", "main", "NAME", "REFRESH_SECONDS"]

NAME = SERVICE_NAME  # the service's name: its URL is /services/labkit-dashboard/
REFRESH_SECONDS = 5
Sources = Callable[[], Mapping[str, Path]]
_COLUMNS = ("Learner", "Exercise now", "Passed", "Hints", f"Stuck (> {STUCK_AFTER.seconds // 60} min)", "Last seen")
_STYLE = """body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
tr.stuck td{background:#fde2e1}tr.stuck td:nth-child(5){font-weight:bold;color:#a40000}#summary{color:#555}"""
# The browser half of `_cells`: the same cells from the same JSON, set as text (never parsed as HTML).
_SCRIPT = """const DATA = %s, XSRF = %s, EVERY = %d;
function cells(l) {
  const passed = l.passed.length ? l.passed.length + ": " + l.passed.join(", ") : "0";
  const stuck = l.stuck.length ? l.stuck.map(s => s.exercise + " (" + s.minutes + " min)").join(", ") : "—";
  const now = l.problem ? "⚠ " + l.problem : (l.current || "—");
  const seen = l.last_activity ? l.last_activity.slice(11, 16) + " UTC" : "—";
  return [l.learner, now, passed, String(l.hints), stuck, seen];
}
function summary(d) {
  const stuck = d.learners.filter(l => l.stuck.length).length;
  return d.learners.length + " learners · " + stuck + " stuck · updated " + d.now.slice(11, 19) + " UTC";
}
async function refresh() {
  const note = document.getElementById("summary");
  try {
    const r = await fetch(DATA, {credentials: "same-origin", cache: "no-store", headers: {"X-XSRFToken": XSRF}});
    if (!r.ok) throw new Error("HTTP " + r.status + (r.status === 403 ? ": log in again as the instructor" : ""));
    const d = await r.json();
    const rows = d.learners.map(l => {
      const tr = document.createElement("tr");
      tr.dataset.learner = l.learner;
      if (l.stuck.length) tr.className = "stuck";
      for (const text of cells(l)) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
      return tr;
    });
    document.querySelector("#learners tbody").replaceChildren(...rows);
    note.textContent = summary(d);
  } catch (e) { note.textContent = "refresh failed (" + e.message + "); retrying"; }
}
setInterval(refresh, EVERY);"""


def _cells(learner: Mapping[str, Any]) -> list[str]:
    """One row's cell texts (the server half of the page script's `cells`)."""
    passed = f"{len(learner['passed'])}: {', '.join(learner['passed'])}" if learner["passed"] else "0"
    stuck = ", ".join(f"{s['exercise']} ({s['minutes']} min)" for s in learner["stuck"]) or "—"
    current = f"⚠ {learner['problem']}" if learner["problem"] else (learner["current"] or "—")
    seen = f"{learner['last_activity'][11:16]} UTC" if learner["last_activity"] else "—"
    return [learner["learner"], current, passed, str(learner["hints"]), stuck, seen]


def render_page(
    data: Mapping[str, Any], data_url: str, nonce: str, xsrf: str = "", refresh_seconds: int = REFRESH_SECONDS
) -> str:
    """The whole page for `dashboard.as_json(...)` data: the table now, and the script that keeps it current.
    `xsrf`: the token the script's requests carry (JupyterHub refuses a cookie-authenticated fetch without it)."""
    rows = []
    for learner in data["learners"]:
        cls = ' class="stuck"' if learner["stuck"] else ""
        tds = "".join(f"<td>{html.escape(text)}</td>" for text in _cells(learner))
        rows.append(f'<tr data-learner="{html.escape(learner["learner"], quote=True)}"{cls}>{tds}</tr>')
    stuck = sum(1 for learner in data["learners"] if learner["stuck"])
    summary = f"{len(data['learners'])} learners · {stuck} stuck · updated {data['now'][11:19]} UTC"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
    # json.dumps of a str is a valid JS string literal; "</" is escaped so it cannot end the script element.
    script = _SCRIPT % (*(json.dumps(v).replace("</", "<\\/") for v in (data_url, xsrf)), refresh_seconds * 1000)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>labkit workshop: dashboard</title>'
        f'<style nonce="{nonce}">{_STYLE}</style></head>\n<body><h1>Who is where</h1>'
        f'<p id="summary">{html.escape(summary)}</p>\n<table id="learners"><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + f'\n</tbody></table>\n<script nonce="{nonce}">\n{script}\n</script></body></html>\n'
    )


class _Handler(HubOAuthenticated, RequestHandler):
    """Shared: where the records are, the clock, and the headers every answer carries."""

    def initialize(self, sources: Sources, prefix: str, clock: Callable[[], datetime]) -> None:
        """Tornado passes the app's settings for this route."""
        self.sources, self.prefix, self.clock = sources, prefix, clock

    def set_default_headers(self) -> None:
        """No caching, no framing, no sniffing."""
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")

    def data(self) -> dict[str, Any]:
        """The dashboard's data now."""
        now = self.clock()
        return as_json(room_view(self.sources(), now), now)


class PageHandler(_Handler):
    """GET the page: the hub's login first for anyone not logged in, 403 for a learner."""

    @authenticated
    def get(self) -> None:
        """The page, rendered with the current table."""
        nonce = secrets.token_urlsafe(16)
        self.set_header(
            "Content-Security-Policy",
            f"default-src 'none'; script-src 'nonce-{nonce}'; "
            f"style-src 'nonce-{nonce}'; connect-src 'self'; frame-ancestors 'none'",
        )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        token: bytes | str = self.xsrf_token  # also sets the _xsrf cookie the token is checked against
        xsrf = token.decode() if isinstance(token, bytes) else token
        self.finish(render_page(self.data(), self.prefix + "data.json", nonce, xsrf))


class DataHandler(_Handler):
    """GET the data as JSON: for the instructor only, and a plain 403 otherwise (the page's script reads it)."""

    def get(self) -> None:
        """The learners' rows."""
        if not self.current_user:
            raise HTTPError(403, "the dashboard is for the instructor")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(self.data()))


def make_app(sources: Sources, prefix: str = "/", clock: Callable[[], datetime] | None = None) -> Application:
    """The service's tornado app under `prefix` (JupyterHub gives it as JUPYTERHUB_SERVICE_PREFIX)."""
    prefix = prefix.rstrip("/") + "/"
    args = {"sources": sources, "prefix": prefix, "clock": clock or (lambda: datetime.now(UTC))}
    return Application(
        [
            (prefix, PageHandler, args),
            (prefix + "data.json", DataHandler, args),
            (prefix + "oauth_callback", HubOAuthCallbackHandler),
        ],
        cookie_secret=secrets.token_bytes(32),  # the OAuth state cookie; a restart only means logging in again
    )


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    """The host engine's client, made once: the page asks for the volumes every few seconds."""
    from ..host.engine import client  # the engine only when asked: --homes needs none

    return client()


def docker_homes() -> dict[str, Path]:
    """{learner: their home volume's directory on this server}, for every home volume of the room (one server).

    The service runs beside the hub on the Docker host, as the hub's user, so it reads the volume's
    Mountpoint directly; the record is then `.local/share/labkit/progress.jsonl` inside it (dashboard.RECORD_NAMES).
    """
    from .hubconfig import INSTRUCTOR
    from .names import KIND_VOLUME, LABEL_LEARNER, home_volume, room_filter

    found = {}
    for volume in (_engine().api.volumes(filters=room_filter(KIND_VOLUME)) or {}).get("Volumes") or []:
        learner = (volume.get("Labels") or {}).get(LABEL_LEARNER)
        # The instructor gets a server (and a home) like anyone when they open the hub: not a row of the room.
        if learner and learner != INSTRUCTOR and volume["Name"] == home_volume(learner) and volume.get("Mountpoint"):
            found[learner] = Path(volume["Mountpoint"])
    return found


def main(argv: list[str] | None = None) -> None:
    """Run the service: JupyterHub starts it with its JUPYTERHUB_* environment (prefix, URL, token)."""
    parser = argparse.ArgumentParser(prog="python -m labkit.workshop.dashboard_service", description=__doc__)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--homes", metavar="DIR", help="a directory with one sub-directory per learner")
    where.add_argument("--docker-homes", action="store_true", help="the room's home volumes on this Docker host")
    parser.add_argument("--ip", help="address to listen on (default: from JUPYTERHUB_SERVICE_URL, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: from JUPYTERHUB_SERVICE_URL, else 10101)")
    args = parser.parse_args(argv)
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    sources: Sources = docker_homes if args.docker_homes else (lambda: homes_in(Path(args.homes)))
    app = make_app(sources, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{NAME}/"))
    app.listen(args.port or url.port or 10101, args.ip or url.hostname or "127.0.0.1")
    # The hub stops a service with SIGINT, then SIGTERM after 10 s: a process started in the background inherits
    # SIGINT ignored, so both are handled here, and the room's `down` does not wait.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: sys.exit(0))
    IOLoop.current().start()


if __name__ == "__main__":
    main()
