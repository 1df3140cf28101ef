"""The workshop's names, labels and places: each fact once (the lab's own facts are in base.facts).

Every object a room creates carries `labkit.workshop=<room>` and a `labkit.kind`, so `workshop down`
finds them by label alone. They do NOT carry `labkit.managed`: `labkit down --all` removes labs, not a room.
"""

from __future__ import annotations

import re
from pathlib import Path

from platformdirs import user_data_dir

from ..base.errors import InvalidInput
from ..base.facts import LABEL_KIND

__all__ = [
    "LABEL_ROOM",
    "LABEL_LEARNER",
    "KIND_HUB",
    "KIND_ENGINE",
    "KIND_SERVER",
    "KIND_MIRROR",
    "ROOM",
    "USER_IMAGE",
    "BASE_IMAGE",
    "ENGINE_SOCKET_DIR",
    "HOME",
    "room_labels",
    "room_filter",
    "engine_name",
    "server_name",
    "network_name",
    "home_volume",
    "socket_volume",
    "docker_volume",
    "mirror_name",
    "mirror_volume",
    "state_dir",
    "validate_learner",
    "MIRROR_ALIAS",
    "MIRROR_PORT",
]

LABEL_ROOM = "labkit.workshop"  # the room's name: every container, network and volume of a room has it
LABEL_LEARNER = "labkit.learner"
KIND_HUB, KIND_ENGINE, KIND_SERVER, KIND_MIRROR = "ws-hub", "ws-engine", "ws-server", "ws-mirror"
KIND_NETWORK, KIND_VOLUME = "ws-network", "ws-volume"

ROOM = "room"  # one room per engine for now; the name is in every label so a second room can come later
USER_IMAGE = "labkit/workshop-user:latest"  # Python + labkit + JupyterLab + the course, built offline
BASE_IMAGE = "labkit/workshop-base:latest"  # Debian bookworm + Python 3.11 + the exact dependencies
ENGINE_SOCKET_DIR = "/run/labkit-engine"  # the learner engine's unix socket, shared by a volume: no TCP API
HOME = "/home/learner"
MIRROR_ALIAS = "labkit-mirror"  # how learner engines reach the shared read-only mirror on their network
MIRROR_PORT = 5000

_LEARNER_RE = re.compile(r"^[a-z][a-z0-9]{0,19}$")


def room_labels(kind: str, learner: str | None = None, room: str = ROOM) -> dict[str, str]:
    """The labels of one room object."""
    labels = {LABEL_ROOM: room, LABEL_KIND: kind}
    if learner:
        labels[LABEL_LEARNER] = learner
    return labels


def room_filter(kind: str | None = None, learner: str | None = None, room: str = ROOM) -> dict[str, list[str]]:
    """A Docker `filters=` dict selecting a room's objects by label."""
    labels = [f"{LABEL_ROOM}={room}"]
    if kind:
        labels.append(f"{LABEL_KIND}={kind}")
    if learner:
        labels.append(f"{LABEL_LEARNER}={learner}")
    return {"label": labels}


def validate_learner(name: object) -> str:
    """A learner's login name if usable in container names and as a hub user, else InvalidInput."""
    if not isinstance(name, str) or not _LEARNER_RE.match(name):
        raise InvalidInput(
            f"invalid learner name {name!r}: use 1-20 lowercase letters or digits, starting with "
            "a letter (it becomes the hub login and part of container names)"
        )
    return name


def engine_name(learner: str) -> str:
    """The learner's Docker engine (a Docker-in-Docker container)."""
    return f"labkit-ws-{learner}-engine"


def server_name(learner: str) -> str:
    """The learner's JupyterLab server container (DockerSpawner's name_template)."""
    return f"labkit-ws-{learner}-lab"


def network_name(learner: str) -> str:
    """The learner's own network: their server, their engine and the shared mirror."""
    return f"labkit-ws-{learner}-net"


def home_volume(learner: str) -> str:
    """The learner's home (notebooks, progress record)."""
    return f"labkit-ws-{learner}-home"


def socket_volume(learner: str) -> str:
    """The volume holding the engine's unix socket, mounted in the engine and the server only."""
    return f"labkit-ws-{learner}-sock"


def docker_volume(learner: str) -> str:
    """The engine's /var/lib/docker (images, the learner's labs)."""
    return f"labkit-ws-{learner}-docker"


def mirror_name(room: str = ROOM) -> str:
    """The shared read-only registry every learner engine pulls through."""
    return f"labkit-ws-{room}-mirror"


def mirror_volume(room: str = ROOM) -> str:
    """The mirror's data: the images, stored once per server."""
    return f"labkit-ws-{room}-mirror-data"


def state_dir(room: str = ROOM) -> Path:
    """The hub's state: config, database, cookie secret, pid file, login cards (~/.local/share/labkit/workshop/)."""
    return Path(user_data_dir("labkit", appauthor=False)) / "workshop" / room
