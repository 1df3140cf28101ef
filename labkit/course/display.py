"""How check results, hints and solutions look: stable plain text (nbval compares it) and HTML in JupyterLab, in
the notebook's language (base/i18n.py: the English text is translated as it is shown, never written twice)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..base.errors import LabkitError
from ..base.i18n import tr

__all__ = ["CheckResult", "Note", "ExerciseNotDone"]


class ExerciseNotDone(LabkitError, AssertionError):
    """A check found the exercise not done; the message says what it saw and what it expected."""

    def _render_traceback_(self):  # IPython shows this line, not a Python traceback
        return [str(self)]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check(id)`: ✓ or ✗, what was seen, and where help is."""

    exercise: str
    ok: bool
    text: str
    hints_left: int

    def line(self) -> str:
        """The one-line, stable summary."""
        return f"{'✓' if self.ok else '✗'} {self.exercise}: {tr(self.text)}"

    def help(self) -> str:
        """Where to get help (only for a failed check)."""
        if self.ok:
            return ""
        if self.hints_left:
            return tr(f'Stuck? hint("{self.exercise}") gives a hint ({self.hints_left} left).')
        return tr(f'Stuck? solution("{self.exercise}") shows the solution.')

    def __repr__(self) -> str:
        return "\n".join(x for x in (self.line(), self.help()) if x)

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.ok else "#cf222e"
        helptext = f"<div style='color:#57606a'>{html.escape(self.help())}</div>" if self.help() else ""
        return (
            f"<div style='border-left:4px solid {color};padding:4px 10px'>"
            f"<b style='color:{color}'>{'✓' if self.ok else '✗'} {html.escape(self.exercise)}</b> "
            f"{html.escape(tr(self.text))}{helptext}</div>"
        )


@dataclass(frozen=True)
class Note:
    """A hint or a solution as shown to the learner."""

    heading: str
    body: str
    code: bool = False

    def shown(self) -> tuple[str, str]:
        """Heading and body in the notebook's language (code stays as written)."""
        return tr(self.heading), self.body if self.code else tr(self.body)

    def __repr__(self) -> str:
        return "\n".join(self.shown())

    def _repr_html_(self) -> str:
        heading, text = self.shown()
        body = (
            f"<pre style='margin:4px 0'>{html.escape(text)}</pre>" if self.code else f"<div>{html.escape(text)}</div>"
        )
        style = "border-left:4px solid #9a6700;padding:4px 10px"
        return f"<div style='{style}'><b>{html.escape(heading)}</b>{body}</div>"
