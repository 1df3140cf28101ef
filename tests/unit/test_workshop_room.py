"""labkit.workshop's pure parts: passwords and their hashes, login cards, the roster, the hub's config, the CLI."""

from __future__ import annotations

import ast
import re
import stat

import pytest

from labkit.base.errors import InvalidInput
from labkit.workshop.cards import write_cards
from labkit.workshop.engine import Limits, to_bytes
from labkit.workshop.hubconfig import HubSettings, write_config
from labkit.workshop.passwords import check_password, hash_password, new_password, read_users, write_users
from labkit.workshop.room import _unique, read_roster


def test_password_hash_checks_the_right_password_only():
    pw = new_password()
    stored = hash_password(pw, iterations=1000)
    assert pw not in stored and stored.startswith("pbkdf2_sha256$1000$")
    assert check_password(pw, stored)
    assert not check_password(pw + "x", stored)
    assert not check_password(pw, "garbage")
    assert hash_password(pw, iterations=1000) != stored  # salted


def test_users_file_is_owner_only(tmp_path):
    path = tmp_path / "state" / "users.json"
    write_users(path, {"alice": hash_password("pw", iterations=1000)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_password("pw", read_users(path)["alice"])
    assert read_users(tmp_path / "none.json") == {}


def test_cards_hold_one_card_per_learner(tmp_path):
    path = write_cards(tmp_path / "cards.html", "http://h:8000/", {"alice": "a-b-1", "bob": "<b>"}, "3 GiB")
    text = path.read_text()
    assert re.findall(r'data-user="([^"]+)"', text) == ["alice", "bob"]
    assert "&lt;b&gt;" in text and "<b>" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_roster_rejects_bad_and_repeated_names(tmp_path):
    f = tmp_path / "roster.txt"
    f.write_text("alice  # first\n\nbob\n")
    assert read_roster(f) == ["alice", "bob"]
    f.write_text("alice\nalice\n")
    with pytest.raises(InvalidInput, match="twice"):
        read_roster(f)
    f.write_text("Bad Name\n")
    with pytest.raises(InvalidInput, match="invalid learner name"):
        read_roster(f)
    with pytest.raises(InvalidInput, match="instructor"):
        _unique(["instructor"])
    with pytest.raises(InvalidInput, match="cannot read"):
        read_roster(tmp_path / "missing.txt")


def test_sizes():
    assert to_bytes("3g") == 3 * 2**30 and to_bytes("512M") == 512 * 2**20
    for bad in ("lots", "1k", ""):
        with pytest.raises(InvalidInput):
            to_bytes(bad)
    assert "3 GiB memory" in Limits().describe()


def test_hub_config_is_python_with_hashes_only_and_loopback(tmp_path):
    settings = HubSettings(("alice", "bob"), tmp_path, "/x/chp", "172.17.0.1", port=8123)
    text = write_config(settings).read_text()
    ast.parse(text)
    assert "c.JupyterHub.bind_url = 'http://127.0.0.1:8123'" in text
    assert "c.JupyterHub.hub_bind_url = 'http://172.17.0.1:8081'" in text
    assert "jupyterhub_idle_culler" in text and "LearnerSpawner" in text
    assert "mem_limit = 1073741824" in text


def test_hub_config_loads_in_jupyterhub(tmp_path):
    pytest.importorskip("jupyterhub")
    from jupyterhub.app import JupyterHub

    (tmp_path / "cli_token").write_text("t" * 64)
    config = write_config(HubSettings(("alice",), tmp_path, "/x/chp", "172.17.0.1"))
    hub = JupyterHub()
    hub.load_config_file(str(config))
    assert hub.config.LearnerSpawner.engine_memory == "3g"
    assert hub.config.Authenticator.allowed_users == {"alice", "instructor"}


def test_cli_parses_workshop_commands():
    from labkit.front.cli_args import build_parser

    args = build_parser().parse_args(["workshop", "up", "--learners", "3"])
    assert (args.cmd, args.workshop_cmd, args.learners) == ("workshop", "up", 3)
    args = build_parser().parse_args(["workshop", "reset", "alice", "--keep-progress"])
    assert args.keep_progress and args.learner == "alice"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["workshop", "up"])  # --learners or --roster is required
