"""`%load_ext labkit` gives the `%%node NAME` cell magic: the cell runs as a shell script inside a node.

Output streams live, `{python_var}` expands as in `!` commands, and a non-zero
exit fails the cell, so nbval catches a step that did not work. Docker's Go templates
(`--format '{{.Name}}'`) are kept exactly as typed, so commands copied from Docker's
documentation work verbatim.
"""

from __future__ import annotations

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..base.errors import LabkitError
from .lab import current_lab

__all__ = ["NodeMagics", "load_ipython_extension"]


class CellFailed(LabkitError):
    """A %%node cell exited non-zero (the output is already shown above)."""

    def _render_traceback_(self) -> list[str]:  # just this line, even under LABKIT_DEBUG: the output above says why
        return [str(self)]


@magics_class
class NodeMagics(Magics):
    """Magics that run shell commands on lab nodes."""

    @magic_arguments()
    @argument("node", help="node hostname, e.g. manager1 or worker2")
    @argument("--lab", default=None, help="lab name (default: the last lab started in this kernel)")
    @argument("--no-raise-error", dest="raise_error", action="store_false",
              help="do not fail the cell when the script exits non-zero")
    @argument("--expect-error", default=None, metavar="TEXT",
              help="the script is meant to fail with TEXT in its output: the cell passes only if it does")
    @cell_magic
    def node(self, line: str, cell: str) -> None:
        """%%node manager1 — run the cell body with sh inside that node; output streams live."""
        args = parse_argstring(self.node, line)  # IPython has already expanded {…} in the line
        lab = current_lab(args.lab)
        script = restore_templates(self.shell.var_expand(protect_templates(cell), depth=2))
        result = lab.node(args.node).sh(script, check=False, stream=True)
        if args.expect_error is not None:
            problem = expected_failure(args.expect_error.strip("\"'"), result.exit_code, result.stdout + result.stderr)
            if problem:
                raise CellFailed(f"[{args.node}] {problem}")
        elif result.exit_code != 0 and args.raise_error:
            raise CellFailed(f"[{args.node}] exited with code {result.exit_code}: the output above says why; fix the "
                             f"script, or use `%%node --no-raise-error {args.node}` for a cell meant to fail")


def expected_failure(text: str, exit_code: int, output: str) -> str | None:
    """None if a command meant to fail did fail with `text` in its output, else what went differently."""
    if exit_code == 0:
        return f'expected this to fail with "{text}"; it succeeded'
    if text not in output:
        last = (output.strip().splitlines() or ["(no output)"])[-1]
        return f'expected this to fail with "{text}"; it failed with: {last}'
    return None


# IPython turns `{{` into `{` while expanding; Docker's `{{.Field}}` must reach the shell intact.
_OPEN, _CLOSE = "\x00labkit-open\x00", "\x00labkit-close\x00"


def protect_templates(cell: str) -> str:
    """Hide `{{`/`}}` from IPython's variable expansion."""
    return cell.replace("{{", _OPEN).replace("}}", _CLOSE)


def restore_templates(script: str) -> str:
    """Put back the `{{`/`}}` hidden by protect_templates."""
    return script.replace(_OPEN, "{{").replace(_CLOSE, "}}")


def load_ipython_extension(ipython) -> None:
    """Called by `%load_ext labkit`."""
    ipython.register_magics(NodeMagics)
