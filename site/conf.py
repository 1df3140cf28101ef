"""Sphinx configuration of the published course (`./run site`): recorded notebooks, read as they are.

Sphinx + myst-nb + sphinx-book-theme, because they build offline: Jupyter Book 2 (mystmd) downloads its site
theme at build time (/work/shared/ENVIRONMENT.md). labkit/publish/site.py prepares each edition's source folder
and passes `language` (`-D language=zh_CN` for the 中文 edition).
"""

project = "labkit · Docker Swarm mode"
author = "labkit"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_title = "labkit · Docker Swarm mode"
html_theme_options = {"show_toc_level": 2, "use_download_button": True}
html_static_path = ["_static"]
html_css_files = ["labkit.css"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
# The outputs are the recording's: nothing is executed while the site is built.
nb_execution_mode = "off"
nb_output_stderr = "show"
# A widget output has no kernel behind it on a static page: show its text line (the recorder put the board's
# picture right after it) rather than an empty widget.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
# A link to a notebook not recorded yet stays plain text (the edition may be recorded a notebook at a time).
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure", "myst.xref_missing"]
language = "en"
