"""Crashes, races and lost objects (issue 7 §5), each against the real engine through the `labkit` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import labkit
from labkit.base.facts import REGISTRY_CONTAINER
from labkit.base.poll import poll
from labkit.host import engine
from labkit.host.engine import client
from labkit.images.specs import IMAGES
from labkit.widgets._model import board_model

from ..nested_engine import nested_engine
from ..support import HANG
from .conftest import lab_objects, unique, wait_gone

CLI = [sys.executable, "-m", "labkit.cli"]


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def cgroups(lab: str) -> list[Path]:
    return sorted(Path("/sys/fs/cgroup").glob(f"*/labkit/{lab}-*"))


def probes() -> list[str]:
    return [c["Names"][0] for c in client().api.containers(all=True, filters={"label": "labkit.kind=probe"})]


def status_row(lab: str) -> str:
    out = cli("status").stdout
    return next((line for line in out.splitlines() if line.split()[:1] == [lab]), "")


# -- SIGKILL during each start step ------------------------------------------------------------------
STEPS = [  # (step as `labkit up` announces it, seconds to let it run before the kill)
    ("create the lab network", 0.0),
    ("provision nodes and the lab registry", 0.2),
    ("wait for each node's Docker engine", 0.2),
    ("docker swarm init", 0.3),
    ("join managers", 0.4),
    ("join workers", 0.1),
    ("wait until every node is Ready", 0.0),
]


@pytest.mark.parametrize("step,delay", STEPS, ids=[s for s, _ in STEPS])
def test_sigkill_during_a_start_step_leaves_a_stale_lab_that_one_command_removes(step, delay):
    name = unique("kill")
    proc = subprocess.Popen(
        [*CLI, "up", "--name", name, "--managers", "3", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if f"] {step}" in line:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    out = "".join(seen)
    assert proc.returncode == -signal.SIGKILL, out
    assert "is ready" not in out, f"the start finished before the kill; the step was not interrupted:\n{out}"
    time.sleep(0.5)  # requests the dead process had sent are still finished by the engine
    if lab_objects(name):
        row = status_row(name)
        assert "half-built" in row and f"labkit down {name}" in row, f"{row!r}\n{cli('status').stdout}"
    if STEPS.index((step, delay)) % 2:
        res = cli("down", name)
        assert res.returncode in (0, 1) and "Traceback" not in res.stderr, res
    else:  # the next start of the same name with replace=True cleans up too
        labkit.Lab(managers=1, workers=0, name=name, quiet=True, replace=True).start().stop()
    wait_gone(name)  # the node volumes go last, from a detached process
    assert cgroups(name) == []


def test_a_probe_left_by_a_killed_process_goes_with_the_next_teardown():
    from labkit.base.facts import labels_for, probe_name

    api = client().api
    # What a process killed between creating and starting its probe leaves behind.
    left = api.create_container("labkit/node:latest", ["true"], name=probe_name("killed"), labels=labels_for("probe"))
    time.sleep(2.1)  # a younger probe may belong to a process probing right now
    res = cli("down", unique("probe"))
    assert res.returncode == 1 and "no lab named" in res.stderr  # no such lab; the sweep runs anyway
    leftovers = probes()
    for _ in leftovers:
        api.remove_container(left["Id"], force=True)
    assert leftovers == []


# -- races ----------------------------------------------------------------------------------------
def run_together(*commands: list[str]) -> list[subprocess.CompletedProcess]:
    results: list = [None] * len(commands)
    barrier = threading.Barrier(len(commands))

    def go(i: int) -> None:
        barrier.wait()
        results[i] = subprocess.run([*CLI, *commands[i]], capture_output=True, text=True, timeout=240)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(commands))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_labs_started_at_the_same_moment_both_work_and_stay_apart():
    a, b = unique("pair"), unique("pair")
    try:
        ra, rb = run_together(["up", "--name", a, "--workers", "1"], ["up", "--name", b, "--workers", "1"])
        assert ra.returncode == 0 and rb.returncode == 0, (ra.stderr, rb.stderr)
        la, lb = labkit.Lab.attach(a), labkit.Lab.attach(b)
        subnet = {
            lab.name: client().api.inspect_network(lab.network_name)["IPAM"]["Config"][0]["Subnet"] for lab in (la, lb)
        }
        assert subnet[a] != subnet[b]
        assert cli("down", a).returncode == 0
        wait_gone(a)
        snap = lb.snapshot()
        assert snap.error is None and all(n.state == "ready" for n in snap.nodes)
        lb.node("worker1").sh("docker pull -q busybox")  # the shared registry still serves b
    finally:
        cli("down", a), cli("down", b)


def test_two_starts_of_the_same_name_one_wins_the_other_leaves_nothing():
    name = unique("same")
    try:
        results = run_together(["up", "--name", name, "--workers", "1"], ["up", "--name", name, "--workers", "1"])
        codes = sorted(r.returncode for r in results)
        assert codes == [0, 1], [(r.returncode, r.stderr[-300:]) for r in results]
        loser = next(r for r in results if r.returncode == 1)
        assert "already exists" in loser.stderr and "Traceback" not in loser.stderr
        api = client().api
        flt = {"label": [f"labkit.lab={name}"]}
        instances = {c["Labels"]["labkit.instance"] for c in api.containers(all=True, filters=flt)}
        instances |= {n["Labels"]["labkit.instance"] for n in api.networks(filters=flt)}
        assert len(instances) == 1, f"objects of both starts remain: {instances}"
        snap = labkit.Lab.attach(name).snapshot()
        assert [n.state for n in snap.nodes] == ["ready", "ready"]
    finally:
        cli("down", name)


# -- teardown ---------------------------------------------------------------------------------------
LINGER = 3.0  # seconds the registry outlives the last lab here (LABKIT_REGISTRY_LINGER; 30 s by default)


@pytest.fixture(scope="module")
def own_engine():
    """An engine of this module's own (tests/nested_engine.py): on the host engine, the labs of tests running
    alongside would rightly keep the registry."""
    with nested_engine(f"crash-engine-{uuid.uuid4().hex[:6]}", [spec.tag for spec in IMAGES]) as url:
        yield url


@pytest.fixture
def on_own_engine(own_engine):
    """This process, and the `labkit` commands it runs, use the module's own engine."""
    before = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = own_engine
    engine.client.cache_clear()
    engine.engine_id.cache_clear()
    yield own_engine
    os.environ.pop("DOCKER_HOST")
    if before is not None:
        os.environ["DOCKER_HOST"] = before
    engine.client.cache_clear()
    engine.engine_id.cache_clear()


def registry_containers() -> list[str]:
    found = client().api.containers(all=True, filters={"label": "labkit.kind=registry"})
    return [c["Names"][0].lstrip("/") for c in found]


def test_eight_labs_taken_down_at_once_release_the_registry_once_it_has_lingered(on_own_engine, monkeypatch):
    # Each `labkit down` sees the other labs' networks; the registry must still go after the last one. Engines-only
    # 1+0 labs take the same teardown path as 1+2 swarms (a lab network, node containers, the registry attached to
    # the network, node volumes), at an eighth of the cost on 2 cores.
    monkeypatch.setenv("LABKIT_REGISTRY_LINGER", str(LINGER))  # inherited by the `labkit down` processes
    names = [unique("par") for _ in range(8)]
    for name in names:
        labkit.Lab(managers=1, workers=0, name=name, quiet=True, swarm=False).start()
    assert registry_containers() == [REGISTRY_CONTAINER]
    results = run_together(*[["down", name] for name in names])
    assert [r.returncode for r in results] == [0] * 8, [r.stderr[-300:] for r in results]
    poll(
        registry_containers,
        lambda left: left == [],
        timeout=LINGER + HANG,
        interval=0.5,
        what="the registry to go once it has lingered after the last lab",
    )
    for name in names:
        wait_gone(name)


def node_volumes(lab: str) -> set[str]:
    flt = {"label": [f"labkit.lab={lab}", "labkit.kind=volume"]}
    return {v["Name"] for v in (client().api.volumes(filters=flt) or {}).get("Volumes") or []}


def test_a_lab_that_ran_services_goes_before_its_volumes_and_the_same_name_starts_again_at_once():
    name = unique("svc")
    lab = labkit.Lab(managers=1, workers=2, name=name, quiet=True).start()
    try:
        lab.node("manager1").sh("docker service create --detach --name web --replicas 4 --publish 8080:80 nginx")
        lab.wait_service("web", running=4, timeout=120)  # image layers and task containers in every node's volume
        old = node_volumes(name)
        assert len(old) == 3
        assert cli("down", name).returncode == 0
        up = cli("up", "--name", name, "--workers", "1")  # while the old volumes may still be being deleted
        assert up.returncode == 0, up.stderr
        assert [n.name for n in labkit.Lab.attach(name).nodes] == ["manager1", "worker1"], "no node of the old lab"
        row = status_row(name)
        assert "running" in row and "removed" not in row, row
        assert len(node_volumes(name) - old) == 2, "the new lab's volumes have names of their own"
        poll(
            lambda: node_volumes(name) & old,
            lambda left: not left,
            timeout=HANG,
            interval=0.2,
            what="the removed lab's volumes to be deleted",
        )
    finally:
        cli("down", name)
    wait_gone(name)


# -- lost nodes and closed pipes -------------------------------------------------------------------------
def test_a_node_container_removed_behind_labkits_back_is_reported_everywhere(fresh_lab):
    lab = fresh_lab
    client().api.remove_container(lab.node("worker2").container_name, force=True)
    t0 = time.monotonic()
    snap = lab.snapshot()
    seconds = time.monotonic() - t0
    assert seconds < HANG, f"the snapshot hung on a missing container ({seconds:.0f} s)"  # catches a hang, not slowness
    assert snap.missing == ("worker2",) and "missing node container(s): worker2" in snap.describe()
    row = status_row(lab.name)
    assert "degraded" in row and "removed outside labkit: worker2" in row, row
    detail = cli("status", lab.name)
    assert detail.returncode == 0 and "removed" in detail.stdout, detail
    model = board_model(snap)
    w2 = next(n for n in model["nodes"] if n["hostname"] == "worker2")
    assert w2["down"] and w2["fault"] == "removed"
    with pytest.raises(labkit.LabkitError, match="removed outside labkit"):
        lab.node("worker2").sh("true")


def test_a_closed_pipe_ends_the_command_quietly(lab_for_pipes):
    for command in (f"exec {lab_for_pipes} manager1 -- docker node ls", "status", "images ls", "--help"):
        res = subprocess.run(
            ["bash", "-c", f"{sys.executable} -m labkit.cli {command} | head -1; echo rc=${{PIPESTATUS[0]}} >&2"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, (command, res.stderr)
        # 0 if all output was written before `head` left, else 141 (SIGPIPE), as Unix tools end
        assert "rc=0" in res.stderr or "rc=141" in res.stderr, (command, res.stderr)
        assert len(res.stdout.splitlines()) == 1


@pytest.fixture
def lab_for_pipes():
    with labkit.Lab(managers=1, workers=0, name=unique("pipe"), quiet=True) as lab:
        yield lab.name
