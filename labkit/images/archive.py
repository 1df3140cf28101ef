"""labkit's image archive: one tar file with every image a lab needs, for machines that reach no registry.

Layout (a plain tar: `tar tvf FILE` lists it):

    labkit-archive.json   first, a fixed-size block: format, version, the file's size, the manifest's sha256
    images-*.tar.gz       `docker save` of the images that share layers (a layer is stored once), gzip level 1
    registry-cache.tar    the lab registry's data volume (its blobs are compressed already)
    manifest.json         last: labkit version, each image (tag, ID, recipe label), each member's size and sha256

Written in one pass to FILE.partial, renamed to FILE when complete: a member's tar header is rewritten once its
size is known, the first block last. So the first 1 KiB tells a truncated file (size) or a foreign one (format),
and one read checks every byte (members against the manifest, the manifest against the first block).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from ..base.errors import ImageUnavailable

__all__ = [
    "ArchiveInvalid",
    "ArchiveWriter",
    "Archive",
    "ImageEntry",
    "Member",
    "Manifest",
    "verify",
    "refused",
    "progress",
    "FORMAT",
    "VERSION",
    "HEADER",
    "MANIFEST",
]

FORMAT = "labkit-images"
VERSION = 1
HEADER = "labkit-archive.json"
MANIFEST = "manifest.json"
_BLOCK = 512
_HEADER_DATA = 512  # the first member's data, padded with spaces, so it can be rewritten in place
_CHUNK = 1 << 20
_WHICH = "Fix: give the path of the file `labkit images export` wrote."
_FIX = "Fix: copy the file again, or run `labkit images export FILE` again on a machine that has the images."


class ArchiveInvalid(ImageUnavailable):
    """An image archive that is missing, truncated, corrupt or not labkit's; nothing was loaded from it."""


def refused(path: Path, what: str, fix: str = _FIX) -> ArchiveInvalid:
    """The one-line refusal of an archive: what is wrong with it, that nothing was loaded, and what to do."""
    return ArchiveInvalid(f"{path} {what}: nothing was loaded.\n{fix}")


@dataclass(frozen=True)
class ImageEntry:
    """One image in the archive: labkit's key for it (node, nginx, ... or '' for another), tag, ID, recipe label."""

    key: str
    tag: str
    id: str
    recipe: str | None
    size: int


@dataclass(frozen=True)
class Member:
    """One member of the archive and what it holds (`images`: tags; `registry-cache`: the registry's volume)."""

    name: str
    kind: str
    size: int
    sha256: str
    gzip: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and the checksum of every member."""

    labkit: str
    created: str
    images: tuple[ImageEntry, ...]
    members: tuple[Member, ...]

    def to_json(self) -> bytes:
        """The manifest as the archive stores it."""
        return json.dumps({"format": FORMAT, "version": VERSION, **asdict(self)}, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a stored manifest; ValueError, KeyError or TypeError if it is not one."""
        raw = json.loads(data)
        return cls(
            raw["labkit"],
            raw["created"],
            tuple(ImageEntry(**i) for i in raw["images"]),
            tuple(Member(**{**m, "tags": tuple(m["tags"])}) for m in raw["members"]),
        )


def _tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o644
    return info.tobuf(tarfile.USTAR_FORMAT)


def _header_data(size: int, manifest_sha256: str) -> bytes:
    text = json.dumps({"format": FORMAT, "version": VERSION, "size": size, "manifest_sha256": manifest_sha256})
    return text.encode().ljust(_HEADER_DATA - 1) + b"\n"


class ArchiveWriter:
    """Write an archive to PATH.partial member by member; `finish()` renames it to PATH (never a half file at PATH).

    Used as a context manager: an exception (Ctrl-C included) before `finish()` removes the partial file.
    """

    def __init__(self, path: Path, log: Callable[[str], None] = print, report_every: int = 100 << 20) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.members: list[Member] = []
        self._log, self._every = log, report_every
        self._f: BinaryIO = open(self.partial, "wb")
        self._put(HEADER, [_header_data(0, "")])

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._f.closed:
            self.abort()

    def _put(self, name: str, chunks: Iterable[bytes]) -> tuple[int, str]:
        """Write one member from chunks; return its size and sha256."""
        start = self._f.tell()
        self._f.write(_tar_header(name, 0))
        size, digest = 0, hashlib.sha256()
        for chunk in chunks:
            self._f.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        self._f.write(b"\0" * (-size % _BLOCK))
        end = self._f.tell()
        self._f.seek(start)
        self._f.write(_tar_header(name, size))
        self._f.seek(end)
        return size, digest.hexdigest()

    def add(
        self,
        name: str,
        chunks: Iterable[bytes],
        *,
        kind: str,
        what: str,
        tags: tuple[str, ...] = (),
        compress: bool = False,
    ) -> Member:
        """Stream chunks into a member (gzip level 1 if compress), logging MB read as it goes."""
        count = [0]
        counted = progress(chunks, what, self._log, self._every, count)
        size, sha = self._put(name, _gzip(counted) if compress else counted)
        member = Member(name, kind, size, sha, compress, tags)
        self.members.append(member)
        self._log(f"  {what}: {count[0] / 1e6:.0f} MB" + (f", {size / 1e6:.0f} MB compressed" if compress else ""))
        return member

    def finish(self, labkit: str, images: tuple[ImageEntry, ...]) -> Manifest:
        """Write the manifest, seal the first block with the size and the manifest's sha256, rename to PATH."""
        manifest = Manifest(labkit, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), images, tuple(self.members))
        data = manifest.to_json()
        self._put(MANIFEST, [data])
        self._f.write(b"\0" * (2 * _BLOCK))  # tar's end of archive
        total = self._f.tell()
        self._f.seek(_BLOCK)
        self._f.write(_header_data(total, hashlib.sha256(data).hexdigest()))
        self._f.flush()
        os.fsync(self._f.fileno())  # "wrote" means on the disk: the next step may be unplugging a USB stick
        self._f.close()
        self.partial.replace(self.path)
        return manifest

    def abort(self) -> None:
        """Close and remove the partial file."""
        self._f.close()
        self.partial.unlink(missing_ok=True)


def progress(
    chunks: Iterable[bytes],
    what: str,
    log: Callable[[str], None],
    every: int = 100 << 20,
    count: list[int] | None = None,
) -> Iterator[bytes]:
    """Pass chunks through, logging `what: N MB ...` every `every` bytes; count[0] holds the bytes seen so far."""
    seen, shown = count if count is not None else [0], 0
    for chunk in chunks:
        seen[0] += len(chunk)
        if seen[0] - shown >= every:
            shown = seen[0]
            log(f"  {what}: {shown / 1e6:.0f} MB ...")
        yield chunk


def _gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    # Level 1: measured on 491 MB of images, 7 s for 40 % of the size; level 6 took 5x as long for 10 % less.
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()


@dataclass(frozen=True)
class Archive:
    """A verified archive: its manifest and where each member's data lies in the file."""

    path: Path
    manifest: Manifest
    spans: dict[str, tuple[int, int]]  # name: (offset, size)

    def chunks(self, name: str) -> Iterator[bytes]:
        """A member's bytes, as stored (a gzip member stays compressed: `docker load` reads gzip)."""
        offset, size = self.spans[name]
        with open(self.path, "rb") as f:
            f.seek(offset)
            while size > 0:
                chunk = f.read(min(_CHUNK, size))
                if not chunk:
                    raise refused(self.path, "changed while it was being loaded (it is shorter now)")
                size -= len(chunk)
                yield chunk


def verify(path: Path, log: Callable[[str], None] = print) -> Archive:
    """Check the whole archive before anything is loaded: its first block, its size, every member's sha256 and
    the manifest. ArchiveInvalid says what is wrong (missing, not labkit's, truncated, corrupt)."""
    try:
        actual = path.stat().st_size
        f = open(path, "rb")
    except FileNotFoundError:
        raise refused(path, "does not exist", _WHICH) from None
    except OSError as exc:
        raise refused(path, f"cannot be read ({exc.strerror})", _WHICH) from None
    with f:
        expected, manifest_sha = _first_block(f, path)
        if actual < expected:
            raise refused(path, f"is truncated ({actual / 1e6:.0f} MB of {expected / 1e6:.0f} MB)")
        if actual > expected:
            raise refused(path, f"is corrupt ({actual - expected} bytes more than the archive wrote)")
        log(f"checking {path} ({actual / 1e6:.0f} MB): every member's sha256 ...")
        sums, spans, manifest_data = _walk(f, path)
    if manifest_data is None or hashlib.sha256(manifest_data).hexdigest() != manifest_sha:
        raise refused(path, "is corrupt (its manifest does not match the checksum in its first block)")
    try:
        manifest = Manifest.from_json(manifest_data)
    except (ValueError, KeyError, TypeError):
        raise refused(path, "is corrupt (its manifest cannot be read)") from None
    for m in manifest.members:
        if sums.get(m.name) != (m.size, m.sha256):
            raise refused(path, f"is corrupt (member {m.name} does not match its sha256)")
    return Archive(path, manifest, {m.name: spans[m.name] for m in manifest.members})


def _first_block(f: BinaryIO, path: Path) -> tuple[int, str]:
    """The file's size and the manifest's sha256 as the first block records them; refuse a foreign file."""
    head = f.read(_BLOCK + _HEADER_DATA)
    try:
        info = tarfile.TarInfo.frombuf(head[:_BLOCK], "utf-8", "surrogateescape")
        if info.name != HEADER or len(head) < _BLOCK + _HEADER_DATA:
            raise ValueError(info.name)
        first = json.loads(head[_BLOCK:])
        if first.get("format") != FORMAT:
            raise ValueError(first.get("format"))
    except (tarfile.HeaderError, ValueError, AttributeError):
        raise refused(path, "is not a labkit image archive", _WHICH) from None
    if first.get("version") != VERSION:
        raise refused(
            path,
            f"is in format version {first.get('version')}, this labkit reads version {VERSION}",
            "Fix: import it with the labkit version that exported it, or export again with this one.",
        )
    if not first.get("size"):
        raise refused(path, "is an unfinished export (its first block was never sealed)")
    return int(first["size"]), str(first["manifest_sha256"])


def _walk(f: BinaryIO, path: Path) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, int]], bytes | None]:
    """Read every member after the first block: (size, sha256) and (offset, size) by name, the manifest's bytes."""
    sums: dict[str, tuple[int, str]] = {}
    spans: dict[str, tuple[int, int]] = {}
    manifest: bytes | None = None
    f.seek(_BLOCK + _HEADER_DATA)
    while True:
        block = f.read(_BLOCK)
        if len(block) < _BLOCK:
            raise refused(path, f"is truncated (it ends at byte {f.tell()}, inside the archive)")
        if block == b"\0" * _BLOCK:
            return sums, spans, manifest
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError:
            raise refused(path, f"is corrupt (a damaged member header at byte {f.tell() - _BLOCK})") from None
        offset, left, digest = f.tell(), info.size, hashlib.sha256()
        keep = info.name == MANIFEST and info.size < (16 << 20)
        kept = bytearray()
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                raise refused(path, f"is truncated (member {info.name} ends early)")
            digest.update(chunk)
            if keep:
                kept += chunk
            left -= len(chunk)
        f.seek(-info.size % _BLOCK, 1)
        sums[info.name], spans[info.name] = (info.size, digest.hexdigest()), (offset, info.size)
        if keep:
            manifest = bytes(kept)
