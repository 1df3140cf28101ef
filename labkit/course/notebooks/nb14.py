"""14 · Operating a swarm and troubleshooting: service logs and events, manager-only managers, swarm-wide settings,
jobs, a backup restored on a fresh node, five break-and-fix challenges (break_fix.py), and the host's own tools."""

from __future__ import annotations

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..steps import sh, wait, wait_service
from ..verdicts import in_state_for, missing_service, nodes_text, placement_text, raw_service, requires_service
from .break_fix import CHECKS as CHALLENGES, SECTIONS as CHALLENGE_SECTIONS

WEB = "docker service create -d --name web --replicas 3 labkit/whoami"
DRAIN = "docker node update --availability drain manager1"
# Web on the workers only, manager1 drained: how the sections after "managers-only" start.
_ON_WORKERS = (sh("manager1", WEB), sh("manager1", DRAIN),
               wait(lambda s: len(s.running("web")) == 3 and "manager1" not in s.placement("web"),
                    "3 web tasks on the workers", 90))


def _env(ev: Evidence, service: str) -> dict[str, str]:
    """A service's environment variables, from its spec."""
    spec = (raw_service(ev, service).get("Spec") or {}).get("TaskTemplate", {}).get("ContainerSpec", {})
    return dict(e.split("=", 1) if "=" in e else (e, "") for e in spec.get("Env") or [])


# -- exercises and lesson checks ------------------------------------------------------------------
def flaky_env(ev: Evidence) -> Verdict:
    """Exercise: flaky, which exits at once and says why in its logs, gets the GREETING it asks for and keeps
    running."""
    snap = ev.snapshot
    if (v := missing_service(snap, "flaky")) is not None:
        return failed(v.text + "; expected flaky, updated in place")
    env = _env(ev, "flaky")
    near = [k for k in env if k.lower() == "greeting" and k != "GREETING"]
    if "GREETING" not in env:
        if near:
            return failed(f"flaky has {near[0]} in its environment, not GREETING: names are case-sensitive")
        return failed("flaky has no GREETING in its environment, so its tasks exit at once (its logs say so); "
                      "expected GREETING set")
    if not env["GREETING"]:
        return failed("flaky's GREETING is empty: the script wants a value; expected GREETING=<some text>")
    steady = [t for t in snap.running("flaky") if (in_state_for(snap, t) or 0) >= 3]
    if steady:
        return passed(f"flaky runs with GREETING={env['GREETING']} on {steady[0].node_hostname}")
    return waiting("flaky has GREETING; waiting for a task that keeps running")


def manager_only(ev: Evidence) -> Verdict:
    """manager1 drained: it still leads, and web runs its 3 tasks on the workers."""
    snap = ev.snapshot
    m1 = snap.node("manager1")
    if m1.availability != "drain":
        return failed(f"manager1 is {m1.availability}; expected it drained")
    if not m1.leader:
        return failed("manager1 does not lead; expected it to keep managing")
    if len(snap.running("web")) == 3 and "manager1" not in snap.placement("web"):
        return passed(f"manager1 leads and runs no task; web: {placement_text(snap, 'web')}")
    return waiting(f"web runs {placement_text(snap, 'web')}; waiting for its manager1 task to move")


def _history_limit(ev: Evidence) -> int:
    return int(((ev.api.get("swarm") or {}).get("Spec") or {}).get("Orchestration", {}).get(
        "TaskHistoryRetentionLimit", 5))


def history_limit(ev: Evidence) -> Verdict:
    """Exercise: each slot keeps its current task and one old one (task history limit 2)."""
    n = _history_limit(ev)
    if n == 2:
        return passed("the task history limit is 2: each slot keeps its current task and the one it replaced")
    if n == 5:
        return failed("the swarm keeps 5 tasks per slot (the default); expected the current one and one old one")
    if n < 2:
        return failed(f"the task history limit is {n}: the current task counts too, so no old task is kept; "
                      "expected the current one and one old one")
    return failed(f"the task history limit is {n}: {n - 1} old tasks per slot; expected one")


@requires_service("batch")
def batch_job(ev: Evidence) -> Verdict:
    """Exercise: batch, a replicated job that completes 4 times, at most 2 at once."""
    snap = ev.snapshot
    svc = snap.service("batch")
    if svc.mode != "replicated-job":
        return failed(f"batch is a {svc.mode} service: its tasks would be restarted forever; expected a job that "
                      "ends")
    job = (raw_service(ev, "batch").get("Spec") or {}).get("Mode", {}).get("ReplicatedJob", {})
    total, most = job.get("TotalCompletions", 1), job.get("MaxConcurrent", 1)
    if total != 4:
        return failed(f"batch completes {total} time(s); expected 4")
    if most != 2:
        return failed(f"batch runs up to {most} at once; expected at most 2")
    done = [t for t in snap.tasks_of("batch", current=False) if t.state == "complete"]
    if len(done) >= 4:
        where = nodes_text(sorted({t.node_hostname or "?" for t in done}))
        return passed(f"batch completed 4 times, 2 at a time at most, on {where}")
    return waiting(f"batch has completed {len(done)} of 4")


# The fresh node's own address on the lab network, then the address its engine advertises to the swarm.
ADDRESSES = "echo $(hostname -i) $(docker info --format '{{.Swarm.NodeAddr}}')"


def restored(ev: Evidence) -> Verdict:
    """The fresh node, given the backup and `swarm init --force-new-cluster`, leads the swarm as it was at backup
    time, advertising its own address (until the init it still advertises the old manager's, from the backup)."""
    snap = ev.snapshot
    want = "expected the restored manager to lead, advertising its own address"
    if snap.error or snap.leader is None:
        return failed(f"no manager answers ({snap.error or 'no leader'}); {want}")
    leader = snap.leader.hostname
    own, advertised = ([*ev.output("manager2", ADDRESSES).split(), "", ""])[:2]
    if advertised != own:
        return failed(f"{leader} leads, but manager2 advertises {advertised or 'nothing'}, not its own address "
                      f"({own}): it still believes it is the old manager; {want}")
    if any(s.name == "after" for s in snap.services):
        return failed("the service after exists: it was made after the backup, so this swarm is not the restored "
                      "one; expected the swarm as it was at backup time")
    return passed(f"{leader} leads the restored swarm; services: {nodes_text([s.name for s in snap.services])} "
                  "(after, made after the backup, is gone)")


def tidy_restored(ev: Evidence) -> Verdict:
    """Exercise: the restored swarm's node list holds each machine once (the old identities of the rejoined
    workers are removed), and web runs its 3 tasks."""
    snap = ev.snapshot
    if snap.error:
        return failed(f"the swarm cannot be read: {snap.error}")
    names = [n.hostname for n in snap.nodes]
    twice = sorted({h for h in names if names.count(h) > 1})
    if twice:
        return failed(f"{', '.join(twice)} {'is' if len(twice) == 1 else 'are'} listed twice: once Ready, once as "
                      "the identity it had before the restore; expected each machine once")
    down = [n.hostname for n in snap.nodes if n.state != "ready"]
    if down:
        return failed(f"{nodes_text(down)} not Ready: expected only machines that work")
    if len(snap.running("web")) == 3:
        return passed(f"nodes: {nodes_text(names)}, each once; web: {placement_text(snap, 'web')}")
    return waiting(f"web runs {placement_text(snap, 'web')}; 3 wanted")


PLAN = NotebookPlan(
    "14", "Operating a swarm and troubleshooting", "14-operating-and-troubleshooting.ipynb", managers=1, workers=2,
    sections=(
        Section("logs", "Service logs"),
        Section("events", "Events"),
        Section("managers-only", "Managers that only manage", (sh("manager1", WEB), wait_service("web", 3))),
        Section("settings", "Swarm-wide settings", _ON_WORKERS),
        Section("jobs", "Jobs: tasks that run to completion", _ON_WORKERS),
        Section("backup", "Back up a manager, restore the swarm on a fresh node", _ON_WORKERS),
        *CHALLENGE_SECTIONS,
        Section("context", "Your own tools against the lab", (sh("manager1", WEB), wait_service("web", 3))),
    ),
    checks=(
        Check("14-flaky-env", "logs", "flaky gets what its logs ask for", flaky_env, needs=("services",),
              hints=("A task that exits at once usually says why before it goes. Where does a service's output go?",
                     "`docker service logs flaky` shows what its tasks printed, crashed ones included.",
                     "It asks for an environment variable: `docker service update` has a flag that adds one "
                     "(`--env-add`)."),
              solution="%%node manager1\ndocker service update --env-add GREETING=hello flaky",
              unsolved="flaky has no GREETING", wait=60,
              wrong=(("%%node manager1\ndocker service update --env-add greeting=hello flaky",
                      "names are case-sensitive"),)),
        Check("14-manager-only", "managers-only", "manager1 manages and runs nothing", manager_only,
              unsolved="manager1 is active", wait=60),
        Check("14-history-limit", "settings", "one old task per slot", history_limit, needs=("swarm",),
              hints=("How many tasks a slot keeps is not a service setting: it is the swarm's.",
                     "`docker swarm update --help` lists the swarm's settings; one is about task history.",
                     "`--task-history-limit` counts the current task too."),
              solution="%%node manager1\ndocker swarm update --task-history-limit 2",
              unsolved="keeps 5 tasks per slot", wait=10,
              wrong=(("%%node manager1\ndocker swarm update --task-history-limit 1", "no old task is kept"),)),
        Check("14-batch-job", "jobs", "a job: 4 completions, 2 at a time", batch_job, needs=("services",),
              hints=("A service that should end is a job: which mode did the cells above use?",
                     "A replicated job's `--replicas` is how many completions it needs.",
                     "`--max-concurrent` caps how many of its tasks run at once."),
              solution="%%node manager1\ndocker service create --name batch --mode replicated-job --replicas 4 "
                       "--max-concurrent 2 busybox sh -c 'sleep 2; echo batch done'",
              unsolved="there is no service batch", wait=60,
              wrong=(("%%node manager1\ndocker service create --name batch --mode replicated-job --replicas 4 "
                      "busybox sh -c 'sleep 2; echo batch done'", "runs up to 4 at once"),)),
        Check("14-restored", "backup", "the swarm restored on a fresh node", restored,
              probes=(("manager2", ADDRESSES),),
              unsolved="advertising its own address", wait=60),
        Check("14-tidy-restored", "backup", "each machine listed once, web back", tidy_restored,
              hints=("Which entries of `docker node ls` describe machines as they were before the restore?",
                     "Two entries share each worker's hostname; a name cannot tell them apart, but something else "
                     "in the listing can.",
                     "`docker node rm` takes node IDs; `docker node ls --format` can print each ID with its status."),
              solution="%%node manager2\ndocker node ls --format '{{.ID}} {{.Status}}' | grep -v Ready "
                       "| cut -d' ' -f1 | xargs docker node rm",
              unsolved="listed twice", wait=90,
              wrong=(("%%node manager2\ndocker node ls --format '{{.ID}} {{.Hostname}} {{.Status}}' "
                      "| grep 'worker1 Down' | cut -d' ' -f1 | xargs docker node rm", "worker2 is listed twice"),)),
        *CHALLENGES,
    ),
)
