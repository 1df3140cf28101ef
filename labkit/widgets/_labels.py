"""The words the widgets' front ends show, in the notebook's language.

The English text is written in the widgets' JavaScript (static/*.js), each piece as `say(model, "text", ...values)`
with `{}` holes; UI_TEXT lists those pieces (a unit test keeps the two equal), so the catalogues of base/i18n.py
cover them like any other message. A widget sends `labels()`, English → the notebook's language, as a synced trait;
`say` falls back to the English text for any piece without one. The board's action buttons keep Docker's verbs
(kill, drain, promote …), which the notebooks and the checks' verdicts name; their tooltips are translated.
"""

from __future__ import annotations

from ..base.i18n import catalogue, language

__all__ = ["UI_TEXT", "labels"]

# fmt: off
UI_TEXT = (
    # course map
    "Course map: {} of {} exercises done", "refresh", "notebook", "exercise", "what", "done", "hints", "solution",
    "seen",  # a cell of the map: course/progress_cli.py translates it
    # board
    "show one service", "also show shutdown, failed and completed tasks", "history", "sure?", "scale",
    "{}/{} running", "ports {}", "no published ports", "update {}", "★ leader", "no tasks", "no nodes to show",
    "all services", "swarm of lab {}", " · read from {}", " · no answer from the managers for {} s…",
    "Lab stopped: this board no longer updates.", "No quorum", "No manager answered", " (showing the swarm as of {})",
    "{} on {}: {} (desired {})", "no node", "\nthe node is gone but the swarm has not noticed yet", "\nimage {}",
    "docker kill the node's container (a crash)", "docker stop the node's container",
    "start the node's container again", "freeze every process of the node", "resume the node",
    "cut the node off the lab network", "put the node back on the lab network",
    "move its tasks away (availability drain)", "accept tasks again (availability active)", "make it a manager",
    "make it a worker", "tasks the scheduler could not place on any node yet", "(no node)",
    # traffic panel
    "send requests", "requests through", "traffic to {} on port {}", " (published mode={})", "all nodes (spread)",
    "sending…", "no requests sent yet", "{} requests through {}: {} answered by {} task(s), {} failed, in {} s",
    # timeline
    "timeline of lab {}", "nothing happened yet",
    "node", "leader", "task", "service", "action", "traffic", "quorum", "lab",  # its filter buttons (KINDS)
)
# fmt: on


def labels(lang: str | None = None) -> dict[str, str]:
    """UI_TEXT pieces → their text in `lang` (else the notebook's language); {} in English."""
    translated = catalogue(lang or language())
    return {text: translated[text] for text in UI_TEXT if text in translated}
