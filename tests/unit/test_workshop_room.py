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


# -- limits: a lab that would not fit the learner's engine is refused before anything is made ---------------------
MIB = 2**20


def test_memory_verdict_fits_refuses_or_releases_prepared_labs():
    from labkit.swarm.memory import judge

    assert judge(1000 * MIB, 200 * MIB, {}, 3, [], per_node=100 * MIB).fits
    refused = judge(1000 * MIB, 200 * MIB, {}, 40, ["nb04", "big"], per_node=100 * MIB)
    assert not refused.fits and refused.release == ()
    assert "40 more node(s)" in refused.message and "800 MiB is free" in refused.message
    assert "1000 MiB your labs may use" in refused.message and "Nothing was started" in refused.message
    assert "nb04, big" in refused.message and "labkit down NAME" in refused.message
    # Labs prepared in advance are a cache: the largest goes first, and only as many as needed.
    fit = judge(1000 * MIB, 500 * MIB, {"nb05": 300 * MIB, "nb01": 100 * MIB}, 4, [], per_node=100 * MIB)
    assert fit.fits and fit.release == ("nb05",)
    # A lab started in advance never pushes another out; nor does a start that would not fit even then.
    assert not judge(1000 * MIB, 500 * MIB, {"nb05": 300 * MIB}, 5, [], may_release=False, per_node=100 * MIB).fits
    assert not judge(1000 * MIB, 900 * MIB, {"nb05": 50 * MIB}, 2, [], per_node=100 * MIB).fits


def test_learner_engine_says_what_its_labs_may_use():
    from labkit.base.facts import LABEL_LABS_MEMORY
    from labkit.workshop.engine import _command
    from labkit.workshop.limits import ENGINE_RESERVE

    limits = Limits(engine_memory="2g")
    assert limits.labs_memory() == 2 * 2**30 - ENGINE_RESERVE
    assert f"--label={LABEL_LABS_MEMORY}={limits.labs_memory()}" in _command(limits)


def test_firewall_rules_keep_a_learner_network_to_itself():
    from labkit.workshop.firewall import ROOM_RANGE, bridge_of, rules_for

    rules = rules_for(bridge_of("0123456789abcdef"), "172.30.7.0/24")
    assert rules == [
        ["-i", "br-0123456789ab", "-d", "172.30.7.0/24", "-j", "RETURN"],
        ["-i", "br-0123456789ab", "-d", ROOM_RANGE, "-j", "DROP"],
    ]
    import ipaddress

    from labkit.workshop.engine import SUBNETS

    assert all(s.subnet_of(ipaddress.ip_network(ROOM_RANGE)) for s in SUBNETS)


def test_warm_start_prepares_the_last_notebook_or_the_first(tmp_path, monkeypatch):
    import importlib

    from labkit.course import progress

    reset = importlib.import_module("labkit.course.reset")  # the package exports a function of that name
    asked: list[str] = []
    monkeypatch.setattr(reset, "prepare_for", lambda nb: asked.append(nb) or nb)
    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(tmp_path / "progress.jsonl"))
    reset.warm_start()
    progress.record("check", "04", "04-scale")
    reset.warm_start()
    assert asked == ["00", "04"]


def test_memory_check_counts_running_labs_releases_prepared_ones_and_skips_engines_without_a_limit(monkeypatch):
    from labkit.base.errors import EngineError
    from labkit.host.inventory import LabObjects
    from labkit.swarm import memory
    from labkit.swarm.context import LabState

    labs = {
        "nb04": LabObjects("nb04", ready=True),
        "nb05": LabObjects("nb05", prepared=True),
        "big": LabObjects("big", ready=True),  # replaced by the start of the same name: not counted
    }
    node = {"labkit.kind": "node"}
    in_use = {
        "a": ({**node, "labkit.lab": "nb04"}, 600 * MIB),
        "b": ({**node, "labkit.lab": "nb05"}, 300 * MIB),
        "c": ({**node, "labkit.lab": "big"}, 900 * MIB),
        "r": ({"labkit.kind": "registry"}, 50 * MIB),
    }
    released: list[str] = []
    monkeypatch.setattr(memory, "find_labs", lambda: labs)
    monkeypatch.setattr(memory, "memory_in_use", lambda: in_use)
    monkeypatch.setattr(memory, "remove_lab", released.append)
    monkeypatch.setattr(memory, "labs_memory_limit", lambda: None)
    memory.check_memory(LabState("big", 1, 19), 20)  # a laptop's engine: no limit, nothing asked
    monkeypatch.setattr(memory, "labs_memory_limit", lambda: 1500 * MIB)
    memory.check_memory(LabState("big", 1, 3), 4)  # 650 used + 4 x 96 fits without nb05
    assert released == []
    memory.check_memory(LabState("big", 1, 6), 7)  # 650 + 672 > 1200 free: nb05 goes
    assert released == ["nb05"]
    with pytest.raises(EngineError, match="not enough memory for 7 more"):
        memory.check_memory(LabState("big", 1, 6), 7, may_release=False)
    with pytest.raises(EngineError, match="not enough memory for 1 more"):  # one more node: big itself counts
        memory.check_memory(LabState("big", 1, 2), 1, adding=True)
