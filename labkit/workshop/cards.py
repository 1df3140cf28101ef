"""Login cards: one printable HTML page (it prints to PDF), one card per learner with URL, user and password.

This file is the only place the plain-text passwords are written; it is the instructor's, readable by
its owner only, and `workshop down` does not touch it.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

__all__ = ["write_cards"]

_STYLE = """
body { font-family: sans-serif; margin: 1cm; }
.cards { display: grid; grid-template-columns: repeat(2, 1fr); gap: 0.6cm; }
.card { border: 1px dashed #555; padding: 0.5cm; break-inside: avoid; page-break-inside: avoid; }
.card h2 { margin: 0 0 0.3cm 0; font-size: 14pt; }
.card dt { font-size: 9pt; color: #555; } .card dd { margin: 0 0 0.2cm 0; font: 13pt monospace; }
.card dd.fingerprint { font-size: 6.5pt; word-break: break-all; }
.note { font-size: 9pt; color: #555; }
@media print { body { margin: 0; } }
"""


def write_cards(
    path: Path,
    url: str,
    logins: dict[str, str],
    limits: str,
    title: str = "labkit workshop",
    fingerprint: str | None = None,
) -> Path:
    """Write the cards page for {user: password}; return its path (created owner-only).

    `fingerprint`: the SHA-256 of the hub's certificate, so a learner can check what the browser's warning shows."""
    tls = f'<dt>certificate SHA-256</dt><dd class="fingerprint">{html.escape(fingerprint)}</dd>' if fingerprint else ""
    cards = []
    for user, password in logins.items():
        cards.append(
            f'<div class="card" data-user="{html.escape(user)}"><h2>{html.escape(title)}</h2><dl>'
            f'<dt>URL</dt><dd class="url">{html.escape(url)}</dd>'
            f'<dt>user</dt><dd class="user">{html.escape(user)}</dd>'
            f'<dt>password</dt><dd class="password">{html.escape(password)}</dd>{tls}</dl>'
            f'<p class="note">Your own JupyterLab and Docker engine. Limits: {html.escape(limits)}.</p></div>'
        )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}: login cards</title>"
        f"<style>{_STYLE}</style></head><body><div class='cards'>{''.join(cards)}</div></body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(page)
    return path
