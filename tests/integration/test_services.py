"""Services on a real swarm: spreading, scaling, global mode, the seed's commands, published ports.

The swarm is labkit.testing's session swarm (1 manager + 2 workers, shared with other files of this worker): these
tests only add services and remove them, so they leave it as they found it. The global-service test changes the
swarm's membership with labkit.Lab's add_worker/remove_node (Lab's own API is its subject), on a lab of its own.
"""

from __future__ import annotations

import pytest

import labkit

SHARED = pytest.mark.swarm(managers=1, workers=2)


@SHARED
def test_replicated_service_spreads_and_scales(swarm):
    m = swarm.node("manager1")
    m.sh("docker service create --detach --name web --replicas 3 labkit/whoami")
    snap = swarm.wait_service("web", running=3)
    assert len(snap.placement("web")) == 3, snap.placement("web")  # one per node on an empty swarm
    m.sh("docker service scale --detach web=6")
    snap = swarm.wait_service("web", running=6)
    assert sorted(snap.placement("web").values()) == [2, 2, 2]
    m.sh("docker service scale --detach web=1")
    snap = swarm.wait_service("web", running=1)
    assert snap.service("web").replicas == 1
    m.sh("docker service rm web")
    swarm.wait(lambda s: not s.services, what="no services")


@SHARED
def test_the_seed_nginx_command_runs_verbatim(swarm):
    out = swarm.node("manager1").sh("docker service create --name nginx --replicas 2 --publish 8080:80 nginx")
    assert "converged" in out.stdout + out.stderr
    snap = swarm.wait_service("nginx", running=2)
    nginx = snap.service("nginx")
    assert (nginx.image, nginx.replicas) == ("nginx:latest", 2)
    assert [(p.published, p.target) for p in nginx.ports] == [(8080, 80)]
    assert "nginx" in swarm.node("manager1").sh("docker service ls").stdout
    swarm.node("manager1").sh("docker service rm nginx")
    swarm.wait(lambda s: not s.services, what="no services")


@SHARED
def test_host_mode_publishing_answers_through_the_http_helper(swarm):
    swarm.node("manager1").sh(
        "docker service create --detach --name who --mode global "
        "--publish mode=host,published=8081,target=80 labkit/whoami"
    )
    snap = swarm.wait_service("who", running=3)
    replies = swarm.http_to("worker2", 8081, count=3)
    assert all(r.ok and r.status == 200 for r in replies), replies
    container_ids = {t.container_id[:12] for t in snap.running("who") if t.node_hostname == "worker2"}
    assert {r.served_by for r in replies} <= container_ids
    with pytest.raises(labkit.InvalidInput, match="port must be"):
        swarm.http_to("worker2", 70000)
    swarm.node("manager1").sh("docker service rm who")
    swarm.wait(lambda s: not s.services, what="no services")


@SHARED
def test_routing_mesh_answers_on_every_node(swarm):
    if not swarm.capabilities.routing_mesh:
        pytest.skip(
            "this host's kernel has no IPVS, so the ingress routing mesh cannot work: "
            + swarm.capabilities.reason["routing_mesh"]
        )
    swarm.node("manager1").sh("docker service create --detach --name mesh --replicas 1 --publish 8090:80 labkit/whoami")
    snap = swarm.wait_service("mesh", running=1)
    empty = [n.name for n in swarm.nodes if n.name not in snap.placement("mesh")]
    for node in empty:  # nodes without a task still answer
        assert all(r.ok for r in swarm.http_to(node, 8090, count=2))
    swarm.node("manager1").sh("docker service rm mesh")
    swarm.wait(lambda s: not s.services, what="no services")


@SHARED
def test_without_ipvs_the_mesh_fails_but_tasks_run(swarm):
    if swarm.capabilities.routing_mesh:
        pytest.skip("this host has IPVS: the routing mesh works (covered by test_routing_mesh_answers_on_every_node)")
    swarm.node("manager1").sh(
        "docker service create --detach --name nomesh --replicas 1 --publish 8091:80 labkit/whoami"
    )
    snap = swarm.wait_service("nomesh", running=1)
    assert snap.service("nomesh").ports[0].published == 8091
    replies = swarm.http_to("worker1", 8091, count=1, timeout=2)
    assert not replies[0].ok and replies[0].error
    swarm.node("manager1").sh("docker service rm nomesh")
    swarm.wait(lambda s: not s.services, what="no services")


def test_global_service_follows_nodes_added_later_and_leaves_drained_ones(fresh_lab):
    lab = fresh_lab
    lab.node("manager1").sh("docker service create --detach --name agent --mode global busybox sleep 1d")
    snap = lab.wait_service("agent", running=3)
    assert snap.placement("agent") == {"manager1": 1, "worker1": 1, "worker2": 1}
    new = lab.add_worker()
    assert new.name == "worker3"
    snap = lab.wait_service("agent", running=4)
    assert snap.placement("agent").get("worker3") == 1
    lab.node("manager1").sh("docker node update --availability drain worker1")
    snap = lab.wait(
        lambda s: "worker1" not in s.placement("agent") and len(s.running("agent")) == 3,
        what="agent gone from drained worker1",
    )
    assert snap.node("worker1").availability == "drain"
    lab.remove_node("worker3")
    snap = lab.wait(lambda s: "worker3" not in [n.hostname for n in s.nodes], what="worker3 removed")
    assert [n.name for n in lab.nodes] == ["manager1", "worker1", "worker2"]
    with pytest.raises(labkit.UnknownNode):
        lab.node("worker3")
    # After a gap in the numbering, a new node takes the next free number, never an existing name.
    lab.remove_node("worker1")
    assert lab.add_worker().name == "worker3"
    assert [n.name for n in lab.nodes] == ["manager1", "worker2", "worker3"]
