"""Several managers: one leader, a new election when it dies, and an explicit answer when quorum is lost.

The test kills two of three managers, so it has a swarm of its own (labkit.testing, `fresh=True`)."""

from __future__ import annotations

import time

import pytest

from labkit.base.poll import poll

from ..support import HANG


@pytest.mark.swarm(managers=3, workers=0, fresh=True)
def test_three_managers_elect_one_leader_and_survive_losing_it(swarm):
    snap = swarm.snapshot()
    managers = [n for n in snap.nodes if n.role == "manager"]
    assert len(managers) == 3 and sum(n.leader for n in managers) == 1
    assert all(n.reachability == "reachable" for n in managers)
    old_leader = snap.leader.hostname
    swarm.node(old_leader).kill()
    # Raft elects a new leader ~10-19 s later; snapshots are then read from another manager.
    snap = swarm.wait(
        lambda s: s.leader is not None and s.leader.hostname != old_leader, timeout=60, what="a new leader"
    )
    assert snap.manager != old_leader
    # The new leader reports the dead one as unreachable a moment after winning the election.
    snap = swarm.wait(
        lambda s: s.node(old_leader).reachability == "unreachable",
        timeout=HANG,
        what=f"{old_leader} reported unreachable",
    )
    second = next(n.hostname for n in snap.nodes if n.hostname not in (old_leader, snap.leader.hostname))
    swarm.node(second).kill()
    # One manager of three left: no majority. The snapshot must say so, not hang: each request it makes gives up
    # after 3 s (curl -m 3 in answers.SNAPSHOT_SCRIPT). The bound only catches a hang; it is no speed claim.
    t0 = time.monotonic()
    snap = swarm.snapshot()
    seconds = time.monotonic() - t0
    assert not snap.quorum, snap
    assert seconds < HANG, f"the snapshot without quorum took {seconds:.0f} s"
    # The surviving manager itself refuses changes once its election timeout passes.
    survivor = swarm.node(next(n for n in ("manager1", "manager2", "manager3") if n not in (old_leader, second)))
    out = poll(
        lambda: survivor.sh("docker node ls", check=False),
        lambda out: "does not have a leader" in out.stderr,
        timeout=60,
        interval=2,
        what=f"{survivor.name} to refuse `docker node ls`",
        show=lambda out: out.stderr,
    )
    assert not out.ok, out
    snap = swarm.snapshot()
    assert not snap.quorum and "does not have a leader" in snap.error
