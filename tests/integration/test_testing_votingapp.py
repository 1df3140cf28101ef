"""A stack no one here wrote, on a real swarm: dockersamples' example voting app (examples/voting-app).

The stack file is deployed exactly as published. Our machines cannot pull its five images, so each is replaced by a
stand-in built offline (tests/standins/votingapp.Dockerfile), loaded into every node under the real image's name,
and removed from the host afterwards; `--resolve-image never` because no registry can give their digests.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from labkit.host.engine import client

ROOT = Path(__file__).parent.parent.parent
STACK = ROOT / "examples" / "voting-app" / "docker-stack.yml"
STANDINS = ROOT / "tests" / "standins"
# The stack's images: (name in the stack file, port the stand-in listens on; 0 for none)
IMAGES = {
    "redis:alpine": 6379,
    "postgres:15-alpine": 5432,
    "dockersamples/examplevotingapp_vote:latest": 80,
    "dockersamples/examplevotingapp_result:latest": 80,
    "dockersamples/examplevotingapp_worker:latest": 0,
}
SERVICES = {"vote_redis": 1, "vote_db": 1, "vote_vote": 2, "vote_result": 1, "vote_worker": 2}


def _standin_tag(image: str) -> str:
    """Where a stand-in lives on the host: never under the real name, so a real image there is left alone."""
    return "labkit-standin/votingapp-" + image.split("/")[-1].replace(":", "-")


@pytest.fixture(scope="module")
def standins():
    """Build the stand-ins on the host engine; remove them after the module."""
    api = client().api
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        tar.add(STANDINS / "votingapp.Dockerfile", arcname="Dockerfile")
    built = []
    try:
        for image, port in IMAGES.items():
            context.seek(0)
            for line in api.build(
                fileobj=context,
                custom_context=True,
                tag=_standin_tag(image),
                rm=True,
                buildargs={"ROLE": image, "PORT": str(port)},
                decode=True,
            ):
                assert "error" not in line, line
            built.append(_standin_tag(image))
        yield
    finally:
        for tag in built:
            api.remove_image(tag, force=True)


@pytest.mark.swarm(managers=1, workers=2, fresh=True)
def test_the_voting_app_converges_and_converges_again_after_a_worker_dies(swarm, standins):
    assert "dockersamples/examplevotingapp_vote" in STACK.read_text(), "the stack file is the published one"
    for image in IMAGES:
        swarm.load_image(_standin_tag(image), as_name=image)
    swarm.deploy(STACK, name="vote", resolve_image="never")
    snap = swarm.wait_stack("vote", timeout=180)
    assert {s.name: s.replicas for s in snap.services} == SERVICES
    assert swarm.http("vote_vote", "/").body.strip() == "stand-in for dockersamples/examplevotingapp_vote:latest"

    busy = snap.placement("vote_vote") | snap.placement("vote_worker") | snap.placement("vote_db")
    victim = next(h for h in ("worker1", "worker2") if h in busy)
    swarm.node(victim).kill()
    snap = swarm.wait_stack("vote", timeout=180)
    assert snap.node(victim).state == "down"
    for service, replicas in SERVICES.items():
        assert len(snap.running(service)) == replicas, snap.describe()
        assert victim not in snap.placement(service)
