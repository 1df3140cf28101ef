"""`labkit workshop ...`: the subcommands, options and examples (argparse only: `labkit --help` stays instant)."""

from __future__ import annotations

import argparse

__all__ = ["add_workshop", "SUMMARY"]

SUMMARY = "run a room of learners on one server with JupyterHub: up, status, reset, down"
DESCRIPTION = """\
One server for a room: real JupyterHub, each learner with their own login, JupyterLab with the course
and Docker engine (a Docker-in-Docker container on a network of their own), within a memory and CPU limit.
`up` prints the hub's URL and writes printable login cards (the only place passwords are written in plain
text); `down` removes every container, network and volume of the room, and the hub's state."""
EXAMPLES = """\
examples:
  labkit workshop up --learners 10             learner1 ... learner10, cards in ./labkit-workshop-cards.html
  labkit workshop up --roster names.txt --listen 0.0.0.0 --port 8000   HTTPS, a certificate made for the room
  labkit workshop up --learners 30 --listen 0.0.0.0 --tls-cert hub.pem --tls-key hub-key.pem
  labkit workshop status
  labkit workshop reset learner3 --keep-progress
  labkit workshop down"""


def add_workshop(sub: argparse._SubParsersAction, formatter: type[argparse.HelpFormatter]) -> None:
    """Add the `workshop` command and its subcommands to the `labkit` parser."""
    ws = sub.add_parser("workshop", help=SUMMARY, description=DESCRIPTION, epilog=EXAMPLES, formatter_class=formatter)
    wsub = ws.add_subparsers(dest="workshop_cmd", title="workshop commands", metavar="ACTION", required=True)
    up = wsub.add_parser("up", help="bring the room up and print where it is", formatter_class=formatter)
    who = up.add_mutually_exclusive_group(required=True)
    who.add_argument("--learners", type=int, metavar="N", help="N learners named learner1 ... learnerN")
    who.add_argument("--roster", metavar="FILE", help="learner names, one a line (lowercase letters and digits)")
    up.add_argument("--port", type=int, default=8000, help="the hub's public port (default: %(default)s)")
    up.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="ADDR",
        help="the address the hub listens on (default: %(default)s, this machine only; any other: HTTPS)",
    )
    up.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="serve HTTPS with this PEM certificate (with --tls-key); default beyond loopback: one made for the room",
    )
    up.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM, unencrypted)")
    up.add_argument(
        "--memory",
        default="3g",
        metavar="SIZE",
        help="memory limit of each learner's engine, which holds their labs (default: %(default)s)",
    )
    up.add_argument("--cpus", type=float, default=1.0, help="CPU limit of each learner's engine (default: %(default)s)")
    up.add_argument(
        "--lab-memory",
        default="1g",
        metavar="SIZE",
        help="memory limit of each learner's JupyterLab (default: %(default)s)",
    )
    up.add_argument(
        "--idle-timeout",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="stop a learner's server and engine after this long idle (default: %(default)s)",
    )
    up.add_argument(
        "--cards", metavar="FILE", help="where to write the login cards (default: ./labkit-workshop-cards.html)"
    )
    st = wsub.add_parser(
        "status", help="each learner: logged in, labs and nodes, memory, exercise", formatter_class=formatter
    )
    st.add_argument("--json", action="store_true", help="print JSON instead of a table")
    rs = wsub.add_parser("reset", help="give a learner a fresh engine in seconds", formatter_class=formatter)
    rs.add_argument("learner", metavar="LEARNER")
    rs.add_argument(
        "--keep-progress",
        action="store_true",
        help="keep the learner's home (notebooks and progress record); default: a fresh home too",
    )
    wsub.add_parser(
        "down",
        help="remove everything of the room: no container, network, volume or hub state",
        formatter_class=formatter,
    )
