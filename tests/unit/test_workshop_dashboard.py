"""The instructor dashboard on synthetic progress records: who is on which exercise, what each passed, hints, who
is stuck (the same check failing for more than 10 minutes), the page it renders, and who may see it.

No hub: the service's app runs on a local port with JupyterHub's OAuth client left as it is (so an anonymous
request goes to the hub's login) and its user lookup replaced by the model the hub would answer with.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jupyterhub.services.auth import HubOAuth
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from labkit.workshop import dashboard, dashboard_service
from labkit.workshop.dashboard import learner_view, parse_events, read_record, room_view

NOW = datetime(2026, 12, 2, 10, 30, 0, tzinfo=UTC)


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(kind: str, exercise: str, minutes_ago: float, **fields) -> dict:
    return {
        "v": 1,
        "time": at(minutes_ago),
        "learner": "x",
        "notebook": exercise[:2],
        "exercise": exercise,
        "event": kind,
        **fields,
    }


def check(exercise: str, minutes_ago: float, passed: bool) -> dict:
    return event("check", exercise, minutes_ago, passed=passed, reason="why")


def record(*events: dict) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def view(*events: dict, **kwargs):
    return learner_view("ana", parse_events(record(*events)), NOW, **kwargs)


def test_current_exercise_is_the_latest_attempted_and_not_passed():
    v = view(
        check("01-init", 50, True),
        check("02-drain", 40, False),
        check("03-scale", 30, False),
        check("03-scale", 20, True),
    )
    assert v.current == "02-drain"  # 03 was attempted later but passed
    assert v.passed == ("01-init", "03-scale") and v.attempts == 4
    assert (
        view(check("01-init", 5, False), check("02-drain", 5, False)).current == "02-drain"
    )  # same second: file order
    assert view(check("01-init", 5, True)).current is None


def test_hints_and_solutions_are_counted():
    v = view(
        event("hint", "04-global", 9, hint=1),
        event("hint", "04-global", 8, hint=2),
        event("solution", "04-global", 7),
        event("hint", "05-mesh", 1, hint=1),
    )
    assert (v.hints, v.solutions, v.current) == (3, 1, None)  # hints alone are no attempt


def test_stuck_means_the_first_failure_since_the_last_pass_is_over_ten_minutes_old():
    assert view(check("04-global", 11, False), check("04-global", 1, False)).stuck == {
        "04-global": NOW - timedelta(minutes=11)
    }
    assert view(check("04-global", 10, False)).stuck == {}  # exactly 10 minutes is not "more than"
    assert view(check("04-global", 25, False), check("04-global", 2, True)).stuck == {}  # passed since
    again = view(check("04-global", 40, False), check("04-global", 30, True), check("04-global", 5, False))
    assert again.stuck == {} and again.current is None  # failing again after a pass: the clock starts over
    assert view(check("04-global", 30, False), stuck_after=timedelta(minutes=45)).stuck == {}


def test_only_the_given_exercises_count_when_a_list_is_given():
    v = view(check("04-lesson-step", 30, False), check("04-global", 20, True), exercises={"04-global"})
    assert (v.current, v.passed, v.stuck, v.attempts) == (None, ("04-global",), {}, 1)


def test_unreadable_lines_and_other_versions_are_skipped():
    text = "not json\n" + json.dumps({**check("01-init", 3, True), "v": 2}) + "\n[1]\n" + record(check("02-a", 1, True))
    assert [e["exercise"] for e in parse_events(text)] == ["02-a"]


def test_a_record_is_found_in_a_progress_directory_or_a_home(tmp_path):
    (tmp_path / "claim").mkdir()
    (tmp_path / "claim/progress.jsonl").write_text(record(check("01-init", 3, True)))
    data = tmp_path / "home/.local/share/labkit"
    data.mkdir(parents=True)
    (data / "progress.jsonl").write_text(record(check("02-drain", 3, False)))
    assert [e["exercise"] for e in read_record(tmp_path / "claim")[0]] == ["01-init"]
    assert [e["exercise"] for e in read_record(tmp_path / "home")[0]] == ["02-drain"]
    assert read_record(tmp_path / "nobody") == ([], None)


def test_a_symlink_out_of_the_learners_directory_is_not_followed(tmp_path):
    secret = tmp_path / "server-file"
    secret.write_text(record(check("99-secret", 1, True)))
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory/progress.jsonl").symlink_to(secret)
    assert read_record(tmp_path / "mallory") == ([], None)
    (tmp_path / "trudy").mkdir()
    os.mkfifo(tmp_path / "trudy/progress.jsonl")
    assert read_record(tmp_path / "trudy") == ([], None)  # not opened: reading a FIFO would hang the dashboard


def test_a_huge_record_is_read_from_its_tail(tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard, "MAX_BYTES", 400)
    path = tmp_path / "progress.jsonl"
    path.write_text(record(*(check("01-init", 60, False) for _ in range(20)), check("09-quorum", 1, True)))
    events, problem = read_record(path)
    assert problem is None and events[-1]["exercise"] == "09-quorum" and len(events) < 21


def room(tmp_path: Path) -> dict[str, Path]:
    """Three learners who have passed different checks; bob is stuck; eve writes HTML into her record."""
    records = {
        "ana": record(check("01-init", 40, True), check("02-drain", 30, True), check("03-scale", 2, False)),
        "bob": record(
            check("01-init", 40, True),
            check("04-global", 25, False),
            event("hint", "04-global", 20, hint=1),
            event("hint", "04-global", 15, hint=2),
            check("04-global", 3, False),
        ),
        "eve": record(check("<script>alert(1)</script>", 5, False)),
    }
    for name, text in records.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "progress.jsonl").write_text(text)
    return dashboard.homes_in(tmp_path)


def test_the_page_shows_three_learners_differently(tmp_path):
    data = dashboard.as_json(room_view(room(tmp_path), NOW), NOW)
    page = dashboard_service.render_page(data, "/services/labkit-dashboard/data.json", nonce="n0nce", xsrf="x1")
    rows = dict(re.findall(r'<tr data-learner="(\w+)"[^>]*>(.*?)</tr>', page))
    cells = {name: re.findall(r"<td>(.*?)</td>", row) for name, row in rows.items()}
    assert cells["ana"] == ["ana", "03-scale", "2: 01-init, 02-drain", "0", "—", "10:28 UTC"]
    assert cells["bob"] == ["bob", "04-global", "1: 01-init", "2", "04-global (25 min)", "10:27 UTC"]
    assert '<tr data-learner="bob" class="stuck">' in page and '<tr data-learner="ana">' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cells["eve"][1] and "<script>alert" not in page
    assert "3 learners · 1 stuck · updated 10:30:00 UTC" in page
    # It refreshes itself, sending the XSRF token JupyterHub wants on a cookie-authenticated fetch.
    assert 'const DATA = "/services/labkit-dashboard/data.json", XSRF = "x1", EVERY = 5000;' in page
    assert page.count('nonce="n0nce"') == 2  # the page's own style and script, nothing else runs


def test_the_service_entry_runs_this_module():
    spec = dashboard_service.service_spec(10101, python="/venv/bin/python")
    assert spec["name"] == "labkit-dashboard" and spec["url"] == "http://127.0.0.1:10101"
    assert spec["command"] == ["/venv/bin/python", "-m", "labkit.workshop.dashboard_service", "--docker-homes"]


def serve_and_get(tmp_path: Path, monkeypatch, model: dict | None, paths: list[str]) -> list[HTTPResponse]:
    """Run the service's app with the hub's answer for the cookie-less user replaced by `model`."""
    prefix = "/services/labkit-dashboard/"
    for key, value in {
        "JUPYTERHUB_API_TOKEN": "t",
        "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
        "JUPYTERHUB_SERVICE_PREFIX": prefix,
        "JUPYTERHUB_SERVICE_NAME": "labkit-dashboard",
        "JUPYTERHUB_CLIENT_ID": "service-labkit-dashboard",
        "JUPYTERHUB_HOST": "",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:services!service=labkit-dashboard"]',
    }.items():
        monkeypatch.setenv(key, value)
    HubOAuth.clear_instance()
    if model is not None:
        monkeypatch.setattr(HubOAuth, "get_user", lambda self, handler, sync=True: dict(model))
    homes = room(tmp_path)

    async def run() -> list[HTTPResponse]:
        sock, port = bind_unused_port()
        server = HTTPServer(dashboard_service.make_app(lambda: homes, prefix, clock=lambda: NOW))
        server.add_sockets([sock])
        http = AsyncHTTPClient()
        try:
            return [
                await http.fetch(f"http://127.0.0.1:{port}{prefix}{p}", follow_redirects=False, raise_error=False)
                for p in paths
            ]
        finally:
            server.stop()

    try:
        return asyncio.run(run())
    finally:
        HubOAuth.clear_instance()


def test_anyone_not_logged_in_is_sent_to_the_hub_and_gets_no_data(tmp_path, monkeypatch):
    page, data = serve_and_get(tmp_path, monkeypatch, None, ["", "data.json"])
    assert page.code == 302 and "/hub/api/oauth2/authorize" in page.headers["Location"]
    assert data.code == 403 and b"ana" not in data.body


def test_a_learner_is_refused(tmp_path, monkeypatch):
    learner = {
        "name": "ana",
        "kind": "user",
        "admin": False,
        "groups": [],
        "scopes": ["self", "access:servers!user=ana"],
    }
    page, data = serve_and_get(tmp_path, monkeypatch, learner, ["", "data.json"])
    assert (page.code, data.code) == (403, 403) and b"bob" not in page.body + data.body


def test_the_instructor_sees_the_page_and_its_data(tmp_path, monkeypatch):
    instructor = {"name": "instructor", "kind": "user", "admin": True, "groups": [], "scopes": ["access:services"]}
    page, data = serve_and_get(tmp_path, monkeypatch, instructor, ["", "data.json"])
    assert page.code == 200 and '<tr data-learner="bob" class="stuck">' in page.body.decode()
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    learners = {row["learner"]: row for row in json.loads(data.body)["learners"]}
    assert learners["ana"]["passed"] == ["01-init", "02-drain"] and learners["bob"]["stuck"][0]["minutes"] == 25


def test_the_room_is_read_from_its_home_volumes_without_the_instructor(monkeypatch):
    def volume(learner: str, name: str | None = None) -> dict:
        labels = {"labkit.workshop": "room", "labkit.kind": "ws-volume", "labkit.learner": learner}
        return {"Name": name or f"labkit-ws-{learner}-home", "Labels": labels, "Mountpoint": f"/v/{learner}"}

    found = [volume("ana"), volume("ana", "labkit-ws-ana-docker"), volume("instructor"), volume("bob")]

    class Api:
        def volumes(self, filters):
            assert "labkit.workshop=room" in filters["label"]
            return {"Volumes": found}

    monkeypatch.setattr(dashboard_service, "_engine", lambda: type("Client", (), {"api": Api()})())
    assert dashboard_service.docker_homes() == {"ana": Path("/v/ana"), "bob": Path("/v/bob")}
