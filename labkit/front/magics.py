"""`%load_ext labkit` gives two cell magics: `%%node NAME` runs the cell as a shell script inside a node, and
`%%nodefile NAME PATH` writes the cell to a file inside a node.

%%node: the script runs on a terminal (as `docker exec -t`), and the cell shows what that terminal would show,
updated in place while it runs (front/screen.py): Docker's progress displays end as their final screen, not a
line per redraw. `{python_var}` expands as in `!` commands, and a non-zero exit fails the cell, so nbval catches
a step that did not work. Docker's Go templates (`--format '{{.Name}}'`) are kept exactly as typed, so commands
copied from Docker's documentation work verbatim.

%%nodefile: the body is written byte for byte (compose files keep `${VAR}` and braces); `--expand` expands
`{python_var}` as %%node does.
"""

from __future__ import annotations

import re
import sys
from typing import IO, Any, cast

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..base.errors import InvalidInput, LabkitError
from ..base.i18n import tr
from ..host.exec import CommandResult
from ..swarm.node import Node
from .lab import current_lab
from .screen import CellScreen, TerminalText

__all__ = ["CellFailed", "NodeMagics", "load_ipython_extension"]

# One argument of a command line holds at most 128 KiB on Linux (MAX_ARG_STRLEN); the body travels as one.
MAX_FILE_BYTES = 100_000

# %%nodefile's script: "$1" is the body, "$2" the path, "$3" the mode or "". printf %s writes its argument
# byte for byte; exit 3 means the directory is missing, which the magic explains.
_WRITE = 'dir=$(dirname -- "$2"); [ -d "$dir" ] || exit 3; printf %s "$1" > "$2" && { [ -z "$3" ] || chmod "$3" "$2"; }'


class CellFailed(LabkitError):
    """A %%node cell exited non-zero, or a %%nodefile cell could not write its file (the message says why)."""

    def _render_traceback_(self) -> list[str]:  # just this line, even under LABKIT_DEBUG: the output above says why
        return [tr(str(self))]  # in the notebook's language (base/i18n.py)


@magics_class
class NodeMagics(Magics):
    """Magics that run shell commands on lab nodes and write files there."""

    @magic_arguments()
    @argument("node", help="node hostname, e.g. manager1 or worker2")
    @argument("--lab", default=None, help="lab name (default: the last lab started in this kernel)")
    @argument(
        "--no-raise-error",
        dest="raise_error",
        action="store_false",
        help="do not fail the cell when the script exits non-zero",
    )
    @argument(
        "--expect-error",
        default=None,
        metavar="TEXT",
        help="the script is meant to fail with TEXT in its output: the cell passes only if it does",
    )
    @cell_magic
    def node(self, line: str, cell: str) -> None:
        """%%node manager1 — run the cell body with sh inside that node, on a terminal shown live in the cell."""
        args = parse_argstring(self.node, line)  # IPython has already expanded {…} in the line
        target = current_lab(args.lab).node(args.node)
        script = self._expand(cell)
        result, output = run_on_terminal(target, script, live=getattr(self.shell, "kernel", None) is not None)
        if args.expect_error is not None:
            problem = expected_failure(args.expect_error.strip("\"'"), result.exit_code, output)
            if problem:
                raise CellFailed(f"[{args.node}] {tr(problem)}")
        elif result.exit_code != 0 and args.raise_error:
            raise CellFailed(
                f"[{args.node}] exited with code {result.exit_code}: the output above says why; fix the "
                f"script, or use `%%node --no-raise-error {args.node}` for a cell meant to fail"
            )

    @magic_arguments()
    @argument("node", help="node hostname, e.g. manager1")
    @argument("path", help="the file to write inside the node, e.g. /root/stack.yml (relative: from /, as %%node)")
    @argument("--lab", default=None, help="lab name (default: the last lab started in this kernel)")
    @argument("--mode", default=None, help="file mode in octal, e.g. 600 (default: as the node's umask gives)")
    @argument(
        "--expand",
        action="store_true",
        help="expand {python_var} in the body as %%node does (off: compose files use ${VAR} and braces)",
    )
    @cell_magic
    def nodefile(self, line: str, cell: str) -> None:
        """%%nodefile manager1 /root/stack.yml — write the cell body, exactly as typed, to that file in the node."""
        args = parse_argstring(self.nodefile, line)
        if args.mode is not None and not re.fullmatch(r"[0-7]{3,4}", args.mode):
            raise InvalidInput(f"--mode {args.mode}: give the mode in octal, e.g. --mode 600 or --mode 0644")
        target = current_lab(args.lab).node(args.node)
        if args.expand:
            cell = self._expand(cell)
        print(tr(write_node_file(target, args.path, cell, args.mode)))

    def _expand(self, text: str) -> str:
        """Expand {python_var} as `!` commands do, keeping Docker's `{{ }}` templates as typed."""
        assert self.shell is not None  # a magic runs in a shell
        # depth=3 counts this helper: the locals of the frame two above the magic method expand too
        return restore_templates(self.shell.var_expand(protect_templates(text), depth=3))


def run_on_terminal(node: Node, script: str, *, live: bool) -> tuple[CommandResult, str]:
    """Run a script in the node on a terminal; return how it ended and the text its terminal shows at the end.

    live: in a kernel, the cell shows the terminal, updated in place. Otherwise (IPython in a terminal, a test)
    a real terminal draws the raw output itself, and anything else gets the final screen printed at the end.
    """
    argv = ["sh", "-c", script]
    if not live and _is_terminal(sys.stdout):
        result = node.exec(argv, check=False, stream=True, tty=True)
        terminal = TerminalText()
        terminal.feed(result.stdout)
        return result, terminal.text()
    view = CellScreen(live)
    try:
        result = node.exec(argv, check=False, stream=cast(IO[str], view), tty=True, window=view.window)
    finally:  # after Ctrl-C too, the cell keeps what the command had shown
        view.finish()
    return result, view.text()


def _is_terminal(out: Any) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


def write_node_file(node: Node, path: str, text: str, mode: str | None = None) -> str:
    """Write text to path inside the node (replacing the file); return the line saying so; CellFailed if it cannot."""
    size = len(text.encode())
    if "\0" in text:
        raise CellFailed(f"cannot write {path} on {node.name}: the text holds a NUL character")
    if size > MAX_FILE_BYTES:
        raise CellFailed(
            f"cannot write {path} on {node.name}: {size} bytes is more than a cell can carry "
            f"({MAX_FILE_BYTES}); copy big files with `docker cp` on the host"
        )
    result = node.exec(["sh", "-c", _WRITE, "sh", text, path, mode or ""], check=False)
    if result.exit_code == 3:
        folder = path.rsplit("/", 1)[0] or "/"
        raise CellFailed(
            f"cannot write {path} on {node.name}: there is no directory {folder} there; "
            f"make it first (in a %%node {node.name} cell: mkdir -p {folder})"
        )
    if not result.ok:
        why = (result.stderr.strip() or result.stdout.strip() or f"exit code {result.exit_code}").splitlines()[-1]
        raise CellFailed(f"cannot write {path} on {node.name}: {why}")
    return f"wrote {path} on {node.name} ({size} bytes)"


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
