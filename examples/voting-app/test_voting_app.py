"""A team's test of its stack file on a real multi-node swarm (labkit's pytest plugin gives the `swarm` fixture).

Run it with `pytest examples/voting-app` once labkit is installed (`pip install labkit`) and a Docker engine runs.
"""

from pathlib import Path

import pytest

STACK = Path(__file__).parent / "docker-stack.yml"
SERVICES = ["vote_redis", "vote_db", "vote_vote", "vote_result", "vote_worker"]


@pytest.mark.swarm(managers=1, workers=2, fresh=True)
def test_the_stack_converges_and_survives_a_lost_worker(swarm):
    """Deploy the stack, wait for every service, lose a worker, and wait for every service again."""
    swarm.deploy(STACK, name="vote")
    swarm.wait_stack("vote", timeout=300)  # the first deploy pulls every image
    snap = swarm.snapshot()
    assert sorted(s.name for s in snap.services) == sorted(SERVICES)

    victim = next(t.node_hostname for t in snap.tasks if t.node_hostname and t.node_hostname.startswith("worker"))
    swarm.node(victim).kill()
    snap = swarm.wait_stack("vote", timeout=300)
    assert all(t.node_hostname != victim for s in SERVICES for t in snap.running(s))
