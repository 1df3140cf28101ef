"""10 · Security by default: certificates carry the role, join tokens pin the CA and rotate, the CA rotates to
your own root, certificate lifetime, autolock, secrets."""

from __future__ import annotations

import json

from ..model import Check, Evidence, NotebookPlan, Section, Verdict, failed, passed, waiting
from ..verdicts import ca_digest, cert_fields, missing_service, nodes_text
from .token_lessons import JOIN_SCRIPT, SWARM_STATE, _swarm, _worker2, join_script_fixed, worker_token_rotated

NODES = ("manager1", "worker1", "worker2")
CERTS = "/var/lib/docker/swarm/certificates"
CERT = f"openssl x509 -in {CERTS}/swarm-node.crt -noout -subject -issuer"
ROOT = f"cat {CERTS}/swarm-root-ca.crt"
UNLOCK_KEY = "cat /root/unlock-key"
APP_LOGS = "docker service logs app"
NEW_ROOT = "Example Corp Swarm Root CA"
HOUR = 3600 * 10**9  # nanoseconds


def _autolock(ev: Evidence) -> bool:
    return bool(((_swarm(ev).get("Spec") or {}).get("EncryptionConfig") or {}).get("AutoLockManagers"))


def _certs_follow_roles(role: str):
    def verdict(ev: Evidence) -> Verdict:
        """worker2 has the role asked for, and every node's certificate says CN = its node ID, OU = its role."""
        snap = ev.snapshot
        now = snap.node("worker2").role
        if now != role:
            return failed(f"worker2 is a {now}; expected it {'promoted to' if role == 'manager' else 'demoted back to'}"
                          f" {role}")
        seen = []
        for name in NODES:
            node, f = snap.node(name), cert_fields(ev.output(name, CERT))
            if f.get("CN") != node.id or f.get("OU") != f"swarm-{node.role}":
                return waiting(f"{name} is a {node.role} but its certificate says CN={f.get('CN')}, OU={f.get('OU')}: "
                               "the CA is issuing it a new one")
            seen.append(f"{name} OU={f['OU']}")
        return passed(f"every certificate names its node's ID (CN) and role: {', '.join(seen)}")
    return verdict


def worker2_out(ev: Evidence) -> Verdict:
    """worker2 left, and the old token did not let it back in."""
    state = _worker2(ev)[1]
    if state == "inactive":
        return passed("worker2 left, and the old token did not get it back in: it is in no swarm")
    return failed(f"worker2 is {state or 'unreadable'}; expected it out of the swarm (it left, and the old token was "
                  "refused)")


def node_list_tidy(ev: Evidence) -> Verdict:
    """Exercise: the node list shows each node once, all Ready (the old worker2 entry removed)."""
    snap, nid = ev.snapshot, _worker2(ev)[0]
    mine = next((n for n in snap.nodes if n.id == nid), None)
    if mine is None:
        return failed(f"worker2's own entry (ID {nid[:12]}…) is not in the node list; expected it kept — only the "
                      "old entry goes")
    old = [n for n in snap.nodes if n.hostname == "worker2" and n.id != nid]
    if old:
        return failed(f"worker2 is listed twice: {nid[:12]} {mine.state} and {old[0].id[:12]} {old[0].state}; "
                      "expected one entry — remove the old one by its ID")
    hosts = [n.hostname for n in snap.nodes]
    if sorted(hosts) != sorted(NODES):
        return failed(f"the nodes are {nodes_text(hosts)}; expected {nodes_text(list(NODES))}, once each")
    late = [n.hostname for n in snap.nodes if n.state != "ready"]
    if late:
        return waiting(f"{nodes_text(late)} not Ready yet")
    return passed("each node listed once, all Ready: manager1, worker1, worker2")


def rotated_to_example_corp(ev: Evidence) -> Verdict:
    """The root CA is now Example Corp's: every node's certificate, every node's trusted root, the tokens."""
    swarm, info = _swarm(ev), ev.api.get("info") or {}
    rotating = bool(((info.get("Swarm") or {}).get("Cluster") or {}).get("RootRotationInProgress"))
    issued = [n for n in NODES if NEW_ROOT in cert_fields(ev.output(n, CERT), "issuer").get("CN", "")]
    if not rotating and not issued:
        return failed("every node's certificate is still issued by CN=swarm-ca and no rotation is in progress; "
                      "expected the swarm rotated to the Example Corp root")
    if rotating or len(issued) < len(NODES):
        return waiting(f"root rotation in progress: {nodes_text(issued)} hold a certificate from the new root")
    root = (swarm.get("TLSInfo") or {}).get("TrustRoot", "")
    stale = [n for n in NODES if ev.output(n, ROOT).strip() != root.strip()]
    if stale:
        return waiting(f"{nodes_text(stale)} do not trust the new root yet")
    if (swarm.get("JoinTokens") or {}).get("Worker", "").split("-")[2:3] != [ca_digest(root)]:
        return waiting("the join tokens do not pin the new root yet")
    return passed(f"every node holds a certificate from {NEW_ROOT}, trusts exactly the root `docker swarm ca` "
                  "prints, and the join tokens' digest now pins that root")


def cert_expiry(ev: Evidence) -> Verdict:
    """Exercise: node certificates are issued for 30 days (720h) instead of the default 3 months (2160h)."""
    ns = int(((_swarm(ev).get("Spec") or {}).get("CAConfig") or {}).get("NodeCertExpiry") or 2160 * HOUR)
    if ns == 720 * HOUR:
        return passed("NodeCertExpiry is 720h0m0s: nodes get 30-day certificates from their next renewal on")
    if ns == 2160 * HOUR:
        return failed("NodeCertExpiry is 2160h0m0s (3 months, the default); expected 720h0m0s (30 days)")
    s = ns // 10**9
    return failed(f"NodeCertExpiry is {s // 3600}h{s % 3600 // 60}m{s % 60}s; expected 720h0m0s (30 days × 24 h)")


def autolock_on(ev: Evidence) -> Verdict:
    """Autolock is on, and the unlock key was saved in /root/unlock-key."""
    if not _autolock(ev):
        return failed("autolock is off; expected the managers' keys locked at rest (autolock on)")
    if not ev.output("manager1", UNLOCK_KEY).strip().startswith("SWMKEY-1-"):
        return failed("autolock is on but /root/unlock-key holds no SWMKEY-1-… key; expected the key saved there")
    return passed("autolock is on; the unlock key is in /root/unlock-key (a stand-in for your password manager)")


def unlocked(ev: Evidence) -> Verdict:
    """manager1 was unlocked: the swarm answers again and every node is Ready."""
    snap = ev.snapshot
    if snap.error:
        return failed(f"the swarm cannot be read: {snap.error}")
    late = [n.hostname for n in snap.nodes if n.state != "ready"]
    if late:
        return waiting(f"unlocked; {nodes_text(late)} re-registering with the manager")
    return passed("unlocked: " + ", ".join(f"{n.hostname} {n.state}" for n in snap.nodes))


def autolock_off(ev: Evidence) -> Verdict:
    """Autolock turned off again."""
    if _autolock(ev):
        return failed("autolock is still on; expected it off")
    return passed("autolock is off: a restarted manager starts without a key again")


def app_read_secret(ev: Evidence) -> Verdict:
    """app's task read db_password from /run/secrets, and the API never shows the secret's value."""
    if (v := missing_service(ev.snapshot, "app")) is not None:
        return v
    secret = next((s for s in (ev.api.get("secrets") or []) if s.get("Spec", {}).get("Name") == "db_password"), None)
    if secret is None:
        return failed("there is no secret db_password; expected the one created above")
    if "Data" in secret.get("Spec", {}) or "correct horse" in json.dumps(secret):
        return failed("the API shows db_password's value; expected it never shown")
    if "the app read: correct horse battery staple" in ev.output("manager1", APP_LOGS):
        return passed("the task read the secret from /run/secrets/db_password; the API never shows its value")
    return waiting("app's task has not logged what it read yet")


def api_key_secret(ev: Evidence) -> Verdict:
    """Exercise: app gets a second secret api_key (value s3cr3t) at /run/secrets/api_key, and keeps db_password."""
    spec = ev.service_spec("app")
    if spec is None:
        return failed("there is no service app; expected the app of the cell above (reset the section)")
    cs = spec.get("TaskTemplate", {}).get("ContainerSpec", {})
    env = [e for e in cs.get("Env") or [] if "s3cr3t" in e]
    if env:
        return failed(f"app's environment contains {env[0]}: anyone who can run docker service inspect reads it; "
                      "expected the value only in a secret")
    names = [s.get("Spec", {}).get("Name") for s in (ev.api.get("secrets") or [])]
    if "api_key" not in names:
        return failed(f"there is no secret api_key (secrets: {nodes_text(names)}); expected a secret named api_key")
    refs = {r.get("SecretName"): (r.get("File") or {}).get("Name") for r in cs.get("Secrets") or []}
    if "api_key" not in refs:
        return failed(f"secret api_key exists but app does not use it (app's secrets: {nodes_text(list(refs))}); "
                      "expected app to mount api_key too")
    if refs["api_key"] != "api_key":
        return failed(f"app mounts api_key as /run/secrets/{refs['api_key']}; expected /run/secrets/api_key")
    if "db_password" not in refs:
        return failed("app no longer mounts db_password; expected both secrets")
    sid = ev.snapshot.service("app").id
    tasks = [t for t in ev.api.get("tasks") or [] if t.get("ServiceID") == sid and t.get("DesiredState") == "running"
             and t.get("Status", {}).get("State") == "running"]
    if any("api_key" in [s.get("SecretName") for s in t.get("Spec", {}).get("ContainerSpec", {}).get("Secrets") or []]
           for t in tasks):
        return passed("app's task has /run/secrets/api_key and /run/secrets/db_password (no one can read the value "
                      "back through the API — that is the point)")
    return waiting("app is being updated: waiting for a task that has the new secret")


PLAN = NotebookPlan(
    "10", "Security by default", "10-security-by-default.ipynb", managers=1, workers=2,
    sections=(
        Section("mtls", "Mutual TLS, on from the first command"),
        Section("join-tokens", "Join tokens"),
        Section("rotate-token", "Rotate a token"),
        Section("ca", "The CA: docker swarm ca"),
        Section("cert-expiry", "How long certificates live"),
        Section("autolock", "Autolock: encrypt the managers' keys at rest"),
        Section("secrets", "Secrets: credentials without images or environment variables"),
    ),
    checks=(
        Check("10-promoted-cert", "mtls", "a manager's certificate", _certs_follow_roles("manager"),
              probes=tuple((n, CERT) for n in NODES), unsolved="worker2 is a worker", wait=30),
        Check("10-demoted-cert", "mtls", "back to a worker's certificate", _certs_follow_roles("worker"),
              probes=tuple((n, CERT) for n in NODES), unsolved="worker2 is a manager", wait=30),
        Check("10-worker-token-rotated", "rotate-token", "a new worker token", worker_token_rotated,
              needs=("swarm",), probes=(("worker2", JOIN_SCRIPT),), unsolved="is still the one in", wait=10),
        Check("10-worker2-out", "rotate-token", "the old token is refused", worker2_out,
              probes=(("worker2", SWARM_STATE),), unsolved="worker2 is active", wait=10),
        Check("10-join-script-fixed", "rotate-token", "the join script fixed, worker2 back", join_script_fixed,
              needs=("swarm",), probes=(("worker2", SWARM_STATE), ("worker2", JOIN_SCRIPT)),
              hints=("The script is fine except for one part that the rotation made stale. Which one?",
                     "Only the token changed: a manager prints the current one (`docker swarm join-token -q worker`), "
                     "and in a `%%node` or `%%nodefile --expand` cell `{join_token('worker')}` is replaced by it.",
                     "Put the current worker token into /root/join.sh (rewrite it, or edit it in place with `sed`), "
                     "then run the script on worker2 with `sh`."),
              solution="%%node worker2\nsed -i \"s/SWMTKN-[^ ]*/{join_token('worker')}/\" /root/join.sh\n"
                       "sh /root/join.sh",
              unsolved="/root/join.sh holds an old token", wait=30,
              wrong=(("%%node worker2\ndocker swarm join --token {join_token('worker')} {ip('manager1')}:2377",
                      "joined by hand"),
                     ("%%node worker2\nsed -i \"s/SWMTKN-[^ ]*/{join_token('manager')}/\" /root/join.sh",
                      "holds the manager token"))),
        Check("10-node-list-tidy", "rotate-token", "each node listed once", node_list_tidy,
              probes=(("worker2", SWARM_STATE),),
              hints=("`docker node ls` on manager1: which worker2 is the one that left?",
                     "The old entry stays until a manager removes it. It can be removed once it is Down, and only "
                     "by its ID: both entries have the same hostname.",
                     "Removing is `docker node rm`, by ID: the ID of the entry that is Down (in a `%%node` cell, "
                     "`{node_id('worker2', state='down')}` reads it)."),
              solution="%%node manager1\n"
                       "until docker node ls --filter name=worker2 | grep -q Down; do sleep 1; done\n"
                       "docker node rm $(docker node ls --filter name=worker2 | grep Down | cut -d' ' -f1)",
              unsolved="worker2 is listed twice", wait=30),
        Check("10-rotated-to-example-corp", "ca", "every node on the new root", rotated_to_example_corp,
              needs=("swarm", "info"), probes=tuple((n, c) for n in NODES for c in (CERT, ROOT)),
              unsolved="still issued by CN=swarm-ca", wait=120),
        Check("10-cert-expiry", "cert-expiry", "30-day certificates", cert_expiry, needs=("swarm",),
              hints=("It is a setting of the swarm itself, not of a node or a service.",
                     "`docker swarm update --help` lists the swarm's settings. Durations are written in hours, like "
                     "`24h`.",
                     "The flag is `--cert-expiry`, and 30 days is 30 × 24 hours."),
              solution="%%node manager1\ndocker swarm update --cert-expiry 720h",
              unsolved="3 months, the default", wait=10,
              wrong=(("%%node manager1\ndocker swarm update --cert-expiry 30h", "expected 720h0m0s"),)),
        Check("10-autolock-on", "autolock", "autolock on, key saved", autolock_on, needs=("swarm",),
              probes=(("manager1", UNLOCK_KEY),), unsolved="autolock is off", wait=10),
        Check("10-unlocked", "autolock", "manager1 unlocked", unlocked, unsolved="needs to be unlocked", wait=90),
        Check("10-autolock-off", "autolock", "autolock off", autolock_off, needs=("swarm",),
              unsolved="autolock is still on", wait=10),
        Check("10-app-read-secret", "secrets", "the task reads its secret", app_read_secret, needs=("secrets",),
              probes=(("manager1", APP_LOGS),), unsolved="there is no service app", wait=60),
        Check("10-api-key-secret", "secrets", "a second secret for app", api_key_secret,
              needs=("secrets", "services", "tasks"),
              hints=("Two steps on manager1: first the secret, then the service.",
                     "`docker secret create NAME -` reads the value from stdin, and `docker service update` has a "
                     "flag that adds a secret to a running service.",
                     "Pipe the value into `docker secret create` with `printf`; the flag that adds it to app is "
                     "`--secret-add`."),
              solution="%%node manager1\nprintf 's3cr3t' | docker secret create api_key -\n"
                       "docker service update --secret-add api_key app",
              unsolved="there is no secret api_key", wait=60,
              wrong=(("%%node manager1\ndocker service update --env-add API_KEY=s3cr3t app",
                      "anyone who can run docker service inspect reads it"),)),
    ),
)
