"""`labkit lab`: JupyterLab on the course, opened on notebook 00, without the news pop-up, trusted and unmodified.

JupyterLab reads default settings from `<environment>/share/jupyter/lab/settings/overrides.json`; labkit
adds its keys there (keeping any others) so a first-time learner is not asked about JupyterLab news, and sets the
interface language: `labkit lab --lang zh-CN` gives JupyterLab's Chinese interface (the language pack
jupyterlab-language-pack-zh-CN) on the Chinese edition (notebooks/zh-CN/); any other start is English again.

A notebook opens "modified" when the kernel's description differs from the one saved in it: JupyterLab writes
the kernel's `kernelspec` and `language_info` (with this Python's exact version) into the notebook as the kernel
starts. And the server logs "Notebook ... is not trusted" for any notebook not signed in the user's own trust
database. So before JupyterLab starts, each course notebook gets this environment's kernel description (its
metadata only) and, having no outputs to distrust, is signed into that database, as `jupyter trust` does.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "OVERRIDES",
    "EDITIONS",
    "edition",
    "settings_dir",
    "course_dir",
    "write_overrides",
    "jupyter_argv",
    "kernel_metadata",
    "prepare_notebooks",
]

OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
FIRST_NOTEBOOK = "00-welcome.ipynb"
# An edition of the course: its folder under notebooks/ and JupyterLab's locale for it.
EDITIONS = {"en": ("", "en"), "zh-CN": ("zh-CN", "zh_CN")}
LOCALE_PLUGIN = "@jupyterlab/translation-extension:plugin"


def edition(lang: str) -> str:
    """The edition named by `--lang` ("en", "zh-CN"; "zh" too); InvalidInput naming the editions otherwise."""
    from ..base.errors import InvalidInput
    from ..base.i18n import ALIASES

    found = ALIASES.get(str(lang).strip().lower())
    if found not in EDITIONS:
        raise InvalidInput(f"no edition of the course in {lang!r}; use --lang with one of: {', '.join(EDITIONS)}")
    return found


def course_dir() -> Path:
    """The course's notebooks folder (beside the labkit package in a checkout, else ./notebooks)."""
    beside = Path(__file__).resolve().parents[2] / "notebooks"
    return beside if beside.is_dir() else Path.cwd() / "notebooks"


def settings_dir(extra: list[str], prefix: str = sys.prefix) -> Path:
    """Where the JupyterLab started with these arguments reads overrides.json: the environment's settings folder,
    or the one `--LabApp.app_settings_dir=` names (a test's own, so it never changes the environment's)."""
    given = [a.split("=", 1)[1] for a in extra if a.startswith("--LabApp.app_settings_dir=")]
    return Path(given[-1]) if given else Path(prefix) / "share" / "jupyter" / "lab" / "settings"


def write_overrides(prefix: str = sys.prefix, lang: str = "en", settings: Path | None = None) -> Path:
    """Merge labkit's JupyterLab defaults, with the interface language of edition `lang`, into the environment's
    overrides.json (or the one in `settings`); return its path."""
    path = (settings or settings_dir([], prefix)) / "overrides.json"
    current = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except ValueError:
            current = {}
    for plugin, values in {**OVERRIDES, LOCALE_PLUGIN: {"locale": EDITIONS[lang][1]}}.items():
        current.setdefault(plugin, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


def jupyter_argv(extra: list[str], lang: str = "en") -> list[str]:
    """The `python -m jupyter lab` command line: the course as root, notebook 00 of edition `lang` open, extra
    arguments last."""
    notebooks = course_dir()
    first = "/".join(p for p in (EDITIONS[lang][0], FIRST_NOTEBOOK) if p)
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    if (notebooks / first).exists():
        # The browser JupyterLab opens, and any visit to its root, land on notebook 00.
        argv.append(f"--LabApp.default_url=/lab/tree/{first}")
    return argv + list(extra)


def kernel_metadata() -> dict[str, Any]:
    """The `kernelspec` and `language_info` JupyterLab writes into a notebook when this environment's kernel starts."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    return {
        "kernelspec": {"display_name": spec.display_name, "language": spec.language, "name": "python3"},
        "language_info": dict(IPythonKernel.language_info),
    }


def prepare_notebooks(folder: Path | None = None) -> list[Path]:
    """Give the course notebooks this kernel's description and trust the output-free ones; return those rewritten.

    Only the two metadata keys change, and a notebook is written only when they differ. A notebook with
    outputs is signed again only if it was trusted before (the learner's own saved work), never on trust.
    """
    import nbformat
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary()
    wanted = kernel_metadata()
    rewritten = []
    folder = folder or course_dir()
    for path in sorted([*folder.glob("*.ipynb"), *folder.glob("zh-CN/*.ipynb")]):  # both editions
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        outputs = any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
        trusted = not outputs or notary.check_signature(nb)
        if any(nb.metadata.get(key) != value for key, value in wanted.items()):
            nb.metadata.update(nbformat.from_dict(wanted))
            nbformat.write(nb, path)
            rewritten.append(path)
        if trusted:
            notary.sign(nb)
    return rewritten
