"""Names, labels and messages: each fact is written here once (the node faults' table is base.faults).

labkit keeps no state of its own: everything it creates is named
deterministically (`<lab>-worker2`) and labelled, so any process can find,
inspect and remove a lab, the way kind finds its clusters.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import warnings
from collections.abc import Iterable

from .errors import InvalidInput

# -- labels: on every object labkit creates; cleanup selects by them, never by name alone ----------
LABEL_MANAGED = "labkit.managed"
LABEL_LAB = "labkit.lab"
LABEL_KIND = "labkit.kind"  # one of KINDS
LABEL_ROLE = "labkit.role"  # the role a node was created with (the swarm may change it)
LABEL_NODE = "labkit.node"  # a node's hostname
LABEL_IP = "labkit.ip"
LABEL_MODE = "labkit.mode"  # privileged | restricted
LABEL_CAPDROP = "labkit.capdrop"  # on the probe result: capabilities a restricted node drops, comma-separated
LABEL_INSTANCE = "labkit.instance"  # one start(): a failed start removes only what it created
LABEL_PID = "labkit.pid"
LABEL_HOST = "labkit.host"
LABEL_SHAPE = "labkit.shape"  # "<managers>+<workers>" asked for at start
LABEL_HEARTBEAT = "labkit.heartbeat"
LABEL_SWARM = "labkit.swarm"  # "false" for an engines-only lab
LABEL_ENGINE = "labkit.engine"  # the engine ID a probe result belongs to
# On an engine (dockerd --label): bytes its labs may use in all; labkit refuses a lab that would not fit. A workshop
# learner's engine has it (labkit/workshop/engine.py); a laptop's engine does not, and nothing is checked there.
LABEL_LABS_MEMORY = "labkit.labs-memory"

KIND_NODE, KIND_NETWORK, KIND_VOLUME, KIND_READY, KIND_PREPARED = "node", "network", "volume", "ready", "prepared"
KIND_REGISTRY, KIND_REGISTRY_DATA, KIND_PROBE, KIND_PROBE_RESULT = "registry", "registry-data", "probe", "probe-result"
KIND_CLEANER = "volume-cleaner"  # empties a removed lab's node volumes, then removes itself (host.volume_reaper)
KIND_CONTEXT_PROXY = "context-proxy"  # publishes a node's TLS endpoint on 127.0.0.1 (`labkit context`)

# -- names ----------------------------------------------------------------------------------------
REGISTRY_CONTAINER = "labkit-registry"
REGISTRY_VOLUME = "labkit-registry-data"
REGISTRY_ALIAS = "registry"  # how nodes reach the lab registry on their network
REGISTRY_PORT = 5000
CGROUP_ROOT = "labkit"  # restricted nodes' engines put their containers under /sys/fs/cgroup/*/labkit/

# Lab tuning, shown to learners at `docker swarm init`: a dead node is Down in ~2-3 s instead of ~10-15 s with
# Docker's default 5 s heartbeat (measured: kill -> Down 2.0-3.2 s, replacements Running 3.7-4.5 s).
LAB_HEARTBEAT = "1s"

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
ROLES = ("manager", "worker")


def node_hostname(role: str, index: int) -> str:
    """Hostname of the index-th node of a role, as in most tutorials: manager1, worker2."""
    return f"{role}{index}"


def container_name(lab: str, hostname: str) -> str:
    """Container name of a node: '<lab>-<hostname>'."""
    return f"{lab}-{hostname}"


def network_name(lab: str) -> str:
    """The lab's private network."""
    return f"{lab}-net"


def volume_name(lab: str, hostname: str, token: str | None = None) -> str:
    """A fresh name for the volume holding a node's /var/lib/docker (it survives a stop/start of the node).

    Never reused (`token`, random unless given): a lab's volumes are removed by a detached process after its
    teardown, so the next lab of the same name, or a node added again under the same hostname, must not meet
    them. Nothing looks a node's volume up by name: its labels say whose it is.
    """
    return f"{lab}-{hostname}-docker-{token or secrets.token_hex(3)}"


def context_name(lab: str, hostname: str) -> str:
    """The host's `docker context` that `labkit context` makes for a node: 'labkit-<lab>-<hostname>'."""
    return f"labkit-{lab}-{hostname}"


def context_proxy_name(lab: str, hostname: str) -> str:
    """The container that publishes a node's TLS endpoint on the host's loopback."""
    return f"{lab}-{hostname}-context"


# A node's engine reads extra dockerd flags from this file at boot (images.boot); `labkit context` writes it.
DOCKERD_FLAGS_FILE = "/etc/labkit/dockerd.flags"
CONTEXT_PORT = 2376  # Docker's port for TLS, inside the node and its proxy


def ready_marker_name(lab: str) -> str:
    """The labelled volume whose existence says the lab's start() finished."""
    return f"{lab}-ready"


def prepared_marker_name(lab: str) -> str:
    """The labelled volume that marks a lab started in advance and not yet taken."""
    return f"{lab}-prepared"


def probe_name(token: str) -> str:
    """A throw-away container that measures whether the engine allows --privileged."""
    return f"labkit-probe-{token}"


def cgroup_parent(lab: str, hostname: str) -> str:
    """The cgroup under which a restricted node's engine creates its containers."""
    return f"/{CGROUP_ROOT}/{lab}-{hostname}"


def new_lab_name() -> str:
    """A fresh name such as 'lab-3f9a'."""
    return f"lab-{secrets.token_hex(2)}"


def labels_for(kind: str, lab: str | None = None, **extra: str) -> dict[str, str]:
    """The labels every labkit object carries, plus kind-specific ones (`role="worker"` → labkit.role)."""
    labels = {LABEL_MANAGED: "true", LABEL_KIND: kind, LABEL_PID: str(os.getpid()), LABEL_HOST: socket.gethostname()}
    if lab is not None:
        labels[LABEL_LAB] = lab
    labels.update({f"labkit.{k}": str(v) for k, v in extra.items()})
    return labels


def label_filter(kind: str | None = None, lab: str | None = None, **extra: str) -> dict[str, list[str]]:
    """A Docker `filters=` dict selecting labkit objects by label (never by name)."""
    labels = [f"{LABEL_MANAGED}=true"]
    if kind:
        labels.append(f"{LABEL_KIND}={kind}")
    if lab:
        labels.append(f"{LABEL_LAB}={lab}")
    labels += [f"labkit.{k}={v}" for k, v in extra.items() if v is not None]
    return {"label": labels}


# -- input ----------------------------------------------------------------------------------------
def validate_lab_name(name: object) -> str:
    """Return the name if Docker and DNS accept it, else InvalidInput saying why."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        raise InvalidInput(
            f"invalid lab name {shown}: use 1-30 lowercase letters, digits or '-', starting with a letter "
            "(it becomes part of container names such as '<lab>-worker1')"
        )
    return name


def check_shape(managers: object, workers: object) -> None:
    """Validate a cluster shape: InvalidInput for impossible ones, a warning for an even number of managers."""
    if not isinstance(managers, int) or isinstance(managers, bool) or managers < 1:
        raise InvalidInput(f"managers must be an integer >= 1 (got {managers!r}): a swarm needs a manager to exist")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
        raise InvalidInput(f"workers must be an integer >= 0 (got {workers!r})")
    if managers > 9 or managers + workers > 20:
        raise InvalidInput(
            f"{managers} managers + {workers} workers is too large for one laptop lab "
            "(at most 9 managers and 20 nodes; each node is a full Docker engine)"
        )
    if managers % 2 == 0:
        warnings.warn(even_managers_warning(managers), stacklevel=3)


def majority(managers: int) -> int:
    """How many managers Raft needs up to elect a leader and commit changes."""
    return managers // 2 + 1


# -- messages -------------------------------------------------------------------------------------
def lab_exists(name: str) -> str:
    """Why a start was refused because the name is taken, and the three ways out."""
    return (
        f"a lab named {name!r} already exists: stop it (`labkit down {name}`), "
        "attach to it with Lab.attach(name), or pass replace=True"
    )


def even_managers_warning(managers: int) -> str:
    """The quorum warning for an even number of managers."""
    tolerated = (managers - 1) // 2
    return (
        f"{managers} managers tolerate only {tolerated} failure(s), the same as {managers - 1}: Raft needs a "
        f"majority ({majority(managers)} of {managers}) to make decisions, so use an odd number of managers"
    )


def no_lab(name: str, known: Iterable[str] = ()) -> str:
    """No lab of that name on the engine; names the closest of the `known` labs if one is close (a typo)."""
    import difflib  # only on this error path: the CLI's quick commands do not pay for it

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return f"no lab named {name!r} on this engine{guess} (see `labkit status`)"


def lab_stopped(name: str) -> str:
    """A lab object used after its lab was stopped."""
    return f"lab {name!r} has been stopped; start a new one with labkit.Lab().start()"


# -- what `labkit status` says about a lab that is not whole (swarm.health) -------------------------
def half_built(name: str, who: str) -> str:
    """A lab whose start never finished and whose starting process (`who`) is gone."""
    return f"stale: its start never finished ({who} is gone); remove it: labkit down {name}"


def prepared_note(name: str) -> str:
    """A lab started in advance, waiting to be taken."""
    return f"started in advance: the next start of this name takes it at once (labkit down {name} frees its memory)"


def nodes_removed(name: str, hosts: list[str]) -> str:
    """Node containers removed outside labkit: the lab cannot get them back."""
    return (
        f"node container(s) removed outside labkit: {', '.join(hosts)}; the lab cannot get them back: "
        f"labkit down {name}, then start it again"
    )


def nodes_down(faults: list[tuple[str, str]], containers: list[str]) -> str:
    """Nodes killed or stopped, and the host command that starts them again."""
    return f"{', '.join(f'{h} {f}' for h, f in faults)}; start again: docker start {' '.join(containers)}"


def nodes_faulted(faults: list[tuple[str, str]]) -> str:
    """Nodes paused or cut off on purpose (a lesson's fault)."""
    return ", ".join(f"{h} {f}" for h, f in faults) + " (a fault injected in the lab: see the lesson)"


# -- messages of the `labkit` command (the Python API's wording is above) ---------------------------
def cli_lab_exists(name: str) -> str:
    """`labkit up` of a name that is taken: refused before any step, with the CLI's two ways out."""
    return (
        f"a lab named {name!r} already exists: remove it first (`labkit down {name}`), "
        f"or start it afresh with `labkit up --name {name} --replace`"
    )


def cli_warning(message: str) -> str:
    """A warning as the `labkit` command prints it: one line, no source path."""
    return f"labkit: warning: {' '.join(str(message).split())}"


def over_memory(nodes: int, per_node_mib: int, free_mib: int, budget_mib: int, labs: list[str]) -> str:
    """A lab (or node) refused before anything was created: it would not fit in the memory this engine's labs
    may use (a workshop learner's limit)."""
    running = f" Your labs now: {', '.join(labs)}." if labs else ""
    return (
        f"not enough memory for {nodes} more node(s): each needs about {per_node_mib} MiB, and of the "
        f"{budget_mib} MiB your labs may use in this workshop, {max(free_mib, 0)} MiB is free. Nothing was started."
        f"{running} Stop a lab you no longer need (`labkit status`, then `labkit down NAME`, or lab.stop() in its "
        "notebook) or start a smaller one; if you need more, ask the instructor."
    )


def node_out_of_memory(hostname: str, budget_mib: int) -> str:
    """A node killed for lack of memory while it started: the labs hit the engine's limit."""
    return (
        f"node {hostname} was killed for lack of memory: your labs reached the {budget_mib} MiB they may use in "
        "this workshop. Stop a lab you no longer need (`labkit status`, then `labkit down NAME`) and start "
        "this one again; if you need more, ask the instructor."
    )


def no_engine(address: str, from_env: bool) -> str:
    """No engine answers at the address docker-py tried (DOCKER_HOST, or the default socket)."""
    where = "from DOCKER_HOST" if from_env else "the default; set DOCKER_HOST for another engine"
    return f"no Docker engine answers at {address} ({where})"
