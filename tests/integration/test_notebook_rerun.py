"""Resume and start over on notebook 04's lab: after a kernel restart the first cell carries on with the running lab
(nothing rebuilt); `reset("04")` starts the notebook over, and it runs again from the top, past the point where the
first kernel stopped (its first exercise; the nbval run covers the whole notebook); a section reset brings the lab to
where that section starts (how fast, against a fresh start: benchmarks/bench_reset.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from labkit.course import check, reset
from labkit.course.catalog import check_by_id
from labkit.course.progress import read_events
from labkit.host.engine import client
from labkit.host.teardown import remove_lab

from ..kernels import AsyncIpcKernelManager
from ..notebook_solutions import fill_solutions

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "04-replicated-vs-global.ipynb"


def container_ids(name: str) -> list[str]:
    """The lab's node containers (not the throw-away one that may still be emptying its volumes after a stop)."""
    return sorted(
        c["Id"]
        for c in client().api.containers(all=True, filters={"label": [f"labkit.lab={name}", "labkit.kind=node"]})
    )


def kernel(nb) -> NotebookClient:
    return NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        kernel_manager_class=AsyncIpcKernelManager,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )


def test_a_kernel_restart_resumes_the_lab_and_reset_starts_the_notebook_over():
    nb = fill_solutions(nbformat.read(NOTEBOOK, as_version=4))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # The learner restarts the kernel right after the first exercise is checked.
    exercises = [
        i
        for i in code
        if (nb.cells[i].metadata.get("labkit") or {}).get("check")
        and check_by_id(nb.cells[i].metadata["labkit"]["check"]).is_exercise
    ]
    halfway = next(i for i in code if i > exercises[0])
    try:
        first = kernel(nb)
        with first.setup_kernel():
            for index in code:
                if index >= halfway:
                    break
                first.execute_cell(nb.cells[index], index)
        running = container_ids("nb04")
        assert running, "the first kernel leaves lab nb04 running halfway through"

        second = kernel(nb)  # the learner restarts the kernel and runs the first cell again
        with second.setup_kernel():
            second.execute_cell(nb.cells[code[0]], code[0])
            said = "".join(o.get("text", "") for o in nb.cells[code[0]].outputs)
            assert "already running" in said and container_ids("nb04") == running, "resumed, not rebuilt"
            second.execute_cell(nbformat.v4.new_code_cell('reset("04")'), code[0])
            assert container_ids("nb04") != running, "reset starts over on a fresh lab"
            for index in code:  # from the top again, past where the first kernel stopped (nbval runs the rest)
                if index > halfway:
                    break
                second.execute_cell(nb.cells[index], index)
            second.execute_cell(nb.cells[code[-1]], code[-1])
        assert container_ids("nb04") == [], "the notebook ends with lab.stop()"
    finally:
        remove_lab("nb04")


def test_a_section_reset_brings_the_lab_to_that_section(tmp_path, monkeypatch):
    # A progress file of its own: the suite's is shared by every worker, whose notebooks record resets too.
    monkeypatch.setenv("LABKIT_PROGRESS_FILE", str(tmp_path / "progress.jsonl"))
    lab = reset("04", section="fixed-count")
    try:
        assert check("04-one-per-node").ok  # the section starts where the step before it ended
        assert [e["section"] for e in read_events() if e["event"] == "reset"][-1] == "fixed-count"
    finally:
        lab.stop()
