"""ExtractionPool with real worker processes: results, deadlines, crashes, shutdown."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from concurrent.futures import Future

from crawler.extraction import Extraction
from crawler.utils.pool import MAX_STARTUP_FAILURES, ExtractionPool, JobFailure, _Job

from tests.support import REPO, workers_helpers as helpers
from tests.support.waiting import HANG, wait_until

HELPERS = helpers.__name__


def helper(name: str) -> str:
    return f"{HELPERS}:{name}"


def wait_for_file(path: Path) -> str:
    wait_until(path.exists, f"{path} appears")
    return path.read_text()


def process_gone(pid: int, zombie_ok: bool = False) -> bool:
    """True when `pid` no longer runs; a zombie counts only with `zombie_ok` (an
    orphan waiting for init to reap it is not ours)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "X" or (zombie_ok and state == "Z")


def test_submit_runs_the_real_extractor() -> None:
    html = b"<html><head><title>Hello</title></head><body><p>Some text.</p></body></html>"
    with ExtractionPool(processes=1, timeout=20) as pool:
        result = pool.submit(html, "https://example.org/a").result(timeout=30)
    assert isinstance(result, Extraction)
    assert result.url == "https://example.org/a"
    assert result.title == "Hello"
    assert result.reason.startswith("not_article")


def test_imap_returns_results_in_input_order() -> None:
    # Earlier jobs sleep longer, so they complete last.
    delays = ["0.4", "0.2", "0", "0.3", "0", "0.1", "0"]
    jobs = [
        (d.encode(), f"https://example.org/{i}", {"X-Index": str(i)}) for i, d in enumerate(delays)
    ]
    with ExtractionPool(processes=2, timeout=10, func=helper("sleep_then_echo")) as pool:
        results = list(pool.imap(iter(jobs), max_in_flight=3))
        unordered = list(pool.imap(jobs, ordered=False))
    assert [r["url"] for r in results] == [url for _, url, _ in jobs]
    assert not any(isinstance(r, JobFailure) for r in results)
    assert [r["body"] for r in results] == delays
    assert [r["headers"] for r in results] == [{"X-Index": str(i)} for i in range(len(delays))]
    assert sorted(r["url"] for r in unordered) == sorted(url for _, url, _ in jobs)


def test_imap_accepts_jobs_without_headers_and_str_html() -> None:
    with ExtractionPool(processes=1, timeout=10, func=helper("echo")) as pool:
        results = list(pool.imap([(b"a", "u1"), ("é", "u2", None)]))
    assert [(r["body"], r["headers"]) for r in results] == [("a", None), ("é", None)]


# A job's deadline: a job that hangs reaches it; an echo job never comes near it,
# however loaded the machine (the deadline starts when a ready worker gets the job).
DEADLINE = 5.0


def test_stuck_job_times_out_and_other_jobs_complete() -> None:
    with ExtractionPool(processes=2, timeout=DEADLINE, func=helper("sleep_forever")) as pool:
        stuck = pool.submit(b"hang", "https://example.org/stuck")
        fast = [pool.submit(b"fast", f"https://example.org/{i}") for i in range(4)]
        assert stuck.result(timeout=60) == JobFailure("https://example.org/stuck",
                                                      "timeout: extraction exceeded 5.0s")
        assert [f.result(timeout=60)["body"] for f in fast] == ["fast"] * 4
        # The killed worker was replaced: the pool still has two working processes.
        again = [pool.submit(b"fast", "https://example.org/again") for _ in range(3)]
        assert [f.result(timeout=60)["body"] for f in again] == ["fast"] * 3


def test_timeout_in_flight_elsewhere_is_not_lost() -> None:
    # The other worker's result comes in while the hanging job runs: its deadline still holds.
    with ExtractionPool(processes=2, timeout=DEADLINE, func=helper("sleep_forever")) as pool:
        slow = pool.submit(b"hang", "https://example.org/slow")
        ok = pool.submit(b"fast", "https://example.org/ok")
        assert ok.result(timeout=60)["body"] == "fast"
        assert slow.result(timeout=60) == JobFailure("https://example.org/slow", "timeout: extraction exceeded 5.0s")


@pytest.mark.parametrize(
    ("page", "reason"),
    [(b"kill", "worker crashed: exit code -9"), (b"exit", "worker crashed: exit code 1")],
)
def test_crashing_worker_fails_only_its_page(page: bytes, reason: str) -> None:
    with ExtractionPool(processes=2, timeout=10, func=helper("crash")) as pool:
        futures = [pool.submit(b"ok", f"https://example.org/{i}") for i in range(3)]
        crashed = pool.submit(page, "https://example.org/crash")
        futures += [pool.submit(b"ok", f"https://example.org/{i}") for i in range(3, 6)]
        assert crashed.result(timeout=60) == JobFailure("https://example.org/crash", reason)
        assert [f.result(timeout=60)["body"] for f in futures] == ["ok"] * 6
        # The pool keeps working after the crash.
        after = [pool.submit(b"ok", f"https://example.org/after{i}") for i in range(4)]
        assert [f.result(timeout=60)["body"] for f in after] == ["ok"] * 4


def test_exception_becomes_a_job_failure() -> None:
    with ExtractionPool(processes=1, timeout=10, func=helper("raise_value_error")) as pool:
        result = pool.submit(b"<html>", "https://example.org/bad").result(timeout=60)
    assert result == JobFailure("https://example.org/bad", "ValueError: cannot parse https://example.org/bad")


def test_unpicklable_result_and_missing_function_become_failures() -> None:
    with ExtractionPool(processes=1, timeout=10, func=helper("not_picklable")) as pool:
        result = pool.submit(b"x", "u").result(timeout=60)
    assert isinstance(result, JobFailure) and result.error.startswith("result not picklable: ")
    with ExtractionPool(processes=1, timeout=10, func=helper("no_such_function")) as pool:
        result = pool.submit(b"x", "u").result(timeout=60)
    assert isinstance(result, JobFailure) and "no_such_function" in result.error


def test_two_workers_run_jobs_at_the_same_time(tmp_path: Path) -> None:
    marker = str(tmp_path / "started").encode()
    with ExtractionPool(processes=2, timeout=10, func=helper("hold_pid")) as pool:
        first, second = pool.submit(marker, "a"), pool.submit(marker, "b")
        results = [first.result(timeout=60), second.result(timeout=60)]
    # Each job saw the other's mark while it was still running: both were busy at once,
    # in two processes other than this one.
    assert [r["saw_other"] for r in results] == [True, True]
    pids = {r["pid"] for r in results}
    assert len(pids) == 2 and os.getpid() not in pids


def test_workers_recycle_after_max_tasks() -> None:
    with ExtractionPool(
        processes=1, timeout=10, max_tasks_per_worker=2, func=helper("echo")
    ) as pool:
        pids = [r["pid"] for r in pool.imap((b"x", f"u{i}", None) for i in range(6))]
    assert len(set(pids)) == 3
    assert pids[0] == pids[1] and pids[2] == pids[3] and pids[4] == pids[5]


def test_large_page_round_trip() -> None:
    page = b"<p>" + b"x" * (8 * 1024 * 1024) + b"</p>"
    with ExtractionPool(processes=1, timeout=10, func=helper("length")) as pool:
        result = pool.submit(page, "u").result(timeout=20)
    assert result == {"url": "u", "length": len(page), "type": "bytes"}


def test_workers_ignore_sigint(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    with ExtractionPool(processes=1, timeout=HANG, func=helper("pid_then_wait")) as pool:
        future = pool.submit(str(pidfile).encode(), "u")
        os.kill(int(wait_for_file(pidfile)), signal.SIGINT)  # while the job runs...
        Path(f"{pidfile}.go").touch()  # ...which ends only after the signal
        assert future.result(timeout=HANG) == {"url": "u", "pid": int(pidfile.read_text())}


def test_close_with_stuck_worker_returns_promptly_and_leaves_no_processes(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "pid"
    pool = ExtractionPool(processes=2, timeout=60, func=helper("sleep_forever"))
    stuck = pool.submit(b"pidfile:" + str(pidfile).encode(), "https://example.org/stuck")
    queued = [pool.submit(b"hang", f"https://example.org/{i}") for i in range(3)]
    pid = int(wait_for_file(pidfile))

    closer = threading.Thread(target=pool.close, kwargs={"wait": False})
    closer.start()
    closer.join(timeout=HANG)  # the job never ends: waiting for it would hang
    assert not closer.is_alive(), "close() hung on a stuck worker"

    # close() returned: every unfinished job has its answer already.
    assert stuck.done() and all(f.done() for f in queued)
    assert stuck.result(timeout=0) == JobFailure("https://example.org/stuck", "cancelled: pool closed")
    assert [f.result(timeout=0) for f in queued] == [
        JobFailure(f"https://example.org/{i}", "cancelled: pool closed") for i in range(3)]
    assert multiprocessing.active_children() == []
    assert process_gone(pid)
    with pytest.raises(RuntimeError):
        pool.submit(b"x", "u")
    pool.close()  # idempotent


def test_close_waits_for_submitted_jobs() -> None:
    pool = ExtractionPool(processes=1, timeout=10, func=helper("sleep_then_echo"))
    futures = [pool.submit(b"0.2", f"u{i}") for i in range(3)]
    pool.close()
    assert [f.result(timeout=0)["url"] for f in futures] == ["u0", "u1", "u2"]
    assert multiprocessing.active_children() == []


def test_futures_can_be_awaited_from_asyncio() -> None:
    async def main(pool: ExtractionPool) -> list[dict]:
        futures = [asyncio.wrap_future(pool.submit(b"x", f"u{i}")) for i in range(4)]
        return await asyncio.gather(*futures)

    with ExtractionPool(processes=2, timeout=10, func=helper("echo")) as pool:
        results = asyncio.run(main(pool))
    assert [r["url"] for r in results] == ["u0", "u1", "u2", "u3"]


def test_interpreter_exit_without_close_does_not_hang(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from crawler.utils.pool import ExtractionPool\n"
        f"pool = ExtractionPool(processes=1, timeout=60, func={helper('sleep_forever')!r})\n"
        f"pool.submit(b'pidfile:{pidfile}', 'u')\n"
        f"while not __import__('os').path.exists({str(pidfile)!r}): time.sleep(0.02)\n"
        "print('leaving')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=HANG
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "leaving"
    pid = int(pidfile.read_text())
    wait_until(lambda: process_gone(pid, zombie_ok=True), "the worker ends with the interpreter")


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        ExtractionPool(func="not-a-path")
    with pytest.raises(ValueError):
        ExtractionPool(processes=0)
    with ExtractionPool(processes=1, func=helper("echo")) as pool:
        with pytest.raises(TypeError):
            pool.submit(123, "u")  # type: ignore[arg-type]


def pool_workers() -> list[int]:
    """Pids of this process's running extraction workers."""
    return [p.pid for p in multiprocessing.active_children() if p.name == "extraction-worker"]


def startup_helper() -> str:
    return HELPERS.replace("workers_helpers", "workers_startup") + ":echo"


def started(directory: Path) -> set[int]:
    return {int(p.suffix[1:]) for p in directory.glob("started.*")}


def test_eager_pool_starts_its_workers_before_any_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCRAWL_TEST_STARTS", str(tmp_path))
    with ExtractionPool(processes=2, func=startup_helper(), eager=True) as pool:
        wait_until(lambda: len(started(tmp_path)) == 2, "both eager workers start, with no job")
        pids = started(tmp_path)
        results = list(pool.imap((b"x", f"u{i}", None) for i in range(6)))
        assert {r["pid"] for r in results} <= pids  # the jobs ran in the workers started up front
    lazy_dir = tmp_path / "lazy"
    lazy_dir.mkdir()
    monkeypatch.setenv("NEWSCRAWL_TEST_STARTS", str(lazy_dir))
    with ExtractionPool(processes=2, func=startup_helper()) as pool:
        # The default waits for work, and starts only the workers the work needs:
        # one job, one worker (an eager start would have both running by now).
        result = pool.submit(b"x", "u").result(timeout=HANG)
        assert pool_workers() == [result["pid"]]
    assert started(lazy_dir) == {result["pid"]}


def test_eager_pool_does_not_restart_a_worker_that_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSCRAWL_TEST_STARTS", str(tmp_path))
    monkeypatch.setenv("NEWSCRAWL_TEST_DIE_AT_IMPORT", "1")
    with ExtractionPool(processes=3, func=startup_helper(), eager=True) as pool:
        # The three eager attempts start, die and are seen to die (no worker left)...
        wait_until(lambda: len(started(tmp_path)) == 3 and not pool._workers,
                   "the eager workers die at start and are reaped")
        assert pool._eager_paused  # ...and are not started again: no respawn loop
        assert len(started(tmp_path)) == 3
        # A job starts workers of its own until MAX_STARTUP_FAILURES of them died, then fails.
        result = pool.submit(b"x", "https://a/1").result(timeout=HANG)
        assert isinstance(result, JobFailure) and "while starting" in result.error
        assert len(started(tmp_path)) == 3 + MAX_STARTUP_FAILURES
        assert pool._eager_paused  # the failed job does not set the eager start going again
        assert pool._workers == [] and pool_workers() == []


def test_a_job_that_cannot_be_sent_does_not_hold_up_the_next() -> None:
    with ExtractionPool(processes=1, func=helper("echo"), eager=True) as pool:
        assert pool.submit(b"warm", "u0").result(timeout=60)["body"] == "warm"
        with pool._lock:  # both queued before the supervisor looks at them
            bad, good = Future(), Future()
            pool._next_id += 2
            pool._pending.append(_Job(pool._next_id - 1, b"x", "bad", {"h": threading.Lock()}, bad))  # type: ignore[dict-item]
            pool._pending.append(_Job(pool._next_id, b"y", "good", None, good))
        pool._wake()
        result = bad.result(timeout=HANG)
        assert isinstance(result, JobFailure) and "pickle" in result.error
        assert good.result(timeout=60)["body"] == "y"


def test_a_busy_worker_starts_the_next_job_without_waiting_for_the_parent(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    with ExtractionPool(processes=1, timeout=60, func=helper("pid_then_wait"), eager=True,
                        queue_ahead=True) as pool:
        first = pool.submit(str(a).encode(), "a")
        wait_until(a.exists, "the first job runs")
        second = pool.submit(str(b).encode(), "b")
        with pool._lock:
            worker = pool._workers[0]
        wait_until(lambda: worker.queued is not None, "the second job is handed over")
        with pool._lock:  # the supervisor can neither take the first result nor send anything
            Path(f"{a}.go").touch()
            wait_until(b.exists, "the second job starts while the parent is held")
        Path(f"{b}.go").touch()
        assert first.result(timeout=60)["pid"] == second.result(timeout=60)["pid"]


@pytest.mark.parametrize(("func", "page", "reason"), [
    ("sleep_forever", b"hang", f"timeout: extraction exceeded {DEADLINE}s"),
    ("crash", b"kill", "worker crashed: exit code -9"),
])
def test_the_job_queued_behind_a_failing_one_runs_on_the_next_worker(func: str, page: bytes, reason: str) -> None:
    with ExtractionPool(processes=1, timeout=DEADLINE, func=helper(func), queue_ahead=True) as pool:
        failing = pool.submit(page, "https://example.org/bad")
        queued = [pool.submit(b"fast" if func == "sleep_forever" else b"ok", f"https://example.org/{i}")
                  for i in range(3)]
        assert failing.result(timeout=60) == JobFailure("https://example.org/bad", reason)
        results = [f.result(timeout=60) for f in queued]
    assert [r["url"] for r in results] == [f"https://example.org/{i}" for i in range(3)]
    assert len({r["pid"] for r in results}) == 1  # all on the worker that replaced the failed one


def test_a_big_page_queued_behind_a_job_that_holds_the_gil_does_not_stop_the_deadline() -> None:
    # Regex backtracking runs in C holding the worker's GIL, so its reader thread cannot
    # take the queued page off the pipe; the write waits, and must not hold up the
    # supervisor that enforces the deadline.
    with ExtractionPool(processes=1, timeout=1.0, func=helper("gil_hog"), eager=True,
                        queue_ahead=True) as pool:
        assert pool.submit(b"warm", "https://example.org/warm").result(timeout=60)["length"] == 4
        hog = pool.submit(b"x", "https://example.org/hang")
        with pool._lock:
            worker = pool._workers[0]
        wait_until(lambda: worker.job is not None, "the hog runs")
        big = pool.submit(b"y" * (8 << 20), "https://example.org/big")
        assert hog.result(timeout=30) == JobFailure("https://example.org/hang",
                                                    "timeout: extraction exceeded 1.0s")
        assert big.result(timeout=60)["length"] == 8 << 20


def test_without_queue_ahead_no_job_waits_behind_a_slow_one_while_a_worker_is_free() -> None:
    with ExtractionPool(processes=2, timeout=60, func=helper("sleep_then_echo"), eager=True) as pool:
        slow = pool.submit(b"30", "https://example.org/slow")
        quick = [pool.submit(b"0", f"https://example.org/{i}") for i in range(4)]
        assert [f.result(timeout=20)["url"] for f in quick] == [f"https://example.org/{i}" for i in range(4)]
        assert not slow.done()
        pool.close(wait=False)
