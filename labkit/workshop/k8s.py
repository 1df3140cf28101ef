"""The distributed room: KubeSpawner configuration and Zero to JupyterHub chart values for a room on Kubernetes.

One learner is one pod: their JupyterLab (the notebook container) and, beside it, their own Docker engine as a
privileged Docker-in-Docker sidecar. The engine listens on a unix socket only, in an in-memory emptyDir shared by
the two containers (no TCP API, as on one server), and DOCKER_HOST points at it, so `open_lab("04")`, `%%node`
and `labkit shell` work unchanged. The learner's home is a PVC of their own; their progress record is their own
sub-directory of one ReadWriteMany claim that the hub's dashboard reads whole. Learner engines pull labkit's lab
images through one registry in the cluster (`--registry-mirror`): stored once, as on one server.

`spawner_config` (KubeSpawner traits, checked against kubespawner's own classes by tests/unit/test_workshop_k8s.py)
is the source of truth; `chart_values` carries it to the Zero to JupyterHub chart for `helm upgrade -f values.json`
(JSON is YAML); `cluster_manifests` adds what the chart does not make. No cluster is needed (docs/workshop.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..images.specs import IMAGES, NODE
from .dashboard import SERVICE_NAME as DASHBOARD_SERVICE
from .names import ENGINE_SOCKET_DIR, HOME

__all__ = ["ClusterRoom", "spawner_config", "chart_values", "engine_sidecar", "cluster_manifests", "render"]

LEARNER_UID = 1000  # the learner in the single-user image (labkit/workshop/image.py); also the socket's group
DASHBOARD_PORT = 10101  # the dashboard service inside the hub pod, exposed on the hub's Service for the proxy
SOCKET_VOLUME, ENGINE_VOLUME, HOME_VOLUME, PROGRESS_VOLUME = "engine-socket", "engine-data", "home", "progress"
PROGRESS_CLAIM = "labkit-progress"  # one ReadWriteMany claim: a sub-directory per learner, all of it for the hub
PROGRESS_DIR = "/srv/labkit/progress"  # learner pod: their own sub-directory; hub pod: <learner>/progress.jsonl
MIRROR_APP = "labkit-mirror"  # the Deployment and Service of the room's registry (its DNS name's first label)
MIRROR_COMMAND = ["docker-registry", "serve", "/etc/labkit/registry.yml"]  # as labkit/images/mirror.py runs it

# Where the Zero to JupyterHub chart takes each KubeSpawner trait from, under `singleuser.` (the chart's
# files/hub/jupyterhub_config.py). `image` is split into image.name/image.tag; volumes are handled apart.
CHART_KEYS: dict[str, str] = dict(
    pair.split("=")
    for pair in """image_pull_policy=image.pullPolicy cmd=cmd default_url=defaultUrl environment=extraEnv uid=uid
    fs_gid=fsGid mem_limit=memory.limit mem_guarantee=memory.guarantee cpu_limit=cpu.limit cpu_guarantee=cpu.guarantee
    extra_containers=extraContainers init_containers=initContainers start_timeout=startTimeout
    extra_pod_config=extraPodConfig
    storage_capacity=storage.capacity storage_class=storage.dynamic.storageClass
    pvc_name_template=storage.dynamic.pvcNameTemplate storage_access_modes=storage.dynamic.storageAccessModes""".split()
)

# Set by the chart itself from the storage.* and image.* values above.
CHART_MADE = frozenset({"image", "volumes", "volume_mounts", "storage_pvc_ensure"})


@dataclass(frozen=True)
class ClusterRoom:
    """What a room on Kubernetes needs to know. Memory in MiB; CPU in cores. Defaults match one server's limits.

    `images`: where kubelets pull the pod images from (the single-user image and the node image the sidecar runs),
    e.g. a cloud registry or Harbor. `mirror`: host:port of the plain-HTTP registry inside the cluster that learner
    engines pull labkit's lab images through (filled once with labkit's images, see docs/workshop.md).
    """

    images: str = "registry.example.org/labkit"
    tag: str = "latest"
    mirror: str = "labkit-mirror.labkit.svc.cluster.local:5000"
    server_memory: int = 1024
    server_memory_guarantee: int = 512
    server_cpus: float = 1.0
    server_cpu_guarantee: float = 0.1
    engine_memory: int = 3072
    engine_memory_guarantee: int = 1024
    engine_cpus: float = 1.0
    engine_cpu_guarantee: float = 0.25
    home_capacity: str = "2Gi"
    storage_class: str | None = None  # None: the cluster's default class
    cull_timeout: int = 3600  # seconds idle before the culler stops a learner's pod (its engine and labs go too)
    cull_every: int = 300
    instructors: tuple[str, ...] = ("instructor",)
    users_file: str = "/usr/local/etc/labkit/users.json"  # PBKDF2 hashes (labkit/workshop/passwords.py)
    hostname: str = ""  # the room's public DNS name: the proxy then serves HTTPS with a Let's Encrypt certificate
    contact_email: str = ""
    runtime_class: str | None = None  # e.g. "kata": each learner's pod in its own VM (strangers, docs/security.md)
    extra_env: dict[str, str] = field(default_factory=dict)

    def image(self, name: str) -> str:
        """The full reference of one of labkit's images in the room's registry."""
        return f"{self.images}/{name}:{self.tag}"

    def mirror_port(self) -> int:
        """The mirror's port, from `mirror`."""
        return int(self.mirror.rsplit(":", 1)[1])


def _socket() -> str:
    return f"unix://{ENGINE_SOCKET_DIR}/docker.sock"


def engine_sidecar(room: ClusterRoom) -> dict[str, Any]:
    """The learner engine: a privileged Docker-in-Docker container in the learner's pod (a Kubernetes Container)."""
    # Warm start: the lab images come into the engine through the mirror as the pod starts, so the learner's
    # first `open_lab` builds and downloads nothing. A failed pull is not fatal: `open_lab` pulls again.
    warm = "for i in $(seq 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done; " + "".join(
        f"docker pull -q {spec.tag} || true; " for spec in IMAGES
    )
    dockerd = f"--host={_socket()} --host=unix:///var/run/docker.sock --group={LEARNER_UID}"
    mirror = f"--registry-mirror=http://{room.mirror} --insecure-registry={room.mirror}"
    return {
        "name": "engine",
        "image": room.image(NODE.key),
        "imagePullPolicy": "IfNotPresent",
        # The image's entrypoint (labkit-entrypoint) prepares cgroups and mounts, then runs this dockerd.
        "args": ["dockerd", *dockerd.split(), *mirror.split()],
        "securityContext": {"privileged": True},
        "resources": {
            "limits": {"memory": f"{room.engine_memory}Mi", "cpu": f"{room.engine_cpus:g}"},
            "requests": {"memory": f"{room.engine_memory_guarantee}Mi", "cpu": f"{room.engine_cpu_guarantee:g}"},
        },
        "volumeMounts": [_mount(SOCKET_VOLUME, ENGINE_SOCKET_DIR), _mount(ENGINE_VOLUME, "/var/lib/docker")],
        "lifecycle": {"postStart": {"exec": {"command": ["sh", "-c", warm]}}},
        "readinessProbe": {"exec": {"command": ["docker", "version"]}, "periodSeconds": 2, "failureThreshold": 60},
    }


def _mount(name: str, path: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "mountPath": path, **more}


def _volumes() -> dict[str, dict[str, Any]]:
    """The pod's volumes beside the home PVC: the socket (in memory, two containers only), the engine's data and
    the shared progress claim (the learner mounts only their own sub-directory of it)."""
    return {
        SOCKET_VOLUME: {"name": SOCKET_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
        # Node-local scratch: a new pod is a fresh engine (the reset), while the claims keep home and progress.
        ENGINE_VOLUME: {"name": ENGINE_VOLUME, "emptyDir": {}},
        PROGRESS_VOLUME: {"name": PROGRESS_VOLUME, "persistentVolumeClaim": {"claimName": PROGRESS_CLAIM}},
    }


def _mounts() -> dict[str, dict[str, Any]]:
    """The notebook container's mounts beside its home: the engine's socket and the learner's progress directory."""
    progress = _mount(PROGRESS_VOLUME, PROGRESS_DIR, subPath="{username}")
    return {SOCKET_VOLUME: _mount(SOCKET_VOLUME, ENGINE_SOCKET_DIR), PROGRESS_VOLUME: progress}


def _progress_owner(room: ClusterRoom) -> dict[str, Any]:
    """An init container giving the learner their progress directory: network file systems (NFS, the usual
    ReadWriteMany class) ignore fsGroup, and kubelet creates a missing sub-directory owned by root."""
    return {
        "name": "progress-owner",
        "image": room.image(NODE.key),
        "command": ["chown", f"{LEARNER_UID}:{LEARNER_UID}", PROGRESS_DIR],
        "securityContext": {"runAsUser": 0},
        "volumeMounts": [_mounts()[PROGRESS_VOLUME]],
    }


def spawner_config(room: ClusterRoom) -> dict[str, Any]:
    """The `c.KubeSpawner` section: {trait name: value}."""
    home = {"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
    env = {"DOCKER_HOST": _socket(), "LABKIT_LEARNER": "{username}"}
    env["LABKIT_PROGRESS_FILE"] = f"{PROGRESS_DIR}/progress.jsonl"
    config: dict[str, Any] = {
        "image": room.image("workshop-user"),
        "image_pull_policy": "IfNotPresent",
        # Arguments to the image's entrypoint, which copies the course into the home once (labkit/workshop/image.py).
        "cmd": ["jupyterhub-singleuser"],
        "default_url": "/lab/tree/course",
        "environment": {**env, **room.extra_env},
        "uid": LEARNER_UID,
        "fs_gid": LEARNER_UID,
        "mem_limit": f"{room.server_memory}M",
        "mem_guarantee": f"{room.server_memory_guarantee}M",
        "cpu_limit": room.server_cpus,
        "cpu_guarantee": room.server_cpu_guarantee,
        "extra_containers": [engine_sidecar(room)],
        "init_containers": [_progress_owner(room)],
        "start_timeout": 300,
        "storage_pvc_ensure": True,
        "storage_capacity": room.home_capacity,
        "storage_access_modes": ["ReadWriteOnce"],
        "pvc_name_template": "labkit-home-{user_server}",
        "volumes": {HOME_VOLUME: home, **_volumes()},
        "volume_mounts": {HOME_VOLUME: _mount(HOME_VOLUME, HOME), **_mounts()},
        "delete_pvc": False,  # deleting a user keeps their home until the instructor removes it
    }
    if room.storage_class:
        config["storage_class"] = room.storage_class
    if room.runtime_class:
        config["extra_pod_config"] = {"runtimeClassName": room.runtime_class}
    return config


def _put(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def _hub(room: ClusterRoom) -> dict[str, Any]:
    """The hub: labkit's authenticator and dashboard (its image adds `labkit[workshop]` to the chart's k8s-hub)."""
    dashboard = ["python3", "-m", "labkit.workshop.dashboard_service", f"--port={DASHBOARD_PORT}", "--ip=0.0.0.0"]
    scopes = [f"access:services!service={DASHBOARD_SERVICE}", "admin:servers", "access:servers", "read:users"]
    return {
        "image": {"name": f"{room.images}/workshop-hub", "tag": room.tag},
        "config": {
            "JupyterHub": {"authenticator_class": "labkit.workshop.auth.HashedPasswordAuthenticator"},
            "HashedPasswordAuthenticator": {"users_file": room.users_file},
            "Authenticator": {"admin_users": list(room.instructors), "allow_all": True},
        },
        "services": {
            DASHBOARD_SERVICE: {
                "url": f"http://hub:{DASHBOARD_PORT}",
                "command": [*dashboard, f"--homes={PROGRESS_DIR}"],
                "oauth_no_confirm": True,
            }
        },
        # The proxy reaches the dashboard on the hub pod's extra port; the hub's NetworkPolicy lets it in.
        "service": {"extraPorts": [{"name": "dashboard", "port": DASHBOARD_PORT, "targetPort": DASHBOARD_PORT}]},
        "networkPolicy": {"allowedIngressPorts": [DASHBOARD_PORT]},
        # The dashboard reads every learner's record: the whole progress claim, read-only.
        "extraVolumes": [{"name": PROGRESS_VOLUME, "persistentVolumeClaim": {"claimName": PROGRESS_CLAIM}}],
        "extraVolumeMounts": [_mount(PROGRESS_VOLUME, PROGRESS_DIR, readOnly=True)],
        "loadRoles": {"instructor": {"scopes": scopes, "users": list(room.instructors)}},
    }


def chart_values(room: ClusterRoom) -> dict[str, Any]:
    """Values for the Zero to JupyterHub Helm chart (4.x) carrying `spawner_config(room)`."""
    config = spawner_config(room)
    single: dict[str, Any] = {}
    name, tag = config["image"].rsplit(":", 1)
    single["image"] = {"name": name, "tag": tag}
    for trait, key in CHART_KEYS.items():
        if trait in config:
            _put(single, key, config[trait])
    _put(single, "storage.type", "dynamic")
    _put(single, "storage.homeMountPath", HOME)
    _put(single, "storage.dynamic.volumeNameTemplate", HOME_VOLUME)
    _put(single, "storage.extraVolumes", _volumes())
    _put(single, "storage.extraVolumeMounts", _mounts())
    # Learner pods may reach the room's mirror (a private address the chart's default policy blocks), nothing else
    # private; ingress to them stays the chart's default: the hub and the proxy only, never another learner.
    to_mirror = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": MIRROR_APP}}}
    single["networkPolicy"] = {"egress": [{"to": [to_mirror], "ports": [{"port": room.mirror_port()}]}]}
    # TLS at the proxy: Let's Encrypt for the room's public name (else the cluster's own ingress terminates it).
    https = {"enabled": True, "type": "letsencrypt", "hosts": [room.hostname]}
    https["letsencrypt"] = {"contactEmail": room.contact_email}
    hub = _hub(room)
    # What the chart has no key for goes to the hub's pass-through config, loaded after the chart's own.
    hub["config"]["KubeSpawner"] = {k: v for k, v in config.items() if k not in CHART_KEYS and k not in CHART_MADE}
    return {
        "singleuser": single,
        "hub": hub,
        "cull": {"enabled": True, "timeout": room.cull_timeout, "every": room.cull_every, "adminUsers": False},
        "proxy": {"https": https} if room.hostname else {},
    }


def _object(kind: str, name: str, spec: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    api = "apps/v1" if kind == "Deployment" else "v1"
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def cluster_manifests(room: ClusterRoom, mirror_capacity: str = "10Gi") -> dict[str, Any]:
    """What the chart does not make, as one v1 List for `kubectl apply -f`: the progress claim and the room's
    mirror (Debian's docker-registry from the node image, as on one server), its storage and its Service."""
    labels = {"app.kubernetes.io/name": MIRROR_APP}

    def claim(name: str, mode: str, size: str) -> dict[str, Any]:
        return _object(
            "PersistentVolumeClaim", name, {"accessModes": [mode], "resources": {"requests": {"storage": size}}}
        )

    registry: dict[str, Any] = {"name": "registry", "image": room.image(NODE.key), "command": MIRROR_COMMAND}
    registry["ports"] = [{"containerPort": 5000}]
    registry["volumeMounts"] = [_mount("data", "/var/lib/docker-registry")]
    registry["readinessProbe"] = {"httpGet": {"path": "/v2/", "port": 5000}}
    pod = {"containers": [registry], "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": MIRROR_APP}}]}
    template = {"metadata": {"labels": labels}, "spec": pod}
    items = [
        claim(PROGRESS_CLAIM, "ReadWriteMany", "1Gi"),
        claim(MIRROR_APP, "ReadWriteOnce", mirror_capacity),
        _object("Deployment", MIRROR_APP, {"replicas": 1, "selector": {"matchLabels": labels}, "template": template}),
        _object(
            "Service", MIRROR_APP, {"selector": labels, "ports": [{"port": room.mirror_port(), "targetPort": 5000}]}
        ),
    ]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def render(values: dict[str, Any]) -> str:
    """Chart values, a spawner section or manifests as text: JSON, which Helm and kubectl read as YAML."""
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m labkit.workshop.k8s [values|spawner|manifests] > file.json
    import sys

    makers = {"values": chart_values, "spawner": spawner_config, "manifests": cluster_manifests}
    if (sys.argv[1:] or ["values"])[0] not in makers:
        sys.exit(f"usage: python -m labkit.workshop.k8s [{'|'.join(makers)}]")
    print(render(makers[(sys.argv[1:] or ["values"])[0]](ClusterRoom())), end="")
