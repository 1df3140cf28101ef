"""The %%node cell magic, run in a real IPython shell against a real lab."""

from __future__ import annotations

import pytest
from IPython.terminal.interactiveshell import TerminalInteractiveShell
from IPython.testing.globalipapp import start_ipython


@pytest.fixture(scope="module")
def ip():
    start_ipython()  # returns the shell only on its first call in a process (the unit tests may have made it)
    shell = TerminalInteractiveShell.instance()
    shell.run_line_magic("load_ext", "labkit")
    return shell


def test_node_magic_streams_output_and_expands_variables(ip, lab, capsys):
    ip.user_ns["svc"] = "magic-web"
    ip.run_cell_magic("node", "manager1", "docker service create --detach --name {svc} --replicas 2 labkit/whoami\n"
                                          "docker service ls --format '{{.Name}}'")
    out = capsys.readouterr().out
    assert "magic-web" in out.splitlines(), out  # the Go template reached docker intact
    assert lab.wait_service("magic-web", running=2).service("magic-web").replicas == 2
    lab.node("manager1").sh("docker service rm magic-web")


def test_node_magic_fails_the_cell_on_a_non_zero_exit(ip, lab):
    from labkit.front.magics import CellFailed

    with pytest.raises(CellFailed, match=r"\[worker1\] exited with code 1"):
        ip.run_cell_magic("node", "worker1", "docker node ls")
    ip.run_cell_magic("node", f"--no-raise-error --lab {lab.name} worker1", "docker node ls")


def test_node_magic_names_the_valid_nodes(ip, lab):
    import labkit

    with pytest.raises(labkit.UnknownNode, match="nodes are"):
        ip.run_cell_magic("node", "worker8", "true")
