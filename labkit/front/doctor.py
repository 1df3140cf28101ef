"""`labkit doctor`: what this host can do for a swarm lab, each problem with its fix.

The kernel features (IPVS for the routing mesh, ESP for encrypted overlays)
are measured inside a real node after `docker swarm init`, never guessed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..base.i18n import tr
from ..host.engine import engine_address, engine_answers, engine_info
from ..host.probe import forget_node_mode
from ..images import image_rows
from .lab import Lab

__all__ = ["run_doctor"]


def _meminfo_available_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def run_doctor(print_=print, remeasure: bool = False) -> int:
    """Check the host; print one line per check with ✓/✗ and a fix; return 0 if a lab can start.

    Each line is in the course's language (base/i18n.py): `!labkit doctor` in a zh-CN notebook inherits the
    kernel's environment and folder, so it speaks Chinese there."""
    problems = 0

    def report(ok: bool, text: str, fix: str = "") -> None:
        nonlocal problems
        problems += 0 if ok else 1
        print_(f"{'✓' if ok else '✗'} {tr(text)}" + ("\n    " + tr(f"fix: {fix}") if not ok and fix else ""))

    if not engine_answers():
        address, from_env = engine_address()
        report(
            False,
            f"Docker engine: not reachable at {address}" + (" (DOCKER_HOST)" if from_env else ""),
            "start Docker (Docker Desktop, or `labkit setup` as root on Debian/Ubuntu), or set DOCKER_HOST",
        )
        return 1
    info = engine_info()
    report(
        True, f"Docker engine {info.get('ServerVersion')} ({info.get('OperatingSystem')}, storage {info.get('Driver')})"
    )
    cgroup = info.get("CgroupVersion", "?")
    report(
        True,
        f"cgroup v{cgroup} ({info.get('CgroupDriver')} driver)"
        + (tr(" - v1 is deprecated but works") if cgroup == "1" else ""),  # tr(): a message, though it starts with "-"
    )
    missing = [r["image"] for r in image_rows() if r["state"] != "ok"]
    report(
        not missing,
        tr("images: " + ("all present" if not missing else "missing or outdated: " + ", ".join(missing))),
        tr("labkit images build (offline, from Debian packages) or labkit images pull (online)"),
    )
    mem = _meminfo_available_mb()
    if mem is not None:
        report(
            mem > 1024,
            f"free memory: {mem} MB (an idle node needs ~50 MB, a 6-node lab with services ~1 GB)",
            "close other programs or use fewer nodes",
        )
    if missing:
        print_(tr("  (skipping the in-node checks until the images exist)"))
        return 1
    if remeasure:
        forget_node_mode()
    with Lab(managers=1, workers=0, name=f"doctor-{os.getpid() % 100000}", quiet=True, heartbeat=None) as lab:
        caps = lab.capabilities
        mode_line = lab.mode
    report(
        True,
        f"nodes run in {mode_line} mode"
        + (" (--privileged is refused here; explicit capabilities are used)" if mode_line == "restricted" else ""),
    )
    report(
        caps.routing_mesh,
        "routing mesh (IPVS): " + caps.reason["routing_mesh"],
        "load the ip_vs, ip_vs_rr and xt_ipvs kernel modules on the host (or Docker Desktop's VM); "
        "lessons fall back to --publish mode=host",
    )
    report(
        caps.encrypted_overlay,
        "encrypted overlay (ESP): " + caps.reason["encrypted_overlay"],
        "a kernel with CONFIG_INET_ESP and CONFIG_CRYPTO_GCM; lessons show unencrypted overlays",
    )
    print_(tr("labkit can run labs on this host" + (f" ({problems} limitation(s) above)" if problems else "")))
    return 0
