"""labkit's pytest plugin without an engine: it is loaded in every pytest run, so it must import cheaply, and a
wrong shape must be a clear usage error."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_loading_the_plugin_imports_neither_testcontainers_nor_docker():
    code = (
        "import sys, labkit.testing.plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('testcontainers', 'docker')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_entry_point_registers_the_plugin_and_its_marker(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--markers", "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    assert "@pytest.mark.swarm(managers=1, workers=2, fresh=False, **options)" in out


def test_a_wrong_shape_is_a_usage_error_before_any_swarm_starts(tmp_path):
    (tmp_path / "test_x.py").write_text(
        textwrap.dedent("""
        def test_x(swarm):
            pass
    """)
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            "--swarm-shape",
            "three",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "--swarm-shape must look like 1+2 (managers+workers), not 'three'" in proc.stdout + proc.stderr
