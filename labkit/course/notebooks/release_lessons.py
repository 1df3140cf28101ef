"""The checks of notebook 13 (health, configs, secrets and realistic updates), and the commands they and its
section resets share. The service is always `web`, on the three releases of labkit/web (v1, v2, and a broken v3)."""

from __future__ import annotations

import base64

from ..model import Evidence, Verdict, failed, passed, waiting
from ..verdicts import raw_service, requires_service
from ...swarm.answers import instant

V1, V2, V3 = "labkit/web:v1", "labkit/web:v2", "labkit/web:v3"
WEB = "docker service create --name web --replicas 3 --publish published=8080,target=80,mode=host labkit/web:v1"
WEB4 = "docker service create --name web --replicas 4 --update-parallelism 2 labkit/web:v2"
# Every web container a node has, running or exited: an exited one keeps the health it had when it stopped.
CONTAINERS = ("docker inspect --format '{{.Name}} {{.State.Status}} {{.State.Health.Status}} "
              "{{.State.Health.FailingStreak}}' "
              "$(docker ps -aq --filter label=com.docker.swarm.service.name=web)")
BANNER_TARGET, OLD_BANNER, NEW_BANNER = "/srv/web/banner.txt", "Welcome to web", "Welcome to web 2"
SECONDS = 1_000_000_000  # the Engine API counts durations in nanoseconds


def _spec(ev: Evidence) -> dict:
    return raw_service(ev, "web").get("Spec") or {}


def _container(ev: Evidence) -> dict:
    return (_spec(ev).get("TaskTemplate") or {}).get("ContainerSpec") or {}


def _image_wrong(ev: Evidence, image: str) -> Verdict | None:
    """failed if web runs another image than `image`; else None."""
    got = ev.snapshot.service("web").image
    return None if got.startswith(image) else failed(f"web runs {got}; expected {image}")


def _settled(ev: Evidence, running: int) -> Verdict | None:
    """waiting while web's last update runs or fewer than `running` tasks run; None once it has settled."""
    snap = ev.snapshot
    state = snap.service("web").update_state
    if state in ("updating", "rollback_started") or len(snap.running("web")) != running:
        return waiting(f"web's update is {state or 'starting'}: {len(snap.running('web'))} of {running} tasks run")
    return None


# -- health --------------------------------------------------------------------------------------------------
@requires_service("web")
def web_healthy(ev: Evidence) -> Verdict:
    """web: 3 tasks of labkit/web:v1, each Running only once the image's own HEALTHCHECK passed."""
    snap = ev.snapshot
    if (v := _image_wrong(ev, V1)) is not None:
        return v
    if _container(ev).get("Healthcheck"):
        return failed("web's spec overrides the healthcheck; expected the image's own HEALTHCHECK")
    if len(snap.running("web")) != 3:
        return waiting(f"{len(snap.running('web'))} of 3 web tasks passed their first healthcheck")
    return passed("3 web tasks on labkit/web:v1, each Running since its first healthcheck passed")


@requires_service("web")
def sick_task_replaced(ev: Evidence) -> Verdict:
    """Exercise: the task on worker2 fell sick (its healthcheck failed, nobody stopped it) and was replaced."""
    snap = ev.snapshot
    seen = [line.split() for line in ev.output("worker2", CONTAINERS).splitlines()]
    rows = {f[0].lstrip("/"): (f[1], f[2], int(f[3])) for f in seen if len(f) == 4 and f[3].isdigit()}
    if any(state == "running" and health == "unhealthy" for state, health, _ in rows.values()):
        return waiting("web's task on worker2 is unhealthy; the swarm is stopping it")
    if any(state == "running" and streak > 0 for state, _, streak in rows.values()):
        return waiting("web's task on worker2 fails its healthcheck; it is unhealthy after 3 failures in a row")
    if any(state == "exited" and health == "unhealthy" for state, health, _ in rows.values()):
        fresh = [t for t in snap.running("web") if t.node_hostname == "worker2"
                 and any(n.endswith(t.id) and rows[n][0] == "running" for n in rows)]
        if len(snap.running("web")) != 3 or not fresh:
            return waiting(f"the sick task is gone; {len(snap.running('web'))} of 3 web tasks run")
        return passed("web's task on worker2 failed its healthcheck, the swarm stopped it and started a new one: "
                      "3 of 3 run again")
    if any(state == "exited" for state, _, _ in rows.values()):
        return failed("a web container on worker2 was stopped while it was still healthy: the swarm replaced a "
                      "container that exited, not one its healthcheck found sick; expected the healthcheck itself "
                      "to fail while the container keeps running")
    on2 = [t for t in snap.tasks_of("web", current=False) if t.node_hostname == "worker2"]
    gone = [t for t in on2 if (t.state == "running" or not t.is_current) and not any(n.endswith(t.id) for n in rows)]
    if gone:
        return failed(f"web's task {gone[0].name} on worker2 has no container left ({gone[0].state}): it was removed "
                      "by hand, not found unhealthy; expected the healthcheck itself to fail")
    return failed("web's task on worker2 is the first one, and healthy; expected it replaced after its healthcheck "
                  "failed")


@requires_service("web")
def web_changed(ev: Evidence) -> Verdict:
    """web changed in place: healthcheck retries 2 and timeout 1s, MESSAGE set, 9090 published too, 2 replicas."""
    snap = ev.snapshot
    env = [e for e in _container(ev).get("Env") or [] if e.startswith("MESSAGE=")]
    if not env:
        return failed("web's spec sets no MESSAGE; expected MESSAGE from --env-add")
    ports = {(p.published, p.mode) for p in snap.service("web").ports}
    if (9090, "host") not in ports or (8080, "host") not in ports:
        return failed(f"web publishes {sorted(ports)}; expected 8080 and 9090, both mode=host")
    health = _container(ev).get("Healthcheck") or {}
    if health.get("Retries") != 2 or health.get("Timeout") != SECONDS:
        return failed(f"web's healthcheck overrides are {health or 'none'}; expected --health-retries 2 and "
                      "--health-timeout 1s")
    if snap.service("web").replicas != 2:
        return failed(f"web has {snap.service('web').replicas} replicas; expected 2")
    if (v := _settled(ev, 2)) is not None:
        return v
    return passed(f"web: {env[0]}, published 8080 and 9090, unhealthy after 2 failed checks, 2 replicas running")


@requires_service("web")
def start_first_seen(ev: Evidence) -> Verdict:
    """The update to v2 ran start-first: in some slot the v1 task stopped only after its v2 task was Running."""
    snap = ev.snapshot
    order = (_spec(ev).get("UpdateConfig") or {}).get("Order") or "stop-first"
    if order != "start-first":
        return failed(f"web's update order is {order}; expected start-first")
    if (v := _image_wrong(ev, V2)) is not None:
        return v
    if (v := _settled(ev, 2)) is not None:
        return v
    tasks = snap.tasks_of("web", current=False)
    for new in (t for t in snap.running("web") if t.image.startswith(V2)):
        for old in (t for t in tasks if t.slot == new.slot and t.image.startswith(V1) and not t.is_current):
            up, down = instant(new.updated_at), instant(old.updated_at)
            if up is not None and down is not None and down > up:
                return passed(f"web.{new.slot}: its v2 task was Running {down - up:.1f} s before its v1 task "
                              "stopped — both ran at once")
    return failed("no slot shows a v2 task Running before its v1 task stopped; expected start-first's overlap")


# -- update policy -------------------------------------------------------------------------------------------
@requires_service("web")
def v3_caught(ev: Evidence) -> Verdict:
    """Exercise: v3 was tried and rolled back by the swarm, and the update policy that did it stays on web."""
    snap = ev.snapshot
    status = raw_service(ev, "web").get("UpdateStatus") or {}
    state, image = status.get("State") or "none", snap.service("web").image
    tried = [t for t in snap.tasks_of("web", current=False) if t.image.startswith(V3)]
    if image.startswith(V3):
        if state == "paused":
            return failed(f"web's update to v3 is paused ({status.get('Message', '')}): a person has to act; "
                          "expected the swarm to go back to v2 by itself")
        return waiting(f"web's update to v3 is {state}")
    if not tried:
        return failed(f"web runs {image} and has never run {V3}: v3 was never tried; expected an update to v3 that "
                      "the swarm rolls back by itself")
    if state == "rollback_started":
        return waiting("the swarm is rolling web back to v2")
    if state != "rollback_completed":
        return failed(f"web is back on {image}, but its last update is {state}: a person brought it back, not the "
                      "swarm; expected --update-failure-action rollback")
    update, rollback = _spec(ev).get("UpdateConfig") or {}, _spec(ev).get("RollbackConfig") or {}
    action, ratio = update.get("FailureAction", "pause"), update.get("MaxFailureRatio", 0)
    wrong = [] if action == "rollback" else [f"UpdateConfig.FailureAction is {action}"]
    wrong += [] if 0.25 <= ratio < 0.5 else [f"UpdateConfig.MaxFailureRatio is {ratio:g} (one failure in four is "
                                             "0.25)"]
    wrong += [] if rollback.get("Parallelism") == 2 else [f"RollbackConfig.Parallelism is "
                                                          f"{rollback.get('Parallelism', 1)}"]
    if len(wrong) == 3:
        return failed("the swarm rolled web back — and restored its whole previous spec, update policy included: "
                      "the settings given with --image were rolled back too (" + "; ".join(wrong) + "); expected "
                      "the policy to stay on web for the next release")
    if wrong:
        return failed("; ".join(wrong) + "; expected FailureAction rollback, MaxFailureRatio 0.25, rollback "
                      "Parallelism 2")
    if (v := _settled(ev, 4)) is not None:
        return v
    return passed(f"v3 failed {len(tried)} time(s), the swarm rolled web back to v2 by itself, and the policy "
                  "stays: rollback on failure, 1 failure in 4 tolerated, rollbacks 2 tasks at a time")


# -- configs and secrets -------------------------------------------------------------------------------------
def _configs(ev: Evidence) -> dict[str, str]:
    return {c["Spec"]["Name"]: base64.b64decode(c["Spec"].get("Data") or "").decode(errors="replace").strip()
            for c in ev.api.get("configs") or []}


def _refs(ev: Evidence, kind: str) -> list[dict]:
    return list(_container(ev).get(kind) or [])


@requires_service("web")
def banner_served(ev: Evidence) -> Verdict:
    """web's tasks get the config banner as the file /srv/web/banner.txt."""
    if "banner" not in _configs(ev):
        return failed("there is no config banner; expected one made with docker config create")
    at = [r for r in _refs(ev, "Configs") if (r.get("File") or {}).get("Name") == BANNER_TARGET]
    if not at or at[0].get("ConfigName") != "banner":
        return failed(f"web has no config at {BANNER_TARGET}; expected banner there")
    if (v := _settled(ev, 4)) is not None:
        return v
    return passed(f"4 web tasks find banner at {BANNER_TARGET}")


@requires_service("web")
def banner_rotated(ev: Evidence) -> Verdict:
    """Exercise: /srv/web/banner.txt holds the new text, from a new config; the old config is deleted."""
    configs, refs = _configs(ev), _refs(ev, "Configs")
    at = [r for r in refs if (r.get("File") or {}).get("Name") == BANNER_TARGET]
    others = [f"{r.get('ConfigName')} at {(r.get('File') or {}).get('Name')}" for r in refs if r not in at]
    if not at:
        return failed(f"web has nothing at {BANNER_TARGET} (its configs: {', '.join(others) or 'none'}); expected "
                      f"the new banner there")
    name = at[0].get("ConfigName", "")
    text = configs.get(name, "?")
    if text != NEW_BANNER:
        extra = (f"; web also has {', '.join(others)}, but a new target is a new file: the app still reads "
                 f"{BANNER_TARGET}") if others else ""
        return failed(f"{BANNER_TARGET} holds config {name} ({text!r}){extra}; expected {NEW_BANNER!r}")
    stale = [n for n, t in configs.items() if t == OLD_BANNER]
    if stale:
        return failed(f"the old config {stale[0]} ({OLD_BANNER!r}) still exists; expected it deleted once web no "
                      "longer uses it")
    if (v := _settled(ev, 4)) is not None:
        return v
    return passed(f"web serves {name} ({NEW_BANNER!r}) at {BANNER_TARGET}; the old config is gone")


def _secret_at(ev: Evidence, target: str) -> dict | None:
    return next((r for r in _refs(ev, "Secrets") if (r.get("File") or {}).get("Name") == target), None)


def _secrets(ev: Evidence) -> list[str]:
    return sorted(s["Spec"]["Name"] for s in ev.api.get("secrets") or [])


@requires_service("web")
def secret_mounted(ev: Evidence) -> Verdict:
    """web's tasks read db_password_v1 as /run/secrets/db_password, mode 0400."""
    ref = _secret_at(ev, "db_password")
    if ref is None or ref.get("SecretName") != "db_password_v1":
        return failed("web has no secret db_password_v1 at /run/secrets/db_password; expected it there")
    if (v := _settled(ev, 4)) is not None:
        return v
    return passed(f"4 web tasks read db_password_v1 as /run/secrets/db_password, mode {ref['File'].get('Mode'):04o}")


@requires_service("web")
def password_rotated(ev: Evidence) -> Verdict:
    """Exercise: db_password_v2 at the same path and mode 0400; db_password_v1 deleted from the swarm."""
    ref = _secret_at(ev, "db_password")
    moved = [r for r in _refs(ev, "Secrets") if r.get("SecretName") == "db_password_v2" and r is not ref]
    if moved and (ref is None or ref.get("SecretName") != "db_password_v2"):
        return failed(f"web's tasks find db_password_v2 at /run/secrets/{moved[0]['File']['Name']}, but the app "
                      "reads /run/secrets/db_password; expected db_password_v2 mounted there (target=)")
    if ref is None:
        return failed("web has no secret at /run/secrets/db_password; expected db_password_v2 there")
    if ref.get("SecretName") != "db_password_v2":
        return failed(f"web still reads {ref.get('SecretName')} at /run/secrets/db_password; expected db_password_v2")
    mode = (ref.get("File") or {}).get("Mode", 0o444)
    if mode != 0o400:
        return failed(f"/run/secrets/db_password has mode {mode:04o}; expected 0400 (its owner reads it, no one else)")
    if "db_password_v1" in _secrets(ev):
        return failed("db_password_v1 still exists in the swarm; expected it deleted once web no longer uses it")
    if (v := _settled(ev, 4)) is not None:
        return v
    return passed("web reads db_password_v2 at /run/secrets/db_password (mode 0400); db_password_v1 is deleted")


@requires_service("shop_web")
def stack_deployed(ev: Evidence) -> Verdict:
    """The stack shop: its web service runs 2 tasks with the stack's config and secret."""
    snap = ev.snapshot
    spec = raw_service(ev, "shop_web").get("Spec") or {}
    container = (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    configs = sorted(r.get("ConfigName", "") for r in container.get("Configs") or [])
    secrets = sorted(r.get("SecretName", "") for r in container.get("Secrets") or [])
    if configs != ["shop_banner"] or secrets != ["shop_db_password"]:
        return failed(f"shop_web has configs {configs} and secrets {secrets}; expected shop_banner and "
                      "shop_db_password from the stack file")
    if len(snap.running("shop_web")) != 2:
        return waiting(f"{len(snap.running('shop_web'))} of 2 shop_web tasks run")
    return passed("shop_web runs 2 tasks with the stack's config shop_banner and secret shop_db_password")
