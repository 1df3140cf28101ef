"""The image archive's format on small synthetic archives (no engine): what is written verifies, and a truncated,
corrupt, unfinished or foreign file is refused with what is wrong and what to do."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import pytest

from labkit.base.errors import EngineError, ImageUnavailable, LabkitError
from labkit.base.facts import REGISTRY_VOLUME
from labkit.images import transfer
from labkit.images.archive import (
    HEADER,
    MANIFEST,
    ArchiveInvalid,
    ArchiveWriter,
    ImageEntry,
    Manifest,
    verify,
)
from labkit.images.specs import IMAGES as SPECS
from labkit.images.transfer import group_by_layers

IMAGES = (
    ImageEntry("node", "labkit/node:latest", "sha256:aa", "r1", 1000),
    ImageEntry("", "registry:2.8.3", "sha256:bb", None, 10),
)
PAYLOAD = [os.urandom(700_000), b"x" * 300_000, b"tail"]  # random: gzip cannot shrink it much
CACHE = [b"registry blobs " * 5000]


def write(path: Path, lines: list[str] | None = None) -> Manifest:
    log = lines.append if lines is not None else (lambda line: None)
    with ArchiveWriter(path, log, report_every=500_000) as writer:
        writer.add(
            "images-node.tar.gz",
            iter(PAYLOAD),
            kind="images",
            what="labkit/node:latest",
            tags=("labkit/node:latest",),
            compress=True,
        )
        writer.add("registry-cache.tar", iter(CACHE), kind="registry-cache", what="cache")
        return writer.finish("0.1.0", IMAGES)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    write(tmp_path / "a.tar")
    return tmp_path / "a.tar"


def refusal(path: Path) -> str:
    with pytest.raises(ArchiveInvalid) as info:
        verify(path, log=lambda line: None)
    text = str(info.value)
    assert "nothing was loaded" in text and "\nFix: " in text, text
    return text


def test_what_is_written_verifies_and_reads_back(tmp_path: Path):
    lines: list[str] = []
    written = write(tmp_path / "a.tar", lines)
    assert not (tmp_path / "a.tar.partial").exists()
    archive = verify(tmp_path / "a.tar", log=lines.append)
    assert archive.manifest == written and archive.manifest.images == IMAGES
    assert gzip.decompress(b"".join(archive.chunks("images-node.tar.gz"))) == b"".join(PAYLOAD)
    assert b"".join(archive.chunks("registry-cache.tar")) == b"".join(CACHE)
    sealed = {m.name: m for m in archive.manifest.members}
    assert sealed["images-node.tar.gz"].gzip and not sealed["registry-cache.tar"].gzip
    assert sealed["registry-cache.tar"].sha256 == hashlib.sha256(b"".join(CACHE)).hexdigest()
    assert any("labkit/node:latest: 1 MB" in line for line in lines), lines  # progress in MB, named
    assert any("MB ..." in line for line in lines), "a line while the member is written"


def test_it_is_a_plain_tar_with_the_header_first_and_the_manifest_last(archive: Path):
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names == [HEADER, "images-node.tar.gz", "registry-cache.tar", MANIFEST]


def test_a_truncated_file_is_refused_from_its_size(archive: Path):
    data = archive.read_bytes()
    for keep in (len(data) - 1, len(data) // 2, 2000):
        archive.write_bytes(data[:keep])
        assert "is truncated" in refusal(archive)


def test_a_flipped_byte_in_a_member_is_refused_naming_the_member(archive: Path):
    data = bytearray(archive.read_bytes())
    data[1024 + 512 + 100_000] ^= 0x01  # inside the first member's data
    archive.write_bytes(bytes(data))
    assert "member images-node.tar.gz does not match its sha256" in refusal(archive)


def test_a_flipped_byte_in_the_manifest_or_a_header_is_refused(archive: Path):
    data = archive.read_bytes()
    at_manifest = data.rindex(b'"labkit": "0.1.0"') + 12
    for where in (at_manifest, 1024 + 10):  # the manifest's text; the first member's tar header
        flipped = bytearray(data)
        flipped[where] ^= 0x01
        archive.write_bytes(bytes(flipped))
        assert "is corrupt" in refusal(archive)


def test_a_foreign_file_is_refused(tmp_path: Path):
    random_file = tmp_path / "random.bin"
    random_file.write_bytes(os.urandom(5000))
    assert "is not a labkit image archive" in refusal(random_file)
    empty = tmp_path / "empty.tar"
    empty.write_bytes(b"")
    assert "is not a labkit image archive" in refusal(empty)
    other = tmp_path / "other.tar"
    (tmp_path / "x.txt").write_text("hello")
    with tarfile.open(other, "w") as tar:
        tar.add(tmp_path / "x.txt", arcname="x.txt")
    assert "is not a labkit image archive" in refusal(other)


def test_a_missing_file_and_a_folder_are_refused(tmp_path: Path):
    assert "does not exist" in refusal(tmp_path / "nope.tar")
    assert "cannot be read" in refusal(tmp_path)


def test_a_newer_format_is_refused_naming_both_versions(archive: Path):
    data = archive.read_bytes().replace(b'"version": 1,', b'"version": 9,', 1)
    archive.write_bytes(data)
    assert "format version 9, this labkit reads version 1" in refusal(archive)


def test_an_export_that_fails_midway_leaves_no_file(tmp_path: Path):
    def broken():
        yield b"some data"
        raise KeyboardInterrupt  # Ctrl-C while `docker save` streams

    with pytest.raises(KeyboardInterrupt):
        with ArchiveWriter(tmp_path / "a.tar", lambda line: None) as writer:
            writer.add("images-node.tar.gz", broken(), kind="images", what="node", compress=True)
    assert list(tmp_path.iterdir()) == []


def test_an_unfinished_partial_file_renamed_by_hand_is_refused(tmp_path: Path):
    writer = ArchiveWriter(tmp_path / "a.tar", lambda line: None)
    writer.add("registry-cache.tar", iter(CACHE), kind="registry-cache", what="cache")
    writer._f.close()  # a killed export: the first block was never sealed
    writer.partial.rename(tmp_path / "a.tar")
    assert "unfinished export" in refusal(tmp_path / "a.tar")


def test_the_refusal_is_a_labkit_error_the_cli_prints_as_one_line():
    assert issubclass(ArchiveInvalid, ImageUnavailable) and issubclass(ArchiveInvalid, LabkitError)


def test_images_that_share_a_layer_are_saved_together_in_order():
    layers = {"node": ["n1"], "nginx": ["g1"], "busybox": ["b1"], "whoami": ["g1", "w1"], "registry": ["r1"]}
    assert group_by_layers(layers) == [["node"], ["nginx", "whoami"], ["busybox"], ["registry"]]
    assert group_by_layers({"a": ["1"], "b": ["2"], "c": ["1", "2"]}) == [["a", "b", "c"]]
    assert group_by_layers({}) == []


def current_images() -> tuple[ImageEntry, ...]:
    return tuple(ImageEntry(s.key, s.tag, f"sha256:{s.key}", s.recipe(), 1) for s in SPECS)


def test_an_archive_from_other_recipes_is_refused_before_anything_is_loaded(tmp_path: Path, monkeypatch):
    stale = tuple(ImageEntry(e.key, e.tag, e.id, "0ld" if e.key == "nginx" else e.recipe, 1) for e in current_images())
    with ArchiveWriter(tmp_path / "a.tar", lambda line: None) as writer:
        writer.finish("0.0.9", stale)
    monkeypatch.setattr(transfer, "load_images", lambda chunks: pytest.fail("nothing may be loaded"))
    with pytest.raises(ArchiveInvalid, match=r"other recipes than this labkit's \(nginx; exported by labkit 0\.0\.9"):
        transfer.import_archive(tmp_path / "a.tar", log=lambda line: None)


def test_a_load_that_fails_midway_puts_every_tag_back(tmp_path: Path, monkeypatch):
    images = current_images()
    with ArchiveWriter(tmp_path / "a.tar", lambda line: None) as writer:
        writer.add("images-node.tar.gz", iter([b"n"]), kind="images", what="node", tags=(images[0].tag,))
        writer.add("images-nginx.tar.gz", iter([b"g"]), kind="images", what="nginx", tags=(images[1].tag,))
        writer.finish("0.1.0", images)
    engine = {images[1].tag: "sha256:older-nginx"}  # the engine had an older nginx, nothing else
    undone: list[str] = []

    def load(chunks):
        data = b"".join(chunks)
        if data == b"g":  # the tag moved, then the engine gave up
            engine[images[1].tag] = images[1].id
            raise EngineError("failed to load images: no space left on device")
        engine[images[0].tag] = images[0].id

    monkeypatch.setattr(transfer, "load_images", load)
    monkeypatch.setattr(transfer, "_image_id", engine.get)
    monkeypatch.setattr(transfer, "volume_exists", lambda name: False)
    monkeypatch.setattr(transfer.image_store, "remove_image", lambda tag: undone.append(f"rmi {tag}"))
    monkeypatch.setattr(transfer.image_store, "tag_image", lambda old, tag: undone.append(f"tag {old} {tag}"))
    monkeypatch.setattr(transfer, "remove_volume", lambda name: undone.append(f"volume rm {name}"))
    with pytest.raises(EngineError, match="no space left"):
        transfer.import_archive(tmp_path / "a.tar", log=lambda line: None)
    assert undone == [f"rmi {images[0].tag}", f"tag sha256:older-nginx {images[1].tag}", f"volume rm {REGISTRY_VOLUME}"]
