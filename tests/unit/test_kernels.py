"""The suite's kernels listen on socket files of their own (tests/kernels.py), for nbval's notebooks and nbclient."""

from __future__ import annotations

import os

import nbformat
import nbval.kernel
from nbclient import NotebookClient

from ..kernels import AsyncIpcKernelManager, IpcKernelManager


def test_nbval_starts_its_kernels_with_the_ipc_manager():
    assert nbval.kernel.KernelManager is IpcKernelManager


def test_an_ipc_kernel_answers_from_another_folder_and_leaves_no_socket_behind(tmp_path):
    km, kc = nbval.kernel.start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        info = km.get_connection_info()
        assert info["transport"] == "ipc" and os.path.isabs(info["ip"])
        reply = kc.execute_interactive("import os; print(os.getcwd())", timeout=60)
        assert reply["content"]["status"] == "ok"
        assert os.listdir(os.path.dirname(info["ip"]))  # the kernel's sockets are files in its own folder
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert not os.listdir(os.path.dirname(info["ip"]))
    assert not list(tmp_path.iterdir())  # nothing in the notebook's folder


def test_nbclient_runs_a_notebook_on_an_ipc_kernel():
    ask = "from ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().transport)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ask)])
    client = NotebookClient(nb, timeout=60, kernel_name="python3", kernel_manager_class=AsyncIpcKernelManager)
    client.execute()
    assert nb.cells[0].outputs[0]["text"] == "ipc\n"
