"""Parsing recorded real Engine API payloads into snapshots (no engine needed)."""

import json
from pathlib import Path

import pytest

from labkit.swarm.state import parse_snapshot

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"


def load(name: str):
    raw = json.loads((PAYLOADS / name).read_text())
    return parse_snapshot("rec", "manager1", raw["nodes"], raw["services"], raw["tasks"], taken_at=0.0)


@pytest.mark.parametrize("name", sorted(p.name for p in PAYLOADS.glob("*.json")))
def test_every_recorded_payload_parses(name):
    snap = load(name)
    assert snap.nodes and all(n.id and n.hostname for n in snap.nodes)
    assert all(t.service_name in {s.name for s in snap.services} for t in snap.tasks)
    json.dumps(snap.to_dict())  # widgets need JSON


def test_nodes_roles_and_leader():
    snap = load("three_nodes_services.json")
    assert [n.hostname for n in snap.nodes] == ["manager1", "worker1", "worker2"]
    assert [n.role for n in snap.nodes] == ["manager", "worker", "worker"]
    assert snap.leader.hostname == "manager1"
    assert snap.node("manager1").reachability == "reachable"
    assert snap.node("worker1").reachability is None
    assert all(n.state == "ready" and n.availability == "active" for n in snap.nodes)


def test_services_modes_ports_and_images():
    snap = load("three_nodes_services.json")
    nginx, who, agent = snap.service("nginx"), snap.service("who"), snap.service("agent")
    assert (nginx.mode, nginx.replicas, nginx.image) == ("replicated", 2, "nginx:latest")
    assert [(p.published, p.target, p.mode) for p in nginx.ports] == [(8080, 80, "ingress")]
    assert str(nginx.ports[0]) == "8080:80/tcp"
    assert [(p.published, p.mode) for p in who.ports] == [(8081, "host")]
    assert (agent.mode, agent.replicas) == ("global", None)


def test_tasks_placement_and_names():
    snap = load("three_nodes_services.json")
    assert len(snap.running("nginx")) == 2
    assert sum(snap.placement("who").values()) == 3
    assert snap.placement("agent") == {"manager1": 1, "worker1": 1, "worker2": 1}
    names = {t.name for t in snap.running("nginx")}
    assert names == {"nginx.1", "nginx.2"}
    assert all(t.slot is None and t.name.startswith("agent.") for t in snap.tasks_of("agent"))


def test_killed_worker_is_down_and_its_tasks_are_replaced():
    before, after = load("three_nodes_services.json"), load("worker2_killed.json")
    assert after.node("worker2").state == "down"
    assert "worker2" not in after.placement("nginx") and "worker2" not in after.placement("agent")
    assert len(after.running("agent")) == 2  # global tasks are not moved elsewhere
    assert len(after.tasks) >= len(before.tasks)


def test_unknown_names_list_the_valid_ones():
    snap = load("three_nodes_services.json")
    with pytest.raises(KeyError, match="manager1, worker1, worker2"):
        snap.node("worker9")
    with pytest.raises(KeyError, match="agent, nginx, who"):
        snap.service("web")


def test_describe_is_one_readable_line():
    text = load("worker2_killed.json").describe()
    assert "worker2=down/active" in text and "nginx 2/2" in text and "\n" not in text
