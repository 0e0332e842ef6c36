"""A Jupyter kernel that runs in the sandbox (``sandbox.command``).

The kernel talks to its manager over IPC (Unix sockets in a private folder of its own) instead
of TCP: the sandbox has no network, and no port can clash between kernels started side by side
(with TCP, concurrent graders lost kernels to "Address already in use"). Its working folder,
the submission, is read-only; the socket folder is the only place outside ``/tmp`` it can write,
until it is up (``lock_socket_dir``). Each start of the kernel gets a cgroup of its own
(``sandbox.new_group``), removed when its resources are cleaned up (after it has ended).

Interrupts are sent as a message on the control channel (ipykernel then interrupts itself):
a SIGINT to the sandbox's process group would reach bubblewrap as well, which ends the sandbox.

Its client (``SandboxedKernelClient``) looks at each channel's socket at least every
``POLL_SLICE`` seconds while it waits for a message. A zmq.asyncio poll can miss the wake-up
of a message that has already arrived and then sleep until its timeout: measured here, about
one notebook in a hundred waited out the whole ``Execute.timeout`` (30 s) for the reply to its
last cell (the widget cell), which was there all along (benchmarks/bench_autograde.py reports
the longest such wait).
"""

import os
import shutil
import tempfile
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type, Unicode

from . import sandbox

POLL_SLICE = 0.25  # seconds: the longest a missed wake-up can delay a message
# A kernel's limits: the defaults (4 GiB of address space per process and 4 GiB for its whole
# sandbox, 128 tasks).
LIMITS = sandbox.Limits()


class SlicedChannel(AsyncZMQSocketChannel):
    """A channel whose ``get_msg`` waits in slices of POLL_SLICE, looking again each time."""

    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(POLL_SLICE if left is None else min(POLL_SLICE, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SandboxedKernelClient(AsyncKernelClient):
    """The client of a sandboxed kernel: every channel waits in slices (module docstring)."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    stdin_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel starts inside bubblewrap, over IPC."""

    transport = Unicode("ipc")  # pinned: nothing may configure this kernel back onto TCP
    client_factory = Type(SandboxedKernelClient)  # what ``client()`` makes; not configurable

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._uid = sandbox.new_uid()
        # A folder of its own for the connection file and the sockets, writable by the
        # sandbox's user only (and by us: we are its parent).
        self._socket_dir = tempfile.mkdtemp(prefix="kernel-")
        sandbox.prepare_writable(self._socket_dir, self._uid)
        self.connection_file = os.path.join(self._socket_dir, "kernel.json")
        self._group = None  # the running kernel's cgroup

    def _ip_default(self):
        return os.path.join(self._socket_dir, "kernel-ipc")

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        # Written 0600 by us; the kernel runs as the sandbox's user and must read it.
        sandbox.prepare_writable(self.connection_file, self._uid, mode=0o600)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        cwd = self._launch_args.get("cwd") or os.getcwd()
        self._remove_group()  # a kernel started before (cleaned up already, normally)
        self._group = sandbox.new_group(LIMITS)
        return sandbox.command(
            cmd,
            cwd=cwd,
            readable=[cwd],
            writable=[self._socket_dir],
            # Parent 1 means "no parent to watch" to ipykernel (inside the sandbox its parent
            # is the sandbox's init), and keeps it from printing a console banner.
            env={"JPY_PARENT_PID": "1"},
            uid=self._uid,
            limits=LIMITS,
            group=self._group,
        )

    def lock_socket_dir(self):
        """Once the kernel is up (its sockets made), let it write nothing more in the socket
        folder, the only place outside its /tmp it could write to: files there live on the
        grader's disk, beyond the sandbox's size limit. As root, the folder and the connection
        file go back to root; otherwise the kernel runs as us and could undo any lock."""
        if os.geteuid() == 0:
            for path in (self._socket_dir, self.connection_file):
                shutil.chown(path, 0, 0)
            os.chmod(self._socket_dir, 0o755)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        self._remove_group()
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources

    def _remove_group(self):
        """Kill whatever is left of the kernel's sandbox in its cgroup, and remove it."""
        if self._group is not None:
            self._group.remove()
            self._group = None
