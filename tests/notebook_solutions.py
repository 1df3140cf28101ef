"""A pytest plugin: nbval runs each course notebook with every exercise's solution filled in.

The shipped notebooks keep their exercise cells empty. An exercise cell carries
`metadata.labkit.exercise = "<id>"`; its solution comes from the course catalog
(`labkit.course`), the one place solutions are written, filled as the published edition's recorder fills them
(labkit/publish/solutions.py). Only the copy nbval
executes is filled; the file on disk is never changed.
"""

from __future__ import annotations

import nbformat
import pytest
from nbval.plugin import IPyNbFile

from labkit.publish.solutions import exercise_of, fill_solutions

__all__ = ["exercise_of", "fill_solutions"]  # record.py and record_wrong.py take them from here


class SolvedNotebook(IPyNbFile):
    """nbval's notebook file, read with the solutions filled in."""

    def collect(self):
        real_read = nbformat.read
        nbformat.read = lambda path, as_version: fill_solutions(real_read(path, as_version=as_version))
        try:
            items = list(super().collect())
        finally:
            nbformat.read = real_read
        yield from items


@pytest.hookimpl(hookwrapper=True)
def pytest_collect_file(file_path, parent):
    outcome = yield
    results = outcome.get_result()
    if file_path.suffix == ".ipynb" and results:
        outcome.force_result(
            [SolvedNotebook.from_parent(parent, path=file_path) if type(r) is IPyNbFile else r for r in results]
        )
