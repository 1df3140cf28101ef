"""Encrypted overlay networks (`--opt encrypted`) on a real swarm: traffic between nodes crosses them where the
kernel has IPsec ESP (AES-GCM), and where it has not, the network is created and its tasks run but nothing crosses
between nodes (what notebook 08 shows on such a host).

The swarm is labkit.testing's session swarm (1 manager + 2 workers): the tests remove the network, service and
container they add, so they leave it as they found it."""

from __future__ import annotations

import re

import pytest

NO_ESP = "this host's kernel has no IPsec ESP (AES-GCM)"
ASK_EACH_TASK = (
    'docker exec enc-probe sh -c \'for t in $(nslookup tasks.enc | sed -n "s/^Address: //p"); do '
    'r=$(timeout 3 wget -qO- http://$t | head -1); echo "$t ${r:-no-answer}"; done\''
)


pytestmark = pytest.mark.swarm(managers=1, workers=2)


@pytest.fixture
def encrypted(swarm):
    """An encrypted overlay `encnet`, a global service `enc` on it, and a probe container on manager1 attached to it;
    yields {task address: node} and the probe's answers {task address: "hostname: <container>" or "no-answer"}."""
    m = swarm.node("manager1")
    m.sh("docker network create --driver overlay --opt encrypted --attachable encnet")
    try:
        m.sh("docker service create -d --name enc --network encnet --mode global labkit/whoami")
        snap = swarm.wait_service("enc", running=len(swarm.nodes))
        m.sh("docker run -d --name enc-probe --network encnet busybox sleep 600")
        containers = {t.container_id[:12]: t.node_hostname for t in snap.running("enc")}
        lines = m.sh(ASK_EACH_TASK).stdout.strip().splitlines()
        answers = dict(line.split(" ", 1) for line in lines)
        served_by = {
            ip: containers.get(re.sub(r"^hostname: ", "", a), "?") if a != "no-answer" else None
            for ip, a in answers.items()
        }
        yield served_by
    finally:
        m.sh("docker rm -f enc-probe; docker service rm enc", check=False)
        swarm.wait(lambda s: not any(sv.name == "enc" for sv in s.services), what="enc removed")
        m.sh("for _ in $(seq 60); do docker network rm encnet 2>/dev/null && break; sleep 0.5; done", check=False)


def test_traffic_crosses_an_encrypted_overlay_between_nodes(swarm, request):
    if not swarm.capabilities.encrypted_overlay:
        pytest.skip(NO_ESP)
    encrypted = request.getfixturevalue("encrypted")
    assert len(encrypted) == len(swarm.nodes), encrypted
    assert all(encrypted.values()), f"a task gave no answer across the encrypted overlay: {encrypted}"
    assert set(encrypted.values()) == {n.name for n in swarm.nodes}, encrypted  # every node's task, manager1's too
    states = swarm.node("manager1").sh("ip xfrm state").stdout
    assert "proto esp" in states, f"no ESP state on manager1: the traffic was not encrypted\n{states}"


def test_without_esp_an_encrypted_overlay_carries_nothing_between_nodes(swarm, request):
    if swarm.capabilities.encrypted_overlay:
        pytest.skip("this host's kernel has IPsec ESP (AES-GCM): encrypted overlays work here")
    encrypted = request.getfixturevalue("encrypted")
    assert len(encrypted) == len(swarm.nodes), encrypted  # the network was created and every node runs its task
    local = {ip: node for ip, node in encrypted.items() if node}
    assert list(local.values()) == ["manager1"], f"expected only manager1's own task to answer: {encrypted}"
    assert swarm.node("manager1").sh("ip xfrm state").stdout.strip() == "", "the kernel holds ESP states after all"
    assert "proto esp" in swarm.node("manager1").sh("ip xfrm policy").stdout, "Docker asked for no ESP policy"
