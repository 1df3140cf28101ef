"""The learner's single-user image, built offline: Debian bookworm + Python 3.11 + labkit + JupyterLab + the course.

There is no container registry, and containers here reach PyPI only with the host's CA bundle, so the host
does the downloading: `pip wheel` of the exact versions of constraints.txt (and the hub's own jupyterhub
version, for `jupyterhub-singleuser`) into a cache, `debootstrap` a root filesystem (the mirror apt uses),
`pip install --no-index` inside it through chroot, then `docker import`. That base changes only when the
pins change. labkit and the course go on top in a second, small layer (`docker build`), rebuilt when
labkit's source changes: seconds, not minutes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_dir

from ..base.errors import ImageUnavailable
from ..host.image_store import build, import_rootfs, inspect_image
from ..images.offline import apt_mirror
from .names import BASE_IMAGE, HOME, USER_IMAGE

__all__ = ["ensure_user_image", "user_image_current", "SOURCE_ROOT"]

SUITE = "bookworm"  # Python 3.11, the version constraints.txt was resolved with
PACKAGES = ("python3", "python3-venv", "ca-certificates", "tini", "procps", "less", "curl")
LABEL_RECIPE = "labkit.recipe"
SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the labkit checkout (pyproject.toml, constraints.txt, notebooks)
_START = f"""#!/bin/sh
# The learner's server starts here: the course is copied into their home once (their edits are theirs).
[ -d {HOME}/course ] || cp -r /opt/labkit-course {HOME}/course
# Warm start: the lab the learner opens first is prepared in their engine (which is up: the spawner waited for it)
# while JupyterLab starts; their first open_lab takes it, and each open_lab prepares the next notebook's.
python -c 'from labkit.course.reset import warm_start; warm_start()' >/dev/null 2>&1 &
exec "$@"
"""
_DOCKERFILE = f"""FROM {BASE_IMAGE}
COPY wheels /tmp/wheels
RUN /opt/labkit/bin/pip install -q --no-index --no-deps /tmp/wheels/labkit-*.whl && rm -rf /tmp/wheels
COPY course /opt/labkit-course
COPY start /usr/local/bin/labkit-workshop-start
USER 1000
WORKDIR {HOME}
"""


def _hub_version() -> str:
    return importlib.metadata.version("jupyterhub")


def _requirements() -> list[str]:
    """labkit's runtime requirements (no extras) and the hub's exact version, for the single-user server."""
    reqs = [r.split(";")[0].strip() for r in importlib.metadata.requires("labkit") or [] if "extra ==" not in r]
    return [*reqs, f"jupyterhub=={_hub_version()}"]


def _base_recipe() -> str:
    h = hashlib.sha256(f"1|{SUITE}|{PACKAGES}|{_requirements()}".encode())
    h.update((SOURCE_ROOT / "constraints.txt").read_bytes())
    return h.hexdigest()[:16]


def _user_recipe() -> str:
    h = hashlib.sha256(f"1|{_base_recipe()}|{_START}|{_DOCKERFILE}".encode())
    files = sorted(
        p
        for d in ("labkit", "notebooks")
        for p in (SOURCE_ROOT / d).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",)
    )
    for p in files + [SOURCE_ROOT / "pyproject.toml"]:
        h.update(str(p.relative_to(SOURCE_ROOT)).encode() + p.read_bytes())
    return h.hexdigest()[:16]


def _current(tag: str, recipe: str) -> bool:
    img = inspect_image(tag)
    return img is not None and ((img.get("Config") or {}).get("Labels") or {}).get(LABEL_RECIPE) == recipe


def user_image_current() -> bool:
    """True if the single-user image exists and was built from today's labkit source and pins."""
    return _current(USER_IMAGE, _user_recipe())


def ensure_user_image(log: Callable[[str], None] = print) -> None:
    """Build the base and single-user images when missing or stale; say how long each took."""
    if not _current(BASE_IMAGE, _base_recipe()):
        log(f"workshop: building {BASE_IMAGE} (~100 s; `labkit setup` with the workshop extra builds it ahead)")
        started = time.monotonic()
        _build_base(log)
        size = (inspect_image(BASE_IMAGE) or {}).get("Size", 0) / 1e6
        log(f"workshop: built {BASE_IMAGE} ({size:.0f} MB) in {time.monotonic() - started:.0f} s")
    if not user_image_current():
        started = time.monotonic()
        _build_user(log)
        size = (inspect_image(USER_IMAGE) or {}).get("Size", 0) / 1e6
        log(f"workshop: built {USER_IMAGE} ({size:.0f} MB) in {time.monotonic() - started:.0f} s")


def setup_user_image(log: Callable[[str], None] = print) -> bool:
    """`labkit setup` with the workshop extra installed: build the learners' image now (~100 s the first time)
    rather than in the first `workshop up`; a machine that cannot build it gets a warning, not a failed set-up.
    True if the image is current."""
    if importlib.util.find_spec("jupyterhub") is None:  # no workshop extra: nothing to prepare
        return False
    if user_image_current():
        return True
    log(f"workshop: building the learners' image {USER_IMAGE} (JupyterLab, labkit and the course; ~100 s once)")
    try:
        ensure_user_image(log)
    except ImageUnavailable as exc:
        log(f"labkit: warning: the workshop image was not built ({exc}); `labkit workshop up` tries again")
        return False
    return True


def _run(argv: list[str], what: str, **kwargs: object) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise ImageUnavailable(
            f"workshop image: failed to {what} (exit {proc.returncode}):\n"
            f"{(proc.stdout or '')[-1200:]}{(proc.stderr or '')[-1500:]}"
        )


def _wheels(log: Callable[[str], None]) -> Path:
    """The dependency wheels, downloaded (or built) by the host once, kept in the user's cache."""
    cache = Path(user_cache_dir("labkit", appauthor=False)) / "workshop-wheels" / _base_recipe()
    if not (cache / ".complete").exists():
        cache.mkdir(parents=True, exist_ok=True)
        log(f"$ pip wheel -c constraints.txt {' '.join(_requirements())}   # on the host, into {cache}")
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "-w",
                str(cache),
                "-c",
                str(SOURCE_ROOT / "constraints.txt"),
                *_requirements(),
            ],
            "download the wheels (pip wheel)",
        )
        (cache / ".complete").touch()
    return cache


def _build_base(log: Callable[[str], None]) -> None:
    if os.geteuid() != 0 or not shutil.which("debootstrap") or not shutil.which("chroot"):
        raise ImageUnavailable(
            "building the workshop image needs root, debootstrap and chroot "
            "(Fix: run as root on Debian; apt-get install -y debootstrap)"
        )
    wheels = _wheels(log)
    with tempfile.TemporaryDirectory(prefix="labkit-ws-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        argv = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root), apt_mirror()]
        log("$ " + " ".join(argv) + "   # ~60 s")
        _run(argv, f"debootstrap Debian {SUITE}")
        shutil.copytree(wheels, root / "tmp/wheels")
        log("$ chroot rootfs python3 -m venv /opt/labkit && pip install --no-index --find-links /tmp/wheels ...")
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        _run([chroot, str(root), "/usr/bin/python3", "-m", "venv", "/opt/labkit"], "create the venv")
        # Compiled now: the learner (uid 1000) cannot write __pycache__ in the venv, every import would recompile.
        # --ignore-requires-python: a few pins (soupsieve) ask for 3.11.5+, bookworm has 3.11.2 (they run on it).
        _run(
            [
                chroot,
                str(root),
                "/opt/labkit/bin/pip",
                "install",
                "-q",
                "--no-index",
                "--ignore-requires-python",
                "--find-links",
                "/tmp/wheels",
                *_requirements(),
            ],
            "install the wheels in the image",
            env={"PATH": "/usr/bin:/bin", "HOME": "/root"},
        )
        for junk in (
            "tmp/wheels",
            "var/cache/apt/archives",
            "var/lib/apt/lists",
            "usr/share/doc",
            "usr/share/man",
            "usr/share/locale",
            "root/.cache",
        ):
            shutil.rmtree(root / junk, ignore_errors=True)
        with (root / "etc/passwd").open("a") as f:  # the learner: not root inside their server
            f.write(f"learner:x:1000:1000:learner:{HOME}:/bin/bash\n")
        with (root / "etc/group").open("a") as f:
            f.write("learner:x:1000:\n")
        (root / HOME.lstrip("/")).mkdir(parents=True, exist_ok=True)
        os.chown(root / HOME.lstrip("/"), 1000, 1000)
        tar = Path(tmp) / "rootfs.tar"
        _run(["tar", "-C", str(root), "-cf", str(tar), "."], "pack the root filesystem")
        log(f"$ docker import rootfs.tar {BASE_IMAGE}")
        import_rootfs(
            str(tar),
            BASE_IMAGE,
            [
                "ENV PATH=/opt/labkit/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                f"ENV HOME={HOME}",
                f"LABEL {LABEL_RECIPE}={_base_recipe()}",
                'ENTRYPOINT ["tini", "-g", "--", "/usr/local/bin/labkit-workshop-start"]',
            ],
        )


def _build_user(log: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="labkit-ws-ctx-") as ctx:
        log("$ pip wheel --no-deps . && docker build (labkit + the course on the base)")
        src = Path(ctx) / "src"  # a copy: building in the checkout would leave build/ and egg-info there
        shutil.copytree(SOURCE_ROOT / "labkit", src / "labkit", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(SOURCE_ROOT / name, src / name)
        _run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", f"{ctx}/wheels", str(src)],
            "build labkit's wheel",
        )
        shutil.copytree(
            SOURCE_ROOT / "notebooks",
            Path(ctx) / "course",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        Path(ctx, "start").write_text(_START)
        Path(ctx, "start").chmod(0o755)
        Path(ctx, "Dockerfile").write_text(_DOCKERFILE)
        build(ctx, "Dockerfile", USER_IMAGE, {LABEL_RECIPE: _user_recipe()})
