"""Kernels the suite starts listen on socket files of their own (ZeroMQ's IPC transport), not on TCP ports.

jupyter_client picks a kernel's five TCP ports by binding port 0 and letting go; the kernel binds them a moment
later. In a full run, with three workers and many Docker API connections taking ephemeral ports, another socket
can take one of them in between, and the kernel dies at start ("ZMQError: Address already in use", seen in a
full `./run test`). A socket file in a folder made for that one kernel cannot be taken by anyone else.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager


def _ipc(options: dict[str, Any]) -> dict[str, Any]:
    """A kernel manager's options with the IPC transport and an absolute socket path of its own."""
    options.setdefault("transport", "ipc")
    options.setdefault("ip", os.path.join(tempfile.mkdtemp(prefix="labkit-kernel-"), "kernel"))
    return options


class IpcKernelManager(KernelManager):
    """jupyter_client's KernelManager whose kernel listens on socket files (nbval's kernels)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**_ipc(options))


class AsyncIpcKernelManager(AsyncKernelManager):
    """The same for nbclient (NotebookClient(..., kernel_manager_class=AsyncIpcKernelManager))."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**_ipc(options))


def use_ipc_kernels() -> None:
    """Make nbval start its notebooks' kernels with IpcKernelManager (it looks the class up when it starts one)."""
    import nbval.kernel

    nbval.kernel.KernelManager = IpcKernelManager
