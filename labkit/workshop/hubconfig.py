"""The JupyterHub configuration of a room, written by labkit as a Python config file in the room's state dir.

Everything the hub needs is in there: who may log in (hashes only), the spawner and its limits, where the
hub listens (the public proxy on loopback unless asked otherwise, over HTTPS when it is not loopback; the hub's API
on the Docker bridge's gateway, where learners' servers reach it), the proxy's command, and the hub services: the
idle culler, `labkit-cli` (for `status` and `reset`) and the instructor dashboard.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .dashboard import service_spec
from .engine import Limits, engine_socket, to_bytes
from .names import (
    ENGINE_SOCKET_DIR,
    HOME,
    KIND_SERVER,
    LABEL_LEARNER,
    LABEL_ROOM,
    ROOM,
    USER_IMAGE,
    home_volume,
    mirror_name,
    server_name,
    socket_volume,
)
from .tls import HubTls

__all__ = ["HubSettings", "write_config", "INSTRUCTOR", "CLI_SERVICE", "CLI_TOKEN"]

INSTRUCTOR = "instructor"  # the hub admin: sees every learner (the dashboard service is for them only)
CLI_SERVICE = "labkit-cli"  # `workshop status/reset` talk to the hub as this service
CLI_TOKEN = "cli_token"  # its token's file in the state dir (owner-only), read by the config at the hub's start


@dataclass(frozen=True)
class HubSettings:
    """What `workshop up` decided: learners, addresses, limits, the proxy and the culler."""

    learners: tuple[str, ...]
    state: Path
    proxy: str
    hub_ip: str  # the Docker bridge's gateway: the host address learners' servers reach the hub API on
    port: int = 8000
    listen: str = "127.0.0.1"
    hub_port: int = 8081
    limits: Limits = field(default_factory=Limits)
    idle_timeout: int = 3600  # seconds without activity before the culler stops a server (and its engine)
    image: str = USER_IMAGE
    tls: HubTls | None = None  # the proxy serves HTTPS with these (tls.hub_tls decides)
    dashboard_port: int | None = None  # the dashboard service's loopback port; None: a free one when written

    @property
    def scheme(self) -> str:
        """http, or https when the proxy serves TLS."""
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        """Where learners log in."""
        host = "127.0.0.1" if self.listen in ("127.0.0.1", "0.0.0.0", "") else self.listen
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.port}/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# What the dashboard service needs of the hub's environment to find the engine (the hub passes on only PATH & co).
_DOCKER_ENV = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")
# The learners' role, written out: `self` only, so no learner token carries access to the dashboard service.
_USER_ROLE = {"name": "user", "scopes": ["self"]}
_CULLER_ROLE = {
    "name": "idle-culler",
    "services": ["idle-culler"],
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
}
_CLI_SCOPES = ["admin:users", "admin:servers", "list:users", "read:users", "read:servers", "read:users:activity"]


def _tls_lines(tls: HubTls | None) -> list[str]:
    if tls is None:
        return []
    return [
        f"c.JupyterHub.ssl_cert = {str(tls.cert)!r}  # SHA-256 {tls.fingerprint}",
        f"c.JupyterHub.ssl_key = {str(tls.key)!r}",
    ]


def _lines(s: HubSettings) -> list[str]:
    labels = {LABEL_ROOM: ROOM, "labkit.kind": KIND_SERVER, LABEL_LEARNER: "{username}"}
    lim = s.limits
    culler_command = [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={s.idle_timeout}"]
    culler = {"name": "idle-culler", "command": culler_command}
    cli_role = {"name": CLI_SERVICE, "services": [CLI_SERVICE], "scopes": _CLI_SCOPES}
    env = {k: os.environ[k] for k in _DOCKER_ENV if os.environ.get(k)}
    dashboard = service_spec(s.dashboard_port or _free_port(), python=sys.executable, environment=env)
    return [
        "# Written by `labkit workshop up` (labkit/workshop/hubconfig.py); rewritten at every `up`.",
        "c = get_config()  # noqa: F821",
        f"c.JupyterHub.bind_url = {f'{s.scheme}://{s.listen}:{s.port}'!r}",
        *_tls_lines(s.tls),
        f"c.JupyterHub.hub_bind_url = {f'http://{s.hub_ip}:{s.hub_port}'!r}",
        f"c.JupyterHub.hub_connect_ip = {s.hub_ip!r}",
        f"c.JupyterHub.db_url = {'sqlite:///' + str(s.state / 'jupyterhub.sqlite')!r}",
        f"c.JupyterHub.cookie_secret_file = {str(s.state / 'jupyterhub_cookie_secret')!r}",
        "c.JupyterHub.cleanup_servers = True",
        f"c.ConfigurableHTTPProxy.command = [{s.proxy!r}]",
        f"c.ConfigurableHTTPProxy.pid_file = {str(s.state / 'proxy.pid')!r}",
        f"c.ConfigurableHTTPProxy.api_url = {f'http://127.0.0.1:{s.port + 1}'!r}",
        "c.JupyterHub.authenticator_class = 'labkit.workshop.auth.HashedPasswordAuthenticator'",
        f"c.HashedPasswordAuthenticator.users_file = {str(s.state / 'users.json')!r}",
        f"c.Authenticator.allowed_users = {set(s.learners) | {INSTRUCTOR}!r}",
        f"c.Authenticator.admin_users = {{{INSTRUCTOR!r}}}",
        "c.JupyterHub.spawner_class = 'labkit.workshop.spawner.LearnerSpawner'",
        f"c.LearnerSpawner.image = {s.image!r}",
        "c.LearnerSpawner.pull_policy = 'never'  # built on this server: there is no registry to pull from",
        "c.LearnerSpawner.remove = True",
        "c.LearnerSpawner.use_internal_ip = True",
        f"c.LearnerSpawner.name_template = {server_name('{username}')!r}",
        f"c.LearnerSpawner.volumes = {{{home_volume('{username}')!r}: {HOME!r}, "
        f"{socket_volume('{username}')!r}: {ENGINE_SOCKET_DIR!r}}}",
        f"c.LearnerSpawner.notebook_dir = {HOME!r}",
        "c.LearnerSpawner.default_url = '/lab/tree/course/00-welcome.ipynb'",
        "c.LearnerSpawner.cmd = ['jupyterhub-singleuser']",
        f"c.LearnerSpawner.environment = {{'DOCKER_HOST': {engine_socket()!r}, "
        f"'LABKIT_WORKSHOP_LIMITS': {lim.describe()!r}}}",
        f"c.LearnerSpawner.extra_create_kwargs = {{'labels': {labels!r}}}",
        "c.LearnerSpawner.extra_host_config = {'cap_drop': ['ALL'], 'security_opt': ['no-new-privileges'], "
        "'pids_limit': 1024}",
        f"c.LearnerSpawner.mem_limit = {to_bytes(lim.server_memory)!r}",
        f"c.LearnerSpawner.cpu_limit = {lim.server_cpus!r}",
        f"c.LearnerSpawner.engine_memory = {lim.engine_memory!r}",
        f"c.LearnerSpawner.engine_cpus = {lim.engine_cpus!r}",
        f"c.LearnerSpawner.mirror = {mirror_name()!r}",
        "c.LearnerSpawner.start_timeout = 300  # the first start pulls labkit's images into the learner's engine",
        "c.LearnerSpawner.http_timeout = 120",
        f"c.JupyterHub.load_roles = {[_USER_ROLE, _CULLER_ROLE, cli_role]!r}",
        "c.JupyterHub.services = ["
        f"{culler!r}, "
        f"{{'name': {CLI_SERVICE!r}, 'api_token': open({str(s.state / CLI_TOKEN)!r}).read().strip()}}, "
        f"{dashboard!r}]",
    ]


def write_config(s: HubSettings) -> Path:
    """Write jupyterhub_config.py into the state dir; return its path."""
    s.state.mkdir(parents=True, exist_ok=True)
    path = s.state / "jupyterhub_config.py"
    path.write_text("\n".join(_lines(s)) + "\n")
    return path
