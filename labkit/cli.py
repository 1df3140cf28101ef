"""The `labkit` command: a thin shell over the library.

    labkit setup                      engine, images and registry ready (what `./run lab` calls)
    labkit up [--name N] [--managers M] [--workers W]
    labkit status [N] [--json]
    labkit exec N NODE -- CMD...
    labkit down [N | --all]
    labkit doctor
    labkit images build|pull|ls
    labkit lab                        JupyterLab on the course notebooks
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import _images
from ._doctor import run_doctor
from ._engine import ensure_engine
from ._errors import LabkitError
from ._lab import Lab
from ._registry import ensure_registry, release_registry
from ._tables import lab_rows, print_table, status_of_lab
from ._teardown import list_labs, remove_everything, remove_lab

__all__ = ["main"]


def _cmd_setup(args) -> int:
    ensure_engine()
    _images.ensure_images()
    ensure_registry()  # fills the registry's data volume now, so a lab start only has to start the container
    release_registry()
    print("✓ engine, images and lab registry data are ready (the registry container runs while labs do)")
    return 0


def _cmd_up(args) -> int:
    ensure_engine(install=False)
    # reap=False: the lab must outlive this command; `labkit down` removes it.
    lab = Lab(managers=args.managers, workers=args.workers, name=args.name, reap=False).start()
    print(f"\nNext: labkit exec {lab.name} manager1 -- docker node ls\n      labkit down {lab.name}")
    return 0


def _cmd_status(args) -> int:
    ensure_engine(install=False)
    if args.name:
        data = status_of_lab(Lab.attach(args.name))
        if args.json:
            print(json.dumps(data, indent=2))
        else:
            print(f"lab {args.name}" + (f"  ({data['error']})" if data.get("error") else ""))
            print_table(data["nodes"])
            print()
            print_table(data["tasks"] or [{"tasks": "no services yet"}])
        return 0
    rows = lab_rows(list_labs())
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


def _cmd_down(args) -> int:
    ensure_engine(install=False)
    if args.all:
        removed = remove_everything()
    elif args.name:
        removed = remove_lab(args.name)
        if not any(removed.values()):
            print(f"no lab named {args.name!r} (see `labkit status`)", file=sys.stderr)
            return 1
    else:
        print("say which lab to remove (`labkit down NAME`) or `labkit down --all`", file=sys.stderr)
        return 2
    print(f"removed {removed['containers']} container(s), {removed['volumes']} volume(s), "
          f"{removed['networks']} network(s)")
    return 0


def _cmd_images(args) -> int:
    ensure_engine(install=False)
    if args.action == "ls":
        print_table(_images.image_rows())
        return 0
    _images.ensure_images(force=args.force, offline=args.action == "build")
    print_table(_images.image_rows())
    return 0


def _cmd_lab(args) -> int:
    _cmd_setup(args)
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    if not notebooks.is_dir():
        notebooks = Path.cwd() / "notebooks"
    argv = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={notebooks}", *args.jupyter_args]
    if os.geteuid() == 0 if hasattr(os, "geteuid") else False:
        argv.append("--allow-root")
    print("$ " + " ".join(argv[2:]))
    os.execv(sys.executable, argv)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    p = argparse.ArgumentParser(prog="labkit", description="Real Docker Swarm labs for learning, in containers.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup", help="install/start the engine, build or pull images, start the lab registry")
    up = sub.add_parser("up", help="start a lab")
    up.add_argument("--name")
    up.add_argument("--managers", type=int, default=1)
    up.add_argument("--workers", type=int, default=2)
    st = sub.add_parser("status", help="list labs, or show one lab's nodes and tasks")
    st.add_argument("name", nargs="?")
    st.add_argument("--json", action="store_true")
    ex = sub.add_parser("exec", help="run a command inside a node: labkit exec LAB NODE -- CMD...")
    ex.add_argument("name")
    ex.add_argument("node")
    ex.add_argument("command", nargs=argparse.REMAINDER)
    dn = sub.add_parser("down", help="remove a lab (or every lab and the registry with --all)")
    dn.add_argument("name", nargs="?")
    dn.add_argument("--all", action="store_true")
    sub.add_parser("doctor", help="check this host: engine, privileged mode, IPVS, ESP, cgroups, images, memory")
    im = sub.add_parser("images", help="build (offline), pull (online) or list labkit's images")
    im.add_argument("action", choices=["build", "pull", "ls"])
    im.add_argument("--force", action="store_true", help="rebuild even if present and current")
    lb = sub.add_parser("lab", help="open JupyterLab on the course notebooks")
    lb.add_argument("jupyter_args", nargs=argparse.REMAINDER)
    return p


_COMMANDS = {"setup": _cmd_setup, "up": _cmd_up, "status": _cmd_status, "exec": _cmd_exec, "down": _cmd_down,
             "doctor": lambda a: run_doctor(), "images": _cmd_images, "lab": _cmd_lab}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labkit` command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["lab"] and not {"-h", "--help"} & set(argv[1:]):
        # Everything after `lab` goes to JupyterLab as typed (`labkit lab --no-browser --port 8899`).
        extra = argv[1:]
        args = argparse.Namespace(cmd="lab", jupyter_args=extra[1:] if extra[:1] == ["--"] else extra)
    else:
        args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.cmd](args)
    except (LabkitError, ValueError, TimeoutError) as exc:
        print(f"labkit: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("labkit: interrupted (anything half-created was removed)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
