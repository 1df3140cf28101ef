"""labkit's image archive, read back: `verify()` checks a whole archive (its first block, its size, every
member's sha256, the manifest) before anything is loaded, and `Archive` streams a verified member's bytes.

The archive's names are all importable from here: its format (layout, manifest, refusals) is archive_format.py,
its writing archive_writer.py.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .archive_format import (
    BLOCK,
    FORMAT,
    HEADER,
    HEADER_DATA,
    MANIFEST,
    VERSION,
    ArchiveInvalid,
    ImageEntry,
    Manifest,
    Member,
    refused,
)
from .archive_writer import ArchiveWriter, progress

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

_CHUNK = 1 << 20
_WHICH = "Fix: give the path of the file `labkit images export` wrote."


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
    head = f.read(BLOCK + HEADER_DATA)
    try:
        info = tarfile.TarInfo.frombuf(head[:BLOCK], "utf-8", "surrogateescape")
        if info.name != HEADER or len(head) < BLOCK + HEADER_DATA:
            raise ValueError(info.name)
        first = json.loads(head[BLOCK:])
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
    f.seek(BLOCK + HEADER_DATA)
    while True:
        block = f.read(BLOCK)
        if len(block) < BLOCK:
            raise refused(path, f"is truncated (it ends at byte {f.tell()}, inside the archive)")
        if block == b"\0" * BLOCK:
            return sums, spans, manifest
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError:
            raise refused(path, f"is corrupt (a damaged member header at byte {f.tell() - BLOCK})") from None
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
        f.seek(-info.size % BLOCK, 1)
        sums[info.name], spans[info.name] = (info.size, digest.hexdigest()), (offset, info.size)
        if keep:
            manifest = bytes(kept)
