"""The `labkit` command line: every command, option, default and example, as `labkit --help` shows them.

Only argparse is imported here, so `labkit --help` and a mistyped option answer at once.
"""

from __future__ import annotations

import argparse

__all__ = ["build_parser", "version"]

DESCRIPTION = """\
labkit starts a real Docker Swarm on this machine: every node is a Docker-in-Docker container
with its own Docker engine, all on one private network. Type any Swarm tutorial's commands inside
the nodes, break the swarm, and watch it heal."""

EXAMPLES = """\
examples:
  labkit up                                    a lab of 1 manager and 2 workers, with a generated name
  labkit up --name demo --managers 3 --workers 3
  labkit exec demo manager1 -- docker node ls  run one command inside a node
  labkit shell demo manager1                   an interactive shell inside a node
  labkit status                                every lab and its health
  labkit down demo                             remove the lab

Run 'labkit COMMAND --help' for more about a command."""

# name: (one-line summary, longer description, examples)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "up": (
        "start a lab",
        "Start a lab: create the nodes, form the swarm, wait until every node is Ready.\n"
        "Without options: 1 manager, 2 workers and a generated name. A taken name is refused.",
        "  labkit up\n  labkit up --name demo --managers 3 --workers 3\n  labkit up --name demo --replace",
    ),
    "status": (
        "list labs and their health, or show one lab's nodes and tasks",
        "Without a name: every lab on this engine, its state and the command that fixes it.\n"
        "With a name: that lab's nodes (role, state, fault) and its current tasks.",
        "  labkit status\n  labkit status demo\n  labkit status demo --json",
    ),
    "exec": (
        "run a command inside a node",
        "Run one command inside a node and pass on its output and exit code, as `docker exec` does.\n"
        "When labkit's output is a terminal the command gets one too (like `docker exec -t`), so\n"
        "Docker's progress displays redraw in place; otherwise its output lines pass through as they are.",
        "  labkit exec demo manager1 -- docker node ls\n"
        "  labkit exec demo manager1 -- docker service create --name web --replicas 3 nginx",
    ),
    "shell": (
        "open an interactive shell inside a node",
        "An interactive shell inside a node, on this terminal (Ctrl-C, exit code and window size work).",
        "  labkit shell demo manager1",
    ),
    "context": (
        "let this host's docker CLI and tools drive a node (a docker context)",
        "Make a `docker context` named labkit-LAB-NODE for a node's engine (manager1 by default): mutual TLS\n"
        "with certificates labkit makes, on a port of 127.0.0.1 only. It prints DOCKER_HOST and friends for\n"
        "other tools (Docker SDKs, VS Code, Portainer). The node restarts once; `labkit down` removes it.",
        "  labkit context demo\n  docker --context labkit-demo-manager1 node ls\n  labkit context demo worker1",
    ),
    "down": (
        "remove labs",
        "Remove labs: their node containers, volumes and network, selected by label.",
        "  labkit down demo\n  labkit down demo demo2\n  labkit down --all",
    ),
    "doctor": (
        "check what this host supports",
        "Check this host: the engine, privileged or restricted nodes, IPVS (routing mesh), ESP (encrypted\n"
        "overlays), cgroups, images and memory; each problem comes with its fix.",
        "  labkit doctor",
    ),
    "images": (
        "build, pull, list, export or import labkit's images",
        "The images nodes and lessons run: `build` makes them offline from Debian packages, `pull` fetches\n"
        "them from a registry, `ls` lists them. `export FILE` writes them and the lab registry's cache to\n"
        "one archive; `import FILE` checks its checksums, then loads it on a machine that reaches no registry.",
        "  labkit images ls\n  labkit images build\n  labkit images export labkit-images.tar\n"
        "  labkit images import labkit-images.tar",
    ),
    "progress": (
        "show the course map: exercises done, hints and solutions seen",
        "The course map: every notebook's exercises, done or not, with the hints and solutions seen.",
        "  labkit progress\n  labkit progress --reset 04",
    ),
    "prepare": (
        "start a lab in advance, for a later `up` of its name",
        "Start a lab in advance and mark it prepared: the next `labkit up --name NAME` (or a notebook's\n"
        "start of that name) takes it at once.",
        "  labkit prepare nb04 --workers 3",
    ),
    "setup": (
        "get the engine, images and lab registry ready",
        "Install and start the Docker engine if none answers (Debian/Ubuntu as root), build or pull the\n"
        "images, and fill the lab registry: what `./run lab` does first.",
        "  labkit setup",
    ),
    "lab": (
        "open JupyterLab on the course notebooks",
        "Set up (as `labkit setup`), then open JupyterLab on the course, on notebook 00.\n"
        "--lang zh-CN opens the Chinese edition (notebooks/zh-CN/) in JupyterLab's Chinese interface.\n"
        "Every other argument after `lab` goes to JupyterLab as typed.",
        "  labkit lab\n  labkit lab --lang zh-CN\n  labkit lab --no-browser --port 8899",
    ),
}


class _Help(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples keep their line breaks; option help wraps; commands are listed without the
    `COMMAND` line argparse puts above them."""

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        if action.nargs == argparse.PARSER:
            text = text.split("\n", 1)[1]
        return text


def version() -> str:
    """labkit's installed version (from the package metadata, else the source's)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("labkit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


class _Version(argparse.Action):
    """`--version`: read the version only when asked (importlib.metadata costs a few milliseconds)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"labkit {version()}")
        parser.exit()


def _sub(sub: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    summary, description, examples = COMMANDS[name]
    return sub.add_parser(
        name, help=summary, description=description, formatter_class=_Help, epilog=f"examples:\n{examples}"
    )


def _shape(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--managers",
        type=int,
        default=1,
        metavar="N",
        help="manager nodes; use an odd number so the swarm keeps a Raft majority (default: %(default)s)",
    )
    p.add_argument("--workers", type=int, default=2, metavar="N", help="worker nodes (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    p = argparse.ArgumentParser(prog="labkit", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=_Help)
    p.add_argument("--version", action=_Version, nargs=0, help="print labkit's version and exit")
    sub = p.add_subparsers(dest="cmd", title="commands", metavar="COMMAND")
    up = _sub(sub, "up")
    up.add_argument(
        "--name",
        metavar="NAME",
        help="the lab's name: lowercase letters, digits, '-' (default: a generated name such as lab-3f9a)",
    )
    _shape(up)
    up.add_argument(
        "--replace",
        action="store_true",
        help="remove a lab of the same name first, then start afresh (default: refuse a taken name)",
    )
    st = _sub(sub, "status")
    st.add_argument("name", nargs="?", metavar="NAME", help="one lab to show in detail (default: list every lab)")
    st.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ex = _sub(sub, "exec")
    ex.add_argument("name", metavar="LAB", help="the lab's name (see `labkit status`)")
    ex.add_argument("node", metavar="NODE", help="a node's hostname: manager1, worker1, ...")
    ex.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...", help="the command and its arguments, after `--`"
    )
    sh = _sub(sub, "shell")
    sh.add_argument("name", metavar="LAB", help="the lab's name (see `labkit status`)")
    sh.add_argument("node", metavar="NODE", help="a node's hostname: manager1, worker1, ...")
    cx = _sub(sub, "context")
    cx.add_argument("name", metavar="LAB", help="the lab's name (see `labkit status`)")
    cx.add_argument(
        "node",
        nargs="?",
        default="manager1",
        metavar="NODE",
        help="the node whose engine the context drives (default: %(default)s)",
    )
    dn = _sub(sub, "down")
    dn.add_argument("names", nargs="*", metavar="NAME", help="the labs to remove")
    dn.add_argument(
        "--all",
        action="store_true",
        help="remove every lab, the lab registry and its data (default: only the labs named)",
    )
    dr = _sub(sub, "doctor")
    dr.add_argument(
        "--remeasure",
        action="store_true",
        help="measure again whether --privileged works (default: use the result remembered on the engine)",
    )
    im = _sub(sub, "images")
    im.add_argument(
        "action",
        choices=["build", "pull", "ls", "export", "import"],
        help="build (offline), pull (online), ls, export FILE or import FILE",
    )
    im.add_argument("file", nargs="?", metavar="FILE", help="the archive `export` writes and `import` reads")
    im.add_argument("--force", action="store_true", help="rebuild or pull even if present and current")
    pg = _sub(sub, "progress")
    pg.add_argument(
        "--reset",
        nargs="?",
        const="",
        metavar="NN",
        help="forget the progress of notebook NN, or of the whole course without NN",
    )
    pg.add_argument("--json", action="store_true", help="print JSON instead of a table")
    pr = _sub(sub, "prepare")
    pr.add_argument("name", metavar="NAME", help="the name the next start will take it by")
    _shape(pr)
    pr.add_argument("--no-swarm", action="store_true", help="start the engines only; the learner forms the swarm")
    _sub(sub, "setup")
    lb = _sub(sub, "lab")
    lb.add_argument(
        "jupyter_args", nargs=argparse.REMAINDER, metavar="JUPYTER-ARGS", help="passed to `jupyter lab` as typed"
    )
    from ..workshop.cli_args import add_workshop  # argparse only; labkit/cli.py runs the command

    add_workshop(sub, _Help)
    return p
