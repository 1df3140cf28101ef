"""The distributed room's configuration is valid for KubeSpawner and Kubernetes, checked with their own classes.

No cluster: KubeSpawner is built with its test mode (`_mock=True`) and its connection to the API server stubbed,
then asked for the pod and claim it would create. Every nested object is read into kubernetes' own models,
strictly: a key the model does not have is an error (the models themselves would drop it silently).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import kubespawner  # the `workshop` extra: jupyterhub-kubespawner
import kubespawner.spawner
import pytest
from kubernetes_asyncio.client import models
from traitlets import TraitError
from traitlets.config import Config

from labkit.workshop import k8s
from labkit.workshop.names import ENGINE_SOCKET_DIR, HOME

PRIMITIVE = {"str": str, "bool": bool, "int": int, "float": (int, float), "object": object}


def strict(type_name: str, value: Any, where: str = "") -> Any:
    """Read a camelCase dict (as in YAML) into the kubernetes model named `type_name`, refusing unknown keys."""
    if m := re.fullmatch(r"list\[(.+)\]", type_name):
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        return [strict(m[1], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if m := re.fullmatch(r"dict\(str, (.+)\)", type_name):
        assert isinstance(value, dict), f"{where}: expected a mapping, got {value!r}"
        return {k: strict(m[1], v, f"{where}.{k}") for k, v in value.items()}
    if type_name in PRIMITIVE:
        assert isinstance(value, PRIMITIVE[type_name]), f"{where}: expected {type_name}, got {value!r}"
        return value
    cls = getattr(models, type_name)
    assert isinstance(value, dict), f"{where}: expected a {type_name} mapping, got {value!r}"
    by_json = {json_key: attr for attr, json_key in cls.attribute_map.items()}
    unknown = set(value) - set(by_json)
    assert not unknown, f"{where}: {type_name} has no field(s) {sorted(unknown)}"
    return cls(**{by_json[k]: strict(cls.openapi_types[by_json[k]], v, f"{where}.{k}") for k, v in value.items()})


@pytest.fixture
def no_cluster(monkeypatch):
    """KubeSpawner without a Kubernetes API server: it would load a kube config and make a client at init."""
    monkeypatch.setattr(kubespawner.spawner, "load_config", lambda **kwargs: None)
    monkeypatch.setattr(kubespawner.spawner, "shared_client", lambda *args, **kwargs: None)


def spawner(section: dict[str, Any], user: str = "ana") -> Any:
    learner = kubespawner.spawner.MockObject()
    learner.name, learner.id, learner.url = user, 1, f"/user/{user}/"
    return kubespawner.KubeSpawner(_mock=True, user=learner, config=Config({"KubeSpawner": section}))


ROOM = k8s.ClusterRoom(
    images="registry.test/labkit",
    tag="t1",
    mirror="labkit-mirror.room.svc:5000",
    engine_memory=2048,
    engine_cpus=1.5,
    storage_class="fast",
)


def test_every_key_is_a_configurable_kubespawner_trait(no_cluster):
    config = k8s.spawner_config(ROOM)
    traits = kubespawner.KubeSpawner.class_trait_names(config=True)
    assert sorted(set(config) - set(traits)) == []
    s = spawner(config)
    # Loaded through traitlets' validation and kept as given (memory sizes become bytes, "1024M" = 1024 MiB).
    expected = {
        **config,
        "mem_limit": ROOM.server_memory * 1024**2,
        "mem_guarantee": ROOM.server_memory_guarantee * 1024**2,
    }
    assert {key: getattr(s, key) for key in config} == expected
    strict("list[V1Volume]", list(config["volumes"].values()), "volumes")
    strict("list[V1VolumeMount]", list(config["volume_mounts"].values()), "volume_mounts")


def test_a_wrong_type_is_refused_by_kubespawner(no_cluster):
    # The check above can fail: traitlets raise on a value of the wrong type.
    with pytest.raises(TraitError):
        spawner({**k8s.spawner_config(ROOM), "cpu_limit": "one core"})
    with pytest.raises(TraitError):
        spawner({**k8s.spawner_config(ROOM), "mem_limit": "a lot"})


def test_the_sidecar_is_a_privileged_container_with_the_engine_limits():
    sidecar = strict("V1Container", k8s.engine_sidecar(ROOM), "engine")
    assert sidecar.security_context.privileged is True
    assert sidecar.resources.limits == {"memory": "2048Mi", "cpu": "1.5"}
    assert sidecar.image == "registry.test/labkit/node:t1"
    assert "--registry-mirror=http://labkit-mirror.room.svc:5000" in sidecar.args
    assert f"--host=unix://{ENGINE_SOCKET_DIR}/docker.sock" in sidecar.args
    assert [m.mount_path for m in sidecar.volume_mounts] == [ENGINE_SOCKET_DIR, "/var/lib/docker"]


def test_the_strict_reader_refuses_a_misspelled_field():
    bad = {**k8s.engine_sidecar(ROOM), "securityContext": {"priviliged": True}}
    with pytest.raises(AssertionError, match="V1SecurityContext has no field"):
        strict("V1Container", bad)


def test_kubespawner_makes_the_learner_pod_and_claim(no_cluster):
    s = spawner(k8s.spawner_config(ROOM), user="ana")
    pod = asyncio.run(s.get_pod_manifest())
    notebook, engine = pod.spec.containers
    assert notebook.image == "registry.test/labkit/workshop-user:t1"
    env = {e.name: e.value for e in notebook.env}
    assert env["DOCKER_HOST"] == f"unix://{ENGINE_SOCKET_DIR}/docker.sock"
    assert env["LABKIT_LEARNER"] == "ana"
    assert env["LABKIT_PROGRESS_FILE"] == f"{k8s.PROGRESS_DIR}/progress.jsonl"
    mounts = {m.mount_path: m for m in notebook.volume_mounts}
    assert set(mounts) >= {HOME, ENGINE_SOCKET_DIR, k8s.PROGRESS_DIR}
    assert mounts[k8s.PROGRESS_DIR].sub_path == "ana"  # a learner sees their own progress directory only
    assert notebook.resources.limits == {"cpu": 1.0, "memory": 1024**3}
    assert not notebook.security_context.get("privileged")  # only the engine is privileged
    # KubeSpawner reads the sidecar's top level into V1Container and sends nested parts as written (camelCase).
    assert (engine.name, engine.args) == ("engine", k8s.engine_sidecar(ROOM)["args"])
    assert engine.security_context == {"privileged": True}
    volumes = {v.name: v for v in pod.spec.volumes}
    assert volumes["home"].persistent_volume_claim["claimName"] == "labkit-home-ana"
    assert volumes["engine-socket"].empty_dir["medium"] == "Memory"
    (owner,) = pod.spec.init_containers  # makes the learner the owner of their progress directory
    assert owner.security_context == {"runAsUser": 0} and owner.volume_mounts[0]["subPath"] == "ana"
    assert pod.spec.automount_service_account_token is False  # no Kubernetes API from a learner's pod
    claim = s.get_pvc_manifest()
    assert (claim.metadata.name, claim.spec.storage_class_name) == ("labkit-home-ana", "fast")


def test_chart_values_carry_the_same_spawner_settings():
    config, values = k8s.spawner_config(ROOM), k8s.chart_values(ROOM)
    single = values["singleuser"]
    passed_through = values["hub"]["config"]["KubeSpawner"]
    assert passed_through == {"delete_pvc": False}  # the chart has no key for it
    for trait in config:  # every setting reaches the chart: at the chart's key, made by the chart, or passed through
        assert trait in k8s.CHART_KEYS or trait in k8s.CHART_MADE or trait in passed_through, trait
    for trait, dotted in k8s.CHART_KEYS.items():
        if trait not in config:
            continue
        node: Any = single
        for part in dotted.split("."):
            node = node[part]
        assert node == config[trait], trait
    assert f"{single['image']['name']}:{single['image']['tag']}" == config["image"]
    assert single["storage"]["homeMountPath"] == HOME
    strict("list[V1Volume]", list(single["storage"]["extraVolumes"].values()), "extraVolumes")
    strict("list[V1VolumeMount]", list(single["storage"]["extraVolumeMounts"].values()), "extraVolumeMounts")
    strict("list[V1NetworkPolicyEgressRule]", single["networkPolicy"]["egress"], "egress")
    assert values["cull"] == {"enabled": True, "timeout": 3600, "every": 300, "adminUsers": False}
    service = values["hub"]["services"][k8s.DASHBOARD_SERVICE]
    assert service["url"].endswith(f":{k8s.DASHBOARD_PORT}") and f"--homes={k8s.PROGRESS_DIR}" in service["command"]
    assert json.loads(k8s.render(values)) == values


def test_tls_is_on_when_the_room_has_a_public_name():
    assert k8s.chart_values(ROOM)["proxy"] == {}
    named = k8s.chart_values(k8s.ClusterRoom(hostname="room.example.org", contact_email="me@example.org"))
    assert named["proxy"]["https"]["hosts"] == ["room.example.org"]


def test_the_cluster_manifests_are_valid_kubernetes_objects():
    listed = k8s.cluster_manifests(ROOM)
    assert (listed["apiVersion"], listed["kind"]) == ("v1", "List")  # one `kubectl apply -f` file
    made = [strict(f"V1{m['kind']}", m, m["kind"]) for m in listed["items"]]
    progress = next(m for m in made if m.metadata.name == k8s.PROGRESS_CLAIM)
    assert progress.spec.access_modes == ["ReadWriteMany"]  # the hub reads it while learners write
    service = next(m for m in made if m.kind == "Service")
    assert service.spec.ports[0].port == 5000
    deployment = next(m for m in made if m.kind == "Deployment")
    egress = k8s.chart_values(ROOM)["singleuser"]["networkPolicy"]["egress"][0]
    assert egress["to"][0]["podSelector"]["matchLabels"] == deployment.spec.template.metadata.labels
    assert service.spec.selector == deployment.spec.template.metadata.labels


def test_a_vm_per_learner_is_one_setting(no_cluster):
    room = k8s.ClusterRoom(runtime_class="kata")
    pod = asyncio.run(spawner(k8s.spawner_config(room)).get_pod_manifest())
    assert pod.spec.runtime_class_name == "kata"
    assert k8s.chart_values(room)["singleuser"]["extraPodConfig"] == {"runtimeClassName": "kata"}
    assert "extra_pod_config" not in k8s.spawner_config(ROOM)


def test_the_hub_settings_are_real_traits_and_scopes():
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from jupyterhub.scopes import scope_definitions

    from labkit.workshop.auth import HashedPasswordAuthenticator

    classes = {c.__name__: c for c in (JupyterHub, Authenticator, HashedPasswordAuthenticator, kubespawner.KubeSpawner)}
    hub = k8s.chart_values(ROOM)["hub"]
    for section, settings in hub["config"].items():
        assert set(settings) <= set(classes[section].class_trait_names(config=True)), section
    for role in hub["loadRoles"].values():
        assert {scope.split("!")[0] for scope in role["scopes"]} <= set(scope_definitions), role


def test_the_module_prints_each_file():
    import subprocess
    import sys

    run = [sys.executable, "-m", "labkit.workshop.k8s"]
    values = subprocess.run([*run, "values"], capture_output=True, text=True, check=True).stdout
    assert json.loads(values) == json.loads(k8s.render(k8s.chart_values(k8s.ClusterRoom())))
    bad = subprocess.run([*run, "valuez"], capture_output=True, text=True)
    assert bad.returncode == 1 and "usage: python -m labkit.workshop.k8s [values|spawner|manifests]" in bad.stderr
