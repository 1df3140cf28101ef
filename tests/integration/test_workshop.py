"""`labkit workshop` on real JupyterHub and real containers (issue 12 §2): two learners log in over HTTP with the
passwords from the login cards, each gets their own JupyterLab and Docker engine with notebook 00's lab prepared in
it, a 1+1 lab starts inside a learner's engine (not on the host), a lab bigger than the learner's memory limit is
refused with the limit's message and leaves nothing, every way from learner A to learner B fails, a reset gives a
fresh engine, and `down` leaves no container, network, volume, firewall rule or hub state.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess

import pytest
import requests

from labkit.base.poll import poll
from labkit.host.engine import client
from labkit.workshop import names, room
from labkit.workshop.firewall import CHAIN, bridge_of, rules_for
from labkit.workshop.hub import hub_pid
from labkit.workshop.limits import Limits

pytestmark = pytest.mark.integration

LEARNERS = ["alice", "bob"]
LIMITS = Limits(engine_memory="2g")  # a 20-node lab (the most one lab may have) is over its labs' share


def _in_engine(learner: str, command: str) -> subprocess.CompletedProcess:
    """A shell command in the learner's engine container (as root there: what a learner can do in it)."""
    return subprocess.run(
        ["docker", "exec", names.engine_name(learner), "sh", "-c", command], capture_output=True, text=True, timeout=60
    )


def _prepared(learner: str) -> list[str]:
    r = _in_engine(learner, "docker volume ls --filter label=labkit.kind=prepared --format '{{.Label \"labkit.lab\"}}'")
    return r.stdout.split()


def _free_port() -> int:
    with socket.socket() as s:  # and the next one (the proxy's API) is free in practice
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _leftovers() -> list[str]:
    api = client().api
    flt = names.room_filter()
    return (
        [f"container {c['Names'][0]}" for c in api.containers(all=True, filters=flt)]
        + [f"network {n['Name']}" for n in api.networks(filters=flt)]
        + [f"volume {v['Name']}" for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    )


def _in_server(learner: str, code: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Python run as the learner inside their JupyterLab container (its env: DOCKER_HOST is their engine)."""
    return subprocess.run(
        ["docker", "exec", "-u", "1000", names.server_name(learner), "python", "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _login(url: str, user: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(url + "hub/login", timeout=30)
    r = s.post(
        url + "hub/login",
        data={"username": user, "password": password, "_xsrf": s.cookies.get("_xsrf")},
        timeout=60,
        allow_redirects=False,
    )
    assert r.status_code == 302, f"login of {user} refused: {r.status_code}"
    return s


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    if hub_pid(names.state_dir()) is not None:
        pytest.skip("a workshop is up on this machine: this test would take it down")
    room.down()  # what a killed run left
    cards = tmp_path_factory.mktemp("ws") / "cards.html"
    pool = os.environ.pop("LABKIT_POOL", None)  # the hub passes it on to servers: here they prepare labs as usual
    try:
        up = room.up(LEARNERS, port=_free_port(), cards=cards, limits=LIMITS, log=lambda line: None)
    finally:
        if pool is not None:
            os.environ["LABKIT_POOL"] = pool
    try:
        text = cards.read_text()
        logins = dict(re.findall(r'class="user">([^<]+)</dd>.*?class="password">([^<]+)</dd>', text))
        yield up, logins
    finally:
        room.down()


def test_login_with_card_password_starts_own_server_and_engine(ws):
    up, logins = ws
    assert set(LEARNERS) <= set(logins) and "instructor" in logins
    state = names.state_dir()
    stored = "".join(p.read_text(errors="replace") for p in state.rglob("*") if p.is_file())
    assert not [u for u, p in logins.items() if p in stored], "a plain-text password is in the hub's state"
    bad = requests.Session()
    bad.get(up.url + "hub/login", timeout=30)
    r = bad.post(
        up.url + "hub/login",
        data={"username": "alice", "password": logins["bob"], "_xsrf": bad.cookies.get("_xsrf")},
        timeout=60,
        allow_redirects=False,
    )
    assert r.status_code != 302, "bob's password opened alice's account"
    for learner in LEARNERS:
        s = _login(up.url, learner, logins[learner])
        xsrf = {"X-XSRFToken": s.cookies.get("_xsrf") or ""}
        token = s.post(
            f"{up.url}hub/api/users/{learner}/tokens", json={"note": "test"}, headers=xsrf, timeout=30
        ).json()["token"]
        r = requests.post(
            f"{up.url}hub/api/users/{learner}/server", headers={"Authorization": f"token {token}"}, timeout=30
        )
        assert r.status_code in (201, 202), r.text
    api = room._api()
    for learner in LEARNERS:
        api.start_server(learner)
        assert client().api.containers(filters=names.room_filter(names.KIND_ENGINE, learner))
    r = requests.get(f"{up.url}user/alice/api/status", headers={"Authorization": f"token {token}"}, timeout=30)
    assert r.status_code == 403, "bob's token reached alice's server"


def test_first_lab_is_prepared_in_each_engine_and_taken_by_open_lab(ws):
    for learner in LEARNERS:  # the server prepares it as it starts (warm start): before the learner asks
        poll(
            lambda who=learner: _prepared(who),
            lambda labs: "nb00" in labs,
            timeout=240,
            interval=2,
            what=f"{learner}'s nb00",
        )
    r = _in_server(
        "alice", "from labkit.course import open_lab\nlab = open_lab('00')\nprint([n.name for n in lab.nodes])"
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "prepared in advance" in r.stdout, r.stdout[-2000:]
    assert "nb00" not in _prepared("alice") and "nb00" in _prepared("bob")


def test_lab_starts_inside_the_learners_engine(ws):
    code = (
        "import labkit\n"
        "lab = labkit.Lab(managers=1, workers=1, name='ws', quiet=True).start()\n"
        "print(lab.node('manager1').sh('docker node ls --format {{.Hostname}}').stdout.split())\n"
    )
    r = _in_server("alice", code)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "manager1" in r.stdout and "worker1" in r.stdout
    assert not client().api.containers(filters={"label": ["labkit.lab=ws"]}), "the lab runs on the host engine"
    rows = {row["learner"]: row for row in room.status()}  # running labs: ws and nb00 (bob's nb00 is prepared only)
    assert (rows["alice"]["labs"], rows["alice"]["nodes"]) == ("2", "5")
    assert (rows["bob"]["labs"], rows["bob"]["nodes"]) == ("0", "0")


def test_a_lab_over_the_learners_memory_limit_is_refused_and_leaves_nothing(ws):
    r = subprocess.run(
        [
            "docker",
            "exec",
            "-u",
            "1000",
            names.server_name("alice"),
            "labkit",
            "up",
            "--name",
            "big",
            "--workers",
            "19",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not enough memory for 20 more node(s)" in r.stderr and "Nothing was started" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    left = _in_engine(
        "alice",
        "docker ps -aq --filter label=labkit.lab=big; docker network ls -q --filter label=labkit.lab=big; "
        "docker volume ls -q --filter label=labkit.lab=big",
    )
    assert left.returncode == 0 and left.stdout.split() == [], f"the refused lab left: {left.stdout}"


def test_learner_a_cannot_reach_learner_b(ws):
    api = client().api
    b_engine = api.inspect_container(names.engine_name("bob"))["NetworkSettings"]["Networks"]
    b_server = api.inspect_container(names.server_name("bob"))["NetworkSettings"]["Networks"]
    b_ips = [n["IPAddress"] for n in [*b_engine.values(), *b_server.values()]]
    hub_ip = room._bridge_gateway()
    port = int(ws[0].url.rsplit(":", 1)[1].strip("/"))
    code = f"""
import os, socket, urllib.request, urllib.error, json
out = {{}}
out['host_socket'] = os.path.exists('/var/run/docker.sock')
out['mounts'] = open('/proc/self/mountinfo').read()
def tcp(ip, port):
    try:
        socket.create_connection((ip, port), timeout=1).close(); return True
    except OSError:
        return False
out['b_ports'] = [(ip, p) for ip in {b_ips!r} for p in (2375, 2376, 8888, 5000) if tcp(ip, p)]
out['proxy'] = [p for p in ({port}, {port + 1}) if tcp('{hub_ip}', p)]  # the proxy and its API: loopback only
try:
    urllib.request.urlopen('http://{hub_ip}:8081/hub/api/users', timeout=5); out['hub'] = 'open'
except urllib.error.HTTPError as e:
    out['hub'] = e.code
import docker
out['engine_containers'] = [c.name for c in docker.from_env().containers.list(all=True)]
print(json.dumps(out))
"""
    r = _in_server("alice", code, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    import json

    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["host_socket"] is False
    assert out["b_ports"] == [], f"alice reaches bob's engine or server: {out['b_ports']}"
    assert out["proxy"] == [], "the proxy (or its API) answers learners' containers"
    assert out["hub"] == 403, f"the hub's API answered without a token: {out['hub']}"
    assert "labkit-ws-bob" not in out["mounts"], "a volume of bob's is mounted in alice's server"
    assert not [n for n in out["engine_containers"] if "bob" in n]
    # Docker's own isolation has gaps while networks are created (firewall.py): the room's rules close them.
    for learner in LEARNERS:
        net = api.inspect_network(names.network_name(learner))
        for rule in rules_for(bridge_of(net["Id"]), net["IPAM"]["Config"][0]["Subnet"]):
            held = subprocess.run(["iptables", "-w", "-t", "raw", "-C", CHAIN, *rule], capture_output=True)
            assert held.returncode == 0, f"the room's rule is missing: {' '.join(rule)}"
    # Root in her own engine, alice routes to bob's network through the shared mirror: dropped all the same.
    mirror_ip = api.inspect_container(names.mirror_name())["NetworkSettings"]["Networks"][names.network_name("alice")]
    b_server_ip = next(iter(b_server.values()))["IPAddress"]
    b_subnet = api.inspect_network(names.network_name("bob"))["IPAM"]["Config"][0]["Subnet"]
    via = _in_engine(
        "alice",
        f"ip route add {b_subnet} via {mirror_ip['IPAddress']} || exit 100; "
        f"curl -s -m 3 -o /dev/null http://{b_server_ip}:8888/; rc=$?; ip route del {b_subnet}; exit $rc",
    )
    assert via.returncode in (7, 28), f"alice reached bob's server via the mirror (curl exit 0) or could not try: {via}"


def test_the_shared_mirror_is_read_only(ws):
    # Root in her engine, alice tries to replace an image every learner pulls: the mirror refuses the push.
    target = f"{names.MIRROR_ALIAS}:{names.MIRROR_PORT}/labkit/busybox:latest"
    r = _in_engine(
        "alice",
        f"docker tag labkit/busybox:latest {target} || exit 100; docker push {target}; rc=$?; docker rmi {target}; "
        "exit $rc",
    )
    assert r.returncode not in (0, 100), f"a learner pushed into the shared mirror (or could not try): {r}"


def test_reset_gives_a_fresh_engine(ws):
    room.reset("alice", keep_progress=True, log=lambda line: None)
    left = _in_engine(
        "alice", "docker ps -aq --filter label=labkit.lab=ws; docker volume ls -q --filter label=labkit.kind=ready"
    )
    assert left.returncode == 0 and left.stdout.split() == [], "alice's labs survived the reset"


def test_down_leaves_nothing(ws):
    room.down()
    assert _leftovers() == []
    assert not names.state_dir().exists()
    chains = subprocess.run(["iptables", "-w", "-t", "raw", "-S"], capture_output=True, text=True).stdout
    assert CHAIN not in chains
