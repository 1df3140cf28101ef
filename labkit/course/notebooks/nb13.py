"""13 · Health, configs, secrets and realistic updates: a HEALTHCHECK in an image and a sick task replaced, changes
made in place, start-first seen happening, a failure policy that catches a bad release, configs and secrets rotated,
and both in a stack file. The verdicts live in release_lessons.py."""

from __future__ import annotations

from ..model import Check, NotebookPlan, Section
from ..steps import sh, wait_service
from .release_lessons import WEB, WEB4, banner_rotated, banner_served, password_rotated, secret_mounted, \
    sick_task_replaced, stack_deployed, start_first_seen, v3_caught, web_changed, web_healthy, CONTAINERS

CHANGED = ("docker service create --name web --replicas 2 --health-retries 2 --health-timeout 1s "
           "--env MESSAGE='hello from an update' "
           "--publish published=8080,target=80,mode=host --publish published=9090,target=80,mode=host labkit/web:v1")
SICK = ("%%node worker2\ndocker exec $(docker ps -q --filter name=web.) rm /srv/web/healthy\nsleep 3\n"
        "docker inspect --format '{{.Name}}: {{.State.Health.Status}}, {{.State.Health.FailingStreak}} failed "
        "check(s) in a row' $(docker ps -q --filter name=web.)")
POLICY = "--update-failure-action rollback --update-max-failure-ratio 0.25 --rollback-parallelism 2"
# How the rotation exercises' cells begin, solution and wrong answer alike: the new config, the new secret.
NEW_CONFIG = "%%node manager1\nprintf 'Welcome to web 2\\n' | docker config create banner_v2 -\n"
NEW_SECRET = "%%node manager1\nprintf 'hunter3-rotated' | docker secret create db_password_v2 -\n"

PLAN = NotebookPlan(
    "13", "Health, configs, secrets and realistic updates", "13-health-configs-secrets-updates.ipynb",
    managers=1, workers=2,
    sections=(
        Section("health", "A healthcheck in the image"),
        Section("change", "Changing a running service", (sh("manager1", WEB), wait_service("web", 3))),
        Section("start-first", "start-first, seen happening", (sh("manager1", CHANGED), wait_service("web", 2))),
        Section("failure-policy", "When an update fails", (sh("manager1", WEB4), wait_service("web", 4))),
        Section("configs", "Configs", (sh("manager1", WEB4), wait_service("web", 4))),
        Section("secrets", "Rotating a secret", (sh("manager1", WEB4), wait_service("web", 4))),
        Section("stack", "Secrets and configs in a stack file"),
    ),
    checks=(
        Check("13-web-healthy", "health", "3 tasks, each healthy before Running", web_healthy, needs=("services",),
              unsolved="there is no service web", wait=60),
        Check("13-sick-task-replaced", "health", "a sick task replaced by the swarm", sick_task_replaced,
              probes=(("worker2", CONTAINERS),),
              hints=("The swarm replaces a task whose container turns unhealthy. What does web's healthcheck ask "
                     "for, and what does that answer depend on? (See the image's description above.)",
                     "The container on worker2 must keep running while its /health stops answering 200. A running "
                     "container can be changed from its own node: a `%%node worker2` cell.",
                     "`docker exec` into worker2's web container and delete the file /health serves, "
                     "/srv/web/healthy."),
              solution=SICK, unsolved="is the first one, and healthy", wait=60,
              wrong=(("%%node worker2\ndocker rm -f $(docker ps -q --filter name=web.)", "removed by hand"),)),
        Check("13-web-changed", "change", "env, a second port, 2 replicas, in place", web_changed,
              needs=("services",), unsolved="sets no MESSAGE", wait=90),
        Check("13-start-first-seen", "start-first", "old and new task both running", start_first_seen,
              needs=("services",), unsolved="expected start-first", wait=90),
        Check("13-v3-caught", "failure-policy", "v3 rolled back by the swarm, policy kept", v3_caught,
              needs=("services",),
              hints=("Two things: a policy that catches a bad release by itself, then the release. Remember what a "
                     "rollback restores (notebook 07): the whole previous spec.",
                     "The policy lives in web's UpdateConfig and RollbackConfig. Set it in a `docker service update` "
                     "of its own first (that replaces no task), then ship v3 in a second one.",
                     "The flags are `--update-failure-action`, `--update-max-failure-ratio` (a fraction of the "
                     "tasks: one in four) and `--rollback-parallelism`; then `--image labkit/web:v3`."),
              solution=f"%%node manager1\ndocker service update {POLICY} web\n"
                       "docker service update -d --image labkit/web:v3 web",
              unsolved="v3 was never tried", wait=150,
              wrong=((f"%%node manager1\ndocker service update -d --image labkit/web:v3 {POLICY} web",
                      "were rolled back too"),)),
        Check("13-banner-served", "configs", "a config as a file in the tasks", banner_served,
              needs=("services", "configs"), unsolved="there is no config banner", wait=90),
        Check("13-banner-rotated", "configs", "the banner rotated, the old config deleted", banner_rotated,
              needs=("services", "configs"),
              hints=("A config cannot be changed: `docker config` has no update command. New text means a new "
                     "config.",
                     "Swap it on the service: one `docker service update` takes the old config off and puts the new "
                     "one at the same file path. Once no service uses the old config, it can be deleted.",
                     "`--config-rm` and `--config-add source=…,target=/srv/web/banner.txt`, then `docker config "
                     "rm`."),
              solution=NEW_CONFIG + "docker service update --config-rm banner "
                                    "--config-add source=banner_v2,target=/srv/web/banner.txt web\n"
                                    "docker config rm banner",
              unsolved="holds config banner", wait=90,
              wrong=((NEW_CONFIG + "docker service update --config-add "
                                   "source=banner_v2,target=/srv/web/banner2.txt web", "a new target is a new file"),)),
        Check("13-secret-mounted", "secrets", "a secret at a path and mode of your choice", secret_mounted,
              needs=("services",), unsolved="no secret db_password_v1", wait=90),
        Check("13-password-rotated", "secrets", "the password rotated, same path, old secret deleted",
              password_rotated, needs=("services", "secrets"),
              hints=("The same idea as the banner: a new secret, swapped on the service, then the old one deleted.",
                     "A secret's file is named after the secret unless you say otherwise, and the app reads "
                     "/run/secrets/db_password whatever the secret is called.",
                     "`--secret-add` takes `source=`, `target=` and `mode=` (octal); `--secret-rm` takes the old "
                     "one off; `docker secret rm` deletes it."),
              solution=NEW_SECRET + "docker service update --secret-rm db_password_v1 "
                                    "--secret-add source=db_password_v2,target=db_password,mode=0400 web\n"
                                    "docker secret rm db_password_v1",
              unsolved="still reads db_password_v1", wait=90,
              wrong=((NEW_SECRET + "docker service update --secret-rm db_password_v1 --secret-add db_password_v2 web",
                      "the app reads /run/secrets/db_password"),)),
        Check("13-stack-deployed", "stack", "a stack with a config and a secret", stack_deployed,
              needs=("services",), unsolved="there is no service shop_web", wait=90),
    ),
)
