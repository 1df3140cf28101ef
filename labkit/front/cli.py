"""The `labkit` command: a thin shell over the library.

    labkit setup                      engine, images and registry ready (what `./run lab` calls)
    labkit up [--name N] [--managers M] [--workers W]
    labkit prepare N [--managers M] [--workers W]   start a lab in advance; the next start of N takes it
    labkit status [N] [--json]
    labkit exec N NODE -- CMD...
    labkit shell N NODE               an interactive shell in a node (a real terminal)
    labkit progress [--reset [NN]]    the course map: every notebook's exercises, done or not
    labkit down [N | --all]
    labkit doctor [--remeasure]
    labkit images build|pull|ls
    labkit lab                        JupyterLab on the course notebooks

argparse (standard library) parses; errors are one line with the fix, never a
traceback (LABKIT_DEBUG=1 shows it), and a closed pipe ends the command quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..base.errors import LabkitError
from ..base.facts import validate_lab_name
from ..host.engine import ensure_engine
from ..host.inventory import find_labs
from ..host.registry import ensure_registry, release_registry
from ..host.teardown import remove_everything, remove_lab
from ..images import ensure_images, image_rows, registry_plan
from ..swarm.prepared import budget, prepared_nodes
from .doctor import run_doctor
from .jupyter import jupyter_argv, write_overrides
from .lab import Lab
from .progress import Progress
from .status import all_labs, lab_detail, lab_rows
from .tables import print_table

__all__ = ["main", "build_parser"]


def _cmd_setup(args) -> int:
    ensure_engine()
    ensure_images()
    ensure_registry(registry_plan())  # fills the registry's data volume now, so a lab start only starts the container
    release_registry()
    print("✓ engine, images and lab registry data are ready (the registry container runs while labs do)")
    return 0


def _cmd_up(args) -> int:
    ensure_engine(install=False)
    lab = Lab(managers=args.managers, workers=args.workers, name=args.name, report=Progress(steps=True)).start()
    print(f"\nNext: labkit exec {lab.name} manager1 -- docker node ls\n      labkit down {lab.name}")
    return 0


def _cmd_prepare(args) -> int:
    ensure_engine(install=False)
    if args.name in find_labs(args.name):
        print(f"labkit: a lab named {args.name!r} exists already; nothing to prepare", file=sys.stderr)
        return 1
    if prepared_nodes() + args.managers + args.workers > budget():
        print(f"labkit: preparing {args.managers + args.workers} more node(s) would pass LABKIT_POOL={budget()}",
              file=sys.stderr)
        return 1
    Lab(managers=args.managers, workers=args.workers, name=args.name, swarm=not args.no_swarm,
        report=Progress(steps=True)).prepare()
    return 0


def _cmd_status(args) -> int:
    ensure_engine(install=False)
    if args.name is not None:
        validate_lab_name(args.name)
    healths = all_labs(args.name)
    if args.name is not None:
        if not healths:
            print(f"labkit: no lab named {args.name!r} (see `labkit status`)", file=sys.stderr)
            return 1
        data = lab_detail(Lab.attach(args.name), healths[0])
        if args.json:
            print(json.dumps(data, indent=2))
            return 0
        print(f"lab {args.name}: {data['state']}" + (f"  ({data['note']})" if data["note"] else ""))
        if data.get("error"):
            print(f"swarm: {data['error']}")
        print_table(data["nodes"])
        print()
        print_table(data["tasks"] or [{"tasks": "no services yet"}])
        return 0
    rows = lab_rows(healths)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif rows:
        print_table(rows)
    else:
        print("no labs (start one with `labkit up`)")
    return 0


def _cmd_exec(args) -> int:
    ensure_engine(install=False)
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command  # only the separator goes
    if not argv:
        print("nothing to run: labkit exec LAB NODE -- docker node ls", file=sys.stderr)
        return 2
    result = Lab.attach(args.name).node(args.node).exec(argv, check=False, stream=True)
    return result.exit_code


def _cmd_shell(args) -> int:
    ensure_engine(install=False)
    node = Lab.attach(args.name).node(args.node)
    if not sys.stdin.isatty():
        print("labkit shell needs a terminal; for one command use: labkit exec LAB NODE -- CMD", file=sys.stderr)
        return 2
    print(f"[{args.node}] a shell in {node.container_name}; `exit` (or Ctrl-D) comes back", file=sys.stderr)
    return node.shell()


def _cmd_progress(args) -> int:
    from ..course.progress_cli import print_progress, reset_progress

    if args.reset is not None:
        return reset_progress(args.reset or None)
    return print_progress(as_json=args.json)


def _cmd_down(args) -> int:
    ensure_engine(install=False)
    if args.all:
        removed = remove_everything()
    elif args.name is not None:
        removed = remove_lab(validate_lab_name(args.name))
        if not any(removed.values()):
            print(f"labkit: no lab named {args.name!r} (see `labkit status`)", file=sys.stderr)
            return 1
    else:
        print("say which lab to remove (`labkit down NAME`) or `labkit down --all`", file=sys.stderr)
        return 2
    print(f"removed {removed['containers']} container(s), {removed['volumes']} volume(s), "
          f"{removed['networks']} network(s)")
    return 0


def _cmd_images(args) -> int:
    ensure_engine(install=False)
    if args.action != "ls":
        ensure_images(force=args.force, offline_build=args.action == "build")
    print_table(image_rows())
    return 0


def _cmd_doctor(args) -> int:
    return run_doctor(remeasure=args.remeasure)


def _cmd_lab(args) -> int:
    _cmd_setup(args)
    write_overrides()  # no JupyterLab news pop-up on a learner's first screen
    argv = jupyter_argv(args.jupyter_args)
    print("$ " + " ".join(argv[2:]))
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    p = argparse.ArgumentParser(prog="labkit", description="Real Docker Swarm labs for learning, in containers.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup", help="install/start the engine, build or pull images, fill the lab registry")
    up = sub.add_parser("up", help="start a lab")
    up.add_argument("--name")
    up.add_argument("--managers", type=int, default=1)
    up.add_argument("--workers", type=int, default=2)
    pr = sub.add_parser("prepare", help="start a lab in advance: the next `up`/start of its name takes it at once")
    pr.add_argument("name")
    pr.add_argument("--managers", type=int, default=1)
    pr.add_argument("--workers", type=int, default=2)
    pr.add_argument("--no-swarm", action="store_true", help="engines only (the learner forms the swarm)")
    st = sub.add_parser("status", help="list labs and their health, or show one lab's nodes and tasks")
    st.add_argument("name", nargs="?")
    st.add_argument("--json", action="store_true")
    ex = sub.add_parser("exec", help="run a command inside a node: labkit exec LAB NODE -- CMD...")
    ex.add_argument("name")
    ex.add_argument("node")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    sh = sub.add_parser("shell", help="an interactive shell inside a node: labkit shell LAB NODE")
    sh.add_argument("name")
    sh.add_argument("node")
    pg = sub.add_parser("progress", help="the course map: exercises done, hints and solutions seen")
    pg.add_argument("--reset", nargs="?", const="", metavar="NN", help="forget progress (of one notebook)")
    pg.add_argument("--json", action="store_true")
    dn = sub.add_parser("down", help="remove a lab (or every lab and the registry with --all)")
    dn.add_argument("name", nargs="?")
    dn.add_argument("--all", action="store_true")
    dr = sub.add_parser("doctor", help="check this host: engine, privileged mode, IPVS, ESP, cgroups, images, memory")
    dr.add_argument("--remeasure", action="store_true", help="measure the privileged/restricted mode again")
    im = sub.add_parser("images", help="build (offline), pull (online) or list labkit's images")
    im.add_argument("action", choices=["build", "pull", "ls"])
    im.add_argument("--force", action="store_true", help="rebuild even if present and current")
    lb = sub.add_parser("lab", help="open JupyterLab on the course notebooks")
    lb.add_argument("jupyter_args", nargs=argparse.REMAINDER)
    return p


COMMANDS = {"setup": _cmd_setup, "up": _cmd_up, "prepare": _cmd_prepare, "status": _cmd_status, "exec": _cmd_exec, "shell": _cmd_shell,
            "progress": _cmd_progress, "down": _cmd_down,
            "doctor": _cmd_doctor, "images": _cmd_images, "lab": _cmd_lab}


def _parse(argv: list[str]) -> argparse.Namespace:
    if argv[:1] == ["lab"] and not {"-h", "--help"} & set(argv[1:]):
        # Everything after `lab` goes to JupyterLab as typed (`labkit lab --no-browser --port 8899`).
        extra = argv[1:]
        return argparse.Namespace(cmd="lab", jupyter_args=extra[1:] if extra[:1] == ["--"] else extra)
    return build_parser().parse_args(argv)


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
        print(f"labkit: unexpected {type(exc).__name__}: {str(exc)[:500]}\n"
              "(this is a labkit bug or an engine problem; LABKIT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
