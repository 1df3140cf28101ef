"""The hub's authenticator: each learner's own login, checked against the PBKDF2 hashes `workshop up` wrote.

Loaded by the hub process only (it imports jupyterhub). The user file is read at every login, so
`workshop reset --new-password` style changes need no hub restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from .passwords import check_password, read_users

__all__ = ["HashedPasswordAuthenticator"]


class HashedPasswordAuthenticator(Authenticator):
    """Accept a user whose password matches the stored hash; refuse everyone else."""

    users_file = Unicode("", config=True, help="JSON file of {user: pbkdf2_sha256 hash}")

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        """The user name if the password is right, else None (the hub shows "Invalid username or password")."""
        user = (data.get("username") or "").strip().lower()
        stored = read_users(Path(self.users_file)).get(user)
        if stored and check_password(data.get("password") or "", stored):
            return user
        self.log.warning("failed login for %r", user)
        return None
