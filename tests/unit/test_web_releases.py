"""The web app's three releases (labkit/web:v1, v2, v3): separate images of one app, served by the lab registry under
their version tags, built from labkit's whoami with only their build arguments changed, and only v3 broken."""

from __future__ import annotations

from labkit.images.mirror import registry_plan
from labkit.images.specs import IMAGES, RECIPES, WEB_RELEASES, WHOAMI


def test_each_release_is_its_own_image_pulled_by_its_version_tag():
    assert [s.tag for s in WEB_RELEASES] == ["labkit/web:v1", "labkit/web:v2", "labkit/web:v3"]
    assert [s.mirror_as for s in WEB_RELEASES] == ["labkit/web:v1", "labkit/web:v2", "labkit/web:v3"]
    assert len({s.key for s in IMAGES}) == len(IMAGES), "keys name an image in an archive's manifest: one each"
    assert len({s.recipe() for s in WEB_RELEASES}) == 3, "a release's recipe covers its build arguments"


def test_only_v3_is_built_broken_from_the_same_files():
    args = {s.version: dict(s.build_args) for s in WEB_RELEASES}
    assert {v: a["HEALTHY"] for v, a in args.items()} == {"v1": "yes", "v2": "yes", "v3": "no"}
    assert len({s.files for s in WEB_RELEASES}) == 1
    dockerfile = (RECIPES / "web.Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and f"ARG BASE={WHOAMI.tag}" in dockerfile
    assert not [ln for ln in dockerfile.splitlines() if ln.startswith("RUN")], (
        "no RUN step: a release builds in about a second, with nothing downloaded"
    )


def test_the_lab_registry_serves_every_release(monkeypatch):
    monkeypatch.setattr("labkit.images.mirror.present", lambda tag: None)  # the Debian registry: no engine asked
    served = dict(registry_plan().mirrored)
    assert all(served[s.tag] == s.mirror_as for s in WEB_RELEASES)
