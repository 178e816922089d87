"""eks_tf_auth.lint.worker and hcl.parser_process: the second process that gets python-hcl2
ready while lint reads a tree gives exactly what parsing here gives, and where it cannot answer
(killed, silent, never started) lint parses the file itself."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from eks_tf_auth.lint import engine, hcl, worker
from eks_tf_auth.lint.hcl import SyntaxProblem, parse_hcl

FIXTURES = Path(__file__).parent / "fixtures"
TEXTS = [
    'data "aws_eks_cluster_auth" "c" {\n  name = "prod"\n}\n',
    'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.c.token\n}\n',
    'locals {\n  kube = { token = "${var.t}" }\n}\n',
    "",
]
BROKEN = 'provider "kubernetes" {\n  token = \n'


def current() -> worker.Worker | None:
    """The worker parse_hcl asks now (read afresh, not narrowed)."""
    return hcl._worker


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def problem(text: str, path: str = "broken.tf") -> str:
    with pytest.raises(SyntaxProblem) as e:
        parse_hcl(path, text)
    return str(e.value)


@pytest.fixture(autouse=True)
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker starts on a one-CPU machine too, in these tests."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@pytest.fixture
def lone(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if this test process ran no other thread: a server an earlier test of this xdist
    worker started may still be winding down, and lint's worker would then not start."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_the_worker_parses_as_this_process_does(lone: None) -> None:
    here = [parse_hcl(f"f{i}.tf", t) for i, t in enumerate(TEXTS)]
    broken_here = problem(BROKEN)
    with hcl.parser_process(True):
        running = current()
        assert running is not None and running.alive
        assert [parse_hcl(f"f{i}.tf", t) for i, t in enumerate(TEXTS)] == here
        assert problem(BROKEN) == broken_here
        pid = running.pid
    assert current() is None
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(pid, os.WNOHANG)


def test_lint_finds_the_same_with_and_without_the_worker(
    monkeypatch: pytest.MonkeyPatch, lone: None
) -> None:
    trees = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    started: list[worker.Worker | None] = []
    start = worker.Worker.start

    def counted(warm: Callable[[], None], handle: worker.Handler) -> worker.Worker | None:
        started.append(start(warm, handle))
        return started[-1]

    monkeypatch.setattr(worker.Worker, "start", counted)
    with_worker = [engine.run([p], engine.Selection(), cwd=FIXTURES) for p in trees]
    assert len(started) == len(trees) and all(started)
    monkeypatch.setattr(worker, "usable", lambda: False)
    without = [engine.run([p], engine.Selection(), cwd=FIXTURES) for p in trees]
    assert with_worker == without
    assert sum(len(r.findings) for r in without) > len(trees) // 2  # the fixtures do find


def test_a_killed_worker_leaves_the_parsing_here(lone: None) -> None:
    expected = parse_hcl("a.tf", TEXTS[1])
    with hcl.parser_process(True):
        running = current()
        assert running is not None
        os.kill(running.pid, signal.SIGKILL)
        os.waitid(os.P_PID, running.pid, os.WEXITED | os.WNOWAIT)  # dead: the request pipe breaks
        assert parse_hcl("a.tf", TEXTS[1]) == expected
        assert not running.alive  # stopped at the first question it could not answer
        assert parse_hcl("a.tf", TEXTS[1]) == expected


def test_a_worker_that_ends_without_answering_is_stopped() -> None:
    gone = worker.Worker.start(lambda: None, lambda request: os._exit(0))
    assert gone is not None
    assert gone.ask("anything") is None
    assert not gone.alive
    with pytest.raises(ChildProcessError):
        os.waitpid(gone.pid, os.WNOHANG)


def test_a_worker_reaped_elsewhere_is_stopped_quietly() -> None:
    gone = worker.Worker.start(lambda: None, lambda request: request)
    assert gone is not None
    assert gone.ask("ping") == "ping"
    os.kill(gone.pid, signal.SIGKILL)
    os.waitpid(gone.pid, 0)  # as where SIGCHLD is ignored
    gone.stop()
    assert not gone.alive


def test_a_worker_deaf_to_sigterm_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "STOP_GRACE", 0.2)
    ready_r, ready_w = os.pipe()

    def deaf_and_busy() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.write(ready_w, b"!")
        time.sleep(60)

    stubborn = worker.Worker.start(deaf_and_busy, lambda request: request)
    assert stubborn is not None
    assert os.read(ready_r, 1) == b"!"
    os.close(ready_r)
    os.close(ready_w)
    started = time.monotonic()
    stubborn.stop()
    assert 0.2 <= time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(stubborn.pid, os.WNOHANG)


def test_a_silent_worker_is_given_up_on_after_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "REPLY_TIMEOUT", 0.3)
    before = open_fds()
    silent = worker.Worker.start(lambda: time.sleep(60), lambda request: request)
    assert silent is not None
    started = time.monotonic()
    assert silent.ask("anything") is None
    assert time.monotonic() - started < 5
    assert not silent.alive
    assert open_fds() == before


def test_no_worker_beside_another_thread() -> None:
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        with hcl.parser_process(True):
            assert current() is None
    finally:
        done.set()
        thread.join()


def test_no_worker_where_fork_fails(monkeypatch: pytest.MonkeyPatch, lone: None) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    before = open_fds()
    monkeypatch.setattr(os, "fork", no_fork)
    with hcl.parser_process(True):
        assert current() is None
        assert parse_hcl("a.tf", TEXTS[0]).blocks
    assert open_fds() == before


def test_out_of_memory_in_the_worker_is_out_of_memory_here(
    monkeypatch: pytest.MonkeyPatch, lone: None
) -> None:
    def exhausted(path: str, text: str) -> hcl.SourceFile:
        raise MemoryError

    monkeypatch.setattr(hcl, "_parse_here", exhausted)  # before the fork: the worker's too
    with hcl.parser_process(True):
        assert hcl._worker is not None
        with pytest.raises(MemoryError):
            parse_hcl("a.tf", TEXTS[0])
        assert hcl._worker.alive  # it answered


def test_the_worker_says_memory_when_its_parser_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the worker sends back is what _parse_in_worker returns (its lines run in the forked
    process, which coverage does not see): here, in this process."""

    def exhausted(path: str, text: str) -> hcl.SourceFile:
        raise MemoryError

    monkeypatch.setattr(hcl, "_parse_here", exhausted)
    assert hcl._parse_in_worker(("a.tf", TEXTS[0])) == ("memory",)


def test_serve_answers_each_request_until_the_pipe_ends() -> None:
    requests_r, requests_w = os.pipe()
    replies_r, replies_w = os.pipe()
    for request in [("a.tf", TEXTS[0]), ("b.tf", BROKEN), ("c.tf", None)]:
        worker.write_frame(requests_w, pickle.dumps(request))
    os.close(requests_w)
    worker.serve(requests_r, replies_w, hcl._warm, hcl._parse_in_worker)
    os.close(requests_r)
    os.close(replies_w)
    replies = []
    while (frame := worker.read_frame(replies_r)) is not None:
        replies.append(pickle.loads(frame))
    os.close(replies_r)
    assert replies[0] == ("file", parse_hcl("a.tf", TEXTS[0]))
    assert replies[1][0] == "syntax"
    assert str(SyntaxProblem(*replies[1][1:])) == problem(BROKEN, "b.tf")
    assert replies[2] == ("here",)  # not text: a bug of ours, which the parent meets itself


def test_a_frame_cut_short_is_no_frame() -> None:
    r, w = os.pipe()
    os.write(w, worker._LENGTH.pack(10) + b"abc")
    os.close(w)
    assert worker.read_frame(r) is None
    os.close(r)
