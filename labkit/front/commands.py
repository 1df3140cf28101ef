"""What each `labkit` command does; the parser is in cli_args, the error handling in cli.

Each command imports what it needs when it runs: `labkit down NAME` and `labkit status` load the engine
client and the inventory, not the whole library (start steps, widgets, the course).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO, TYPE_CHECKING

from ..base.errors import LabExists, LabNotRunning
from ..base.facts import cli_lab_exists, no_lab, validate_lab_name

if TYPE_CHECKING:
    from .lab import Lab

__all__ = ["COMMANDS", "wants_tty"]


def _engine() -> None:
    from ..host.engine import ensure_engine

    ensure_engine(install=False)


def _lab_names() -> list[str]:
    from ..host.inventory import find_labs

    return list(find_labs())


def _attach(name: str) -> Lab:
    """The named lab; if there is none, the one message every command gives, with the closest name."""
    from .lab import Lab

    try:
        return Lab.attach(name)
    except LabNotRunning:
        known = _lab_names()
        if name in known:
            raise
        raise LabNotRunning(no_lab(name, known)) from None


def _setup(args: argparse.Namespace) -> int:
    from ..host.engine import ensure_engine
    from ..host.registry import ensure_registry, release_registry
    from ..images import ensure_images, registry_plan

    ensure_engine()
    ensure_images()
    ensure_registry(registry_plan())  # fills the registry's data volume now, so a lab start only starts the container
    release_registry()
    if args.cmd == "setup":  # not `labkit lab`: a learner's laptop never waits for a workshop's image
        from ..workshop.image import setup_user_image

        setup_user_image()
    print("✓ engine, images and lab registry data are ready (the registry container runs while labs do)")
    return 0


def _refuse_taken(name: str) -> None:
    """Refuse a taken name before any step; a lab prepared in advance is not taken: the start takes it."""
    from ..host.inventory import find_labs

    objs = find_labs(name).get(name)
    if objs is not None and not (objs.prepared and not objs.ready):
        raise LabExists(cli_lab_exists(name))


def _up(args: argparse.Namespace) -> int:
    from .lab import Lab
    from .progress import Progress

    # The shape and name are checked (and an even number of managers warned about) before the engine is asked.
    lab = Lab(
        managers=args.managers, workers=args.workers, name=args.name, replace=args.replace, report=Progress(steps=True)
    )
    _engine()
    if not args.replace:
        _refuse_taken(lab.name)
    try:
        lab.start()
    except LabExists:  # another start took the name meanwhile
        raise LabExists(cli_lab_exists(lab.name)) from None
    print(f"\nNext: labkit exec {lab.name} manager1 -- docker node ls\n      labkit down {lab.name}")
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from ..swarm.prepared import budget, prepared_nodes
    from .lab import Lab
    from .progress import Progress

    _engine()
    if args.name in _lab_names():
        print(f"labkit: a lab named {args.name!r} exists already; nothing to prepare", file=sys.stderr)
        return 1
    if prepared_nodes() + args.managers + args.workers > budget():
        print(
            f"labkit: preparing {args.managers + args.workers} more node(s) would pass LABKIT_POOL={budget()}",
            file=sys.stderr,
        )
        return 1
    Lab(
        managers=args.managers,
        workers=args.workers,
        name=args.name,
        swarm=not args.no_swarm,
        report=Progress(steps=True),
    ).prepare()
    return 0


def _status(args: argparse.Namespace) -> int:
    from .status import all_labs, lab_detail, lab_rows
    from .tables import print_table

    if args.name is not None:
        validate_lab_name(args.name)
    _engine()
    healths = all_labs(args.name)
    if args.name is None:
        rows = lab_rows(healths)
        if args.json:
            print(json.dumps(rows, indent=2))
        elif rows:
            print_table(rows)
        else:
            print("no labs (start one with `labkit up`)")
        return 0
    if not healths:
        raise LabNotRunning(no_lab(args.name, _lab_names()))
    data = lab_detail(_attach(args.name), healths[0])
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


def wants_tty(out: IO[str]) -> bool:
    """Give the command a terminal only when ours is one (as `docker exec -t`), so progress displays redraw in
    place; into a pipe or a file its output stays plain lines, as Unix tools do."""
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


def _exec(args: argparse.Namespace) -> int:
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command  # only the separator goes
    if not argv:
        print("nothing to run: labkit exec LAB NODE -- docker node ls", file=sys.stderr)
        return 2
    validate_lab_name(args.name)
    _engine()
    node = _attach(args.name).node(args.node)
    return node.exec(argv, check=False, stream=True, tty=wants_tty(sys.stdout)).exit_code


def _shell(args: argparse.Namespace) -> int:
    validate_lab_name(args.name)
    _engine()
    node = _attach(args.name).node(args.node)
    if not sys.stdin.isatty():
        print("labkit shell needs a terminal; for one command use: labkit exec LAB NODE -- CMD", file=sys.stderr)
        return 2
    print(f"[{args.node}] a shell in {node.container_name}; `exit` (or Ctrl-D) comes back", file=sys.stderr)
    return node.shell()


def _context(args: argparse.Namespace) -> int:
    validate_lab_name(args.name)
    _engine()
    _attach(args.name).node(args.node)  # the one message for an unknown lab or node
    from .docker_context import open_endpoint, usage

    print(usage(open_endpoint(args.name, args.node)))
    return 0


def _down(args: argparse.Namespace) -> int:
    if not args.all and not args.names:
        print("say which lab to remove (`labkit down NAME`) or `labkit down --all`", file=sys.stderr)
        return 2
    names = [validate_lab_name(n) for n in args.names]
    from ..host.teardown import remove_everything, remove_lab

    _engine()
    if args.all:
        removed = remove_everything()
        print(
            f"removed {removed['containers']} container(s), {removed['volumes']} volume(s), "
            f"{removed['networks']} network(s)"
        )
        return 0
    code = 0
    for name in dict.fromkeys(names):
        # Always a teardown, so a probe a killed process left is swept even when no lab has the name. The volumes
        # of a lab just removed (still being deleted in the background) are not counted: a second `down` says
        # "no lab", as `labkit status` does.
        removed = remove_lab(name)
        if not any(removed.values()):
            print(f"labkit: {no_lab(name, _lab_names())}", file=sys.stderr)
            code = 1
            continue
        print(
            f"removed {removed['containers']} container(s), {removed['volumes']} volume(s), "
            f"{removed['networks']} network(s)" + (f" of lab {name!r}" if len(names) > 1 else "")
        )
    return code


def _images(args: argparse.Namespace) -> int:
    from ..images import ensure_images, image_rows
    from .tables import print_table

    if args.action in ("export", "import"):
        return _archive(args)
    _engine()
    if args.action != "ls":
        ensure_images(force=args.force, offline_build=args.action == "build")
    print_table(image_rows())
    return 0


def _archive(args: argparse.Namespace) -> int:
    """`labkit images export|import FILE` (labkit/images/transfer.py)."""
    from ..base.errors import InvalidInput
    from ..images.transfer import export_archive, import_archive

    if not args.file:
        raise InvalidInput(
            f"`labkit images {args.action}` needs a FILE. Fix: labkit images {args.action} labkit-images.tar"
        )
    _engine()
    (export_archive if args.action == "export" else import_archive)(args.file)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import run_doctor

    return run_doctor(remeasure=args.remeasure)


def _lab(args: argparse.Namespace) -> int:
    from .jupyter import edition, jupyter_argv, prepare_notebooks, settings_dir, write_overrides

    lang = edition(getattr(args, "lang", "en"))  # before the setup: a wrong --lang fails at once
    _setup(args)
    # No JupyterLab news pop-up on a learner's first screen; the interface language.
    write_overrides(lang=lang, settings=settings_dir(args.jupyter_args))
    prepare_notebooks()  # notebook 00 opens trusted and unmodified
    argv = jupyter_argv(args.jupyter_args, lang)
    print("$ " + " ".join(argv[2:]))
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def _workshop(args: argparse.Namespace) -> int:
    from ..workshop.cli import run  # labkit/workshop/: the room on JupyterHub

    return run(args)


# `progress` is the course's command: labkit/cli.py adds it (the course builds on front, so front never calls it).
COMMANDS = {
    "setup": _setup,
    "up": _up,
    "prepare": _prepare,
    "status": _status,
    "exec": _exec,
    "shell": _shell,
    "context": _context,
    "down": _down,
    "doctor": _doctor,
    "images": _images,
    "lab": _lab,
    "workshop": _workshop,
}
