"""The registry's delayed release, run as its own detached process: `python -m labkit.host.registry_release SECONDS`.

`registry.release_later()` starts it when the last lab goes. It waits SECONDS, then removes the registry
container if still no lab network exists (a lab started meanwhile keeps it). It is a separate module so that
what runs in that process is this file alone, and a `ps` listing names what it is.
"""

from __future__ import annotations

import sys
import time

from .registry import release_registry

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Wait argv[0] seconds, then release the registry if no lab uses it; 2 for a missing or bad delay."""
    try:
        delay = float(argv[0])
    except (IndexError, ValueError):
        print("usage: python -m labkit.host.registry_release SECONDS", file=sys.stderr)
        return 2
    time.sleep(max(0.0, delay))
    release_registry()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
