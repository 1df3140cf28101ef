"""Layer 2, images: what labkit's nodes and lessons run, pulled online or built offline from Debian packages.

specs    the images, their host tags and the names nodes pull them by
ensure   make every image present and current (a lock keeps two processes from building at once)
offline  build from Debian packages: debootstrap + docker import
online   pull the official images (docker:dind, registry, nginx, busybox)
mirror   what the lab registry runs and serves
boot     how a node boots: containerd, then dockerd with the lab registry as its mirror
archive  the image archive: one tar, each member's sha256, verified before anything loads (reading it; every
         name of it); archive_format: its layout and manifest; archive_writer: writing it in one pass
transfer `labkit images export|import FILE`: the images and the registry's cache, for rooms offline
recipes/ the files both builds use
"""

from .ensure import ensure_images, image_rows, is_offline
from .mirror import registry_plan
from .specs import IMAGES, NODE, ImageSpec

__all__ = ["IMAGES", "NODE", "ImageSpec", "ensure_images", "image_rows", "is_offline", "registry_plan"]
