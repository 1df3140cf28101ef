"""Notebook 15 grades its brief one requirement at a time: on the stack recorded from a real swarm with every
requirement met, breaking one requirement in the spec fails that requirement's check, with its own reason, and no
other (partial work shows exactly what is left)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from labkit.course.catalog import check_by_id, plan_of
from labkit.course.evidence import replay_evidence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "course"
REQUIREMENTS = [c.id for c in plan_of("15").checks if c.section == "deploy" and not c.is_exercise]


def _service(data: dict, name: str) -> dict:
    return next(s for s in data["api"]["services"] if s["Spec"]["Name"] == name)["Spec"]


def _container(data: dict, name: str) -> dict:
    return _service(data, name)["TaskTemplate"]["ContainerSpec"]


def _off_backend(data: dict) -> None:
    _service(data, "shop_client")["TaskTemplate"]["Networks"] = []


def _vip(data: dict) -> None:
    _service(data, "shop_web")["EndpointSpec"] = {"Mode": "vip"}


def _secret_for_web(data: dict) -> None:
    _container(data, "shop_web")["Secrets"] = _container(data, "shop_api")["Secrets"]


def _config_elsewhere(data: dict) -> None:
    _container(data, "shop_web")["Configs"][0]["File"]["Name"] = "/etc/motd"


def _no_api_healthcheck(data: dict) -> None:
    del _container(data, "shop_api")["Healthcheck"]


def _no_constraint(data: dict) -> None:
    _service(data, "shop_web")["TaskTemplate"]["Placement"].pop("Constraints")


def _limits_not_reservations(data: dict) -> None:
    resources = _service(data, "shop_web")["TaskTemplate"]["Resources"]
    resources["Limits"] = resources.pop("Reservations")


def _stop_first(data: dict) -> None:
    _service(data, "shop_web")["UpdateConfig"]["Order"] = "stop-first"


BROKEN: dict[str, tuple[Callable[[dict], None], str]] = {
    "15-one-network": (_off_backend, "expected all three services on shop_backend"),
    "15-traffic": (_vip, "a virtual IP never answers here"),
    "15-secret": (_secret_for_web, "expected only api to get the password"),
    "15-config": (_config_elsewhere, "expected a config mounted at /srv/web/motd.txt"),
    "15-healthchecks": (_no_api_healthcheck, "shop_api declares no healthcheck"),
    "15-placement": (_no_constraint, "expected node.labels.tier == front"),
    "15-reservations": (_limits_not_reservations, "are limits, a ceiling, not a reservation"),
    "15-update-policy": (_stop_first, "Order stop-first"),
}


def _all_met() -> dict:
    """The stack with every requirement met, as the last requirement's check saw it (nodes, services, tasks, and
    what each requirement's check reads besides)."""
    return json.loads((FIXTURES / "15-update-policy.json").read_text())["solved"]


def _with_what_each_check_reads(data: dict) -> dict:
    extra = {"networks": "15-one-network", "configs": "15-config"}
    for path, check_id in extra.items():
        data["api"][path] = json.loads((FIXTURES / f"{check_id}.json").read_text())["solved"]["api"][path]
    data["outputs"].update(json.loads((FIXTURES / "15-traffic.json").read_text())["solved"]["outputs"])
    return data


def test_every_requirement_has_a_case_here():
    assert sorted(BROKEN) == sorted(REQUIREMENTS)


def test_the_complete_stack_meets_every_requirement():
    data = _with_what_each_check_reads(_all_met())
    for check_id in REQUIREMENTS:
        check = check_by_id(check_id)
        verdict = check.verdict(replay_evidence(data, check))
        assert verdict.status == "passed", (check_id, verdict.text)


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_one_requirement_broken_fails_that_check_alone(broken):
    data = _with_what_each_check_reads(copy.deepcopy(_all_met()))
    damage, reason = BROKEN[broken]
    damage(data)
    for check_id in REQUIREMENTS:
        check = check_by_id(check_id)
        verdict = check.verdict(replay_evidence(data, check))
        if check_id == broken:
            assert verdict.status == "failed" and reason in verdict.text, verdict.text
        else:
            assert verdict.status == "passed", f"breaking {broken} also failed {check_id}: {verdict.text}"
