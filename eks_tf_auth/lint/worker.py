"""A second process that answers requests while this one goes on: lint forks one to import
python-hcl2 and load its grammar (about 110 ms, a fifth of a 2,000-file tree's lint) while this
process reads and scans the tree, and then to parse (hcl.py).

Requests and replies are pickled, each framed by its length, over two pipes between the two
processes. The worker is only a speed-up: where there is no `fork`, a single CPU, or another
thread (forking would copy a lock it holds), none starts; where it cannot answer (it died, or
took REPLY_TIMEOUT), `ask` says so and the caller does the work itself, and the worker is
stopped. It never writes to stdout or stderr, and ends with the pipe or a signal.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

REPLY_TIMEOUT = 120.0  # seconds for one reply: python-hcl2 parses a 1 MiB file in about 12 s
STOP_GRACE = 1.0  # seconds a worker has to exit on SIGTERM before it is killed
_LENGTH = struct.Struct("!Q")
Handler = Callable[[Any], Any]


def usable() -> bool:
    """Whether a second process can run beside this one: fork, two CPUs, one thread."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


class Worker:
    """The parent's side: `ask` sends a request and returns the reply, or None."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid, self._requests, self._replies = pid, requests, replies
        self.alive = True

    @classmethod
    def start(cls, warm: Callable[[], None], handle: Handler) -> Worker | None:
        """Fork a worker that runs `warm` once, then answers each request with `handle`."""
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or process left for it: the caller works alone
            for fd in (request_r, request_w, reply_r, reply_w):
                os.close(fd)
            return None
        # The worker's own lines (here and in _worker_main) are not measured: its coverage data
        # would die with it, often by a signal; tests/lint/test_worker.py drives it all.
        if pid == 0:  # pragma: no cover
            os.close(request_w)
            os.close(reply_r)
            _worker_main(request_r, reply_w, warm, handle)
        os.close(request_r)
        os.close(reply_w)
        return cls(pid, request_w, reply_r)

    def ask(self, request: Any) -> Any | None:
        """The worker's reply to `request`, or None where it gave none (it is then stopped)."""
        if self.alive:
            try:
                write_frame(self._requests, pickle.dumps(request))
                reply = read_frame(self._replies, timeout=REPLY_TIMEOUT)
            except OSError:  # a broken pipe: the worker is gone
                reply = None
            if reply is not None:
                return pickle.loads(reply)
            self.stop()
        return None

    def stop(self) -> None:
        """Close the pipes and end the worker, whatever it is doing: SIGTERM, which it answers
        by exiting, then SIGKILL after STOP_GRACE; reap it."""
        if not self.alive:
            return
        self.alive = False
        os.close(self._requests)
        os.close(self._replies)
        try:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE
            while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    return
                time.sleep(0.001)
        except (ProcessLookupError, ChildProcessError):  # reaped elsewhere (SIGCHLD ignored)
            pass


def _worker_main(  # pragma: no cover
    requests: int, replies: int, warm: Callable[[], None], handle: Handler
) -> None:
    """The worker's whole life, which ends with the requests pipe, SIGTERM or Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, _exit_now)
    try:
        serve(requests, replies, warm, handle)
    finally:
        os._exit(0)


def _exit_now(signum: int, frame: object) -> None:  # pragma: no cover
    raise SystemExit


def serve(requests: int, replies: int, warm: Callable[[], None], handle: Handler) -> None:
    """Run `warm`, then answer each request until the requests pipe ends."""
    warm()
    while (request := read_frame(requests)) is not None:
        write_frame(replies, pickle.dumps(handle(pickle.loads(request))))


def write_frame(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int, *, timeout: float | None = None) -> bytes | None:
    """One frame, or None where the pipe ends (or `timeout` seconds pass) before it is whole."""
    deadline = None if timeout is None else time.monotonic() + timeout
    header = _read_exactly(fd, _LENGTH.size, deadline)
    if header is None:
        return None
    return _read_exactly(fd, _LENGTH.unpack(header)[0], deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
        chunk = os.read(fd, size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
