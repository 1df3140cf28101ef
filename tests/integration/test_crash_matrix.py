"""Crashes, races and lost objects (issue 7 §5), each against the real engine through the `labkit` command."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import labkit
from labkit.host.engine import client
from labkit.widgets._model import board_model

from .conftest import unique

CLI = [sys.executable, "-m", "labkit.cli"]


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def objects(lab: str) -> list[str]:
    api = client().api
    flt = {"label": [f"labkit.lab={lab}"]}
    return ([f"container {c['Names'][0]}" for c in api.containers(all=True, filters=flt)]
            + [f"network {n['Name']}" for n in api.networks(filters=flt)]
            + [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []])


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
    proc = subprocess.Popen([*CLI, "up", "--name", name, "--managers", "3", "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    if objects(name):
        row = status_row(name)
        assert "half-built" in row and f"labkit down {name}" in row, f"{row!r}\n{cli('status').stdout}"
    if STEPS.index((step, delay)) % 2:
        res = cli("down", name)
        assert res.returncode in (0, 1) and "Traceback" not in res.stderr, res
    else:  # the next start of the same name with replace=True cleans up too
        labkit.Lab(managers=1, workers=0, name=name, quiet=True, replace=True).start().stop()
    assert objects(name) == [] and cgroups(name) == []


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
        subnet = {lab.name: client().api.inspect_network(lab.network_name)["IPAM"]["Config"][0]["Subnet"]
                  for lab in (la, lb)}
        assert subnet[a] != subnet[b]
        assert cli("down", a).returncode == 0
        assert objects(a) == []
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


# -- lost nodes and closed pipes -------------------------------------------------------------------------
def test_a_node_container_removed_behind_labkits_back_is_reported_everywhere(fresh_lab):
    lab = fresh_lab
    client().api.remove_container(lab.node("worker2").container_name, force=True)
    t0 = time.monotonic()
    snap = lab.snapshot()
    assert time.monotonic() - t0 < 5, "the snapshot must not hang on a missing container"
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
        res = subprocess.run(["bash", "-c", f"{sys.executable} -m labkit.cli {command} | head -1; "
                              "echo rc=${PIPESTATUS[0]} >&2"], capture_output=True, text=True, timeout=120)
        assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, (command, res.stderr)
        # 0 if all output was written before `head` left, else 141 (SIGPIPE), as Unix tools end
        assert "rc=0" in res.stderr or "rc=141" in res.stderr, (command, res.stderr)
        assert len(res.stdout.splitlines()) == 1


@pytest.fixture
def lab_for_pipes():
    with labkit.Lab(managers=1, workers=0, name=unique("pipe"), quiet=True) as lab:
        yield lab.name
