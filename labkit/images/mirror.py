"""What the lab registry runs and serves: registry:2 when it was pulled, else Debian's docker-registry."""

from __future__ import annotations

from ..host.registry import RegistryPlan
from .local import present
from .specs import IMAGES, NODE, REGISTRY_ONLINE_IMAGE

__all__ = ["registry_plan"]


def registry_plan() -> RegistryPlan:
    """The registry's image, command and data directory, and the (host tag, pull name) pairs it must serve."""
    mirrored = tuple((s.tag, s.mirror_as) for s in IMAGES if s.mirror_as)
    if present(REGISTRY_ONLINE_IMAGE):
        return RegistryPlan(REGISTRY_ONLINE_IMAGE, None, "/var/lib/registry", mirrored)
    return RegistryPlan(
        NODE.tag,
        ("docker-registry", "serve", "/etc/labkit/registry.yml"),
        "/var/lib/docker-registry",
        mirrored,
        note="  docker-registry serve   # Debian's registry",
    )
