"""Laptops in a room without Docker Hub (issue 12 §1): `labkit images export FILE` on an engine that has the images,
`labkit images import FILE` on a fresh engine that never had any, and a lab starts there with no build and no
download. A truncated, damaged or foreign file is refused before anything is loaded.

The fresh engine is a learner engine one level down (tests/nested_engine.py) started with no image at all. Its
labkit is offline (LABKIT_OFFLINE=1) and its Debian mirror is unreachable, so a build would fail with
ImageUnavailable: a lab that starts there was started from the imported images and the imported registry cache.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import docker
import pytest

from labkit.base.facts import LABEL_HOST, LABEL_PID, REGISTRY_VOLUME, labels_for
from labkit.host.image_transfer import KIND_VOLUME_COPY
from labkit.images.archive import verify
from labkit.images.specs import BUSYBOX, IMAGES, LABEL_RECIPE

from ..nested_engine import nested_engine
from ..support import HANG, interruptible, two_nginx_tasks_run
from .conftest import unique

OFFLINE = {
    "LABKIT_OFFLINE": "1",
    "LABKIT_DEBIAN_MIRROR": "http://127.0.0.1:9/debian",  # port 9: refused at once
    "LABKIT_REGISTRY_LINGER": "0",
    "LABKIT_POOL": "0",
    "PYTHONUNBUFFERED": "1",
}


def cli(*args: str, url: str | None = None) -> subprocess.CompletedProcess:
    """`labkit ARGS` as a learner types it, on the host engine or (url) a learner engine, offline."""
    env = {**os.environ, **OFFLINE, **({"DOCKER_HOST": url} if url else {})}
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


def engine_state(url: str) -> tuple[list[str], list[str], list[str]]:
    """Every image tag, volume and container of an engine."""
    with closing(docker.DockerClient(base_url=url)) as inner:
        return (
            sorted(t for i in inner.images.list(all=True) for t in i.tags or [i.id]),
            sorted(v.name for v in inner.volumes.list()),
            sorted(c.name for c in inner.containers.list(all=True)),
        )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Iterator[tuple[Path, subprocess.CompletedProcess]]:
    path = tmp_path_factory.mktemp("room") / "labkit-images.tar"
    yield path, cli("images", "export", str(path))
    path.unlink(missing_ok=True)  # 235 MB: pytest keeps the temp folders of the last runs


def test_export_writes_one_archive_with_every_image_and_the_registry_cache(exported):
    path, res = exported
    assert res.returncode == 0, res.stdout + res.stderr
    assert not path.with_name(path.name + ".partial").exists()
    manifest = verify(path, log=lambda line: None).manifest
    assert {e.tag for e in manifest.images} >= {s.tag for s in IMAGES}
    assert {e.key: e.recipe for e in manifest.images if e.key} == {s.key: s.recipe() for s in IMAGES}
    assert [m.kind for m in manifest.members].count("registry-cache") == 1
    assert re.search(r"labkit/node:latest: \d+ MB \.\.\.\n", res.stdout), "progress while the node image is written"
    assert f"✓ wrote {path}" in res.stdout


@pytest.fixture
def broken_copies(exported) -> Iterator[dict[str, Path]]:
    path, _ = exported
    folder = path.parent / f"broken-{uuid.uuid4().hex[:4]}"
    folder.mkdir()
    data = path.read_bytes()
    manifest = verify(path, log=lambda line: None)
    offset, size = manifest.spans[next(m.name for m in manifest.manifest.members if m.kind == "images")]
    flipped = bytearray(data)
    flipped[offset + size // 2] ^= 0x40
    copies = {"truncated": data[: len(data) * 2 // 3], "flipped": bytes(flipped), "random": os.urandom(3 << 20)}
    for name, content in copies.items():
        (folder / f"{name}.tar").write_bytes(content)
    yield {name: folder / f"{name}.tar" for name in copies}
    shutil.rmtree(folder)


def test_a_truncated_damaged_or_foreign_file_is_refused_and_nothing_is_loaded(broken_copies):
    what = {"truncated": "is truncated", "flipped": "does not match its sha256", "random": "is not a labkit image"}
    with nested_engine(f"room-{uuid.uuid4().hex[:6]}", []) as url:
        before = engine_state(url)
        for name, path in broken_copies.items():
            res = cli("images", "import", str(path), url=url)
            assert res.returncode == 1, res
            assert what[name] in res.stderr and "nothing was loaded" in res.stderr, res.stderr
            assert "Fix: copy the file again" in res.stderr or name == "random", res.stderr
            assert "Traceback" not in res.stderr and res.stderr.startswith("labkit: "), res.stderr
            assert engine_state(url) == before == ([], [], []), f"{name}: the engine must stay empty"


def test_after_an_import_a_lab_starts_with_no_build_and_no_download(exported):
    path, _ = exported
    with nested_engine(f"room-{uuid.uuid4().hex[:6]}", []) as url:
        with closing(docker.DockerClient(base_url=url)) as inner:  # a helper container a killed import left behind
            inner.images.load(docker.from_env().images.get(BUSYBOX.tag).save(named=BUSYBOX.tag))
            dead = {**labels_for(KIND_VOLUME_COPY), LABEL_PID: "999999999", LABEL_HOST: os.uname().nodename}
            inner.containers.create(BUSYBOX.tag, ["true"], labels=dead)
        for attempt in ("first", "again"):  # importing twice is fine
            res = cli("images", "import", str(path), url=url)
            assert res.returncode == 0, f"{attempt}: {res.stdout}{res.stderr}"
            assert "every member's sha256" in res.stdout and "$ docker load" in res.stdout
        tags, volumes, containers = engine_state(url)
        assert REGISTRY_VOLUME in volumes and containers == [], "no helper container is left, nor the old one"
        with closing(docker.DockerClient(base_url=url)) as inner:
            for spec in IMAGES:
                assert inner.images.get(spec.tag).labels.get(LABEL_RECIPE) == spec.recipe(), spec.tag
        name = unique("room")
        up = cli("up", "--name", name, "--workers", "2", url=url)
        try:
            assert up.returncode == 0, up.stdout + up.stderr
            for word in ("debootstrap", "building", "docker pull", "docker push"):
                assert word not in up.stdout, f"{word!r}: the lab must start from what was imported\n{up.stdout}"
            two_nginx_tasks_run(lambda *args: cli(*args, url=url), name)
        finally:
            assert cli("down", name, url=url).returncode == 0


def test_an_interrupted_export_leaves_no_archive(tmp_path):
    path = tmp_path / "labkit-images.tar"
    proc = subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", "images", "export", str(path)],
        preexec_fn=interruptible,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **OFFLINE},
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # Ctrl-C once the archive is being written
            if "MB ..." in line:
                proc.send_signal(signal.SIGINT)
                break
        _, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted" in err, err
    assert list(tmp_path.iterdir()) == [], "neither the archive nor its .partial file"
    host = docker.from_env()
    assert host.containers.list(all=True, filters={"label": f"labkit.kind={KIND_VOLUME_COPY}"}) == []
