"""The English catalogue: every learner-facing message template, extracted from the code that writes it.

A message is an f-string or a string literal in one of SOURCES; its template is its text with a `{}` hole for each
replacement field (literal braces doubled, as str.format reads them), so `f"worker1 is a {w1.role}; expected ..."`
becomes "worker1 is a {}; expected ...". `a + b` of strings is one template. Docstrings, commands (a check's
solution, probes, wrong answers, the scripts its steps run) and text that is not a sentence (no space, or no
word) are not messages.

    python -m labkit.base.i18n_extract      # rewrite labkit/base/lang/en.json after changing a message
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

__all__ = ["SOURCES", "templates_of", "extract", "write_english", "coverage"]

PACKAGE = Path(__file__).resolve().parents[1]
# Where the text a learner meets in the course is written (module globs, relative to the labkit package).
SOURCES = (
    "course/*.py",
    "course/notebooks/*.py",
    "base/facts.py",
    "base/faults.py",  # what the board's buttons do and the timeline says of a node's fault
    "base/i18n.py",  # WORDS
    "swarm/capabilities.py",  # why the traffic panel finds no routing mesh
    "swarm/decide.py",  # why no manager answered: the board's status, a check's verdict, an error
    "swarm/state.py",  # no such node or service
    "front/doctor.py",  # `labkit doctor`, run as `!labkit doctor` in a notebook
    "front/magics.py",  # why a %%node or %%nodefile cell failed
    # what starting and stopping a lab prints (front/progress.py translates it)
    "front/lab.py",
    "front/progress.py",
    "host/containers.py",
    "swarm/memory.py",
    "swarm/runner.py",
    "swarm/steps.py",
    "widgets/_labels.py",
    # the text the widgets build in Python: timeline events, traffic summaries, action notes, board status
    "widgets/_actions.py",
    "widgets/_board.py",
    "widgets/_diff.py",
    "widgets/_model.py",
    "widgets/_traffic.py",
    "widgets/_watcher.py",
)
# Arguments that hold code or commands, not messages: never translated.
CODE_KEYWORDS = {"solution", "probes", "wrong", "unsolved", "do"}
CODE_CALLS = {
    "sh",
    "wait_service",
    "exec",
    "run",
    "probe_key",
    "output",
    "exit_code",
    "compile",
    "search",
    "match",
    "findall",
    "sub",
    "fullmatch",
    "split",
    "startswith",
    "endswith",
    "get",
    "Step",
}
# The course map's and the resets' titles: messages even when they are one word ("Drain").
TITLE_ARGS = {"NotebookPlan": 1, "Section": 1, "Check": 2}
# Lists of text that is a message even when it is one word.
LISTS = {"UI_TEXT", "WORDS"}
CSS = re.compile(r"^[a-z-]+:\S")  # an inline style ("border-left:4px ..."), not a sentence
# A cell of Python (a board exercise's solution), a shell line or a compose file's YAML: code, not a sentence.
PYTHON = re.compile(r"^\w+ = \S|^\w+=\$|&&|\$\(|^%%|\n\s*[\w-]+:( |\n)|^\s+\w+:\n")
WORD = re.compile(r"[A-Za-z]{3,}")
SHELL = "docker|labkit|curl|wget|cat|echo|for|if|sleep|nslookup|ip|iptables|openssl|ls|sh|apk|stat|cd|sed"
COMMAND = re.compile(rf"^\s*(-|({SHELL})\b)")  # a command line or its flags
# ... unless a flag is the subject of a sentence: "--detach returns at once: watch the board converge".
FLAG_SENTENCE = re.compile(r"^--[a-z-]+( [a-z]+)+: \w")


def _template(node: ast.expr) -> str | None:
    """The template of a string expression (an f-string, a literal, or their sum); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                parts.append(v.value.replace("{", "{{").replace("}", "}}"))
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _parts(node: ast.expr) -> set[int]:
    """ids of the pieces a template was made of (not the strings inside its holes: those are messages too)."""
    if isinstance(node, ast.JoinedStr):
        specs = [v.format_spec for v in node.values if isinstance(v, ast.FormattedValue) and v.format_spec]
        return {id(v) for v in node.values} | {id(n) for spec in specs for n in ast.walk(spec)}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return {id(node.left), id(node.right)} | _parts(node.left) | _parts(node.right)
    return set()


def _is_message(template: str) -> bool:
    literal = re.sub(r"\{\}", "", template)
    markup = (
        template.lstrip().startswith("<") or "style" in literal or bool(CSS.search(literal) or PYTHON.search(literal))
    )
    command = bool(COMMAND.match(template)) and not FLAG_SENTENCE.match(template)
    return " " in literal.strip() and bool(WORD.search(literal)) and not command and not markup


def _skipped(tree: ast.AST) -> set[int]:
    """ids of the nodes whose strings are not messages: docstrings, and code passed to commands."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in CODE_CALLS:
                skip.update(id(n) for a in node.args for n in ast.walk(a))
            for kw in node.keywords:
                if kw.arg in CODE_KEYWORDS:
                    skip.update(id(n) for n in ast.walk(kw.value))
    return skip


def _titles(tree: ast.AST) -> set[int]:
    """ids of the title arguments of NotebookPlan, Section and Check (positional or `title=`), and of what is passed
    to tr() itself: the code says it is a message, short words or not ("{} on {}: {} → {}")."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr" and node.args:
            found.add(id(node.args[0]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TITLE_ARGS:
            at = TITLE_ARGS[node.func.id]
            found.update(id(a) for i, a in enumerate(node.args) if i == at)
            found.update(id(kw.value) for kw in node.keywords if kw.arg == "title")
    return found


def _ui_text(tree: ast.AST) -> set[int]:
    """ids of the items of UI_TEXT (widgets/_labels.py) and WORDS (base/i18n.py): templates as written ({} is a
    hole), even of one word."""
    return {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in LISTS for t in node.targets)
        for n in ast.walk(node.value)
    }


def templates_of(source: str) -> list[str]:
    """The message templates in one module's source, each once."""
    tree = ast.parse(source)
    skip, titles, ui = _skipped(tree), _titles(tree), _ui_text(tree)
    inner: set[int] = set()  # parts of a sum or an f-string already taken as a whole
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner or not isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)):
            continue
        if id(node) in ui and isinstance(node, ast.Constant) and isinstance(node.value, str):
            template: str | None = node.value
        else:
            template = _template(node)
        if template is None:
            continue
        inner.update(_parts(node))
        if (id(node) in titles or id(node) in ui or _is_message(template)) and template not in found:
            found.append(template)
    return found


def extract() -> dict[str, list[str]]:
    """Every source module (path relative to the package) → its templates; modules without any are left out."""
    out = {}
    for pattern in SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            if found := templates_of(path.read_text(encoding="utf-8")):
                out[path.relative_to(PACKAGE).as_posix()] = found
    return out


def write_english(path: Path = PACKAGE / "base" / "lang" / "en.json") -> Path:
    """Write the English catalogue (the extraction) as JSON; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(extract(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def coverage(lang: str = "zh-CN") -> dict[str, list[str]]:
    """Every source module → its templates with no translation in `lang` (all of them translated: [])."""
    from .i18n import catalogue

    translated = catalogue(lang)
    return {module: [t for t in found if t not in translated] for module, found in extract().items()}


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--coverage"]:  # what the zh-CN catalogue still lacks, module by module
        for module, missing in coverage().items():
            print(f"{module}: {len(extract()[module]) - len(missing)} of {len(extract()[module])} translated")
    else:
        print(write_english())
