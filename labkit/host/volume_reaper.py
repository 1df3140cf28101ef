"""Deleting a removed lab's node volumes in a detached process: `python -m labkit.host.volume_reaper LAB
[--image IMAGE] VOLUME...`.

A node's volume holds its /var/lib/docker: the image layers and containers of every task it ran. Deleting it is
most of a teardown's time once services have run (measured on a 3+2 lab with 4 nginx tasks: 8.6 s for the
volumes, 0.8 s for the containers, 0.2 s for the network), and nothing needs to wait for it: volume names are
never reused (facts.volume_name), and a start's node volumes without its network or containers are not a lab any
more (inventory.orphan_volumes). So a teardown removes the containers and the network, hands the volumes to this
process, and returns, as the registry's delayed release does (registry_release).

The engine deletes a volume's files while holding the lock of every volume operation (measured: `docker volume
ls` waited 1.0 s behind a 1+2 lab's volumes, which went one at a time), so a `labkit up` or `labkit status`
meanwhile would wait for it all the same. The files are therefore deleted first by a throw-away container (it
holds no engine lock), and the emptied volumes are then removed at once. The reaper removes only the volumes it
was given that carry the lab's labels, then every other orphaned node volume on the engine: what a killed
reaper leaves goes with the next one (or `labkit down --all`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import docker.errors
import docker.types

from ..base.errors import WaitTimeout
from ..base.facts import KIND_CLEANER, KIND_NETWORK, KIND_NODE, KIND_VOLUME, label_filter, labels_for
from ..base.poll import poll
from .api_errors import reason
from .engine import client
from .inventory import orphan_volumes

__all__ = ["reap_later", "reap", "empty_volumes", "remove_volumes", "sweep_orphans", "main"]

IN_USE_TIMEOUT = 30.0  # seconds a volume may stay in use: a container another process is still removing
EMPTY_TIMEOUT = 600  # seconds the throw-away container may take to delete the files
_EMPTY = 'for d in /v/*; do rm -rf "$d"/* "$d"/.[!.]* "$d"/..?*; done'  # each volume's contents, not its root


def reap_later(lab: str, names: Sequence[str], image: str | None = None) -> None:
    """Delete these node volumes of `lab` from a detached process, emptied by a container of `image` (one the
    engine has: the lab's node image); return at once (nothing waits for it)."""
    if not names:
        return
    # Its own session, no output: it outlives this process (the `labkit down` that asked for it) and prints nothing.
    subprocess.Popen(
        [sys.executable, "-m", "labkit.host.volume_reaper", lab, *(["--image", image] if image else []), *names],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def empty_volumes(lab: str, names: Sequence[str], image: str) -> bool:
    """Delete the files in these volumes from one throw-away container (removed by the engine when it ends);
    False if it could not run (the volumes are then removed with their files, more slowly)."""
    api = client().api
    mounts = [docker.types.Mount(f"/v/{i}", name, type="volume") for i, name in enumerate(names)]
    try:
        created = api.create_container(
            image,
            entrypoint=["sh", "-c", _EMPTY],
            command=[],
            labels=labels_for(KIND_CLEANER, lab),
            host_config=api.create_host_config(mounts=mounts, auto_remove=True, network_mode="none"),
        )
        api.start(created["Id"])
    except docker.errors.APIError:
        return False
    try:
        api.wait(created["Id"], timeout=EMPTY_TIMEOUT, condition="removed")
    except docker.errors.NotFound:
        pass  # it ended and was removed before the wait began
    except Exception:  # a timeout or a lost engine: the volume removal below says the rest
        return False
    return True


def _remove(name: str) -> bool:
    """Remove one volume; True once it is gone (by us or another process), False if it stayed in use."""
    api = client().api

    def attempt() -> str:
        try:
            api.remove_volume(name, force=True)
            return "gone"
        except docker.errors.APIError as exc:
            why = reason(exc)
            if why == "not-found":
                return "gone"
            if why in ("in-use", "in-progress"):
                return why
            raise

    try:
        poll(
            attempt,
            lambda seen: seen == "gone",
            timeout=IN_USE_TIMEOUT,
            interval=0.2,
            what=f"volume {name} freed",
            show=str,
        )
        return True
    except WaitTimeout:
        return False  # still labelled: the next reaper, teardown or `labkit down --all` finds it


def remove_volumes(names: Sequence[str], remove: Callable[[str], bool] = _remove) -> int:
    """Remove volumes side by side (the engine may still do them one at a time); the number that went."""
    if not names:
        return 0
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        return sum(pool.map(remove, names))


def reap(lab: str, names: Sequence[str], image: str | None = None) -> int:
    """Remove the given node volumes that carry `lab`'s labels (a name alone selects nothing), emptied first by a
    container of `image` if given, then every orphaned node volume; the number removed."""
    listed = (client().api.volumes(filters=label_filter(KIND_VOLUME, lab)) or {}).get("Volumes") or []
    mine = [v["Name"] for v in listed if v["Name"] in set(names)]
    if mine and image:
        empty_volumes(lab, mine, image)
    return remove_volumes(mine) + sweep_orphans()


def sweep_orphans() -> int:
    """Remove every node volume whose lab is gone (see inventory.orphan_volumes: volumes are listed first)."""
    api = client().api
    volumes = (api.volumes(filters=label_filter(KIND_VOLUME)) or {}).get("Volumes") or []
    if not volumes:
        return 0
    networks = api.networks(filters=label_filter(KIND_NETWORK))
    containers = api.containers(all=True, filters=label_filter(KIND_NODE))
    return remove_volumes([v["Name"] for v in orphan_volumes(volumes, networks, containers)])


def main(argv: list[str]) -> int:
    """Reap the volumes named in argv of the lab argv[0]; 2 for bad arguments. An error ends it quietly: what
    stays keeps its labels and is found again."""
    image = None
    if argv[1:2] == ["--image"] and len(argv) > 2:
        image, argv = argv[2], argv[:1] + argv[3:]
    if not argv or argv[0].startswith("-"):
        print("usage: python -m labkit.host.volume_reaper LAB [--image IMAGE] [VOLUME...]", file=sys.stderr)
        return 2
    try:
        reap(argv[0], argv[1:], image)
    except Exception:  # a detached process has nobody to tell; the volumes keep their labels
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
