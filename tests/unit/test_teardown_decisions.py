"""The pure decisions of a teardown: when the registry goes, which node volumes belong to no lab, volume names."""

from __future__ import annotations

import threading

from labkit.base.facts import volume_name
from labkit.host.inventory import orphan_volumes
from labkit.host.registry import release_now
from labkit.host.volume_reaper import main, remove_volumes


def net(lab: str, instance: str, nid: str = "") -> dict:
    labels = {"labkit.managed": "true", "labkit.kind": "network", "labkit.lab": lab, "labkit.instance": instance}
    return {"Id": nid or f"id-{lab}-{instance}", "Name": f"{lab}-net", "Labels": labels}


def node(lab: str, instance: str) -> dict:
    return {"Id": f"c-{lab}", "Labels": {"labkit.kind": "node", "labkit.lab": lab, "labkit.instance": instance}}


def vol(name: str, lab: str, instance: str, kind: str = "volume") -> dict:
    return {"Name": name, "Labels": {"labkit.kind": kind, "labkit.lab": lab, "labkit.instance": instance}}


def registry(*attached: tuple[str, str]) -> dict:
    networks = {"bridge": {"NetworkID": "default-bridge"}}
    networks.update({name: {"NetworkID": nid} for name, nid in attached})
    return {"Id": "reg", "NetworkSettings": {"Networks": networks}}


# -- the registry's release -------------------------------------------------------------------------
def test_the_registry_goes_when_no_lab_network_is_left():
    assert release_now([], [registry()])


def test_any_lab_network_keeps_the_registry_whoever_asks():
    # Eight labs removed at once: each releaser that wakes while another lab's network is listed keeps it.
    others = [net(f"lab{i}", "a") for i in range(7)]
    assert not release_now(others, [registry()])
    assert not release_now(others[:1], [registry()])


def test_networks_about_to_go_do_not_keep_it():
    mine = net("demo", "a")
    assert release_now([mine], [registry(("demo-net", mine["Id"]))], ignore=[mine["Id"]])
    assert not release_now([mine, net("other", "b")], [registry()], ignore=[mine["Id"]])


def test_a_lab_that_joined_after_the_networks_were_listed_keeps_it():
    # The network was created after the list call, and the lab attached the registry before the container list.
    assert not release_now([], [registry(("late-net", "id-late"))])


def test_no_registry_container_is_nothing_to_release_but_not_an_error():
    assert release_now([], [])


# -- node volumes that belong to no lab ---------------------------------------------------------------
def test_node_volumes_of_a_removed_lab_are_orphans():
    volumes = [vol("demo-manager1-docker-aa", "demo", "a"), vol("demo-worker1-docker-bb", "demo", "a")]
    assert [v["Name"] for v in orphan_volumes(volumes, [], [])] == [v["Name"] for v in volumes]


def test_a_lab_with_its_network_or_a_container_keeps_its_volumes():
    volumes = [vol("demo-manager1-docker-aa", "demo", "a")]
    assert orphan_volumes(volumes, [net("demo", "a")], []) == []
    assert orphan_volumes(volumes, [], [node("demo", "a")]) == []  # network being removed: containers remain


def test_the_next_lab_of_the_same_name_does_not_keep_the_old_ones():
    old, new = vol("demo-worker1-docker-aa", "demo", "a"), vol("demo-worker1-docker-cc", "demo", "b")
    assert orphan_volumes([old, new], [net("demo", "b")], [node("demo", "b")]) == [old]


def test_markers_are_never_orphans_here():
    # A lab's ready/prepared markers are removed by its teardown itself: a left one shows the lab as a lab.
    marker = vol("demo-ready", "demo", "a", kind="ready")
    assert orphan_volumes([marker], [], []) == []


# -- names and the remover ------------------------------------------------------------------------------
def test_node_volume_names_never_repeat_and_say_whose_they_are():
    names = {volume_name("demo", "worker1") for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("demo-worker1-docker-") for n in names)
    assert volume_name("demo", "worker1", token="x1") == "demo-worker1-docker-x1"


def test_remove_volumes_runs_in_parallel_and_counts_what_went():
    seen, lock = [], threading.Lock()

    def fake(name: str) -> bool:
        with lock:
            seen.append(name)
        return name != "busy"

    assert remove_volumes(["a", "busy", "b"], remove=fake) == 2
    assert sorted(seen) == ["a", "b", "busy"]
    assert remove_volumes([], remove=fake) == 0


def test_the_reaper_needs_a_lab_name(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
