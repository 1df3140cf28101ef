"""A swarm node: one Docker-in-Docker container, its shell, and the faults a learner can inject."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import IO

from ..base.errors import EngineError, LabBroken, LabkitError, LabNotRunning, NodeNotRunning, WaitTimeout
from ..base.facts import lab_stopped, node_out_of_memory
from ..base.faults import fault_leaving, fault_named, host_command
from ..base.poll import poll
from ..base.quoting import sh_join
from ..host import containers
from ..host.exec import CommandResult, ContainerNotRunning, run_in_container
from ..host.memory import labs_memory_limit, oom_killed
from ..host.terminal import interactive
from .context import LabPhase, LabState
from .snapshot import lab_faults, read_snapshot

__all__ = ["Node"]

_ENGINE_UP = ["docker", "version", "--format", "{{.Server.Version}}"]


def _fault_method(action: str) -> Callable[[Node], None]:
    """A Node method doing one row of NODE_FAULTS, with that row's docstring."""

    def method(self: Node) -> None:
        self._fault(action)

    method.__name__ = method.__qualname__ = action
    method.__doc__ = fault_named(action).doc
    return method


class Node:
    """One node of a lab, found by its deterministic container name `<lab>-<hostname>`."""

    def __init__(self, state: LabState, hostname: str):
        self._state = state
        self.name = hostname

    def __repr__(self) -> str:
        return f"Node({self.name!r}, ip={self.ip!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other._state is self._state and other.name == self.name

    def __hash__(self) -> int:
        return hash((self._state.name, self.name))

    @property
    def ip(self) -> str:
        """The node's fixed address on the lab network (kept across a partition and a restart)."""
        return self._state.nodes[self.name].ip

    @property
    def container_name(self) -> str:
        """The node's container on the host engine, e.g. 'mylab-worker2'."""
        return self._state.container_of(self.name)

    @property
    def role(self) -> str:
        """The role the swarm gives now, "manager" or "worker" (promotions included); the created one if none answer."""
        self._require_running()
        read_snapshot(self._state)
        return self._state.role_of(self.name)

    # -- commands -----------------------------------------------------------------------------

    def sh(
        self, script: str, *, check: bool = True, stream: bool | IO[str] = False, env: dict[str, str] | None = None
    ) -> CommandResult:
        """Run a shell script inside the node (`sh -c`), e.g. `node.sh("docker node ls")`.

        Returns stdout/stderr/exit_code; raises CommandError on a non-zero exit unless
        check=False. stream=True writes output live to this process's stdout as it comes.
        """
        return self.exec(["sh", "-c", script], check=check, stream=stream, env=env)

    def exec(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stream: bool | IO[str] = False,
        env: dict[str, str] | None = None,
        tty: bool = False,
        window: tuple[int, int] | None = None,
    ) -> CommandResult:
        """Run an argv inside the node (no shell); tty=True gives it a terminal, as `docker exec -t` does, of this
        process's terminal's size or window=(rows, columns)."""
        self._require_running()
        try:
            return run_in_container(
                self.container_name, argv, node=self.name, check=check, stream=stream, env=env, tty=tty, window=window
            )
        except ContainerNotRunning as exc:
            fault = self.fault or "not running"
            cause = fault_leaving(fault)
            hint = f"lab.node({self.name!r}).{cause.repair if cause else 'start'}()"
            if fault == "removed":
                hint = f"its container is gone (removed outside labkit): lab.remove_node({self.name!r})"
            shown = argv[-1] if list(argv[:2]) == ["sh", "-c"] else sh_join(argv)
            error = LabBroken if fault == "removed" else NodeNotRunning
            raise error(f"cannot run {shown!r} on {self.name}: the node is {fault}. Bring it back with {hint}") from exc

    def shell(self) -> int:
        """An interactive shell in the node on this process's terminal (`labkit shell`); returns its exit code."""
        self._require_running()
        return interactive(
            self.container_name,
            ["sh", "-c", "if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi"],
            env={"TERM": os.environ.get("TERM", "xterm")},
        )

    # -- faults ---------------------------------------------------------------------------------

    @property
    def fault(self) -> str | None:
        """What is wrong with the node's container: None, 'killed', 'stopped', 'paused', 'disconnected' or 'removed'."""
        return lab_faults(self._state).get(self.name)

    def logs(self, tail: int | None = None) -> str:
        """What the node's own engine (dockerd) has printed: `docker logs <container>` on the host."""
        return containers.logs_tail(self.container_name, tail if tail is not None else "all")

    def ended_at(self) -> str:
        """When the node's container last ended (a crash, a stop), as the engine records it; "" if it never did."""
        return containers.finished_at(self.container_name)

    def host_command(self, action: str) -> str:
        """The host `docker` command a fault stands for, e.g. `docker kill mylab-worker2`."""
        return host_command(action, self.container_name, network=self._state.network_name, ip=self.ip, alias=self.name)

    def do(self, action: str) -> None:
        """Do one action of base.faults.NODE_FAULTS by its name: `node.do("kill")` is `node.kill()`."""
        if fault_named(action).name == "start":
            self.start()  # a start knows a paused node and waits for its engine
        else:
            self._fault(action)

    kill = _fault_method("kill")
    stop = _fault_method("stop")
    pause = _fault_method("pause")
    unpause = _fault_method("unpause")
    disconnect = _fault_method("disconnect")
    reconnect = _fault_method("reconnect")

    def start(self) -> None:  # noqa: D102 (its docstring is the faults table's, set below)
        status = containers.status(self.container_name)
        if status == "paused":
            self._fault("unpause")
        elif status != "running":
            self._fault("start")
        self.wait_engine()

    start.__doc__ = fault_named("start").doc

    def _fault(self, action: str) -> None:
        self._require_running()
        # A fault is done from outside the swarm; show the learner the host command it stands for.
        self._state.report.line(f"$ {self.host_command(action)}   # on the host")
        containers.apply(action, self.container_name, network=self._state.network_name, ip=self.ip, alias=self.name)

    def wait_engine(self, timeout: float = 60) -> None:
        """Block until the node's own Docker engine answers."""

        def ask() -> CommandResult | str:
            try:
                return run_in_container(self.container_name, _ENGINE_UP, node=self.name, check=False)
            except ContainerNotRunning as exc:
                budget = labs_memory_limit() if oom_killed(self.container_name) else None
                if budget is not None:  # the labs reached the engine's limit (a workshop's): say so at once
                    raise EngineError(node_out_of_memory(self.name, budget // 2**20)) from exc
                return exc.state

        def answered(r: CommandResult | str) -> bool:
            return isinstance(r, CommandResult) and r.ok

        def show(r: CommandResult | str) -> str:
            return r if isinstance(r, str) else (r.stderr or r.stdout).strip()[-200:] or "no answer"

        try:
            poll(
                ask,
                answered,
                timeout=timeout,
                interval=0.1,
                what=f"the Docker engine in {self.name} to answer",
                show=show,
            )
        except LabkitError as exc:
            logs = containers.logs_tail(self.container_name)
            raise WaitTimeout(
                f"failed to start the Docker engine in {self.name}: {exc}\nlast node logs:\n{logs}"
            ) from exc

    def _require_running(self) -> None:
        if self._state.phase is LabPhase.STOPPED:
            raise LabNotRunning(lab_stopped(self._state.name))
