"""The %%node cell magic, run in a real IPython shell against a real lab."""

from __future__ import annotations

from collections import Counter

import nbformat
import pytest
from IPython.terminal.interactiveshell import TerminalInteractiveShell
from IPython.testing.globalipapp import start_ipython
from nbclient import NotebookClient

from ..kernels import AsyncIpcKernelManager


@pytest.fixture(scope="module")
def ip():
    start_ipython()  # returns the shell only on its first call in a process (the unit tests may have made it)
    shell = TerminalInteractiveShell.instance()
    shell.run_line_magic("load_ext", "labkit")
    return shell


def test_node_magic_streams_output_and_expands_variables(ip, lab, capsys):
    ip.user_ns["svc"] = "magic-web"
    ip.run_cell_magic(
        "node",
        "manager1",
        "docker service create --detach --name {svc} --replicas 2 labkit/whoami\n"
        "docker service ls --format '{{.Name}}'",
    )
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


def test_node_magic_leaves_the_final_screen_of_a_progress_display(ip, lab, capsys):
    # Outside a kernel (here: no terminal either) the cell prints the terminal's final screen once.
    ip.run_cell_magic("node", "manager1", "docker service create --name magic-progress --replicas 2 labkit/whoami")
    lines = capsys.readouterr().out.splitlines()
    assert "overall progress: 2 out of 2 tasks" in lines, lines
    verify = [line for line in lines if line.startswith("verify:")]
    assert len(verify) == 1 and verify[0].endswith(" converged"), lines  # not one line per tick
    assert not any("\r" in line or "\x1b" in line for line in lines), lines
    lab.node("manager1").sh("docker service rm magic-progress")


def test_node_magic_expect_error_reads_the_terminal(ip, lab):
    from labkit.front.magics import CellFailed

    ip.run_cell_magic("node", "--expect-error 'already part of a swarm' manager1", "docker swarm init")
    with pytest.raises(CellFailed, match=r'expected this to fail with "no such thing"; it failed with: .*already part'):
        ip.run_cell_magic("node", "--expect-error 'no such thing' manager1", "docker swarm init")


class CountingClient(NotebookClient):
    """Executes a notebook and counts the kernel's output messages by type."""

    def __init__(self, nb, **kwargs):
        super().__init__(nb, **kwargs)
        self.messages: Counter[str] = Counter()

    def process_message(self, msg, cell, cell_index):
        self.messages[msg["msg_type"]] += 1
        return super().process_message(msg, cell, cell_index)


def test_node_magic_in_a_kernel_updates_the_cell_in_place(lab):
    cells = [
        "%load_ext labkit",
        f"%%node --lab {lab.name} manager1\ndocker service create --name kprogress --replicas 2 labkit/whoami",
        f"%%node --lab {lab.name} manager1\ndocker node ls\ndocker service rm kprogress >/dev/null",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = CountingClient(nb, timeout=300, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager)
    client.execute()
    progress, table = nb.cells[1].outputs, nb.cells[2].outputs
    assert [o.output_type for o in progress] == ["display_data"], progress  # one output, updated in place
    assert client.messages["update_display_data"] >= 1, client.messages
    lines = progress[0].data["text/plain"].splitlines()  # what the saved notebook records: the final screen
    assert "overall progress: 2 out of 2 tasks" in lines
    verify = [line for line in lines if line.startswith("verify:")]
    assert len(verify) == 1 and verify[0].endswith(" converged"), lines
    plain = lab.node("manager1").sh("docker node ls").stdout  # the same command without a terminal
    assert table[-1].data["text/plain"] == "\n".join(line.rstrip() for line in plain.splitlines())


def test_nodefile_writes_the_cell_as_typed(ip, lab, capsys):
    body = "services:\n  web:\n    image: \"whoami:${TAG:-v1}\"\n    command: echo '{{.Node.Hostname}}' {svc}\n"
    ip.user_ns["svc"] = "expanded"
    ip.run_cell_magic("nodefile", "manager1 /root/stack.yml --mode 600", body)
    assert capsys.readouterr().out == f"wrote /root/stack.yml on manager1 ({len(body)} bytes)\n"
    node = lab.node("manager1")
    assert node.sh("cat /root/stack.yml").stdout == body
    assert node.sh("stat -c %a /root/stack.yml").stdout.strip() == "600"
    ip.run_cell_magic("nodefile", "manager1 /root/expanded.txt --expand", "{svc} {{.ID}}\n")
    assert node.sh("cat /root/expanded.txt").stdout == "expanded {{.ID}}\n"


def test_nodefile_errors_say_what_to_do(ip, lab):
    import labkit
    from labkit.front.magics import CellFailed

    with pytest.raises(CellFailed, match=r"no directory /srv/app there; .*mkdir -p /srv/app"):
        ip.run_cell_magic("nodefile", "worker1 /srv/app/stack.yml", "x: 1\n")
    with pytest.raises(labkit.UnknownNode, match="nodes are"):
        ip.run_cell_magic("nodefile", "worker8 /root/x", "x: 1\n")
    with pytest.raises(labkit.InvalidInput, match="octal"):
        ip.run_cell_magic("nodefile", "worker1 /root/x --mode rw-r--r--", "x: 1\n")
    assert not lab.node("worker1").sh("ls /srv/app /root/x", check=False).ok, "nothing was written"
