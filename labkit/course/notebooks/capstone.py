"""Notebook 15's brief, one verdict per requirement: each reads the deployed stack `shop` and grades one thing, so a
learner's partial stack file shows exactly what is left (nb15.py holds the plan, the exercises and the release)."""

from __future__ import annotations

import base64
import re

from ..model import Evidence, Verdict, failed, passed, waiting
from ..verdicts import missing_service, network, nodes_text, placement_text, raw_service, service_networks

STACK, FILE = "shop", "/root/capstone.yml"
SERVICES = {"web": ("labkit/web:v1", 3), "api": ("labkit/whoami", 2), "client": ("busybox", 1)}
MOTD = "Welcome to the shop! Free delivery all week.\n"  # /root/motd.txt, written by a lesson cell
PASSWORD = "correct-horse-battery-staple\n"  # /root/db_password.txt (mode 600), written by a lesson cell
CLIENT_LOGS = "docker service logs --raw --tail 30 shop_client"
LABEL, CONSTRAINT = "tier=front", "node.labels.tier == front"
CPU, MEMORY = 0.25, 64 * 1024 * 1024
# The solution: the whole stack file. dnsrr answers on every host, with or without IPVS (notebook 08).
STACK_FILE = """version: "3.8"

services:
  web:
    image: labkit/web:v1
    networks: [backend]
    configs:
      - source: motd
        target: /srv/web/motd.txt
    healthcheck:
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/health"]
      interval: 2s
      timeout: 2s
      retries: 3
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement:
        constraints: [node.labels.tier == front]
      resources:
        reservations:
          cpus: "0.25"
          memory: 64M
      update_config:
        parallelism: 1
        order: start-first
        failure_action: rollback

  api:
    image: labkit/whoami
    networks: [backend]
    secrets: [db_password]
    healthcheck:
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/"]
      interval: 2s
      timeout: 2s
      retries: 3
    deploy:
      replicas: 2
      endpoint_mode: dnsrr

  client:
    image: busybox
    command:
      - sh
      - -c
      - "while true; do wget -qO- http://web/ | head -1; wget -qO- http://api/ | head -1; sleep 1; done"
    networks: [backend]

networks:
  backend:
    driver: overlay

configs:
  motd:
    file: ./motd.txt

secrets:
  db_password:
    file: ./db_password.txt
"""


def full(short: str) -> str:
    """ "shop_web" for "web"."""
    return f"{STACK}_{short}"


def container(ev: Evidence, short: str) -> dict:
    """A stack service's ContainerSpec."""
    return raw_service(ev, full(short)).get("Spec", {}).get("TaskTemplate", {}).get("ContainerSpec") or {}


def missing(ev: Evidence, *shorts: str) -> Verdict | None:
    """A failed verdict naming the first of these stack services that does not exist, else None."""
    for short in shorts:
        if (v := missing_service(ev.snapshot, full(short))) is not None:
            return failed(f"{v.text}; expected the stack {STACK} deployed from {FILE}")
    return None


def _seconds(nanos: int | None) -> str:
    return f"{(nanos or 0) / 1e9:g}s"


# -- one verdict per requirement ----------------------------------------------------------------
def one_network(ev: Evidence) -> Verdict:
    """Requirement: web, api and client share one overlay network of the stack, named backend."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    net = network(ev, full("backend")) or {}
    if net.get("Driver") != "overlay":
        found = [n["Name"] for n in ev.networks() if (n.get("Labels") or {}).get("com.docker.stack.namespace") == STACK]
        return failed(f"the stack's networks are {nodes_text(found)}; expected an overlay network backend "
                      "(shop_backend)")
    off = [f"{full(s)} is on {nodes_text(service_networks(ev, full(s)))}" for s in SERVICES
           if full("backend") not in service_networks(ev, full(s))]
    if off:
        return failed("; ".join(off) + "; expected all three services on shop_backend")
    return passed("web, api and client share the overlay network shop_backend")


def traffic(ev: Evidence) -> Verdict:
    """Requirement: the client gets answers from web and from api, asking by their short names."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    vip = [full(s) for s in ("web", "api")
           if (raw_service(ev, full(s)).get("Spec", {}).get("EndpointSpec") or {}).get("Mode", "vip") == "vip"]
    if vip and not ev.routing_mesh:
        return failed(f"{nodes_text(vip)} use endpoint mode vip, and this host has no IPVS: a virtual IP never "
                      "answers here; expected endpoint_mode: dnsrr (notebook 08)")
    lines = ev.output("manager1", CLIENT_LOGS).splitlines()
    web, api = any(ln.startswith("web v") for ln in lines), any(ln.startswith("hostname: ") for ln in lines)
    if not (web and api):
        last = next((ln for ln in reversed(lines) if ln.strip()), "nothing")
        return waiting(f"the client has heard {'web' if web else 'api' if api else 'neither'} so far; its last line: "
                       f"{last}")
    return passed("the client gets answers from web and from api, by their short names")


def secret(ev: Evidence) -> Verdict:
    """Requirement: api, and only api, reads the password as /run/secrets/db_password."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    refs = container(ev, "api").get("Secrets") or []
    ref = next((r for r in refs if r.get("File", {}).get("Name") in ("db_password", "/run/secrets/db_password")), None)
    if ref is None:
        seen = ", ".join(f"{r.get('SecretName')} as {r.get('File', {}).get('Name')}" for r in refs) or "no secret"
        return failed(f"shop_api gets {seen}; expected a secret it reads as /run/secrets/db_password")
    extra = [f"{full(s)} gets {', '.join(r.get('SecretName', '?') for r in container(ev, s)['Secrets'])}"
             for s in ("web", "client") if container(ev, s).get("Secrets")]
    if extra:
        return failed("; ".join(extra) + "; expected only api to get the password (a service gets the secrets it "
                      "needs)")
    return passed(f"api reads the secret {ref.get('SecretName')} as /run/secrets/db_password; web and client get none")


def config(ev: Evidence) -> Verdict:
    """Requirement: web serves the message of the day from a config at /srv/web/motd.txt."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    refs = container(ev, "web").get("Configs") or []
    ref = next((r for r in refs if r.get("File", {}).get("Name") == "/srv/web/motd.txt"), None)
    if ref is None:
        seen = ", ".join(f"{r.get('ConfigName')} at {r.get('File', {}).get('Name')}" for r in refs) or "no config"
        return failed(f"shop_web gets {seen}; expected a config mounted at /srv/web/motd.txt")
    item: dict = next((c for c in ev.api.get("configs") or [] if c.get("ID") == ref.get("ConfigID")), {})
    data = base64.b64decode(item.get("Spec", {}).get("Data") or "").decode(errors="replace")
    if data.strip() != MOTD.strip():
        return failed(f"the config {ref.get('ConfigName')} holds {data.strip()[:60]!r}; expected the message of "
                      "/root/motd.txt")
    return passed(f"web gets the config {ref.get('ConfigName')} (the message of the day) at /srv/web/motd.txt")


def healthchecks(ev: Evidence) -> Verdict:
    """Requirement: web and api declare healthchecks (web's asks /health), each checked every 5 s or more often."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    seen = []
    for short in ("web", "api"):
        hc = container(ev, short).get("Healthcheck") or {}
        test = " ".join(hc.get("Test") or [])
        if not test or test == "NONE":
            return failed(f"{full(short)} declares no healthcheck in the file; expected one for web and one for api")
        if short == "web" and "/health" not in test:
            return failed(f"shop_web's healthcheck runs {test!r}; expected it to ask /health, the page a release "
                          "answers only when it works")
        if not hc.get("Interval") or hc["Interval"] > 5_000_000_000:
            every = _seconds(hc.get("Interval")) if hc.get("Interval") else "30s (the default)"
            return failed(f"{full(short)}'s healthcheck runs every {every}; expected every 5 s or more often, so that "
                          "a broken task shows in seconds")
        seen.append(f"{short} every {_seconds(hc['Interval'])}, {hc.get('Retries', 3)} retries")
    return passed("healthchecks declared: " + "; ".join(seen))


def placement(ev: Evidence) -> Verdict:
    """Requirement: web runs only on nodes labelled tier=front, which worker1 and worker2 are and manager1 is not."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    spec = raw_service(ev, full("web")).get("Spec", {})
    constraints = spec.get("TaskTemplate", {}).get("Placement", {}).get("Constraints") or []
    if not any(re.sub(r"\s", "", c) == re.sub(r"\s", "", CONSTRAINT) for c in constraints):
        return failed(f"shop_web's placement constraints are {nodes_text(constraints)}; expected {CONSTRAINT}")
    key, value = LABEL.split("=")
    labelled = sorted(n["Description"]["Hostname"] for n in ev.api.get("nodes") or []
                      if (n.get("Spec", {}).get("Labels") or {}).get(key) == value)
    if labelled != ["worker1", "worker2"]:
        return failed(f"the nodes labelled {LABEL} are {nodes_text(labelled)}; expected worker1 and worker2 only")
    return passed(f"web runs only where {CONSTRAINT}: {placement_text(ev.snapshot, full('web'))}")


def reservations(ev: Evidence) -> Verdict:
    """Requirement: every web task reserves a quarter of a CPU and 64 MB of memory."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    spec = raw_service(ev, full("web")).get("Spec", {})
    res = spec.get("TaskTemplate", {}).get("Resources", {}).get("Reservations") or {}
    cpu, mem = res.get("NanoCPUs", 0) / 1e9, res.get("MemoryBytes", 0)
    if (cpu, mem) != (CPU, MEMORY):
        limits = spec.get("TaskTemplate", {}).get("Resources", {}).get("Limits") or {}
        note = "; the values you set are limits, a ceiling, not a reservation" if limits and not res else ""
        return failed(f"shop_web reserves {cpu:g} CPU and {mem // 2**20} MB per task{note}; expected 0.25 CPU and "
                      "64 MB reserved")
    return passed("each web task reserves 0.25 CPU and 64 MB: the scheduler places it only where that much is free")


def update_policy(ev: Evidence) -> Verdict:
    """Requirement: web updates one task at a time, starts the new task first, and rolls back on failure."""
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    spec = raw_service(ev, full("web")).get("Spec", {})
    update, rollback = spec.get("UpdateConfig") or {}, spec.get("RollbackConfig") or {}
    want = {"Parallelism": 1, "Order": "start-first", "FailureAction": "rollback"}
    defaults = {"Parallelism": 1, "Order": "stop-first", "FailureAction": "pause"}
    wrong = [f"{k} {update.get(k, defaults[k])}" for k, v in want.items() if update.get(k, defaults[k]) != v]
    if wrong:
        note = ("; rollback_config sets how a rollback runs, update_config how an update does"
                if rollback.get("Order") == "start-first" or rollback.get("FailureAction") == "rollback" else "")
        return failed(f"shop_web's update_config has {', '.join(wrong)}{note}; expected parallelism 1, order "
                      "start-first, failure_action rollback")
    return passed("web updates one task at a time, starts each new task before its old one stops, and rolls back "
                  "on failure")
