"""A throwaway "learner engine": a Docker engine one nesting level below the host's.

Tests that would disturb the host engine (restarting dockerd, capability probes,
races, labs that must survive an engine restart) run against a dockerd inside a
Docker-in-Docker container instead. The nested engine listens on a unix socket
in a host temp directory, so host code reaches it as ``unix://<tmpdir>/docker.sock``:

    with nested_engine("mx-eng", ["labkit/node:latest"]) as url:
        inner = docker.DockerClient(base_url=url)

The container runs in restricted mode (every capability but CAP_SYS_RESOURCE,
which build VMs lack). Inside it ``--cap-drop=SYS_RESOURCE`` is refused ("not
available in the current environment") while ``--privileged`` works (Docker 26
grants only the capabilities that exist): labkit's probe finds that by itself.
The engine also listens on /var/run/docker.sock inside its container, so
``docker exec <name> docker ps`` works too. docker-init is PID 1: signals reach
dockerd, and when dockerd exits the container exits (no in-place restart).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import docker.types

from labkit.base.errors import WaitTimeout
from labkit.base.poll import poll

__all__ = ["nested_engine", "NODE_IMAGE", "RESTRICTED"]

log = logging.getLogger(__name__)

NODE_IMAGE = "labkit/node:latest"
RESTRICTED = dict(  # the options that replace --privileged on hosts lacking CAP_SYS_RESOURCE
    cap_add=["ALL"],
    cap_drop=["SYS_RESOURCE"],
    security_opt=["seccomp=unconfined", "apparmor=unconfined"],
    device_cgroup_rules=["a *:* rwm"],
)
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _wait_for_engine(url: str, container, timeout: float) -> docker.DockerClient:
    """Return a client of the engine at url once it answers /_ping; raise with its logs after timeout."""
    last_error: Exception | None = None

    def ping() -> docker.DockerClient | None:
        nonlocal last_error
        container.reload()
        if container.status in ("exited", "dead"):
            return None
        try:
            inner = docker.DockerClient(base_url=url, timeout=300)
            inner.ping()
            return inner
        except Exception as exc:  # socket not there yet, or engine still starting
            last_error = exc
            return None

    with contextlib.suppress(WaitTimeout):  # the error below says more: the container's state and logs
        inner = poll(
            ping,
            lambda inner: inner is not None or container.status in ("exited", "dead"),
            timeout=timeout,
            interval=0.1,
            what=f"nested engine {container.name} to answer",
        )
        if inner is not None:
            return inner
    logs = container.logs(tail=20).decode(errors="replace")
    raise TimeoutError(
        f"nested engine {container.name} did not answer /_ping on {url} within {timeout:.0f} s "
        f"(container status {container.status}, last error {last_error!r}); last log lines:\n{logs}"
    )


def _copy_images(host: docker.DockerClient, inner: docker.DockerClient, images: list[str]) -> None:
    """Stream `docker save` from the host into the nested engine's `docker load`, keeping the tags."""
    for tag in images:
        started = time.monotonic()
        image = host.images.get(tag)
        # named=tag keeps repository:tag in the archive (by default only the ID would arrive).
        inner.images.load(image.save(chunk_size=1 << 20, named=tag))
        log.info(
            "loaded %s (%.0f MB) into the nested engine in %.1f s",
            tag,
            image.attrs["Size"] / 1e6,
            time.monotonic() - started,
        )


def _remove_cgroups(parent: str) -> None:
    """Remove the (empty) cgroup directories the nested engine created under /<parent> on the host."""
    for root in CGROUP_ROOT.glob(f"*/{parent}"):
        for d in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [root]:
            with contextlib.suppress(OSError):
                d.rmdir()


@contextlib.contextmanager
def nested_engine(
    name: str,
    images: list[str],
    *,
    labels: dict[str, str] | None = None,
    image: str = NODE_IMAGE,
    start_timeout: float = 30.0,
    host: docker.DockerClient | None = None,
) -> Iterator[str]:
    """Run a dockerd in a restricted dind container named `name`, load `images` into it, yield its DOCKER_HOST.

    On exit (also after an exception) the container, its /var/lib/docker volume, the
    temp directory holding the socket and the cgroups it created are removed.
    """
    host = host or docker.from_env()
    tmpdir = tempfile.mkdtemp(prefix=f"{name}-")
    url = f"unix://{tmpdir}/docker.sock"
    cgroup_parent = f"{name}-{uuid.uuid4().hex[:8]}"
    all_labels = {"labkit.test": "nested-engine", "labkit.test.name": name, **(labels or {})}
    container = volume = None
    try:
        volume = host.volumes.create(f"{name}-var-lib-docker", labels=all_labels)
        command = [
            "dockerd",
            "--host=unix:///outer/docker.sock",
            "--host=unix:///var/run/docker.sock",
            f"--cgroup-parent=/{cgroup_parent}",
        ]
        started = time.monotonic()
        container = host.containers.run(
            image,
            command,
            name=name,
            hostname=name,
            detach=True,
            labels=all_labels,
            init=True,  # dockerd as PID 1 does not reap the shims its containers leave: zombies pile up
            mounts=[
                docker.types.Mount("/var/lib/docker", volume.name, type="volume"),
                docker.types.Mount("/sys/fs/cgroup", "/sys/fs/cgroup", type="bind", read_only=False),
                docker.types.Mount("/outer", tmpdir, type="bind"),
            ],
            tmpfs={"/run": "", "/tmp": ""},
            **RESTRICTED,
        )
        inner = _wait_for_engine(url, container, start_timeout)
        log.info("nested engine %s answered after %.1f s", name, time.monotonic() - started)
        try:
            _copy_images(host, inner, images)
        finally:
            inner.close()
        yield url
    finally:
        if container is not None:
            with contextlib.suppress(docker.errors.APIError):
                container.stop(timeout=5)  # let the nested dockerd stop its containers and unmount
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
        if volume is not None:
            with contextlib.suppress(docker.errors.NotFound):
                volume.remove(force=True)
        shutil.rmtree(tmpdir, ignore_errors=True)
        _remove_cgroups(cgroup_parent)
