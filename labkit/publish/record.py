"""`./run record [NN ...]`: run course notebooks for real and keep what they printed, for the published edition.

Each notebook runs in a real kernel against a real swarm, with every exercise's solution filled in (as under
nbval). After a cell that shows the board, and after every check once the board is open, a picture of the board
at that moment is added to the cell's outputs (so a fault lesson shows the board before and after). Each
exercise's answer and check are tagged as its folded solution; IDs, times and addresses are normalised; the
notebook is written to recorded/<lang>/, away from the learner's editable notebooks/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..base.errors import InvalidInput, LabkitError
from ..course.catalog import PLANS, check_by_id, plan_of
from ..front.status import all_labs
from .normalise import normalise_outputs
from .solutions import check_of, exercise_of, fill_solutions, fold_solutions

__all__ = [
    "RecordingFailed",
    "EDITIONS",
    "source_of",
    "recorded_path",
    "record",
    "shows_board",
    "coalesce_streams",
    "drop_widget_views",
    "PICTURE_CODE",
    "recording_env",
    "notebook_kernel",
    "run_extra",
    "run_cells",
    "run_notebook",
]

# Each edition: where its learner notebooks are (same file names in every edition).
EDITIONS = {"en": Path("notebooks"), "zh-CN": Path("notebooks/zh-CN")}
RECORDED = Path("recorded")
PICTURE_CODE = "__import__('labkit.publish', fromlist=['board_picture']).board_picture(lab)"


class RecordingFailed(LabkitError):
    """A cell of the notebook failed while it was recorded."""


def source_of(number: str, lang: str = "en", root: Path = Path(".")) -> Path:
    """The learner notebook of a course notebook number in an edition; InvalidInput if there is none."""
    if lang not in EDITIONS:
        raise InvalidInput(f"no edition {lang!r}; editions: {', '.join(EDITIONS)}")
    path = root / EDITIONS[lang] / plan_of(number).file
    if not path.exists():
        raise InvalidInput(f"{path} does not exist: the {lang} edition has no notebook {number} yet")
    return path


def recorded_path(number: str, lang: str = "en", root: Path = Path(".")) -> Path:
    """Where the recorded notebook of a course notebook goes."""
    return root / RECORDED / lang / plan_of(number).file


def shows_board(cell: Any) -> bool:
    """True if a cell's output is the board (in the cell, or docked beside the notebook)."""
    for output in cell.get("outputs", []):
        if str(output.get("data", {}).get("text/plain", "")).startswith("SwarmBoard("):
            return True
    return False


def _picture(client: NotebookClient, index: int) -> list[Any]:
    """The board picture as outputs, taken in the kernel right now (none if the lab cannot give one)."""
    try:
        helper = run_extra(client, PICTURE_CODE)
    except CellExecutionError as exc:
        print(f"  (no board picture after cell {index}: {str(exc).strip().splitlines()[-1]})", file=sys.stderr)
        return []
    return [o for o in helper.outputs if o.get("output_type") in ("display_data", "execute_result")]


def _as_display(output: Any) -> Any:
    return nbformat.v4.new_output("display_data", data=output["data"], metadata=output.get("metadata", {}))


def coalesce_streams(outputs: list[Any]) -> list[Any]:
    """Consecutive stream outputs of one stream joined into one (a check's progress dots arrive one by one)."""
    joined: list[Any] = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (
            last is not None
            and output["output_type"] == last["output_type"] == "stream"
            and output["name"] == last["name"]
        ):
            last["text"] += output["text"]
        else:
            joined.append(output)
    return joined


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def drop_widget_views(outputs: list[Any]) -> list[Any]:
    """Outputs without their live-widget part: it names a widget of a kernel that is gone, so JupyterLab (Binder)
    would show "model not found" and the site an empty box. The widget's text line stays; a board's picture
    follows it."""
    for output in outputs:
        output.get("data", {}).pop(WIDGET_VIEW, None)
    return outputs


def _wants_picture(cell: Any, board_open: bool) -> bool:
    if shows_board(cell):
        return True
    if not board_open:
        return False
    exercise = exercise_of(cell)
    return bool(check_of(cell)) or bool(exercise and check_by_id(exercise).board)


def recording_env(lang: str = "en") -> None:
    """Set what a recording's kernel inherits: a throwaway progress file (never the user's record), no next lab
    prepared in the background, the edition's language for labkit's messages, and the venv's commands first on
    PATH (`!labkit doctor` cells find them, as in a JupyterLab that `./run lab` opened)."""
    os.environ["LABKIT_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="labkit-record-"), "progress.jsonl")
    os.environ["LABKIT_POOL"] = "0"
    os.environ["LABKIT_LANG"] = lang
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@contextmanager
def notebook_kernel(nb: Any, workdir: Path) -> Iterator[NotebookClient]:
    """A kernel for running a notebook's cells for real (solutions already filled in), in workdir; shut down when
    the block ends. Meanwhile the notebook has one extra cell at its end, where run_extra files its code."""
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        allow_errors=False,
        record_timing=False,  # no per-cell timestamps in the recording
        resources={"metadata": {"path": str(workdir)}},
    )
    nb.cells.append(nbformat.v4.new_code_cell(""))
    try:
        with client.setup_kernel():
            yield client
    finally:
        nb.cells.pop()


def run_extra(client: NotebookClient, source: str) -> Any:
    """Run code that is not one of the notebook's cells (inside notebook_kernel) and return its executed cell.

    It is filed in the notebook's extra last cell: nbclient looks live display updates (%%node's terminal) up by
    cell index, so this code's updates find its outputs and the notebook's own cells keep theirs."""
    cell = nbformat.v4.new_code_cell(source)
    slot = len(client.nb.cells) - 1
    client.nb.cells[slot] = cell
    client.execute_cell(cell, slot)
    return cell


def run_cells(
    client: NotebookClient, start: int, stop: int, after: Callable[[NotebookClient, int], None] | None = None
) -> None:
    """Execute the notebook's code cells from index start up to stop, in order, each named on stderr as it starts;
    after(client, index) runs once each has. A failed cell raises CellExecutionError."""
    for index in range(start, stop):
        cell = client.nb.cells[index]
        if cell.cell_type != "code":
            continue
        print(f"  cell {index}: {cell.source.splitlines()[0][:70] if cell.source else ''}", file=sys.stderr)
        client.execute_cell(cell, index)
        if after is not None:
            after(client, index)


def run_notebook(nb: Any, workdir: Path) -> Any:
    """Execute a notebook (solutions already filled in) cell by cell, adding board pictures; returns it."""
    board_open = False

    def pictures(client: NotebookClient, index: int) -> None:
        nonlocal board_open
        cell = nb.cells[index]
        if _wants_picture(cell, board_open):
            cell.outputs += [_as_display(o) for o in _picture(client, index)]
        board_open = board_open or shows_board(cell)

    count = len(nb.cells)
    with notebook_kernel(nb, workdir) as client:
        run_cells(client, 0, count, after=pictures)
    # Only once the kernel is done: a late display update finds its output where the kernel left it.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = drop_widget_views(coalesce_streams(cell.outputs))
    return nb


def record(number: str, lang: str = "en", root: Path = Path(".")) -> Path:
    """Run one course notebook for real and write its recording; returns the recording's path.

    The notebook's lab must not be running already (the recording would carry on from someone's half-done lab).
    The old recording is replaced only when the whole notebook ran.
    """
    plan = plan_of(number)
    source = source_of(number, lang, root)
    if all_labs(plan.lab_name):
        raise InvalidInput(
            f"lab {plan.lab_name!r} is running: a recording starts from a fresh lab; stop it first: "
            f"labkit down {plan.lab_name}"
        )
    recording_env(lang)
    nb = fill_solutions(nbformat.read(source, as_version=4))
    try:
        run_notebook(nb, source.parent.resolve())
    except CellExecutionError as exc:
        # Nothing left behind: the lab was not running before, so it is this recording's.
        subprocess.run([sys.executable, "-m", "labkit.cli", "down", plan.lab_name], check=False, capture_output=True)
        last = str(exc).strip().splitlines()[-1:] or [""]
        raise RecordingFailed(f"notebook {plan.number}: a cell failed ({last[0]}); the old recording is kept") from exc
    fold_solutions(normalise_outputs(nb))
    nb.metadata["labkit"] = {"recorded": {"notebook": plan.number, "lang": lang}}
    target = recorded_path(number, lang, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    nbformat.write(nb, partial)
    partial.replace(target)
    return target


def numbers(asked: list[str]) -> list[str]:
    """The notebook numbers asked for ("4" → "04"); every notebook of the course when none is named."""
    return [plan_of(a).number for a in asked] if asked else sorted(PLANS)
