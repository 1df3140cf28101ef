"""Hostile and random input to the CLI and to the Lab/Node API: a clear error, never a traceback, never a
command injected into a node or the host, and nothing left behind."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import labkit
from labkit.host.engine import client

from .conftest import unique

CANARY = "/tmp/labkit-fuzz-pwned"  # an injected command would create this (on the host or in a node)
HOSTILE = [
    "",
    " ",
    "my lab",
    "a/b",
    "../../etc",
    "ünïcødé",
    "🐳",
    "x" * 300,
    "-rf",
    "--all",
    "$(touch /tmp/labkit-fuzz-pwned)",
    "`touch /tmp/labkit-fuzz-pwned`",
    "a;touch /tmp/labkit-fuzz-pwned",
    "a|b",
    "a&&b",
    "'",
    '"',
    "\\",
    "\n",
    "a\x00b",
    "Lab",
    "1lab",
    "lab_1",
    "lab.",
    "--",
    "%s%s",
    "{}",
    "*",
    "~root",
]
ALPHABET = "abcXYZ019-_./\\ ;|&$`'\"(){}[]<>*?!~#%^=+,:\n\tüé🐳"


CLI_PIDS: list[int] = []  # every labkit process this module ran: whatever one creates carries its pid


def labkit_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LABKIT_DEBUG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    CLI_PIDS.append(proc.pid)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def left_by_cli() -> list[str]:
    """Objects created by this module's labkit processes (other tests may run labs alongside)."""
    api, found = client().api, []
    for pid in CLI_PIDS:
        flt = {"label": [f"labkit.pid={pid}"]}
        found += [c["Id"] for c in api.containers(all=True, filters=flt)] + [n["Id"] for n in api.networks(filters=flt)]
        found += [v["Name"] for v in (api.volumes(filters=flt) or {}).get("Volumes") or []]
    return found


def clean_failure(res: subprocess.CompletedProcess) -> None:
    assert res.returncode in (1, 2), (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    assert res.stderr.strip(), "an error must say what went wrong"


@pytest.fixture(autouse=True)
def no_canary():
    Path(CANARY).unlink(missing_ok=True)
    yield
    assert not Path(CANARY).exists(), "a hostile argument ran a command on the host"


def random_strings(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 40))) for _ in range(n)]


@pytest.mark.parametrize("name", HOSTILE + random_strings(12))
def test_hostile_lab_names_are_refused_by_every_command(name):
    with pytest.raises(labkit.InvalidInput, match="invalid lab name"):
        labkit.Lab(name=name)
    if "\x00" in name:
        return  # no command line can carry a NUL byte: the API refusal above is the test
    # `--` first: a name such as `--all` must reach labkit as a name, not as the option
    for args in (
        ["up", f"--name={name}"],
        ["status", "--", name],
        ["down", "--", name],
        ["exec", "--", name, "manager1", "true"],
    ):
        clean_failure(labkit_cli(*args))
    assert left_by_cli() == []


@pytest.mark.parametrize(
    "args,says",
    [
        (["up", "--workers", "10000"], "too large"),
        (["up", "--managers", "0"], "managers must be"),
        (["up", "--managers", "-3"], "managers must be"),
        (["up", "--workers", "-1"], "workers must be"),
        (["up", "--managers", "2.5"], "invalid int value"),
        (["up", "--", "--name", "x"], "unrecognized arguments"),
        (["exec"], "the following arguments are required"),
        (["exec", "--", "x"], "the following arguments are required"),
        (["down"], "say which lab"),
        (["images", "list"], "invalid choice"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_absurd_counts_and_odd_separators_give_a_clear_error(args, says):
    res = labkit_cli(*args)
    clean_failure(res)
    assert says in res.stderr, res.stderr
    assert left_by_cli() == []


@pytest.fixture(scope="module")
def lab():
    with labkit.Lab(managers=1, workers=1, name=unique("fuzz"), quiet=True) as lab:
        yield lab


def canary_in(lab) -> list[str]:
    return [n.name for n in lab.nodes if n.sh(f"test -e {CANARY}", check=False).ok]


@pytest.mark.parametrize("node", HOSTILE[:20])
def test_hostile_node_names(lab, node):
    with pytest.raises(labkit.UnknownNode, match="nodes are: manager1, worker1"):
        lab.node(node)
    if "\x00" not in node:  # no command line can carry a NUL byte
        clean_failure(labkit_cli("exec", "--", lab.name, node, "true"))
    assert canary_in(lab) == []


def test_exec_passes_arguments_as_words_never_as_shell(lab):
    words = ["$(touch /tmp/labkit-fuzz-pwned)", "`touch /tmp/labkit-fuzz-pwned`", "; touch /tmp/labkit-fuzz-pwned"]
    res = labkit_cli("exec", lab.name, "manager1", "--", "echo", *words)
    assert res.returncode == 0 and res.stdout.strip() == " ".join(words), res
    assert lab.node("manager1").exec(["echo", *words]).stdout.strip() == " ".join(words)
    assert canary_in(lab) == []


@pytest.mark.parametrize(
    "kwargs,says",
    [
        (dict(port="80; touch /tmp/labkit-fuzz-pwned"), "port must be"),
        (dict(port=70000), "port must be"),
        (dict(port=80, count=10**6), "count must be"),
        (dict(port=80, path="/$(touch /tmp/labkit-fuzz-pwned) x"), "path must"),
        (dict(port=80, path="no-slash"), "path must"),
    ],
)
def test_http_refuses_hostile_arguments(lab, kwargs, says):
    with pytest.raises(labkit.InvalidInput, match=says):
        lab.http("worker1", **kwargs)
    assert canary_in(lab) == []


def test_http_path_with_shell_syntax_is_only_a_url(lab):
    replies = lab.http("worker1", 80, path="/$(touch${IFS}/tmp/labkit-fuzz-pwned)`id`;&|")
    assert len(replies) == 1 and not replies[0].ok  # nothing listens on port 80; curl just got a strange URL
    assert canary_in(lab) == []


@pytest.mark.parametrize(
    "bad",
    [
        dict(managers=0),
        dict(managers=True),
        dict(workers=-1),
        dict(workers="2"),
        dict(managers=9, workers=12),
        dict(name="a b"),
        dict(name="x" * 300),
    ],
)
def test_lab_constructor_refuses_bad_shapes_and_names(bad):
    with pytest.raises(labkit.InvalidInput):
        labkit.Lab(**bad)
