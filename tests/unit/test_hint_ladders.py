"""Hints climb from the idea to the flag: an exercise's last hint names the flag or the concept, and only `solution()`
shows the command. A last hint that holds a line of the solution (or nearly: a few words changed, added or left out)
makes the solution pointless."""

from __future__ import annotations

import re

import pytest

from labkit.course.catalog import all_exercises

EXERCISES = all_exercises()
NEAR = 0.8  # share of a solution line's words that may appear, in order, in the last hint before it gives it away


def words(text: str) -> list[str]:
    """The words of a command or a sentence, without the quotes, backticks and punctuation around them."""
    return [w for w in (t.strip("`'\"()[],;:.") for t in text.split()) if w]


def command_lines(solution: str) -> list[list[str]]:
    """The solution's lines that are commands (a `%%node` cell's script, or a board cell's Python), as words; the
    magic's own line and lines of two words or fewer (a file's `replicas: 1`) are left out."""
    lines = [ln for ln in solution.splitlines() if not ln.startswith("%%")]
    return [w for w in map(words, lines) if len(w) > 2]


def in_order(line: list[str], hint: list[str]) -> int:
    """How many of the line's words the hint holds in the same order (their longest common subsequence)."""
    best = [0] * (len(hint) + 1)
    for word in line:
        prev = 0
        for j, h in enumerate(hint, 1):
            prev, best[j] = best[j], max(best[j], best[j - 1], prev + 1 if h == word else 0)
    return best[-1]


def given_away(solution: str, hint: str) -> list[str]:
    """The solution lines the hint (nearly) spells out."""
    said = words(hint)
    return [" ".join(line) for line in command_lines(solution) if in_order(line, said) >= NEAR * len(line)]


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_the_last_hint_names_the_flag_not_the_command(ex):
    assert len(ex.hints) >= 2, f"{ex.id}: a ladder of hints, from the idea to the flag"
    assert not given_away(ex.solution, ex.hints[-1]), f"{ex.id}: the last hint spells out the solution"
    assert not any(given_away(ex.solution, h) for h in ex.hints), f"{ex.id}: a hint spells out the solution"


def test_the_rule_catches_a_command_given_whole_or_with_a_word_changed():
    solution = "%%node manager1\ndocker service update --detach --restart-condition on-failure web"
    assert given_away(solution, "docker service update --restart-condition on-failure web")
    assert given_away(solution, "On manager1: `docker service update --detach --restart-condition on-failure app`.")
    assert not given_away(solution, "The flag is `--restart-condition`; `none` replaces nothing, `any` everything.")
    assert not given_away('board = lab.board()\nboard.act("drain", "worker2")', "Drain moves the running tasks.")


def test_a_line_with_a_template_or_a_pipe_is_read_as_its_words():
    assert words("`docker ps --format '{{.Names}}'`, then") == ["docker", "ps", "--format", "{{.Names}}", "then"]
    assert re.fullmatch(r"\d+", str(in_order(["a", "b", "c"], ["x", "a", "c"]))) and in_order(["a", "b"], ["b"]) == 1
