"""A swarm node: one Docker-in-Docker container, its shell, and the faults a learner can inject."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Sequence

import docker.errors

from ._engine import client
from ._errors import LabkitError
from ._exec import CommandResult, run_in_container
from ._names import container_name

if TYPE_CHECKING:
    from ._lab import Lab

__all__ = ["Node"]


class Node:
    """One node of a lab, found by its deterministic container name `<lab>-<hostname>`."""

    def __init__(self, lab: "Lab", hostname: str, role: str, ip: str):
        self.lab = lab
        self.name = hostname
        self.role = role  # the role it was created with; the swarm may promote/demote it later
        self.ip = ip

    def __repr__(self) -> str:
        return f"Node({self.name!r}, role={self.role!r}, ip={self.ip!r})"

    @property
    def container_name(self) -> str:
        """The node's container on the host engine, e.g. 'mylab-worker2'."""
        return container_name(self.lab.name, self.name)

    def container(self):
        """The docker-py container object (fresh state)."""
        self.lab._require_running()
        try:
            return client().containers.get(self.container_name)
        except docker.errors.NotFound:
            raise LabkitError(f"node {self.name}'s container {self.container_name} is gone "
                              "(removed outside labkit?); stop the lab and start a new one") from None

    # -- commands -----------------------------------------------------------------------------

    def sh(self, script: str, *, check: bool = True, stream: bool | IO[str] = False,
           env: dict[str, str] | None = None) -> CommandResult:
        """Run a shell script inside the node (`sh -c`), e.g. `node.sh("docker node ls")`.

        Returns stdout/stderr/exit_code; raises CommandError on a non-zero exit unless
        check=False. stream=True writes output live to this process's stdout as it comes.
        """
        return self.exec(["sh", "-c", script], check=check, stream=stream, env=env)

    def exec(self, argv: Sequence[str], *, check: bool = True, stream: bool | IO[str] = False,
             env: dict[str, str] | None = None) -> CommandResult:
        """Run an argv inside the node (no shell)."""
        container = self.container()
        if container.status != "running":
            raise LabkitError(f"cannot run {' '.join(argv)!r} on {self.name}: the node is "
                              f"{self.fault or container.status}. Bring it back with lab.node({self.name!r}).start()"
                              + (" or .unpause()" if container.status == "paused" else ""))
        return run_in_container(container.id, argv, node=self.name, check=check, stream=stream, env=env)

    # -- faults ---------------------------------------------------------------------------------

    @property
    def fault(self) -> str | None:
        """What is wrong with the node's container: None, 'killed', 'stopped', 'paused' or 'disconnected'."""
        try:
            attrs = client().api.inspect_container(self.container_name)
        except docker.errors.NotFound:
            return "removed"
        return fault_of(attrs, self.lab.network_name)

    def kill(self) -> None:
        """Crash the node: SIGKILL its container, as a power cut would (`docker kill <container>`)."""
        self._host(f"docker kill {self.container_name}")
        self.container().kill()

    def stop(self) -> None:
        """Shut the node down cleanly (`docker stop <container>`); its swarm state is kept."""
        self._host(f"docker stop {self.container_name}")
        self.container().stop(timeout=10)

    def start(self) -> None:
        """Start a killed or stopped node again; its engine comes back with its swarm state and rejoins."""
        container = self.container()
        if container.status == "paused":
            self._host(f"docker unpause {self.container_name}")
            container.unpause()
        elif container.status != "running":
            self._host(f"docker start {self.container_name}")
            container.start()
        self._wait_engine()

    def pause(self) -> None:
        """Freeze every process in the node (`docker pause`): it stops answering but keeps its state."""
        self._host(f"docker pause {self.container_name}")
        self.container().pause()

    def unpause(self) -> None:
        """Resume a paused node."""
        self._host(f"docker unpause {self.container_name}")
        self.container().unpause()

    def disconnect(self) -> None:
        """Cut the node off the lab network (a network partition); it keeps running."""
        self._host(f"docker network disconnect {self.lab.network_name} {self.container_name}")
        client().networks.get(self.lab.network_name).disconnect(self.container(), force=True)

    def reconnect(self) -> None:
        """Reconnect a partitioned node with its old IP address (swarm peers know it by that address)."""
        self._host(f"docker network connect --ip {self.ip} --alias {self.name} {self.lab.network_name} "
                   f"{self.container_name}")
        net = client().networks.get(self.lab.network_name)
        try:
            net.connect(self.container(), aliases=[self.name], ipv4_address=self.ip)
        except docker.errors.APIError as exc:
            if "already exists" not in str(exc):
                raise

    def _host(self, cmd: str) -> None:
        # A fault is done from outside the swarm; show the learner the host command it stands for.
        self.lab._progress.line(f"$ {cmd}   # on the host")

    def _wait_engine(self, timeout: float = 60) -> None:
        """Block until the node's own Docker engine answers."""
        script = (f"i=0; while [ $i -lt {int(timeout * 10)} ]; do docker version >/dev/null 2>&1 && exit 0; "
                  "sleep 0.1; i=$((i+1)); done; echo 'engine did not start' >&2; exit 1")
        try:
            self.sh(script)
        except LabkitError as exc:
            logs = self.container().logs(tail=20).decode("utf-8", "replace")
            raise LabkitError(f"failed to start the Docker engine in {self.name}: {exc}\nlast node logs:\n{logs}") from None


def fault_of(attrs: dict, network: str) -> str | None:
    """Classify a node container's inspect data into a labkit fault (None if healthy)."""
    state = attrs.get("State", {})
    if state.get("Paused"):
        return "paused"
    if not state.get("Running"):
        # `docker kill` ends with SIGKILL (137); a clean `docker stop` lets dockerd exit by itself.
        return "killed" if state.get("ExitCode") in (137, -1) else "stopped"
    if network not in (attrs.get("NetworkSettings", {}).get("Networks") or {}):
        return "disconnected"
    return None
