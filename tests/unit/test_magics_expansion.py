"""%%node expansion: Python variables expand, Docker's Go templates stay as typed (no engine)."""

from __future__ import annotations

import pytest
from IPython.terminal.interactiveshell import TerminalInteractiveShell
from IPython.testing.globalipapp import start_ipython

from labkit.front.magics import protect_templates, restore_templates


@pytest.fixture(scope="module")
def shell():
    start_ipython()  # returns the shell only on its first call in a process
    return TerminalInteractiveShell.instance()


def expand(shell, cell: str) -> str:
    return restore_templates(shell.var_expand(protect_templates(cell)))


def test_python_variables_expand(shell):
    shell.user_ns["svc"] = "web"
    assert expand(shell, "docker service ps {svc}") == "docker service ps web"


def test_go_templates_reach_docker_verbatim(shell):
    shell.user_ns["svc"] = "web"
    cell = "docker service inspect {svc} --format '{{json .Spec.Mode}} {{.Spec.Name}}'"
    assert expand(shell, cell) == "docker service inspect web --format '{{json .Spec.Mode}} {{.Spec.Name}}'"


def test_plain_ipython_would_break_the_template(shell):
    # Why protect_templates exists: IPython's own expansion halves the braces.
    assert shell.var_expand("--format '{{.Name}}'") == "--format '{.Name}'"


def test_an_unknown_name_leaves_the_cell_unchanged(shell):
    cell = "echo {no_such_variable} '{{.ID}}'"
    assert expand(shell, cell) == cell


@pytest.mark.parametrize(
    "code,output,expected",
    [
        (1, "Error: This node is already part of a swarm.", None),
        (0, "Swarm initialized", 'expected this to fail with "already part of a swarm"; it succeeded'),
        (
            1,
            "Error: something else\n",
            'expected this to fail with "already part of a swarm"; it failed with: Error: something else',
        ),
    ],
)
def test_expect_error_passes_only_on_the_expected_failure(code, output, expected):
    from labkit.front.magics import expected_failure

    assert expected_failure("already part of a swarm", code, output) == expected
