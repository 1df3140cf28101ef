"""15 · Capstone: a small production service from a goal-only brief, written as a stack file by the learner, graded
requirement by requirement (capstone.py), then a broken release rolled back by the learner's own update policy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..model import Check, Evidence, NotebookPlan, Section, Step, Verdict, failed, passed, waiting
from ..steps import sh, wait
from ..verdicts import placement_text, raw_service
from . import capstone as c
from .capstone import FILE, SERVICES, full, missing

CONFIG = f"docker stack config -c {FILE}"  # the file as `docker stack deploy` reads it, or why it cannot
LABELS = "docker node update --label-add tier=front worker1\ndocker node update --label-add tier=front worker2"
DEPLOY = f"docker stack deploy -c {FILE} shop"
V3 = f"sed -i 's#labkit/web:v1#labkit/web:v3#' {FILE}"
SOLUTION_FILE = f"%%nodefile manager1 {FILE}\n{c.STACK_FILE}"


def _write(path: str, text: str, mode: str = "644") -> Step:
    """Write a file on manager1, as the notebook's %%nodefile cell does."""
    return sh("manager1", f"cat > {path} <<'EOF'\n{text}EOF\nchmod {mode} {path}")


_FILES = (_write("/root/motd.txt", c.MOTD), _write("/root/db_password.txt", c.PASSWORD, "600"),
          _write(FILE, c.STACK_FILE))


def _running(s, **want: int) -> bool:
    return all(len(s.running(full(k))) == n for k, n in want.items())


def _file_services(out: str) -> list[str]:
    """The service names under `services:` in `docker stack config` output."""
    block = re.search(r"^services:\n((?:[ \t].*\n?|\n)*)", out, re.M)
    return sorted(re.findall(r"^  (\S+):", block.group(1), re.M)) if block else []


def _file_web_tag(ev: Evidence) -> str:
    """The tag of labkit/web the file names ("v2"), or "" if none."""
    found = re.findall(r"image: \"?labkit/web:([\w.-]+)", ev.output("manager1", CONFIG))
    return found[0] if found else ""


def _tag(image: str) -> str:
    """ "v1" for "labkit/web:v1@sha256:…"."""
    return image.split("@")[0].rpartition(":")[2] if image.startswith("labkit/web:") else image.split("@")[0]


def _web_tags(snap) -> str:
    counts: dict[str, int] = {}
    for t in snap.running(full("web")):
        counts[_tag(t.image)] = counts.get(_tag(t.image), 0) + 1
    return ", ".join(f"{n} on {tag}" for tag, n in sorted(counts.items())) or "no running task"


# -- exercises and the release ------------------------------------------------------------------
def stack_file(ev: Evidence) -> Verdict:
    """Exercise: /root/capstone.yml is a stack file `docker stack deploy` can read, with services web, api, client."""
    out, code = ev.output("manager1", CONFIG), ev.exit_code("manager1", CONFIG)
    if code is None:
        return failed(f"could not ask manager1 about {FILE}: {out.strip()[-200:]}")
    if code != 0:
        if "no such file" in out:
            return failed(f"there is no {FILE} on manager1; expected your stack file there")
        why = next((ln for ln in reversed(out.splitlines()) if ln.strip()), "no reason given")
        return failed(f"docker stack config cannot read {FILE}: {why}; expected a valid stack file")
    names = _file_services(out)
    if names != sorted(SERVICES):
        return failed(f"the file names the services {', '.join(names) or 'none'}; expected exactly api, client and "
                      "web (the brief's names: the checks and the client look for them)")
    return passed(f"{FILE} is a stack file docker can read, with services api, client and web; deploy it to have "
                  "each requirement graded")


def shop_deployed(ev: Evidence) -> Verdict:
    """Exercise: the stack shop runs web (3 × labkit/web:v1), api (2 × labkit/whoami) and client (1 × busybox)."""
    snap = ev.snapshot
    if (v := missing(ev, *SERVICES)) is not None:
        return v
    for short, (image, replicas) in SERVICES.items():
        svc = snap.service(full(short))
        if not svc.image.startswith(image) or svc.replicas != replicas:
            return failed(f"{svc.name} runs {svc.image.split('@')[0]} with {svc.replicas} replicas; expected {image} "
                          f"with {replicas}")
    for short in SERVICES:
        stuck = [t for t in snap.tasks_of(full(short)) if t.state == "pending" and t.error]
        if stuck:
            why = ("no node matches its placement constraint: which nodes carry the label it asks for?"
                   if "constraint" in stuck[0].error else "no node has the resources it reserves free")
            return failed(f"{len(stuck)} task(s) of {full(short)} stay Pending ({stuck[0].error}): {why}")
    if not _running(snap, **{k: n for k, (_, n) in SERVICES.items()}):
        return waiting("running: " + "; ".join(f"{full(k)} {placement_text(snap, full(k))}" for k in SERVICES))
    return passed("stack shop runs: " + "; ".join(f"{full(k)} {placement_text(snap, full(k))}" for k in SERVICES))


def _v3_tasks(ev: Evidence) -> list[dict]:
    """The raw tasks of web created from labkit/web:v3 (an automatic rollback clears PreviousSpec; tasks remain)."""
    sid = raw_service(ev, full("web")).get("ID")
    return [t for t in ev.api.get("tasks") or [] if t.get("ServiceID") == sid
            and _tag(t.get("Spec", {}).get("ContainerSpec", {}).get("Image", "")) == "v3"]


def rolled_back(ev: Evidence) -> Verdict:
    """The release of labkit/web:v3 failed its healthcheck and web's own update policy rolled it back to v1."""
    snap = ev.snapshot
    if (v := missing(ev, "web")) is not None:
        return v
    raw = raw_service(ev, full("web"))
    status, spec = raw.get("UpdateStatus") or {}, raw.get("Spec") or {}
    state = status.get("State") or "none"
    now = _tag(spec.get("TaskTemplate", {}).get("ContainerSpec", {}).get("Image", ""))
    if now == "v3":
        if state == "paused":
            return failed(f"web's update to v3 paused ({status.get('Message', '')}): v3 is broken, but the update "
                          "waits for a human; expected failure_action rollback in update_config")
        if state == "completed":
            return failed("web's update to v3 completed: its tasks passed their healthcheck; expected web's "
                          "healthcheck to ask /health, which v3 never answers")
        return waiting(f"web's update to v3 is {state}: {_web_tags(snap)}")
    tried = _v3_tasks(ev)
    if not tried or not state.startswith("rollback"):
        return failed(f"web runs {now} and its last update is {state}: the release was not deployed; expected the "
                      "update to labkit/web:v3")
    running = snap.running(full("web"))
    if state != "rollback_completed" or len(running) != 3 or any(_tag(t.image) != now for t in running):
        return waiting(f"web's update is {state}: {_web_tags(snap)}")
    return passed(f"rollback_completed: {len(tried)} v3 task(s) never became healthy, and web's update policy went "
                  f"back to {now} by itself; 3 of 3 tasks run {now}")


def v2_released(ev: Evidence) -> Verdict:
    """Exercise: the file names labkit/web:v2 and the stack runs it: 3 tasks of v2, the update completed."""
    snap = ev.snapshot
    if (v := missing(ev, "web")) is not None:
        return v
    svc, file_tag = snap.service(full("web")), _file_web_tag(ev)
    now = _tag(svc.image)
    if now == "v2" and file_tag != "v2":
        return failed(f"web runs v2, but the file names {file_tag or 'no labkit/web image'}: a change made around "
                      "the file, which the next docker stack deploy would undo; expected the file to say v2")
    if file_tag != "v2":
        return failed(f"the file names labkit/web:{file_tag} and web runs {now} (a rollback restores the service, "
                      "not your file); expected v2 in the file, deployed")
    if now != "v2":
        return failed(f"the file names v2 but web runs {now}; expected the file deployed: docker stack deploy")
    if (svc.update_state or "").startswith("rollback"):
        return failed(f"web's update to v2 is {svc.update_state} ({svc.update_message}); expected it completed")
    if svc.update_state != "completed" or len(snap.running(full("web"))) != 3 or _web_tags(snap) != "3 on v2":
        return waiting(f"web's update to v2 is {svc.update_state}: {_web_tags(snap)}")
    return passed(f"v2 released through the file: 3 of 3 web tasks run v2 ({placement_text(snap, full('web'))}), "
                  "and the file says what runs")


def _req(ident: str, title: str, verdict: Callable[[Evidence], Verdict], **kw: Any) -> Check:
    """A requirement's check: graded on the deployed stack, it fails at once while the stack is not there."""
    return Check(f"15-{ident}", "deploy", title, verdict, unsolved="there is no service shop_web", **kw)


PLAN = NotebookPlan(
    "15", "Capstone", "15-capstone.ipynb", managers=1, workers=2,
    sections=(
        Section("brief", "The brief"),
        Section("deploy", "Deploy and grade", _FILES),
        Section("release", "Release day", _FILES + (sh("manager1", f"{LABELS}\n{DEPLOY}"), wait(
            lambda s: _running(s, web=3, api=2, client=1), "shop_web 3, shop_api 2, shop_client 1", 120))),
    ),
    checks=(
        Check("15-stack-file", "brief", "the stack file, from the brief", stack_file, probes=(("manager1", CONFIG),),
              hints=("Start from notebook 11's file: `services:` (web, api, client), a top-level `networks:`, and one "
                     "key per requirement; most of them live under a service's `deploy:`.",
                     "The message and the password come from files: top-level `configs:` and `secrets:` with `file:`, "
                     "used by a service's own `configs:` (`source`, `target`) and `secrets:`. A healthcheck is a "
                     "service's `healthcheck:` (`test`, `interval`, `timeout`, `retries`).",
                     "Under web's `deploy:`: `placement.constraints`, `resources.reservations` (`cpus`, `memory`), "
                     "`update_config` (`parallelism`, `order`, `failure_action`), and `endpoint_mode: dnsrr` where "
                     "the host has no IPVS. `docker stack config -c FILE` shows how docker reads your file."),
              solution=SOLUTION_FILE, unsolved=f"there is no {FILE}",
              wrong=((f"%%nodefile manager1 {FILE}\nversion: \"3.8\"\nservices:\n  frontend:\n    image: labkit/web:v1"
                      "\n  api:\n    image: labkit/whoami\n  client:\n    image: busybox\n",
                      "expected exactly api, client and web"),
                     (f"%%nodefile manager1 {FILE}\nversion: \"3.8\"\nservices:\n  web:\n\timage: labkit/web:v1\n",
                      "docker stack config cannot read"))),
        Check("15-shop-deployed", "deploy", "the shop deployed", shop_deployed, needs=("services", "tasks"),
              hints=("The stack file is only half of it: web may run only on labelled nodes, and no node has a label "
                     "yet.",
                     "A manager sets a node's labels (notebook 12); the stack is deployed from the file, under the "
                     "name shop.",
                     "`--label-add tier=front` (a flag of `docker node update`) for each worker, then `docker stack "
                     "deploy` with your file."),
              solution=f"%%node manager1\n{LABELS}\n{DEPLOY}", unsolved="there is no service shop_web", wait=90,
              wrong=((f"%%node manager1\n{DEPLOY}", "no node matches its placement constraint"),)),
        _req("one-network", "one overlay network", c.one_network, needs=("services", "networks")),
        _req("traffic", "the client reaches web and api", c.traffic, needs=("services", "mesh"),
             probes=(("manager1", c.CLIENT_LOGS),), wait=60),
        _req("secret", "the password, for api only", c.secret, needs=("services",)),
        _req("config", "the message of the day, as a config", c.config, needs=("services", "configs")),
        _req("healthchecks", "healthchecks declared", c.healthchecks, needs=("services",)),
        _req("placement", "web on tier=front nodes only", c.placement, needs=("services", "nodes")),
        _req("reservations", "web's reservations", c.reservations, needs=("services",)),
        _req("update-policy", "a safe update policy", c.update_policy, needs=("services",)),
        Check("15-bad-release-rolled-back", "release", "v3 rolled back by itself", rolled_back,
              needs=("services", "tasks"), unsolved="expected the update to labkit/web:v3", wait=120),
        Check("15-v2-released", "release", "v2 released through the file", v2_released, needs=("services",),
              probes=(("manager1", CONFIG),),
              hints=("After the rollback the service runs v1 again, but the file still names v3: deploying it again "
                     "would ship the broken release once more.",
                     "The file is the truth: change the image tag in it, then deploy it as before.",
                     "`image: labkit/web:v2` in the file (run your `%%nodefile` cell again, or edit it in place), then "
                     "`docker stack deploy` with the same name."),
              solution=f"%%node manager1\nsed -i 's#labkit/web:v3#labkit/web:v2#' {FILE}\n{DEPLOY}",
              unsolved="expected v2 in the file, deployed", wait=120,
              wrong=(("%%node manager1\ndocker service update -d --image labkit/web:v2 shop_web",
                      "which the next docker stack deploy would undo"),)),
    ),
)
