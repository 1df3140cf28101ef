"""A room: `workshop up`, `status`, `reset LEARNER` and `down`, on one server.

`up` makes the images (labkit's, the learner's), the proxy, the shared mirror, the logins (hashes for the
hub, plain text for the cards only) and the hub's config, then starts the hub. Learners' engines start when
their server does (the spawner). `down` stops the hub, then removes every container, network and volume
carrying the room's label, and the hub's state directory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import InvalidInput
from ..host.engine import client
from ..host.exec import run_in_container
from ..images.ensure import ensure_images
from .cards import write_cards
from .engine import Limits, remove_engine, remove_learner, to_bytes
from .firewall import check_firewall, remove_chain
from .hub import HubAPI, hub_pid, start_hub, stop_hub
from .hubconfig import CLI_TOKEN, INSTRUCTOR, HubSettings, write_config
from .image import ensure_user_image
from .mirror import ensure_mirror, remove_mirror
from .names import (
    KIND_ENGINE,
    KIND_SERVER,
    docker_volume,
    engine_name,
    home_volume,
    room_filter,
    state_dir,
    validate_learner,
)
from .passwords import hash_password, new_password, write_users
from .proxy import ensure_proxy
from .tls import check_given, hub_tls

__all__ = ["Room", "read_roster", "up", "down", "status", "reset"]


@dataclass(frozen=True)
class Room:
    """A room that is up: where learners log in, where the cards are, and how long `up` took."""

    url: str
    learners: tuple[str, ...]
    cards: Path
    seconds: float


def read_roster(path: Path) -> list[str]:
    """Learner names from a file, one a line (`#` starts a comment); InvalidInput for a bad or repeated one."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read the roster {path}: {exc.strerror}") from None
    names = [validate_learner(line.split("#")[0].strip().lower()) for line in lines if line.split("#")[0].strip()]
    return _unique(names)


def _unique(names: list[str]) -> list[str]:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidInput(f"learner name(s) given twice: {', '.join(twice)}")
    if INSTRUCTOR in names:
        raise InvalidInput(f"{INSTRUCTOR!r} is the instructor's login: give the learner another name")
    if not names:
        raise InvalidInput("a workshop needs at least one learner")
    return names


def _bridge_gateway() -> str:
    """The host's address on Docker's default bridge (docker0): every container reaches it, the outside does not."""
    bridge = client().api.inspect_network("bridge")
    for cfg in (bridge.get("IPAM") or {}).get("Config") or []:
        if cfg.get("Gateway"):
            return str(cfg["Gateway"])
    ifname = (bridge.get("Options") or {}).get("com.docker.network.bridge.name", "docker0")
    import fcntl  # here: `labkit --help` imports this module's command on Windows too, where there is none

    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", ifname.encode()[:15]))  # SIOCGIFADDR
        return socket.inet_ntoa(packed[20:24])
    raise InvalidInput(
        f"cannot find the host's address on Docker's bridge {ifname}: the learners' servers reach "
        "the hub's API there (is the engine on this machine?)"
    )


def up(
    learners: list[str],
    *,
    port: int = 8000,
    listen: str = "127.0.0.1",
    limits: Limits | None = None,
    idle_timeout: int = 3600,
    cards: Path | None = None,
    tls_cert: str | Path | None = None,
    tls_key: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> Room:
    """Bring a room up for these learners; refuse if one is up already."""
    started = time.monotonic()
    names = _unique([validate_learner(n) for n in learners])
    state = state_dir()
    if hub_pid(state) is not None:
        raise InvalidInput("a workshop is up already (`labkit workshop status`); `labkit workshop down` first")
    to_bytes((limits or Limits()).engine_memory), to_bytes((limits or Limits()).server_memory)  # bad sizes: refused now
    if (limits or Limits()).labs_memory() < 256 * 2**20:
        raise InvalidInput("a learner's engine needs at least 512m of memory: its own share and room for a lab")
    check_firewall()  # the room keeps learners apart with its own rules: refused now if it cannot
    if not 1 <= port <= 65534:
        raise InvalidInput(f"invalid port {port}: 1-65534 (the proxy's API takes the next one)")
    given_tls = check_given(tls_cert, tls_key)  # bad TLS flags: refused before anything is made
    ensure_images(log)
    ensure_user_image(log)
    proxy = ensure_proxy(log)
    ensure_mirror(log)
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o700)
    logins = {n: new_password() for n in [*names, INSTRUCTOR]}
    write_users(state / "users.json", {n: hash_password(p) for n, p in logins.items()})
    fd = os.open(state / CLI_TOKEN, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    settings = HubSettings(
        tuple(names),
        state,
        proxy,
        _bridge_gateway(),
        port=port,
        listen=listen,
        limits=limits or Limits(),
        idle_timeout=idle_timeout,
        tls=hub_tls(state, listen, given_tls, log),
    )
    config = write_config(settings)
    log(f"$ jupyterhub -f {config}   # detached; log in {state / 'jupyterhub.log'}")
    start_hub(state, config, settings.url)
    cards_path = write_cards(
        cards or Path.cwd() / "labkit-workshop-cards.html",
        settings.url,
        logins,
        settings.limits.describe(),
        fingerprint=settings.tls.fingerprint if settings.tls else None,
    )
    (state / "url").write_text(settings.url)
    return Room(settings.url, tuple(names), cards_path, time.monotonic() - started)


def _api() -> HubAPI:
    state = state_dir()
    if hub_pid(state) is None:
        raise InvalidInput("no workshop is up (start one with `labkit workshop up --learners N`)")
    return HubAPI((state / "url").read_text().strip(), (state / CLI_TOKEN).read_text().strip())


def down(log: Callable[[str], None] = print) -> list[str]:
    """Stop the hub and remove everything of the room (by label) and its state dir; what was removed, in words."""
    api = client().api
    state = state_dir()
    done = []
    if stop_hub(state):
        done.append("the hub and its proxy")
    containers = api.containers(all=True, filters=room_filter())
    networks = api.networks(filters=room_filter())
    volumes = (api.volumes(filters=room_filter()) or {}).get("Volumes") or []
    remove_learner(None)
    remove_mirror()
    remove_chain()
    if containers or networks or volumes:
        done.append(f"{len(containers)} container(s), {len(networks)} network(s), {len(volumes)} volume(s)")
    if state.exists():
        shutil.rmtree(state)
        done.append(f"the hub's state ({state})")
    return done


def _mem(container_id: str) -> int:
    stats = client().api.stats(container_id, stream=False)
    usage = stats.get("memory_stats") or {}
    return int(usage.get("usage", 0)) - int((usage.get("stats") or {}).get("cache", 0))


def _progress(server: str) -> str:
    """The learner's last exercise from their progress record (the last line's check id), or '-'."""
    r = run_in_container(server, ["sh", "-c", "tail -n 1 ~/.local/share/labkit/progress.jsonl"], check=False)
    if not r.ok or not r.stdout.strip():
        return "-"
    import json

    try:
        rec = json.loads(r.stdout.strip().splitlines()[-1])
    except ValueError:
        return "-"
    return str(rec.get("check") or rec.get("exercise") or rec.get("id") or "-")


def status() -> list[dict[str, str]]:
    """One row per learner: logged in, server and engine running, labs and nodes, memory, current exercise."""
    hub_users = {u["name"]: u for u in _api().users()}
    api = client().api
    rows = []
    for name in sorted(n for n in hub_users if n != INSTRUCTOR):
        u = hub_users[name]
        server = api.containers(filters=room_filter(KIND_SERVER, name))
        engine = api.containers(filters=room_filter(KIND_ENGINE, name))
        labs = nodes = "-"
        if engine:
            r = run_in_container(engine[0]["Id"], ["sh", "-c", _LABS], check=False)
            out = r.stdout.split("--ready--") if r.ok else ["", ""]
            ready = set(out[-1].split())  # not a lab prepared in advance (labkit's until taken) nor one starting
            found = [line for line in out[0].split() if line in ready]
            labs, nodes = str(len(set(found))), str(len(found))
        memory = sum(_mem(c["Id"]) for c in server + engine)
        rows.append(
            {
                "learner": name,
                "logged in": "yes" if u.get("last_activity") else "no",
                "server": "running" if server else "-",
                "engine": "running" if engine else "-",
                "labs": labs,
                "nodes": nodes,
                "memory": f"{memory / 2**20:.0f} MiB" if memory else "-",
                "exercise": _progress(server[0]["Id"]) if server else "-",
            }
        )
    return rows


# A learner's node containers by lab, then the labs whose start finished (their ready marker).
_LABS = (
    "docker ps --filter label=labkit.kind=node --format '{{.Label \"labkit.lab\"}}'; echo --ready--; "
    "docker volume ls --filter label=labkit.kind=ready --format '{{.Label \"labkit.lab\"}}'"
)


def reset(learner: str, keep_progress: bool = False, log: Callable[[str], None] = print) -> float:
    """Give a learner a fresh engine (their labs gone) and, unless keep_progress, a fresh home; seconds taken."""
    started = time.monotonic()
    validate_learner(learner)
    hub = _api()
    if learner not in {u["name"] for u in hub.users()}:
        raise InvalidInput(f"no learner named {learner!r} in this workshop (see `labkit workshop status`)")
    log(f"stopping {learner}'s server and engine {engine_name(learner)}")
    hub.stop_server(learner)
    remove_engine(learner)  # the spawner did, unless the server was not running
    keep = (home_volume(learner),) if keep_progress else ()
    remove_learner(learner, keep=keep + (docker_volume(learner),))  # the images stay: a fresh start in seconds
    log(f"starting {learner}'s server again" + (" (progress kept)" if keep_progress else " (fresh home)"))
    hub.start_server(learner)  # its fresh engine empties what the labs left on the kept volume (engine.py)
    return time.monotonic() - started
