"""Run page extraction in a pool of worker processes, off the event loop.

Extraction is CPU-bound and a few pages take seconds, or hang in C code (lxml,
regex) where no signal handler can interrupt them.  ``ExtractionPool`` owns its
worker processes, one pipe each, and a supervisor thread in the parent that
hands out jobs, enforces a hard per-page deadline by killing the worker that
overran it, and replaces workers that die.  With ``queue_ahead`` (batch
commands), a busy worker holds the next job too (a sender thread in the parent
writes it, a reader thread in the worker takes it off the pipe), so it goes
from one page to the next without waiting for the parent; that job's deadline
starts when it starts, and if the worker dies first it goes to another worker.
The supervisor itself never waits on a busy worker's pipe: a job that holds the
worker's GIL (a regex in C) cannot hold up the deadlines.  Every job resolves its
``concurrent.futures.Future`` and never raises:

* success: what the worker function returned (e.g. a ``crawler.ingest.analysis.Analysis``);
* failure: a ``JobFailure(url, error)`` where error is
  ``"timeout: extraction exceeded 20.0s"``, ``"worker crashed: exit code -9"``
  or ``"<ExceptionType>: <message>"``.

From asyncio / the Scrapy reactor: ``await asyncio.wrap_future(pool.submit(...))``
(futures are resolved from the supervisor thread; done-callbacks run there too).
"""

from __future__ import annotations

import atexit
import importlib
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_ready
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from queue import SimpleQueue
from typing import Any

__all__ = ["ExtractionPool", "JobFailure"]

# Time a worker gets to exit after SIGTERM (or after a polite stop) before SIGKILL.
KILL_GRACE = 1.0
STOP_GRACE = 5.0
# A fresh worker that has not imported `func` by then is considered hung.
STARTUP_TIMEOUT = 60.0
# After this many workers in a row die before becoming ready, waiting jobs are failed
# instead of starting yet another worker (e.g. a broken environment).
MAX_STARTUP_FAILURES = 3

Job = tuple[bytes, str] | tuple[bytes, str, dict[str, str] | None]
Tag = Any


@dataclass(frozen=True)
class JobFailure:
    """A job that produced no result: the page's URL and why."""

    url: str
    error: str


def failure(url: str, error: str) -> JobFailure:
    return JobFailure(url, error)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def split_func_path(path: str) -> tuple[str, str]:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"func must look like 'package.module:function', got {path!r}")
    return module_name, attr


def load_function(path: str) -> Callable[..., Any]:
    """Resolve ``"package.module:function"`` (attribute may be dotted)."""
    module_name, attr = split_func_path(path)
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{path} is not callable")
    return obj


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel SIGKILL this worker when the pool's process dies, so a
    worker stuck in C code cannot outlive a parent killed without closing the pool."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # best effort
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _receive_jobs(conn: Connection, inbox: SimpleQueue[tuple[Any, bytes] | None]) -> None:
    """Worker's reader thread: (meta, html) pairs from the parent into ``inbox``, so the
    job queued behind the running one is in hand when it ends; ``None`` at the end
    (polite stop, or the parent went away)."""
    try:
        while True:
            meta = conn.recv()
            if meta is None:
                break
            inbox.put((meta, conn.recv_bytes()))
    except (EOFError, OSError):
        pass
    finally:  # whatever ended it (a MemoryError too): the worker stops, it does not wait forever
        inbox.put(None)


def _send_queued(conn: Connection, outbox: SimpleQueue[tuple[bytes, bytes] | None]) -> None:
    """Parent's sender thread for one worker: writes the jobs queued behind its running one.

    The write waits until the worker's reader thread takes the page, which it cannot do
    while the running job holds the GIL; this thread waits then, not the supervisor.
    ``None``: the worker is retired.  A broken pipe ends it: the worker is gone, and the
    supervisor, seeing it die, gives its queued job to another worker."""
    while (item := outbox.get()) is not None:
        meta, data = item
        try:
            conn.send_bytes(meta)
            conn.send_bytes(data)
        except (OSError, EOFError, ValueError):  # ValueError: the connection was closed
            return


def _worker_main(conn: Connection, func_path: str, parent_pid: int) -> None:
    """Worker process: receive (meta, html) pairs, answer with one result each."""
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    func: Callable[..., Any] | None = None
    load_error = ""
    try:
        func = load_function(func_path)
    except Exception as exc:  # reported per job, so the caller sees why
        load_error = describe(exc)
    # The reader thread takes a page off the pipe while a job runs: it asks for the GIL,
    # and a short switch interval gives it soon while the job runs Python code.
    sys.setswitchinterval(0.0005)
    inbox: SimpleQueue[tuple[Any, bytes] | None] = SimpleQueue()
    threading.Thread(target=_receive_jobs, args=(conn, inbox), name="jobs", daemon=True).start()
    conn.send(("ready", os.getpid()))
    while True:
        item = inbox.get()
        if item is None:  # polite stop (recycling or pool shutdown), or the parent went away
            return
        (job_id, url, headers, is_text), data = item
        del item
        html: bytes | str = data.decode("utf-8", "surrogatepass") if is_text else data
        del data
        try:
            if func is None:
                raise ImportError(f"cannot load {func_path}: {load_error}")
            reply: tuple[str, int, Any] = ("result", job_id, func(html, url, headers))
        except Exception as exc:
            reply = ("result", job_id, failure(url, describe(exc)))
        del html
        try:
            conn.send(reply)  # pickles fully before writing, so a failure writes nothing
        except (EOFError, OSError):
            return
        except Exception as exc:  # unpicklable result
            conn.send(("result", job_id, failure(url, f"result not picklable: {describe(exc)}")))


@dataclass(eq=False)
class _Job:
    id: int
    html: bytes | bytearray | memoryview | str
    url: str
    headers: dict[str, str] | None
    future: Future[Any]
    started: bool = False  # set_running_or_notify_cancel() already called


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    deadline: float  # startup deadline until ready, then the running job's deadline
    ready: bool = False
    job: _Job | None = None  # the job it runs
    queued: _Job | None = None  # the job sent to run next (only while `job` runs)
    tasks: int = 0
    # what the sender thread (_send_queued) is to write, once a job was queued
    outbox: SimpleQueue[tuple[bytes, bytes] | None] | None = None
    sender: threading.Thread | None = None


@dataclass(eq=False)
class _Dying:
    process: BaseProcess
    conn: Connection
    kill_at: float
    sender: threading.Thread | None = None


class ExtractionPool:
    """A pool of extraction worker processes with a hard per-page time budget."""

    def __init__(
        self,
        processes: int | None = None,
        timeout: float = 20.0,
        max_tasks_per_worker: int | None = 5000,  # a fresh worker costs ~0.3 s of imports
        func: str = "crawler.extraction:extract_page",
        eager: bool = False,
        queue_ahead: bool = False,
    ) -> None:
        self.processes = processes if processes is not None else (os.cpu_count() or 1)
        if self.processes < 1:
            raise ValueError("processes must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_tasks_per_worker is not None and max_tasks_per_worker < 1:
            raise ValueError("max_tasks_per_worker must be at least 1 or None")
        split_func_path(func)  # fail here rather than in every job
        self.timeout = float(timeout)
        self.max_tasks_per_worker = max_tasks_per_worker
        self.func = func
        # eager: start every worker now (their imports overlap the caller's own
        # set-up) rather than when the first jobs arrive
        self.eager = eager
        # queue_ahead: a busy worker also holds the job it runs next (for batches: a
        # worker never waits for the parent between pages).  Off, a job goes only to an
        # idle worker: no job waits behind a slow page while another worker is free.
        self.queue_ahead = queue_ahead
        # Not fork: the parent runs reactor/asyncio threads whose locks a forked child
        # could inherit mid-use.  Not forkserver either: its workers are the
        # forkserver's children and keep it alive, so nothing would kill a stuck
        # worker if this process were SIGKILLed; spawned workers are our children
        # and die with us (see _die_with_parent).
        self._ctx = multiprocessing.get_context("spawn")

        self._lock = threading.Lock()
        self._pending: deque[_Job] = deque()
        self._saturated = False  # set by the supervisor while every worker has a job queued
        self._next_id = 0
        self._closing = False
        self._cancel = False
        self._workers: list[_Worker] = []
        self._dying: list[_Dying] = []
        self._startup_failures = 0
        self._eager_paused = False  # a worker failed to start: no eager starts until one does
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread = threading.Thread(
            target=self._supervise, name="ExtractionPool-supervisor", daemon=True
        )
        self._thread.start()
        _live_pools.add(self)

    # -- public API ---------------------------------------------------------

    def submit(
        self, html: bytes | str, url: str, headers: dict[str, str] | None = None
    ) -> Future[Any]:
        """The future of one job: the worker function's result, or a ``JobFailure``."""
        if not isinstance(html, (bytes, bytearray, memoryview, str)):
            raise TypeError(f"html must be bytes or str, not {type(html).__name__}")
        if isinstance(html, memoryview) and not html.c_contiguous:
            html = html.tobytes()  # send_bytes() takes contiguous buffers only
        future: Future[Any] = Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to a closed ExtractionPool")
            self._next_id += 1
            headers = dict(headers) if headers is not None else None
            self._pending.append(_Job(self._next_id, html, url, headers, future))
            # Every worker busy with a job queued behind: the supervisor dispatches this
            # one when one of them answers (it is woken by that anyway), so spare it a
            # wake-up per job.
            wake = not self._saturated
        if wake:
            self._wake()
        return future

    def imap(
        self,
        jobs: Iterable[Job],
        ordered: bool = True,
        max_in_flight: int | None = None,
    ) -> Iterator[Any]:
        """Extract ``(html, url[, headers])`` jobs lazily, yielding results (or ``JobFailure``s).

        At most ``max_in_flight`` (default 2 x processes) jobs are submitted and not
        yet yielded, so a huge input streams in bounded memory.  ``ordered=False``
        yields results as they complete.
        """
        tagged = ((None, job) for job in jobs)
        return (result for _, result in self.imap_tagged(tagged, ordered, max_in_flight))

    def imap_tagged(
        self,
        jobs: Iterable[tuple[Tag, Job]],
        ordered: bool = True,
        max_in_flight: int | None = None,
    ) -> Iterator[tuple[Tag, Any]]:
        """``imap`` over ``(tag, job)`` pairs, yielding ``(tag, result)``: the tag (any
        object of the caller's, never sent to a worker) says which job a result is for."""
        limit = max_in_flight if max_in_flight is not None else 2 * self.processes
        if limit < 1:
            raise ValueError("max_in_flight must be at least 1")
        return self._imap_ordered(jobs, limit) if ordered else self._imap_unordered(jobs, limit)

    def close(self, wait: bool = True) -> None:
        """Stop the pool.  ``wait=True`` first finishes every submitted job (each
        bounded by the timeout); ``wait=False`` fails unfinished jobs with
        ``"cancelled: pool closed"``.  Either way all workers are gone on return."""
        with self._lock:
            self._closing = True
            self._cancel = self._cancel or not wait
        self._wake()
        if threading.current_thread() is self._thread:
            return  # called from a done-callback: the supervisor finishes on its own
        try:
            self._thread.join()
        except KeyboardInterrupt:
            with self._lock:
                self._cancel = True
            self._wake()
            self._thread.join()
            raise
        finally:
            _live_pools.discard(self)
        with self._lock:
            if self._wake_w >= 0:
                os.close(self._wake_r)
                os.close(self._wake_w)
                self._wake_r = self._wake_w = -1

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(wait=exc_type is None)

    # -- imap helpers ---------------------------------------------------------

    def _imap_ordered(self, jobs: Iterable[tuple[Tag, Job]], limit: int) -> Iterator[tuple[Tag, Any]]:
        window: deque[tuple[Tag, Future[Any]]] = deque()

        def next_result() -> tuple[Tag, Any]:
            tag, future = window.popleft()
            return tag, future.result()

        try:
            for tag, job in jobs:
                window.append((tag, self.submit(*job)))
                while len(window) >= limit:
                    yield next_result()
            while window:
                yield next_result()
        finally:
            for _, future in window:
                future.cancel()

    def _imap_unordered(self, jobs: Iterable[tuple[Tag, Job]], limit: int) -> Iterator[tuple[Tag, Any]]:
        # Finished futures land in a queue (their done-callback runs in the supervisor
        # thread): one cheap get per result instead of a wait() over every future.
        finished: SimpleQueue[Future[Any]] = SimpleQueue()
        outstanding: dict[Future[Any], Tag] = {}

        def next_result() -> tuple[Tag, Any]:
            future = finished.get()
            return outstanding.pop(future), future.result()

        try:
            for tag, job in jobs:
                future = self.submit(*job)
                outstanding[future] = tag
                future.add_done_callback(finished.put)
                while len(outstanding) >= limit:
                    yield next_result()
            while outstanding:
                yield next_result()
        finally:
            for future in outstanding:
                future.cancel()

    # -- supervisor thread ------------------------------------------------------

    def _wake(self) -> None:
        with self._lock:
            if self._wake_w < 0:
                return
            try:
                os.write(self._wake_w, b"x")
            except BlockingIOError:  # pipe full: a wake-up is already pending
                pass

    def _supervise(self) -> None:
        try:
            self._serve()
        except BaseException as exc:  # never leave a caller waiting forever
            with self._lock:
                self._closing = True
            self._abandon(f"pool error: {describe(exc)}")
            raise
        finally:
            self._shutdown_workers()

    def _serve(self) -> None:
        while True:
            with self._lock:
                closing, cancel = self._closing, self._cancel
            if cancel:
                self._abandon("cancelled: pool closed")
                return
            busy = sum(1 for w in self._workers if w.job is not None)
            if closing and not busy and not self._pending:
                return
            wanted = min(self.processes, busy + len(self._pending))
            if self.eager and not closing and not self._eager_paused:
                wanted = self.processes
            while len(self._workers) < wanted:
                self._start_worker()
            self._dispatch()

            waitables: list[Any] = [self._wake_r]
            deadlines = []
            for w in self._workers:
                waitables += [w.conn, w.process.sentinel]
                deadlines.append(w.deadline)
            for d in self._dying:
                waitables.append(d.process.sentinel)
                deadlines.append(d.kill_at)
            delay = max(0.0, min(deadlines, default=math.inf) - time.monotonic())
            saturated = len(self._workers) == self.processes and all(
                w.ready and (w.queued is not None or (not self.queue_ahead and w.job is not None))
                for w in self._workers
            )
            with self._lock:
                # While True, submit() does not wake us: any change that frees a worker
                # (result, death, deadline) ends the wait below on its own.
                self._saturated = saturated
            ready = wait_ready(waitables, None if delay == math.inf else delay)
            with self._lock:
                self._saturated = False

            if self._wake_r in ready:
                try:
                    while os.read(self._wake_r, 4096):
                        pass
                except BlockingIOError:
                    pass
            for w in list(self._workers):
                if w.conn in ready or w.process.sentinel in ready:
                    self._service(w, dead=w.process.sentinel in ready)
            for d in list(self._dying):
                if d.process.sentinel in ready:
                    self._reap(d)
            self._enforce_deadlines()

    def _start_worker(self) -> None:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main, args=(child_conn, self.func, os.getpid()),
            name="extraction-worker",
            daemon=True,  # multiprocessing's own atexit then terminates, not joins, it
        )
        process.start()
        child_conn.close()
        self._workers.append(_Worker(process, parent_conn, time.monotonic() + STARTUP_TIMEOUT))

    def _dispatch(self) -> None:
        # First a job for every idle worker, then one queued behind each running job (the
        # worker starts it the moment the running one ends, without waiting for us).
        # (A job that cannot be sent fails, and the worker takes the next one.)
        # Not while a worker is starting: it will want a job of its own.
        for ahead in (False, True):
            if ahead and (not self.queue_ahead or len(self._workers) < self.processes
                          or not all(w.ready for w in self._workers)):
                return
            for w in list(self._workers):
                while w.ready and w in self._workers and self._has_room(w, ahead):
                    job = self._next_job()
                    if job is None:
                        return
                    self._send(w, job)

    def _has_room(self, w: _Worker, ahead: bool) -> bool:
        if not ahead:
            return w.job is None
        limit = self.max_tasks_per_worker
        return (w.job is not None and w.queued is None
                and (limit is None or w.tasks + 2 <= limit))

    def _send(self, w: _Worker, job: _Job) -> None:
        """Hand ``job`` to the worker ``w``, to run now if it is idle, else next. A job
        that cannot be pickled (e.g. odd headers; nothing was written) fails; a broken
        pipe requeues the job and ends the worker (its running job fails as a crash).
        The next job goes through ``w``'s sender thread: the supervisor never waits on a
        busy worker."""
        html = job.html
        try:  # the bytes conn.send() would write
            meta = ForkingPickler.dumps((job.id, job.url, job.headers, isinstance(html, str)))
        except Exception as exc:
            job.future.set_result(failure(job.url, describe(exc)))
            return
        data = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
        if w.job is not None:  # kept whole until it runs: requeued if the worker dies first
            if w.outbox is None:
                w.outbox = SimpleQueue()
                w.sender = threading.Thread(target=_send_queued, args=(w.conn, w.outbox),
                                            daemon=True, name="ExtractionPool-sender")
                w.sender.start()
            w.outbox.put((bytes(meta), data))
            w.queued = job
            return
        try:
            w.conn.send_bytes(meta)
            w.conn.send_bytes(data)
        except (OSError, EOFError):  # the worker is gone: so is the job it was running
            self._requeue(job)
            self._service(w, dead=True)
            return
        self._run(w, job)

    def _run(self, w: _Worker, job: _Job) -> None:
        """``job`` (already sent to ``w``) is the one ``w`` runs now: its deadline starts."""
        job.html = b""  # the worker has its copy; don't pin big pages here
        w.job = job
        w.deadline = time.monotonic() + self.timeout

    def _requeue_queued(self, w: _Worker) -> None:
        """The job queued behind ``w``'s running one never started: another worker gets it."""
        if w.queued is not None:
            job, w.queued = w.queued, None
            self._requeue(job)

    def _next_job(self) -> _Job | None:
        while True:
            with self._lock:
                if not self._pending:
                    return None
                job = self._pending.popleft()
            if job.started or job.future.set_running_or_notify_cancel():
                job.started = True
                return job

    def _requeue(self, job: _Job) -> None:
        with self._lock:
            self._pending.appendleft(job)

    def _service(self, w: _Worker, dead: bool) -> None:
        try:
            while w.conn.poll():
                message = w.conn.recv()
                if message[0] == "ready":
                    w.ready = True
                    self._startup_failures = 0
                    self._eager_paused = False
                    w.deadline = math.inf
                elif message[0] == "result" and w.job is not None and message[1] == w.job.id:
                    job, w.job = w.job, None
                    w.tasks += 1
                    w.deadline = math.inf
                    if w.queued is not None:  # the worker has started it already
                        queued, w.queued = w.queued, None
                        self._run(w, queued)
                    job.future.set_result(message[2])
        except (EOFError, OSError):
            dead = True
        if not dead:
            limit = self.max_tasks_per_worker
            if limit is not None and w.tasks >= limit and w.job is None:
                self._stop(w)
            return
        # The worker is gone (or its pipe is): wait briefly for its exit code.
        w.process.join(KILL_GRACE)
        code = w.process.exitcode
        reason = f"exit code {code}" if code is not None else "connection lost"
        self._requeue_queued(w)
        if w.job is not None:
            w.job.future.set_result(failure(w.job.url, f"worker crashed: {reason}"))
            w.job = None
        elif not w.ready:
            self._startup_failed(f"worker crashed: {reason} (while starting)")
        self._terminate(w)

    def _startup_failed(self, reason: str) -> None:
        """A worker died or hung before it was ready: after MAX_STARTUP_FAILURES in a
        row the waiting jobs fail with ``reason`` (e.g. a broken environment)."""
        self._startup_failures += 1
        self._eager_paused = True
        if self._startup_failures >= MAX_STARTUP_FAILURES:
            self._startup_failures = 0
            self._fail_pending(reason)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for w in list(self._workers):
            if now < w.deadline:
                continue
            self._requeue_queued(w)
            if w.job is not None:
                w.job.future.set_result(
                    failure(w.job.url, f"timeout: extraction exceeded {self.timeout}s")
                )
                w.job = None
            elif not w.ready:  # hung while starting
                self._startup_failed("worker did not start")
            self._terminate(w)
        for d in self._dying:
            if now >= d.kill_at:
                if d.process.exitcode is None:
                    d.process.kill()
                d.kill_at = now + STOP_GRACE if d.process.exitcode is None else math.inf

    def _retire(self, w: _Worker, grace: float) -> None:
        if w.outbox is not None:
            w.outbox.put(None)  # its sender thread ends (at once if the pipe broke)
        self._workers.remove(w)
        self._dying.append(_Dying(w.process, w.conn, time.monotonic() + grace, w.sender))

    def _terminate(self, w: _Worker) -> None:
        if w.process.exitcode is None:
            w.process.terminate()
        self._retire(w, KILL_GRACE)

    def _stop(self, w: _Worker) -> None:
        try:
            w.conn.send(None)
        except (OSError, EOFError):
            self._terminate(w)
            return
        self._retire(w, STOP_GRACE)

    def _reap(self, d: _Dying) -> None:
        d.process.join(KILL_GRACE)
        if d.process.exitcode is None:
            return
        self._dying.remove(d)
        if d.sender is not None:  # its pipe broke with the process: it is ending
            d.sender.join(KILL_GRACE)
        if d.sender is None or not d.sender.is_alive():
            d.conn.close()  # (never under a sender thread's write: the number could be reused)
        d.process.close()

    def _fail_pending(self, reason: str) -> None:
        with self._lock:
            pending, self._pending = list(self._pending), deque()
        for job in pending:
            if job.started or job.future.set_running_or_notify_cancel():
                job.future.set_result(failure(job.url, reason))

    def _abandon(self, reason: str) -> None:
        """Fail every unfinished job with `reason`."""
        self._fail_pending(reason)
        for w in list(self._workers):
            if w.job is not None:
                for job in (w.job, w.queued):
                    if job is not None and not job.future.done():
                        job.future.set_result(failure(job.url, reason))
                w.job = w.queued = None
                self._terminate(w)

    def _shutdown_workers(self) -> None:
        for w in list(self._workers):
            if w.job is None and w.ready:
                self._stop(w)
            else:
                self._terminate(w)
        while self._dying:
            now = time.monotonic()
            delay = max(0.0, min(d.kill_at for d in self._dying) - now)
            ready = wait_ready([d.process.sentinel for d in self._dying], delay)
            for d in list(self._dying):
                if d.process.sentinel in ready:
                    self._reap(d)
            self._enforce_deadlines()


_live_pools: set[ExtractionPool] = set()


@atexit.register
def _close_live_pools() -> None:
    # Runs before multiprocessing's own exit handler (atexit is LIFO).
    for pool in list(_live_pools):
        pool.close(wait=False)
