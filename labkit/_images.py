"""Images labkit needs, pulled online or built offline from Debian packages.

Host-side tags live under `labkit/` so labkit never overwrites a user's own
`nginx:latest`. Nodes see the workload images under their usual names
(`nginx`, `busybox`) through the lab registry, which acts as their Docker Hub
mirror (see _registry.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import docker.errors

from ._engine import client
from ._errors import ImageUnavailable

__all__ = ["IMAGES", "ImageSpec", "ensure_images", "image_rows", "is_offline", "NODE", "REGISTRY"]

RECIPES = Path(__file__).parent / "images"
SUITE = "trixie"  # Debian trixie's docker.io gives Docker 26 inside nodes
DIND_IMAGE = "docker:27.5.1-dind"
REGISTRY_ONLINE_IMAGE = "registry:2.8.3"
LABEL_RECIPE = "labkit.recipe"
RECIPE_VERSION = "2"  # bump to force a rebuild when the build code (not a recipe file) changes


@dataclass(frozen=True)
class ImageSpec:
    """One image: its host tag, the name nodes use for it, and how to make it."""

    key: str
    tag: str  # tag on the host engine
    mirror_as: str | None  # repository:tag inside the lab registry, None if nodes don't pull it
    packages: tuple[str, ...] = ()  # offline: Debian packages for debootstrap
    online: str | None = None  # online: official image to pull (or Dockerfile base)
    purpose: str = ""

    def recipe(self) -> str:
        """A hash of everything the offline build uses; a change triggers a rebuild."""
        h = hashlib.sha256(f"{RECIPE_VERSION}|{SUITE}|{self.packages}|{self.online}".encode())
        for f in sorted(RECIPES.iterdir()):
            if f.is_file():
                h.update(f.name.encode() + f.read_bytes())
        return h.hexdigest()[:16]


NODE = ImageSpec(
    "node", "labkit/node:latest", None,
    packages=("docker.io", "docker-cli", "iptables", "iproute2", "procps", "ca-certificates", "curl",
              "docker-registry", "net-tools", "iputils-ping", "less", "openssl"),
    online=DIND_IMAGE, purpose="swarm node (Docker engine inside a container)",
)
NGINX = ImageSpec("nginx", "labkit/nginx:latest", "library/nginx:latest",
                  packages=("nginx", "curl", "ca-certificates"), online="nginx:1.27-alpine",
                  purpose="`nginx` for services, as in the tutorial")
BUSYBOX = ImageSpec("busybox", "labkit/busybox:latest", "library/busybox:latest",
                    online="busybox:1.36", purpose="`busybox` for DNS and network checks")
WHOAMI = ImageSpec("whoami", "labkit/whoami:latest", "labkit/whoami:latest",
                   purpose="web server answering with the container that served the request")
REGISTRY = ImageSpec("registry", "labkit/node:latest", None, online=REGISTRY_ONLINE_IMAGE,
                     purpose="lab registry, the nodes' Docker Hub mirror")
IMAGES = (NODE, NGINX, BUSYBOX, WHOAMI)


def is_offline() -> bool:
    """True when Docker Hub cannot be reached (LABKIT_OFFLINE=1/0 forces the answer)."""
    forced = os.environ.get("LABKIT_OFFLINE")
    if forced in ("1", "true", "yes"):
        return True
    if forced in ("0", "false", "no"):
        return False
    try:
        with socket.create_connection(("registry-1.docker.io", 443), timeout=3):
            return False
    except OSError:
        return True


def registry_image() -> str:
    """The image the lab registry runs: registry:2 online, the node image (Debian's docker-registry) offline."""
    return REGISTRY_ONLINE_IMAGE if _present(REGISTRY_ONLINE_IMAGE) else NODE.tag


def _present(tag: str) -> docker.models.images.Image | None:
    try:
        return client().images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def _current(spec: ImageSpec) -> bool:
    img = _present(spec.tag)
    return img is not None and (img.labels or {}).get(LABEL_RECIPE) == spec.recipe()


def image_rows() -> list[dict[str, str]]:
    """One row per image for `labkit images ls`: tag, state, size, purpose."""
    rows = []
    for spec in IMAGES:
        img = _present(spec.tag)
        if img is None:
            state, size = "missing", "-"
        else:
            state = "ok" if _current(spec) else "outdated"
            size = f"{(img.attrs.get('Size') or 0) / 1e6:.0f} MB"
        rows.append({"image": spec.tag, "state": state, "size": size, "nodes see it as": spec.mirror_as or "-",
                     "purpose": spec.purpose})
    return rows


def ensure_images(log: Callable[[str], None] = print, force: bool = False, offline: bool | None = None) -> None:
    """Make every image present and current: pull online, else build from Debian packages."""
    if not force and all(_current(s) for s in IMAGES):
        return
    # Two processes (two notebooks, a test run) must not build the same tags at once.
    with open(os.path.join(tempfile.gettempdir(), "labkit-images.lock"), "w") as lock:
        log("images: waiting for another labkit build to finish ...") if _locked(lock) else None
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_images_locked(log, force, offline)


def _locked(lock) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False
    except OSError:
        return True


def _ensure_images_locked(log: Callable[[str], None], force: bool, offline: bool | None) -> None:
    todo = [s for s in IMAGES if force or not _current(s)]
    if not todo:
        return
    offline = is_offline() if offline is None else offline
    log(f"images: {'building offline from Debian packages' if offline else 'pulling'}: "
        + ", ".join(s.tag for s in todo))
    for spec in todo:
        if offline:
            _build_offline(spec, log)
        else:
            _build_online(spec, log)
    if offline and not _present(REGISTRY_ONLINE_IMAGE):
        log(f"images: the lab registry runs Debian's docker-registry from {NODE.tag}")


def _build_online(spec: ImageSpec, log: Callable[[str], None]) -> None:
    # Not labkit.managed: containers inherit image labels, and cleanup must never match a user's container.
    labels = {LABEL_RECIPE: spec.recipe()}
    try:
        if spec is NODE:
            log(f"$ docker build -t {spec.tag} (FROM {DIND_IMAGE} + curl, openssl)")
            client().images.build(path=str(RECIPES), dockerfile="node-online.Dockerfile", tag=spec.tag,
                                  buildargs={"DIND_IMAGE": DIND_IMAGE}, labels=labels, rm=True, pull=True)
            log(f"$ docker pull {REGISTRY_ONLINE_IMAGE}")
            client().images.pull(REGISTRY_ONLINE_IMAGE)
        elif spec is WHOAMI:
            _build_whoami(log, labels)
        else:
            log(f"$ docker pull {spec.online}")
            image = client().images.pull(spec.online)
            # Re-label through a one-line build so the recipe label marks it current.
            _retag_with_labels(image.id, spec.tag, labels)
    except docker.errors.DockerException as exc:
        raise ImageUnavailable(
            f"failed to get {spec.tag} from Docker Hub ({exc}).\n"
            "Fix: check your network, or build offline from Debian packages with `LABKIT_OFFLINE=1 labkit images build`."
        ) from None


def _retag_with_labels(image_id: str, tag: str, labels: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as ctx:
        Path(ctx, "Dockerfile").write_text(f"FROM {image_id}\n")
        client().images.build(path=ctx, tag=tag, labels=labels, rm=True, pull=False)


def _build_whoami(log: Callable[[str], None], labels: dict[str, str]) -> None:
    log(f"$ docker build -t {WHOAMI.tag} -f whoami.Dockerfile .   # FROM {NGINX.tag}")
    client().images.build(path=str(RECIPES), dockerfile="whoami.Dockerfile", tag=WHOAMI.tag, labels=labels,
                          rm=True, pull=False)


def _build_offline(spec: ImageSpec, log: Callable[[str], None]) -> None:
    # Not labkit.managed: containers inherit image labels, and cleanup must never match a user's container.
    labels = {LABEL_RECIPE: spec.recipe()}
    if spec is WHOAMI:
        if not _current(NGINX):
            _build_offline(NGINX, log)
        _build_whoami(log, labels)
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
        repo, tag = spec.tag.rsplit(":", 1)
        client().api.import_image(src=str(tar), repository=repo, tag=tag, changes=changes)


def _apt_mirror() -> str:
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
            raise ImageUnavailable(f"failed to {' '.join(argv)} (exit {proc.returncode}): {proc.stderr.strip()[-800:]}\n"
                                   "Fix: check apt's sources and network (or run as root), or get online.")


def _need_tool(tool: str, package: str) -> None:
    if shutil.which(tool):
        return
    if os.geteuid() == 0 and Path("/etc/debian_version").exists():
        _apt("install", "-y", "-qq", package)
        return
    raise ImageUnavailable(f"cannot build images offline: `{tool}` is missing. Fix: install {package} "
                           f"(as root on Debian/Ubuntu: apt-get install -y {package}), or get online.")


def _debootstrap(root: Path, packages: tuple[str, ...], log: Callable[[str], None]) -> None:
    _need_tool("debootstrap", "debootstrap")
    mirror = _apt_mirror()
    argv = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", SUITE, str(root), mirror]
    log("$ " + " ".join(argv) + "   # ~40 s")
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ImageUnavailable(f"failed to build a Debian {SUITE} root filesystem (exit {proc.returncode}):\n"
                               f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}\nFix: check the mirror {mirror}")
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
                 "usr/share/locale", "usr/share/info"):
        shutil.rmtree(root / junk, ignore_errors=True)


def _finish_rootfs(spec: ImageSpec, root: Path) -> list[str]:
    """Add labkit's files to a fresh rootfs; return the `docker import --change` lines."""
    if spec is NODE:
        shutil.copy(RECIPES / "node-entrypoint.sh", root / "usr/local/bin/labkit-entrypoint")
        (root / "usr/local/bin/labkit-entrypoint").chmod(0o755)
        (root / "etc/labkit").mkdir(parents=True, exist_ok=True)
        shutil.copy(RECIPES / "registry.yml", root / "etc/labkit/registry.yml")
        return ['ENTRYPOINT ["/usr/local/bin/labkit-entrypoint"]',
                'CMD ["dockerd", "--host=unix:///var/run/docker.sock"]', "ENV container=docker"]
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
