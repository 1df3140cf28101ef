"""One level deeper (issue 7 §5 engine restart, §6 online path, §7 nesting): labs inside a learner's own Docker
engine.

The learner engine is a real dockerd in a Docker-in-Docker container (tests/nested_engine.py), the way a
workshop gives each learner an engine. Restarting it is what a Docker Desktop restart or a laptop reboot
does to a lab, without disturbing the host engine the rest of the suite uses; and an engine of its own is
where "the registry goes with the last lab", `labkit down --all` and the online image path can be asserted
while other tests run labs on the host engine.

The online path: our machines reach no registry, so stand-ins for the official images are built there from
the offline ones under the exact tags the online path pulls (tests/standins/, labelled labkit.standin=true);
the online path finds them as `docker pull` finds an image already present, builds labkit's images from them
under a separate namespace, and a 1+2 lab runs the tutorial's nginx service.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import docker
import pytest

import labkit
from labkit.base.facts import REGISTRY_CONTAINER, REGISTRY_VOLUME
from labkit.base.poll import poll
from labkit.host import cgroups, engine, image_store
from labkit.images.specs import BUSYBOX, DIND_IMAGE, IMAGES, NGINX, REGISTRY_ONLINE_IMAGE
from labkit.swarm.waits import all_ready

from ..nested_engine import nested_engine
from ..support import two_nginx_tasks_run
from .conftest import unique

HOST_ENGINE = os.environ.get("DOCKER_HOST")  # the engine the learner engine runs on


def use_engine(url: str | None) -> None:
    """Point this process's labkit at another engine (DOCKER_HOST; None: back to the host's), forgetting the client."""
    if url is None:
        os.environ.pop("DOCKER_HOST", None)
        if HOST_ENGINE:
            os.environ["DOCKER_HOST"] = HOST_ENGINE
    else:
        os.environ["DOCKER_HOST"] = url
    engine.client.cache_clear()
    engine.engine_id.cache_clear()


@pytest.fixture(scope="module")
def learner():
    name = f"learner-{uuid.uuid4().hex[:6]}"
    with nested_engine(name, [spec.tag for spec in IMAGES]) as url:
        yield name, url
    use_engine(None)


@pytest.fixture
def inside(learner, monkeypatch):
    use_engine(learner[1])
    monkeypatch.setenv("LABKIT_REGISTRY_LINGER", "0")  # each test here sees the registry as its labs leave it
    yield learner
    use_engine(None)


def labkit_cli(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DOCKER_HOST": url, **(env or {})},
    )


def probe_containers() -> list:
    return engine.client().api.containers(all=True, filters={"label": "labkit.kind=probe"})


def test_one_level_deeper_the_probe_is_measured_once_and_a_lab_serves(inside):
    _, url = inside
    with labkit.Lab(managers=1, workers=1, name=unique("deep"), quiet=True) as lab:
        assert lab.mode == "privileged", "a nested Docker 26 engine grants --privileged (only existing caps)"
        lab.manager.sh("docker service create --detach --name web --replicas 4 labkit/whoami")
        snap = lab.wait_service("web", running=4, timeout=120)
        assert set(snap.placement("web")) == {"manager1", "worker1"}
    remembered = engine.client().api.volumes(filters={"label": "labkit.kind=probe-result"})["Volumes"]
    assert len(remembered) == 1 and remembered[0]["Labels"]["labkit.mode"] == "privileged"
    assert probe_containers() == [], "no probe container outlives its probe"
    res = labkit_cli(url, "up", "--name", "again", "--workers", "0")  # a new process reads the remembered result
    assert res.returncode == 0 and "privileged mode" in res.stdout, res
    assert probe_containers() == []
    assert labkit_cli(url, "down", "again").returncode == 0


def test_restricted_mode_drops_only_capabilities_that_exist(inside, monkeypatch):
    monkeypatch.setenv("LABKIT_NODE_MODE", "restricted")
    name = unique("deepr")
    try:
        with labkit.Lab(managers=1, workers=1, name=name, quiet=True) as lab:
            caps = engine.client().api.inspect_container(lab.node("worker1").container_name)["HostConfig"]
            assert caps["CapAdd"] == ["ALL"] and not caps["CapDrop"], "SYS_RESOURCE is already gone one level down"
            lab.manager.sh("docker service create --detach --name web --replicas 2 labkit/whoami")
            lab.wait_service("web", running=2, timeout=120)
    finally:
        use_engine(None)
        cgroups.remove_cgroups(name)  # restricted nodes' cgroups land at the host's root, beside the learner's
        assert cgroups.leftover_cgroups(name) == []


def test_after_an_engine_restart_the_lab_comes_back_and_status_says_how_to_fix_the_rest(inside):
    learner_name, url = inside
    lab = labkit.Lab(managers=1, workers=2, name=unique("boot"), quiet=True).start()
    try:
        lab.node("worker2").kill()  # a learner's crash before the restart must stay a crash
        host = docker.DockerClient(base_url=HOST_ENGINE or "unix:///var/run/docker.sock")
        host.containers.get(learner_name).restart(timeout=20)  # the engine stops every container and comes back
        use_engine(url)
        poll(lambda: engine.engine_answers(timeout=1), bool, timeout=60, what="the learner engine to answer again")
        again = labkit.Lab.attach(lab.name)
        snap = again.wait(all_ready(["manager1", "worker1"]), timeout=90, what="nodes back after the restart")
        assert snap.node("worker2").fault == "killed"
        res = labkit_cli(url, "status")
        row = next(line for line in res.stdout.splitlines() if line.startswith(lab.name))
        assert "degraded" in row and f"docker start {lab.name}-worker2" in row, res.stdout
        fix = subprocess.run(
            ["docker", "start", f"{lab.name}-worker2"],
            capture_output=True,
            text=True,
            env={**os.environ, "DOCKER_HOST": url},
        )  # the one command status gave, as typed
        assert fix.returncode == 0, fix.stderr
        again.wait(all_ready(["manager1", "worker1", "worker2"]), timeout=90, what="worker2 back")
        row = next(line for line in labkit_cli(url, "status").stdout.splitlines() if line.startswith(lab.name))
        assert "running" in row, row
        again.node("worker1").sh("docker pull -q busybox")  # the registry came back too
    finally:
        lab.stop()


def registry_containers() -> list[str]:
    return [
        c["Names"][0].lstrip("/")
        for c in engine.client().api.containers(all=True, filters={"label": "labkit.kind=registry"})
    ]


def test_the_registry_runs_while_a_lab_does_and_goes_with_the_last_lab(inside, monkeypatch):
    # An engine of its own: no other lab (of another test, or of the learner) can keep the registry alive.
    monkeypatch.setenv("LABKIT_REGISTRY_LINGER", "0")  # no grace period for a next lab: it goes at once
    assert not labkit.list_labs()
    with labkit.Lab(managers=1, workers=0, name=unique("reg"), quiet=True) as one:
        assert registry_containers() == [REGISTRY_CONTAINER]
        with labkit.Lab(managers=1, workers=0, name=unique("reg"), quiet=True):
            one.node("manager1").sh("docker pull -q busybox")  # through the mirror, no internet
        assert registry_containers() == [REGISTRY_CONTAINER], "the registry stays while a lab is left"
    assert registry_containers() == [], "the registry container goes with the last lab"
    assert engine.client().api.inspect_volume(REGISTRY_VOLUME), "its data volume stays as a cache"


def test_down_all_spares_containers_labkit_did_not_create(inside):
    _, url = inside
    api = engine.client().api
    bystander = api.create_container(
        "labkit/busybox:latest", ["sleep", "300"], name=unique("bystander"), labels={"owner": "someone-else"}
    )
    api.start(bystander["Id"])
    try:
        assert labkit_cli(url, "up", "--name", unique("cli"), "--workers", "0").returncode == 0
        res = labkit_cli(url, "down", "--all")
        assert res.returncode == 0, res.stderr
        assert api.inspect_container(bystander["Id"])["State"]["Running"]
        assert api.containers(all=True, filters={"label": "labkit.managed=true"}) == []
        assert (api.volumes(filters={"label": "labkit.managed=true"}) or {}).get("Volumes") in (None, [])
    finally:
        api.remove_container(bystander["Id"], force=True)


def test_after_the_last_lab_the_registry_lingers_then_goes_by_itself(inside, monkeypatch):
    monkeypatch.setenv("LABKIT_REGISTRY_LINGER", "3")
    with labkit.Lab(managers=1, workers=0, name=unique("linger"), quiet=True):
        pass
    assert registry_containers() == [REGISTRY_CONTAINER], "a lab started right away reuses it"
    poll(registry_containers, lambda names: names == [], timeout=30, what="the registry to go after the linger")


STANDINS = Path(__file__).resolve().parents[1] / "standins"
OFFICIAL = {DIND_IMAGE: "dind", REGISTRY_ONLINE_IMAGE: "registry", NGINX.online: "nginx", BUSYBOX.online: "busybox"}


def test_the_online_path_builds_its_images_and_runs_a_lab(inside):
    _, url = inside
    for tag, recipe in OFFICIAL.items():  # marked stand-ins; the learner engine goes away after this module
        image_store.build(str(STANDINS), f"{recipe}.Dockerfile", tag, {"labkit.standin": "true"})
    env = {"LABKIT_OFFLINE": "0", "LABKIT_IMAGE_NAMESPACE": "labkit-online-test"}
    assert registry_containers() == [], "no registry of an earlier test: the online lab starts its own"
    pulled = labkit_cli(url, "images", "pull", env=env)
    assert pulled.returncode == 0, pulled.stderr
    assert f"FROM {DIND_IMAGE}" in pulled.stdout and "debootstrap" not in pulled.stdout
    name = unique("online")
    up = labkit_cli(url, "up", "--name", name, "--workers", "2", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert REGISTRY_ONLINE_IMAGE in up.stdout, "the lab registry runs the official registry image"
    assert (
        engine.client().api.inspect_container(f"{name}-worker1")["Config"]["Image"] == "labkit-online-test/node:latest"
    )
    two_nginx_tasks_run(lambda *args: labkit_cli(url, *args, env=env), name)
    assert labkit_cli(url, "down", name, env=env).returncode == 0
