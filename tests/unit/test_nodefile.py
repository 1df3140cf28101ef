"""%%nodefile: the cell body reaches the file byte for byte, with clear errors (no engine: the node's shell script
runs in a local sh, the same POSIX sh the nodes have)."""

from __future__ import annotations

import subprocess

import pytest

from labkit.front import magics
from labkit.front.magics import CellFailed, write_node_file
from labkit.host.exec import CommandResult

COMPOSE = """services:
  web:
    image: "registry:5000/web:${TAG:-v1}"
    command: ["sh", "-c", "echo {{.Task.Slot}} {not_python} $$HOME"]
\tdeploy: {replicas: 2}
"""


class LocalNode:
    """A node whose commands run in a local sh, so the magic's real script is what is tested."""

    name = "manager1"

    def __init__(self):
        self.argvs: list[list[str]] = []

    def exec(self, argv, check=True):
        self.argvs.append(list(argv))
        done = subprocess.run(argv, capture_output=True, text=True)
        return CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr, self.name)


def test_the_body_is_written_byte_for_byte(tmp_path):
    path = tmp_path / "stack.yml"
    said = write_node_file(LocalNode(), str(path), COMPOSE)
    assert path.read_text() == COMPOSE
    assert said == f"wrote {path} on manager1 ({len(COMPOSE.encode())} bytes)"


@pytest.mark.parametrize("body", ["", "no newline", "-n", "%s %d \\n \\t", "ünïcode ✓\n", "$(echo hi) `id`\n"])
def test_bodies_a_shell_might_interpret_are_written_as_typed(tmp_path, body):
    path = tmp_path / "f"
    write_node_file(LocalNode(), str(path), body)
    assert path.read_bytes() == body.encode()


def test_an_existing_file_is_replaced_and_the_mode_set(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("old and longer\n")
    write_node_file(LocalNode(), str(path), "new\n", "600")
    assert path.read_text() == "new\n" and path.stat().st_mode & 0o777 == 0o600


def test_a_missing_directory_is_named_with_the_fix(tmp_path):
    path = tmp_path / "nope" / "stack.yml"
    with pytest.raises(CellFailed, match=rf"there is no directory {tmp_path}/nope there; .*mkdir -p {tmp_path}/nope"):
        write_node_file(LocalNode(), str(path), "x\n")
    assert not (tmp_path / "nope").exists()


def test_a_directory_as_the_path_says_why(tmp_path):
    with pytest.raises(CellFailed, match=r"cannot write .* on manager1: .*[Ii]s a directory"):
        write_node_file(LocalNode(), str(tmp_path), "x\n")


def test_a_body_too_big_for_one_argument_is_refused_before_running(tmp_path):
    node = LocalNode()
    with pytest.raises(CellFailed, match="more than a cell can carry"):
        write_node_file(node, str(tmp_path / "big"), "x" * (magics.MAX_FILE_BYTES + 1))
    assert node.argvs == [] and not (tmp_path / "big").exists()
