"""The snapshot's decisions over answers recorded from real swarms (tests/fixtures/swarm, see record.py).

Each fixture is one moment of a real lab: the host's list of node containers,
their exit codes, and what every manager answered to the snapshot script. The
same `gather` + `judge` that `Lab.snapshot()` runs decide here, with the
recorded answers standing in for the exec.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.swarm.answers import parse_answer
from labkit.swarm.decide import gather, judge, manager_candidates, node_faults

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "swarm"


def recorded(scenario: str) -> dict:
    return json.loads((FIXTURES / f"{scenario}.json").read_text())


def decide(
    scenario: str, expected: tuple[str, ...] = (), answered: str | None = None, swarm_managers: tuple[str, ...] = ()
):
    """Run the real decision path on a recording; return (snapshot, hosts asked)."""
    rec = recorded(scenario)
    roles = dict(rec["created_roles"])
    roles.update({h: "worker" for h in expected if h not in roles})
    faults = node_faults(rec["containers"], rec["exit_codes"], rec["network"], list(roles))
    asked: list[str] = []

    def ask(host: str):
        asked.append(host)
        # Only managers were recorded; a worker answers what a node outside the managers says (recorded too).
        a = rec["answers"].get(host) or recorded("no-swarm")["answers"]["manager1"]
        return parse_answer(host, a["exit_code"], a["stdout"], a["exec_error"])

    candidates = manager_candidates(roles, list(swarm_managers), answered)
    answers = gather(candidates, faults, ask)
    known = list(swarm_managers) or [h for h, r in roles.items() if r == "manager"]
    return judge(rec["lab"], answers, faults, known, taken_at=0.0), asked


def test_healthy_swarm_answers_from_the_first_manager():
    snap, asked = decide("healthy-1m2w")
    assert asked == ["manager1"] and snap.error is None and snap.quorum
    assert snap.leader.hostname == "manager1"
    assert [(n.hostname, n.state, n.fault) for n in snap.nodes] == [
        ("manager1", "ready", None),
        ("worker1", "ready", None),
        ("worker2", "ready", None),
    ]
    assert len(snap.running("web")) == 3


def test_healthy_three_managers_all_reachable():
    snap, asked = decide("healthy-3m2w", answered="manager2")
    assert asked == ["manager2"], "the manager that answered last is asked first"
    assert snap.quorum and snap.leader.hostname == "manager1"
    assert {n.reachability for n in snap.nodes if n.role == "manager"} == {"reachable"}


@pytest.mark.parametrize("at", ["0.3s", "1s", "2s", "3s", "5s", "8s"])
def test_dead_leader_mid_election_says_no_manager_answered_in_time(at):
    snap, asked = decide(f"leader-killed-{at}")
    assert "manager1" not in asked, "a killed manager is not asked"
    assert snap.error and snap.error.startswith("no manager answered in time"), snap.error
    assert "2 of 3 managers are up and Raft needs 2" in snap.error
    assert snap.quorum, "two of three managers are up: quorum holds, only the leader is missing"


@pytest.mark.parametrize("at", ["12s", "16s", "20s", "25s"])
def test_after_the_election_the_new_leader_is_reported(at):
    snap, _ = decide(f"leader-killed-{at}")
    assert snap.error is None and snap.quorum
    assert snap.leader is not None and snap.leader.hostname != "manager1"
    assert snap.node("manager1").fault == "killed" and snap.node("manager1").reachability == "unreachable"


@pytest.mark.parametrize("scenario,up,total,needed", [("quorum-lost-1-of-3", 1, 3, 2), ("quorum-lost-2-of-5", 2, 5, 3)])
def test_quorum_lost_while_a_stale_leader_still_answers(scenario, up, total, needed):
    snap, _ = decide(scenario)
    # The minority's leader still answers reads for a while: the snapshot shows it, but flags the lost quorum.
    assert snap.error is None and not snap.quorum
    killed = [n.hostname for n in snap.nodes if n.fault == "killed"]
    assert len(killed) == total - up


@pytest.mark.parametrize(
    "scenario,up,total,needed", [("quorum-lost-1-of-3-40s", 1, 3, 2), ("quorum-lost-2-of-5-40s", 2, 5, 3)]
)
def test_quorum_lost_once_managers_say_there_is_no_leader(scenario, up, total, needed):
    snap, _ = decide(scenario)
    assert not snap.quorum and snap.manager is None
    assert snap.error.startswith(f"no quorum: {up} of {total} managers are up and Raft needs {needed}"), snap.error
    assert "does not have a leader" in snap.error


def test_paused_manager_is_skipped_and_shown_paused():
    snap, asked = decide("paused-manager", answered="manager2")
    assert "manager2" not in asked and snap.error is None and snap.quorum
    m2 = snap.node("manager2")
    assert (m2.fault, m2.state, m2.reachability) == ("paused", "down", "unreachable")


def test_partitioned_manager_is_skipped_and_its_own_view_times_out():
    snap, asked = decide("partitioned-manager", answered="manager3")
    assert "manager3" not in asked and snap.quorum and snap.node("manager3").fault == "disconnected"
    alone = judge(
        "x",
        [parse_answer("manager3", 0, recorded("partitioned-manager")["answers"]["manager3"]["stdout"])],
        {"manager3": None},
        ["manager1", "manager2", "manager3"],
        0.0,
    )
    assert alone.error.startswith("no manager answered in time"), alone.error


def test_killed_worker_is_down_and_its_old_tasks_do_not_count():
    snap, _ = decide("worker-killed")
    w2 = snap.node("worker2")
    assert (w2.fault, w2.state) == ("killed", "down")
    assert len(snap.running("web")) == 4 and "worker2" not in snap.placement("web")
    stale = [t for t in snap.tasks_of("web", current=False) if t.node_hostname == "worker2" and t.state == "running"]
    assert stale and all(t.desired_state == "shutdown" for t in stale), "the dead node's tasks are history"


@pytest.mark.parametrize("at", ["1s", "12s"])
def test_a_node_container_removed_behind_labkits_back_is_reported_missing(at):
    snap, _ = decide(f"node-container-removed-{at}", expected=("worker2",))
    assert snap.missing == ("worker2",) and snap.node("worker2").fault == "removed"
    assert "missing node container(s): worker2" in snap.describe()


def test_engines_without_a_swarm_say_so():
    snap, asked = decide("no-swarm")
    assert asked[0] == "manager1" and snap.manager is None
    assert "manager1: This node is not a swarm manager" in snap.error
    assert "worker1" not in snap.error, "workers asked in case they were promoted are not news"


def test_candidate_order():
    roles = {"manager1": "manager", "manager2": "manager", "worker1": "worker", "worker2": "worker"}
    assert manager_candidates(roles, [], None) == ["manager1", "manager2", "worker1", "worker2"]
    assert manager_candidates(roles, ["worker2", "manager1"], "manager2") == ["manager2", "worker2", "manager1"], (
        "once the swarm named its managers, only they (and the created managers) are asked"
    )
    assert manager_candidates(roles, ["ghost"], "ghost") == ["manager1", "manager2"], "unknown names are dropped"


def test_every_fixture_is_used_by_a_test():
    used = {p.stem for p in FIXTURES.glob("*.json")}
    source = Path(__file__).read_text()
    for stem in used:
        scenario, _, at = (
            stem.rpartition("-") if stem[-1] == "s" and stem.rsplit("-", 1)[-1][0].isdigit() else (stem, "", "")
        )
        assert stem in source or (scenario in source and at in source), f"fixture {stem} is never judged"
