"""The `labkit` command: a thin shell over the library.

    labkit up [--name N] [--managers M] [--workers W] [--replace]
    labkit status [N] [--json]
    labkit exec N NODE -- CMD...
    labkit shell N NODE               an interactive shell in a node (a real terminal)
    labkit down N... | --all
    labkit doctor [--remeasure]
    labkit images build|pull|ls
    labkit progress [--reset [NN]]    the course map: every notebook's exercises, done or not
    labkit prepare N [--managers M] [--workers W]   start a lab in advance; the next start of N takes it
    labkit setup                      engine, images and registry ready (what `./run lab` calls)
    labkit lab                        JupyterLab on the course notebooks

argparse (standard library) parses (cli_args), each command imports what it needs when it runs (commands);
errors are one line with the fix, never a traceback (LABKIT_DEBUG=1 shows it), a warning is one line too,
and a closed pipe ends the command quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import TextIO

from ..base.errors import InvalidInput, LabkitError
from ..base.facts import cli_warning
from .cli_args import build_parser

__all__ = ["main", "build_parser"]


def _lang_option(args: list[str]) -> tuple[list[str], str]:
    """`labkit lab`'s own option, `--lang L` or `--lang=L` (before any `--`), taken out of JupyterLab's arguments."""
    end = args.index("--") if "--" in args else len(args)
    for i, arg in enumerate(args[:end]):
        if arg.startswith("--lang="):
            return args[:i] + args[i + 1 :], arg.split("=", 1)[1]
        if arg == "--lang":
            if i + 1 >= end:
                raise InvalidInput("--lang needs a language: labkit lab --lang zh-CN")
            return args[:i] + args[i + 2 :], args[i + 1]
    return args, "en"


def _parse(argv: list[str]) -> argparse.Namespace:
    if argv[:1] == ["lab"] and not {"-h", "--help"} & set(argv[1:]):
        # Everything after `lab` goes to JupyterLab as typed (`labkit lab --no-browser --port 8899`), but `--lang`.
        extra, lang = _lang_option(argv[1:])
        return argparse.Namespace(cmd="lab", lang=lang, jupyter_args=extra[1:] if extra[:1] == ["--"] else extra)
    return build_parser().parse_args(argv)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """One clean line on stderr (`labkit: warning: ...`), instead of Python's source path and code line."""
    print(cli_warning(str(message)), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labkit` command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
        return code
    except BrokenPipeError:
        # `labkit status | head`: the reader left. Point stdout at /dev/null so the exit flush is silent too,
        # and end as Unix tools do after SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13


def _run(argv: list[str]) -> int:
    debug = os.environ.get("LABKIT_DEBUG") == "1"
    try:
        args = _parse(argv)
        if args.cmd is None:  # plain `labkit`: the summary of commands, as docker and kind print it
            build_parser().print_help()
            return 0
        from .commands import COMMANDS

        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return COMMANDS[args.cmd](args)
    except KeyboardInterrupt:
        print("labkit: interrupted (anything half-created was removed)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise
    except LabkitError as exc:
        if debug:
            raise
        print(f"labkit: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug or an engine failure nobody foresaw: one line, the traceback on request
        if debug:
            raise
        print(
            f"labkit: unexpected {type(exc).__name__}: {str(exc)[:500]}\n"
            "(this is a labkit bug or an engine problem; LABKIT_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
