"""What this host's kernel and engine let a swarm do, measured inside a node (never assumed).

- routing mesh: the ingress mesh and VIP load balancing need IPVS in the kernel
  (`/proc/net/ip_vs` exists in a swarm node's namespace once it is available);
- encrypted overlay: `--opt encrypted` needs IPsec ESP with AES-GCM (the test
  adds and deletes a real xfrm state, as the overlay driver would);
- privileged: whether node containers could run `--privileged`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..base.i18n import tr
from .context import LabState
from .membership import a_manager

__all__ = ["Capabilities", "measure_capabilities"]

_IPVS = "test -e /proc/net/ip_vs && echo yes || echo no"
# 20-byte key = 16-byte AES key + 4-byte salt, as rfc4106 wants.
_ESP = (
    "ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4c41424b reqid 1 mode transport "
    "aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 >/dev/null 2>&1 "
    "&& ip xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4c41424b >/dev/null 2>&1 "
    "&& echo yes || echo no"
)


@dataclass(frozen=True)
class Capabilities:
    """Measured swarm capabilities of this host, each with the reason in `reason`."""

    routing_mesh: bool
    encrypted_overlay: bool
    privileged: bool
    mode: str
    reason: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        def yn(v: bool) -> str:
            return tr("yes") if v else tr("no")  # tr() marks the words as messages (base/i18n_extract.py)

        return "\n".join(  # each line in the notebook's language (base/i18n.py)
            tr(line)
            for line in [
                f"routing mesh (IPVS):      {yn(self.routing_mesh)} - {self.reason['routing_mesh']}",
                f"encrypted overlay (ESP):  {yn(self.encrypted_overlay)} - {self.reason['encrypted_overlay']}",
                f"privileged containers:    {yn(self.privileged)} - nodes run in {self.mode} mode",
            ]
        )

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def measure_capabilities(state: LabState) -> Capabilities:
    """Probe a manager of a running lab (after swarm init, when dockerd has tried to load ip_vs)."""
    node = a_manager(state)
    ipvs = node.sh(_IPVS).stdout.strip() == "yes"
    esp = node.sh(_ESP, check=False).stdout.strip() == "yes"
    mode = state.mode.name if state.mode else "restricted"
    reason = {
        "routing_mesh": "IPVS is available: published ports answer on every node"
        if ipvs
        else "the kernel has no IPVS (/proc/net/ip_vs is missing): `--publish 8080:80` is accepted and "
        "tasks run, but the ingress routing mesh and VIP load balancing cannot answer; "
        "use `--publish mode=host` and `--endpoint-mode dnsrr` instead",
        "encrypted_overlay": "the kernel accepts IPsec ESP (AES-GCM) states"
        if esp
        else "the kernel refuses IPsec ESP with AES-GCM: `docker network create --opt encrypted` "
        "networks cannot carry traffic here",
    }
    return Capabilities(
        routing_mesh=ipvs, encrypted_overlay=esp, privileged=mode == "privileged", mode=mode, reason=reason
    )
