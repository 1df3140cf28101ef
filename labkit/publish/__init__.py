"""The published edition of the course: notebooks recorded on a real swarm, and a static site built from them.

    record(["04"])       run notebook 04 for real (solutions filled in) and write recorded/en/04-….ipynb
    build_site()         the static site of every recorded edition (Sphinx + myst-nb, offline)
    board_svg(model)     a still picture of the board, drawn from the board's own model

`python -m labkit.publish record|site` (what `./run record` and `./run site` call).
"""

from __future__ import annotations

from .board_svg import board_picture, board_svg
from .normalise import Normaliser, normalise_outputs

__all__ = ["Normaliser", "normalise_outputs", "board_svg", "board_picture"]
