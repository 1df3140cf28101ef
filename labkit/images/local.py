"""What the engine already has: an image by tag, and whether it was built from today's recipe."""

from __future__ import annotations

from ..host.image_store import inspect_image
from .specs import LABEL_RECIPE, ImageSpec

__all__ = ["present", "current"]


def present(tag: str) -> dict | None:
    """The engine's inspect data of an image, or None if it has no such tag."""
    return inspect_image(tag)


def current(spec: ImageSpec) -> bool:
    """True if the image exists and was built from today's recipe."""
    img = present(spec.tag)
    return img is not None and ((img.get("Config") or {}).get("Labels") or {}).get(LABEL_RECIPE) == spec.recipe()
