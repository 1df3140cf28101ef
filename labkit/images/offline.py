"""The offline path: images built from Debian packages, for machines that reach no container registry.

`debootstrap --variant=minbase` of Debian trixie (Docker 26 inside nodes,
nginx, Debian's docker-registry), `busybox-static` for busybox, then
`docker import`. The mirror is the one this machine's apt already uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..base.errors import ImageUnavailable
from ..host.image_store import import_rootfs
from .local import current
from .online import build_web, build_whoami
from .specs import BUSYBOX, LABEL_RECIPE, NGINX, NODE, RECIPES, SUITE, WEB_RELEASES, WHOAMI, ImageSpec

__all__ = ["build", "apt_mirror"]


def build(spec: ImageSpec, log: Callable[[str], None]) -> None:
    """Build spec's host tag from Debian packages (not labkit.managed: containers inherit image labels)."""
    labels = {LABEL_RECIPE: spec.recipe()}
    if spec is WHOAMI:
        if not current(NGINX):  # whoami is built FROM labkit's nginx
            build(NGINX, log)
        build_whoami(log, labels)
        return
    if spec in WEB_RELEASES:
        if not current(WHOAMI):  # the web releases are built FROM labkit's whoami
            build(WHOAMI, log)
        build_web(spec, log, labels)
        return
    with tempfile.TemporaryDirectory(prefix="labkit-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        if spec is BUSYBOX:
            _busybox_rootfs(root, log)
            changes = ['CMD ["sh"]']
        else:
            _debootstrap(root, spec.packages, log)
            changes = _finish_rootfs(spec, root)
        changes += [f"LABEL {k}={v}" for k, v in labels.items()]
        tar = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(root), "-cf", str(tar), "."], check=True)
        log(f"$ tar -C rootfs -c . | docker import - {spec.tag}")
        import_rootfs(str(tar), spec.tag, changes)


def apt_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 `URIs:` or sources.list), never hard-coded."""
    if os.environ.get("LABKIT_DEBIAN_MIRROR"):
        return os.environ["LABKIT_DEBIAN_MIRROR"]
    candidates: list[str] = []
    for f in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        candidates += [u for line in f.read_text().splitlines() if line.startswith("URIs:") for u in line.split()[1:]]
    if Path("/etc/apt/sources.list").exists():
        for line in Path("/etc/apt/sources.list").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb":
                candidates.append(parts[1] if not parts[1].startswith("[") else parts[2])
    for uri in candidates:
        if "security" not in uri and "debian" in uri:
            return uri
    raise ImageUnavailable(
        "cannot build images offline: no Debian mirror found in /etc/apt/sources.list(.d).\n"
        "Fix: set LABKIT_DEBIAN_MIRROR to a Debian mirror URL, or get online so labkit can pull official images."
    )


def _apt(*args: str, cwd: str | None = None) -> None:
    """Run apt-get; on failure refresh the package lists once (a fresh machine has none) and retry."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", *args], cwd=cwd, capture_output=True, env=env).returncode == 0:
        return
    for argv in (["apt-get", "update", "-qq"], ["apt-get", *args]):
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise ImageUnavailable(
                f"failed to {' '.join(argv)} (exit {proc.returncode}): {proc.stderr.strip()[-800:]}\n"
                "Fix: check apt's sources and network (or run as root), or get online."
            )


def _need_tool(tool: str, package: str) -> None:
    if shutil.which(tool):
        return
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        _apt("install", "-y", "-qq", package)
        return
    raise ImageUnavailable(
        f"cannot build images offline: `{tool}` is missing. Fix: install {package} "
        f"(as root on Debian/Ubuntu: apt-get install -y {package}), or get online."
    )


def _debootstrap(root: Path, packages: tuple[str, ...], log: Callable[[str], None]) -> None:
    _need_tool("debootstrap", "debootstrap")
    mirror = apt_mirror()
    argv = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", SUITE, str(root), mirror]
    log("$ " + " ".join(argv) + "   # ~40 s")
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ImageUnavailable(
            f"failed to build a Debian {SUITE} root filesystem (exit {proc.returncode}):\n"
            f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}\nFix: check the mirror {mirror}"
        )
    for junk in (
        "var/cache/apt/archives",
        "var/lib/apt/lists",
        "usr/share/doc",
        "usr/share/man",
        "usr/share/locale",
        "usr/share/info",
    ):
        shutil.rmtree(root / junk, ignore_errors=True)


def _finish_rootfs(spec: ImageSpec, root: Path) -> list[str]:
    """Add labkit's files to a fresh rootfs; return the `docker import --change` lines."""
    if spec is NODE:
        shutil.copy(RECIPES / "node-entrypoint.sh", root / "usr/local/bin/labkit-entrypoint")
        (root / "usr/local/bin/labkit-entrypoint").chmod(0o755)
        (root / "etc/labkit").mkdir(parents=True, exist_ok=True)
        shutil.copy(RECIPES / "registry.yml", root / "etc/labkit/registry.yml")
        return [
            'ENTRYPOINT ["/usr/local/bin/labkit-entrypoint"]',
            'CMD ["dockerd", "--host=unix:///var/run/docker.sock"]',
            "ENV container=docker",
        ]
    # nginx: log to the container's output, as the official image does, so `docker service logs` works.
    logs = root / "var/log/nginx"
    logs.mkdir(parents=True, exist_ok=True)
    for name, target in (("access.log", "/dev/stdout"), ("error.log", "/dev/stderr")):
        (logs / name).unlink(missing_ok=True)
        (logs / name).symlink_to(target)
    return ['CMD ["nginx", "-g", "daemon off;"]', "EXPOSE 80"]


def _busybox_rootfs(root: Path, log: Callable[[str], None]) -> None:
    """A busybox image from Debian's busybox-static package: one static binary and its applet links."""
    _need_tool("apt-get", "apt")
    with tempfile.TemporaryDirectory() as dl:
        log("$ apt-get download busybox-static && dpkg-deb -x ...")
        _apt("download", "busybox-static", cwd=dl)
        deb = next(Path(dl).glob("busybox-static_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    busybox = root / "bin/busybox"
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, check=True).stdout.split()
    for d in ("bin", "tmp", "etc", "root"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for applet in applets:
        link = root / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
