"""The hub config `workshop up` writes, executed as JupyterHub executes it (a `get_config()` returning a traitlets
Config): the idle culler with its role's scopes and timeout, and the instructor dashboard as a hub service that the
admin's scopes open and a learner's do not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from labkit.workshop.hubconfig import HubSettings, write_config

pytest.importorskip("jupyterhub")
from jupyterhub import orm, roles, scopes

DASHBOARD = "labkit-dashboard"
ACCESS = f"access:services!service={DASHBOARD}"


def run_config(tmp_path: Path, **settings) -> Config:
    """Write the room's config and execute it with a fake `get_config`, as JupyterHub's loader does."""
    (tmp_path / "cli_token").write_text("t" * 64)
    path = write_config(HubSettings(("learner1", "learner2"), tmp_path, "/x/chp", "172.17.0.1", **settings))
    c = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: c})
    return c


def by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


def test_the_idle_culler_is_a_service_with_its_role_and_timeout(tmp_path):
    c = run_config(tmp_path, idle_timeout=1234)
    culler = by_name(c.JupyterHub.services)["idle-culler"]
    assert culler["command"] == [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=1234"]
    role = by_name(c.JupyterHub.load_roles)["idle-culler"]
    assert role["services"] == ["idle-culler"]
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}


def test_the_dashboard_is_a_hub_service_on_loopback(tmp_path):
    c = run_config(tmp_path, dashboard_port=10123)
    dash = by_name(c.JupyterHub.services)[DASHBOARD]
    assert dash["url"] == "http://127.0.0.1:10123"  # the proxy reaches it; nothing beyond this machine does
    assert dash["command"] == [sys.executable, "-m", "labkit.workshop.dashboard_service", "--docker-homes"]
    assert dash["oauth_no_confirm"] is True and "api_token" not in dash  # the hub makes its token
    assert by_name(c.JupyterHub.services)["labkit-cli"]["api_token"] == "t" * 64
    # With no port given, a free one is picked at each `up`.
    again = by_name(run_config(tmp_path).JupyterHub.services)[DASHBOARD]["url"]
    assert again.startswith("http://127.0.0.1:") and int(again.rsplit(":", 1)[1]) > 0


def test_the_dashboard_finds_the_engine_the_hub_was_started_with(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/other.sock")
    dash = by_name(run_config(tmp_path).JupyterHub.services)[DASHBOARD]
    assert dash["environment"] == {"DOCKER_HOST": "unix:///run/other.sock"}  # the hub passes on only PATH & co
    monkeypatch.delenv("DOCKER_HOST")
    assert "environment" not in by_name(run_config(tmp_path).JupyterHub.services)[DASHBOARD]


def expanded(role_scopes: list[str], user: str) -> frozenset[str]:
    return scopes.expand_scopes(role_scopes, owner=orm.User(name=user))


def test_only_the_instructor_may_open_the_dashboard(tmp_path):
    c = run_config(tmp_path)
    assert c.Authenticator.admin_users == {"instructor"}
    loaded = by_name(c.JupyterHub.load_roles)
    assert loaded["user"]["scopes"] == ["self"]  # every learner's role, written out
    # No loaded role hands a user or a group anything beyond that.
    assert not [r["name"] for r in loaded.values() if r.get("users") or r.get("groups")]
    learner = expanded(loaded["user"]["scopes"], "learner1")
    assert not scopes.has_scope(ACCESS, learner)
    admin = by_name(roles.get_default_roles())["admin"]["scopes"]
    assert scopes.has_scope(ACCESS, expanded(admin, "instructor"))


def test_the_config_loads_in_jupyterhub_with_the_dashboard(tmp_path):
    from jupyterhub.app import JupyterHub

    (tmp_path / "cli_token").write_text("t" * 64)
    hub = JupyterHub()
    hub.load_config_file(str(write_config(HubSettings(("learner1",), tmp_path, "/x/chp", "172.17.0.1"))))
    assert DASHBOARD in {s["name"] for s in hub.services}
    assert hub.bind_url.startswith("http://127.0.0.1:") and not hub.ssl_cert
