"""The sandboxed kernel's client waits for messages in slices (tools/grader/kernel.py).

A zmq.asyncio poll could miss the wake-up of a message that had arrived and sleep until its
timeout: one notebook in about a hundred waited the whole Execute.timeout (30 s) for the reply
to its last cell. These tests use real zmq sockets over IPC, like the kernels.
"""

import asyncio
import tempfile
import time
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.session import Session

from tools.grader.kernel import POLL_SLICE, SandboxedKernelManager, SlicedChannel


@pytest.fixture
def pair(tmp_path):
    """(channel on a PAIR socket, the other end), connected over IPC in ``tmp_path``."""
    context = zmq.asyncio.Context()
    address = f"ipc://{tmp_path}/socket"
    sender, receiver = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
    sender.bind(address)
    receiver.connect(address)
    session = Session()
    yield SlicedChannel(receiver, session), sender, session
    sender.close(linger=0)
    receiver.close(linger=0)
    context.term()


def test_a_message_is_received(pair):
    channel, sender, session = pair

    async def exchange():
        session.send(sender, "execute_reply", {"status": "ok"})
        return await channel.get_msg(timeout=5)

    assert asyncio.run(exchange())["content"] == {"status": "ok"}


def test_no_message_times_out_at_the_timeout_not_at_the_first_slice(pair):
    channel, _, _ = pair
    timeout = 3 * POLL_SLICE

    async def wait():
        start = time.monotonic()
        with pytest.raises(Empty):
            await channel.get_msg(timeout=timeout)
        return time.monotonic() - start

    waited = asyncio.run(wait())
    # Not before the timeout; after it, at most a slice late (plus scheduling on a busy
    # machine, hence the generous upper bound).
    assert timeout <= waited < timeout + 2.0


def test_every_channel_of_the_sandboxed_kernels_client_is_sliced(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its socket folder goes there
    client = SandboxedKernelManager(kernel_name="python3").client()
    assert [p.name[:7] for p in tmp_path.iterdir()] == ["kernel-"]
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(type(client), f"{name}_channel_class").default_value is SlicedChannel
