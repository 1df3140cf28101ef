"""Services on a real swarm: spreading, scaling, global mode, the seed's commands, published ports."""

from __future__ import annotations

import pytest

import labkit


def test_replicated_service_spreads_and_scales(lab):
    m = lab.node("manager1")
    m.sh("docker service create --detach --name web --replicas 3 labkit/whoami")
    snap = lab.wait_service("web", running=3)
    assert len(snap.placement("web")) == 3, snap.placement("web")  # one per node on an empty swarm
    m.sh("docker service scale --detach web=6")
    snap = lab.wait_service("web", running=6)
    assert sorted(snap.placement("web").values()) == [2, 2, 2]
    m.sh("docker service scale --detach web=1")
    snap = lab.wait_service("web", running=1)
    assert snap.service("web").replicas == 1
    m.sh("docker service rm web")
    lab.wait(lambda s: not s.services, what="no services")


def test_the_seed_nginx_command_runs_verbatim(lab):
    out = lab.node("manager1").sh("docker service create --name nginx --replicas 2 --publish 8080:80 nginx")
    assert "converged" in out.stdout + out.stderr
    snap = lab.wait_service("nginx", running=2)
    nginx = snap.service("nginx")
    assert (nginx.image, nginx.replicas) == ("nginx:latest", 2)
    assert [(p.published, p.target) for p in nginx.ports] == [(8080, 80)]
    assert "nginx" in lab.node("manager1").sh("docker service ls").stdout
    lab.node("manager1").sh("docker service rm nginx")
    lab.wait(lambda s: not s.services, what="no services")


def test_host_mode_publishing_answers_through_the_http_helper(lab):
    lab.node("manager1").sh("docker service create --detach --name who --mode global "
                            "--publish mode=host,published=8081,target=80 labkit/whoami")
    snap = lab.wait_service("who", running=3)
    replies = lab.http("worker2", 8081, count=3)
    assert all(r.ok and r.status == 200 for r in replies), replies
    container_ids = {t.container_id[:12] for t in snap.running("who") if t.node_hostname == "worker2"}
    assert {r.served_by for r in replies} <= container_ids
    lab.node("manager1").sh("docker service rm who")
    lab.wait(lambda s: not s.services, what="no services")


def test_routing_mesh_answers_on_every_node(lab):
    if not lab.capabilities.routing_mesh:
        pytest.skip("this host's kernel has no IPVS, so the ingress routing mesh cannot work: "
                    + lab.capabilities.reason["routing_mesh"])
    lab.node("manager1").sh("docker service create --detach --name mesh --replicas 1 --publish 8090:80 labkit/whoami")
    snap = lab.wait_service("mesh", running=1)
    empty = [n.name for n in lab.nodes if n.name not in snap.placement("mesh")]
    for node in empty:  # nodes without a task still answer
        assert all(r.ok for r in lab.http(node, 8090, count=2))
    lab.node("manager1").sh("docker service rm mesh")


def test_without_ipvs_the_mesh_fails_but_tasks_run(lab):
    if lab.capabilities.routing_mesh:
        pytest.skip("this host has IPVS: the routing mesh works (covered by test_routing_mesh_answers_on_every_node)")
    lab.node("manager1").sh("docker service create --detach --name nomesh --replicas 1 --publish 8091:80 labkit/whoami")
    snap = lab.wait_service("nomesh", running=1)
    assert snap.service("nomesh").ports[0].published == 8091
    replies = lab.http("worker1", 8091, count=1, timeout=2)
    assert not replies[0].ok and replies[0].error
    lab.node("manager1").sh("docker service rm nomesh")


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
    snap = lab.wait(lambda s: "worker1" not in s.placement("agent") and len(s.running("agent")) == 3,
                    what="agent gone from drained worker1")
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
