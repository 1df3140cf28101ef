"""07 · Rolling updates and rollback: batches and delays, a failed update that rolls itself back, a paused update
recovered by hand, and safer update settings."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait, wait_service
from ..verdicts import missing_service

CREATE = "docker service create -d --name web --replicas 6 --update-parallelism 2 --update-delay 2s {image}"
BROKEN = "nginx:does-not-exist"


def _whoami(image: str) -> bool:
    return image.startswith("labkit/whoami")


def _on_whoami(s, n: int = 6) -> bool:
    running = s.running("web")
    return len(running) == n and all(_whoami(t.image) for t in running)


def _raw(ev: Evidence, name: str) -> dict | None:
    """The raw /services item of a service (Spec, PreviousSpec, UpdateStatus ...), or None."""
    return next((s for s in ev.services() if s.get("Spec", {}).get("Name") == name), None)


def _healthcheck(spec: dict | None) -> dict | None:
    return ((spec or {}).get("TaskTemplate", {}).get("ContainerSpec", {}) or {}).get("Healthcheck")


def _images(snap) -> str:
    counts: dict[str, int] = {}
    for t in snap.running("web"):
        counts[t.image] = counts.get(t.image, 0) + 1
    return ", ".join(f"{n} on {image}" for image, n in sorted(counts.items())) or "no running task"


# -- lesson checks ------------------------------------------------------------------------------
def web_created(ev: Evidence) -> Verdict:
    """web: 6 nginx tasks, updated 2 at a time with 2 s between batches, pausing on failure (the default)."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    update = (ev.service_spec("web") or {}).get("UpdateConfig") or {}
    seen = (f"Parallelism {update.get('Parallelism', 0)}, Delay {update.get('Delay', 0) / 1e9:g}s, "
            f"FailureAction {update.get('FailureAction', 'pause')}")
    if update.get("Parallelism") != 2 or update.get("Delay") != 2_000_000_000:
        return failed(f"web's UpdateConfig is {seen}; expected Parallelism 2, Delay 2s")
    if update.get("FailureAction", "pause") != "pause":
        return failed(f"web's UpdateConfig is {seen}; expected the default failure action, pause")
    if len(snap.running("web")) != 6:
        return waiting(f"web runs {len(snap.running('web'))} of 6 tasks")
    return passed(f"6 web tasks; UpdateConfig: {seen}, Order {update.get('Order', 'stop-first')}")


def update_completed(ev: Evidence) -> Verdict:
    """The update to labkit/whoami finished: 6 tasks on the new image."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if not _whoami(svc.image):
        return failed(f"web's spec asks for {svc.image}; expected labkit/whoami")
    if svc.update_state != "completed" or not _on_whoami(snap):
        return waiting(f"web's update is {svc.update_state or 'starting'}: {_images(snap)}")
    return passed("update completed: 6 of 6 tasks run labkit/whoami")


def auto_rolled_back(ev: Evidence) -> Verdict:
    """The update with a failing healthcheck and --update-failure-action rollback rolled itself back."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    raw = _raw(ev, "web") or {}
    spec, status = raw.get("Spec") or {}, raw.get("UpdateStatus") or {}
    state = status.get("State") or "none"  # read with the spec (the snapshot may be a moment older)
    if _healthcheck(spec) is not None:
        action = (spec.get("UpdateConfig") or {}).get("FailureAction", "pause")
        if action != "rollback":
            return failed(f"web's update has the healthcheck but its failure action is {action}; expected rollback")
        return waiting(f"web's update is {state}: the new tasks never become healthy")
    if state not in ("rollback_started", "rollback_completed"):
        return failed(f"web has no healthcheck and its last update is {state}: the broken update was not started; "
                      "expected the update with --health-cmd false")
    if state != "rollback_completed" or not _on_whoami(snap):
        return waiting(f"web's update is {state} ({status.get('Message', '')}): {_images(snap)}")
    return passed("rollback_completed: the healthcheck is gone from web's spec, and 6 of 6 tasks run "
                  "labkit/whoami again")


def update_paused(ev: Evidence) -> Verdict:
    """The update to an image that does not exist paused after its first batch (the default failure action)."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    svc = snap.service("web")
    if svc.image != BROKEN:
        return failed(f"web's spec asks for {svc.image}; expected the update to {BROKEN}")
    if svc.update_state != "paused":
        return waiting(f"web's update is {svc.update_state or 'starting'}: {_images(snap)}")
    if "update paused due to failure" not in svc.update_message:
        return failed(f"web's update is paused with {svc.update_message!r}; expected 'update paused due to failure'")
    return passed(f"update paused ({svc.update_message}); {len(snap.running('web'))} tasks still run the old version")


# -- exercises ----------------------------------------------------------------------------------
def recover_paused(ev: Evidence) -> Verdict:
    """Exercise: the same service web back on labkit/whoami, 6 running, after the paused update."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return failed(v.text + '; expected the same service back on labkit/whoami — reset("07", '
                      'section="paused-update")')
    raw = _raw(ev, "web") or {}
    status = raw.get("UpdateStatus") or {}
    state, message = status.get("State"), status.get("Message", "")  # read with the spec, not the snapshot
    image = (raw.get("Spec", {}).get("TaskTemplate", {}).get("ContainerSpec", {}).get("Image") or "").split("@")[0]
    if not raw.get("PreviousSpec"):
        return failed("web has no previous spec: it was removed and created again, and lost its history; expected "
                      'the same service back on labkit/whoami — reset("07", section="paused-update")')
    if image == BROKEN:
        if state == "paused":
            failing = sorted({t.slot for t in snap.tasks_of("web") if t.image == BROKEN and t.slot is not None})
            slots = ", ".join(f"web.{s}" for s in failing) or "the new tasks"
            return failed(f"web's update is paused ({message}): {_images(snap)}, and {slots} keep "
                          f'failing with "No such image: {BROKEN}"; expected all 6 on labkit/whoami')
        if (state or "").startswith("rollback"):
            return failed(f"web's spec asks for {BROKEN} again: a second rollback swaps the specs back; expected "
                          "labkit/whoami")
        return failed(f"web's spec asks for {BROKEN} (update {state}); expected labkit/whoami")
    if not _whoami(image):
        return failed(f"web now runs {image}; expected labkit/whoami, the version from before the broken update")
    stale = [t for t in snap.tasks_of("web") if t.image == BROKEN]
    if state not in ("completed", "rollback_completed") or stale or not _on_whoami(snap):
        return waiting(f"web is back on labkit/whoami; update {state}: {_images(snap)}")
    return passed(f"web is {state}: 6 of 6 tasks on labkit/whoami, same service (it keeps its "
                  "previous spec)")


_SAFE = (("Parallelism", 1, 1, "--update-parallelism"), ("Order", "start-first", "stop-first", "--update-order"),
         ("FailureAction", "rollback", "pause", "--update-failure-action"))


def safer_updates(ev: Evidence) -> Verdict:
    """Exercise: one task at a time, start-first, rollback on failure — without replacing a running task."""
    snap = ev.snapshot
    if (v := missing_service(snap, "web")) is not None:
        return v
    spec = ev.service_spec("web") or {}
    update, rollback = spec.get("UpdateConfig") or {}, spec.get("RollbackConfig") or {}
    wrong, misplaced = [], []
    for field, want, default, _flag in _SAFE:
        have = update.get(field, default)
        if have != want:
            wrong.append(f"UpdateConfig.{field} is {have}; expected {want}")
            if rollback.get(field) == want:
                misplaced.append(f"RollbackConfig.{field} is {want} but UpdateConfig.{field} is {have}")
    if misplaced:
        return failed("; ".join(misplaced) + ": the --rollback-* flags set how a rollback runs; expected the "
                      "--update-* flags")
    if wrong:
        return failed("; ".join(wrong))
    raw = _raw(ev, "web") or {}
    now, before = raw.get("Spec", {}).get("TaskTemplate"), (raw.get("PreviousSpec") or {}).get("TaskTemplate")
    if now != before:  # the last change touched the task template: the updater replaces every task
        what = ("--force" if (now or {}).get("ForceUpdate") != (before or {}).get("ForceUpdate")
                else "a changed image or setting of the tasks")
        return failed(f"your change also changed web's task template ({what}), so the updater replaces all "
                      f"{len(snap.running('web'))} running tasks; expected only the update policy to change")
    return passed(f"UpdateConfig: Parallelism 1, Order start-first, FailureAction rollback; the "
                  f"{len(snap.running('web'))} running tasks are the ones from before")


PLAN = NotebookPlan(
    "07", "Rolling updates and rollback", "07-rolling-updates-and-rollback.ipynb", managers=1, workers=2,
    sections=(
        Section("how", "How a rolling update works"),
        Section("good-update", "A good update: nginx → labkit/whoami", (
            sh("manager1", CREATE.format(image="nginx")), wait_service("web", 6))),
        Section("auto-rollback", "A broken update that rolls itself back", (
            sh("manager1", CREATE.format(image="labkit/whoami")), wait_service("web", 6))),
        Section("paused-update", "The default: a failed update pauses", (
            sh("manager1", CREATE.format(image="labkit/whoami")), wait_service("web", 6))),
        Section("manual-rollback", "Roll back by hand: docker service rollback", (
            sh("manager1", CREATE.format(image="labkit/whoami")), wait_service("web", 6),
            sh("manager1", f"docker service update -d --image {BROKEN} web"),
            wait(lambda s: s.service("web").update_state == "paused", "web's update to pause", 60),
            sh("manager1", "docker service rollback -d web"),
            wait(lambda s: s.service("web").update_state == "rollback_completed" and _on_whoami(s),
                 "the rollback: 6 tasks on labkit/whoami", 90))),
    ),
    checks=(
        Check("07-web-created", "how", "6 tasks, updated 2 at a time", web_created, needs=("services",),
              unsolved="there is no service web", wait=90),
        Check("07-update-completed", "good-update", "the rolling update completes", update_completed,
              unsolved="expected labkit/whoami", wait=90),
        Check("07-auto-rolled-back", "auto-rollback", "a broken update rolls itself back", auto_rolled_back,
              needs=("services",), unsolved="the broken update was not started", wait=90),
        Check("07-update-paused", "paused-update", "a failed update pauses", update_paused,
              unsolved=f"expected the update to {BROKEN}", wait=60),
        Check("07-recover-paused", "paused-update", "web back on the version that worked", recover_paused,
              needs=("services",),
              hints=("A paused update waits for you: go forward with a spec that works, or back to the previous one.",
                     "The swarm keeps the spec from before the update (`PreviousSpec`). One `docker service` command "
                     "switches back to it.",
                     "Going back to `PreviousSpec` is a *rollback*: `docker service --help` lists the command."),
              solution="%%node manager1\ndocker service rollback -d web",
              unsolved="web's update is paused", wait=90,
              wrong=(("%%node manager1\ndocker service rm web\n"
                      "docker service create -d --name web --replicas 6 labkit/whoami", "has no previous spec"),)),
        Check("07-safer-updates", "manual-rollback", "safer update settings, no task replaced", safer_updates,
              needs=("services",),
              hints=("These are the service's update settings: `docker service inspect --pretty web` shows them "
                     "under UpdateConfig.",
                     "`docker service update` has an `--update-…` flag for each one: parallelism, order, failure "
                     "action. Changing only those replaces no task.",
                     "The flags are `--update-parallelism`, `--update-order` (`start-first`) and "
                     "`--update-failure-action` (`rollback`)."),
              solution="%%node manager1\ndocker service update --update-parallelism 1 --update-order start-first "
                       "--update-failure-action rollback web",
              unsolved="UpdateConfig.Parallelism is 2; expected 1", wait=30,
              wrong=(("%%node manager1\ndocker service update --rollback-parallelism 1 --rollback-order start-first "
                      "--rollback-failure-action pause web", "the --rollback-* flags set how a rollback runs"),
                     ("%%node manager1\ndocker service update --force --update-parallelism 1 --update-order "
                      "start-first --update-failure-action rollback web", "expected only the update policy"))),
    ),
)
