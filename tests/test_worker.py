"""The background worker: signal order, errors, cancelling, interleaving, real indexing."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QTimer

from clamp_desktop.engine.indexer import IndexSummary, Progress
from clamp_desktop.errors import LibraryError
from clamp_desktop.store import Library
import clamp_desktop.worker.job as job_module
from clamp_desktop.worker import Job, Worker
from clamp_desktop.worker.lane import Lane


def finish_job(qtbot, job: Job):
    if not job.done:
        with qtbot.waitSignal(job.finished, timeout=120_000):
            pass
    assert job.state == "returned", job.error
    return job.result


def record(job: Job) -> list[str]:
    events: list[str] = []
    job.started.connect(lambda: events.append("started"))
    job.yielded.connect(lambda value: events.append(f"yielded {value}"))
    job.returned.connect(lambda value: events.append(f"returned {value}"))
    job.errored.connect(lambda message: events.append(f"errored {message}"))
    job.aborted.connect(lambda: events.append("aborted"))
    job.finished.connect(lambda: events.append("finished"))
    return events


@pytest.fixture
def lane():
    lane = Lane("test-lane")
    yield lane
    assert lane.stop(5000)


def counting(n: int, clock: list[float] | None = None):
    """Yields 0..n-1; with a clock (see ``job_clock``), a second passes on it before each yield."""
    for i in range(n):
        if clock is not None:
            clock[0] += 1.0
        yield i
    return "counted"


@pytest.fixture
def job_clock(monkeypatch) -> list[float]:
    """The clock the jobs' throttle reads, advanced by the test's own jobs instead of by the machine."""
    clock = [0.0]
    monkeypatch.setattr(job_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    return clock


def held(release: threading.Event):
    """A long job that holds its lane, yielding, until the test releases it (an event, not a duration)."""
    while not release.wait(0.01):      # the timeout only lets the lane run interactive jobs between yields
        yield "holding"
    yield "released"


def test_generator_job_signals_arrive_in_order_with_finished_last(qtbot, lane, job_clock):
    job = Job("counting", lambda: counting(3, job_clock))     # a second apart: none is throttled
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    assert events == ["started", "yielded 0", "yielded 1", "yielded 2", "returned counted", "finished"]
    assert job.state == "returned" and job.result == "counted"


def test_plain_function_job_returns_its_value(qtbot, lane):
    job = Job("adding", lambda: 2 + 3)
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    assert events == ["started", "returned 5", "finished"]


def test_fast_yields_are_throttled_but_the_last_one_arrives(qtbot, lane, job_clock):
    def counting_by_the_millisecond():     # 1 ms passes per yield on the job's clock, whatever the machine
        for i in range(5000):
            job_clock[0] = (i + 1) / 1000
            yield i

    job = Job("many", counting_by_the_millisecond)
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    yields = [e for e in events if e.startswith("yielded")]
    per_interval = 5.0 / job_module.YIELD_INTERVAL_S          # one per interval in 5 s, and the last
    assert per_interval * 0.95 <= len(yields) <= per_interval + 1
    assert yields[-1] == "yielded 4999"


def test_our_errors_reach_the_gui_as_their_one_line(qtbot, lane):
    def failing():
        yield 1
        raise LibraryError("The library is locked by another window.")

    job = Job("failing", failing)
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    assert events[-2:] == ["errored The library is locked by another window.", "finished"]


def test_unexpected_errors_become_one_readable_line(qtbot, lane):
    def broken():
        raise KeyError("title\nwith a second line")

    job = Job("Reading", broken)
    with qtbot.waitSignal(job.errored, timeout=5000) as blocker:
        lane.submit(job)
    message = blocker.args[0]
    assert message.startswith("Reading failed: KeyError") and "\n" not in message


def test_cancel_takes_effect_between_yields_and_runs_cleanup(qtbot, lane):
    cleaned = threading.Event()

    def endless():
        try:
            while True:
                yield "tick"
        finally:
            cleaned.set()

    job = Job("endless", endless)
    events = record(job)
    job.yielded.connect(lambda _: job.cancel())
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    assert events[0] == "started" and events[-2:] == ["aborted", "finished"]
    assert "returned" not in " ".join(events)
    assert cleaned.is_set()


def test_a_job_cancelled_while_waiting_never_starts(qtbot, lane):
    release = threading.Event()
    blocker_job = Job("long", lambda: held(release))
    waiting = Job("waiting", lambda: counting(1))
    events = record(waiting)
    lane.submit(blocker_job)
    lane.submit(waiting)
    waiting.cancel()
    with qtbot.waitSignal(waiting.finished, timeout=5000):
        release.set()
    assert events == ["aborted", "finished"]


def test_interactive_jobs_run_between_the_yields_of_a_long_job(qtbot, lane):
    release = threading.Event()
    long_job = Job("long", lambda: held(release))
    quick = Job("search", lambda: "found", interactive=True, priority=0)
    with qtbot.waitSignal(long_job.yielded, timeout=5000):
        lane.submit(long_job)
    with qtbot.waitSignal(quick.returned, timeout=5000):
        lane.submit(quick)
    assert long_job.state == "running"     # the search did not wait for the end (the long job is held)
    long_job.cancel()
    with qtbot.waitSignal(long_job.finished, timeout=5000):
        release.set()


def test_equal_keys_waiting_in_a_lane_are_merged(qtbot, lane):
    release = threading.Event()
    lane.submit(Job("long", lambda: held(release)))
    first = lane.submit(Job("thumb", lambda: 1, key=("thumb", 7)))
    second = lane.submit(Job("thumb", lambda: 1, key=("thumb", 7)))
    assert second is first
    with qtbot.waitSignal(first.finished, timeout=5000):
        release.set()


# --- the real worker: indexing a folder of MusicXML with a real checkpoint ---------


@pytest.fixture
def worker(tmp_path, tiny_checkpoint):
    worker = Worker(tmp_path / "library.db", model=str(tiny_checkpoint), device="cpu")
    yield worker
    assert worker.shutdown()


def test_indexing_through_the_worker_fills_the_library(qtbot, worker, score_folder):
    job = worker.index([str(score_folder)], workers=1)
    progress: list[Progress] = []
    job.yielded.connect(progress.append)
    with qtbot.waitSignal(worker.modelReady, timeout=120_000) as model_ready, \
            qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert job.state == "returned", job.error
    summary: IndexSummary = job.result
    assert summary.added + summary.failed == 13 and summary.added >= 10
    assert summary.encoded == summary.added
    assert {p.stage for p in progress} >= {"scan", "done"}
    assert model_ready.args[0].device == "cpu"
    with Library(worker.db_path, readonly=True) as library:
        assert library.counts()["pieces"] == summary.added
        assert library.folders() == [str(score_folder.resolve())]


def test_the_event_loop_keeps_turning_during_a_long_job(qtbot, worker, score_folder):
    """A blocked GUI thread could not fire the timer while the job runs; a turning one does, many times."""
    while_running: list[bool] = []
    job = worker.index([str(score_folder)], workers=1)
    timer = QTimer()
    timer.timeout.connect(lambda: while_running.append(job.state == "running"))
    timer.start(20)
    progress: list = []
    job.yielded.connect(progress.append)
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    timer.stop()
    assert job.state == "returned", job.error
    assert len(progress) >= 2                # progress arrived while it ran ...
    assert sum(while_running) >= 5           # ... and so did timer ticks, not all after it ended


def test_cancelling_indexing_stops_it_and_leaves_a_usable_library(qtbot, worker, score_folder):
    job = worker.index([str(score_folder)], workers=1)
    job.yielded.connect(lambda progress: job.cancel())
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    assert events[-2:] == ["aborted", "finished"]
    again = worker.index([str(score_folder)], workers=1)
    with qtbot.waitSignal(again.finished, timeout=120_000):
        pass
    assert again.state == "returned", again.error
    with Library(worker.db_path, readonly=True) as library:
        counts = library.counts()
        assert counts["pieces"] + counts["failed"] == 13
        assert library.models()[worker.state.model_name] == counts["pieces"]


def test_a_download_progress_bar_becomes_job_progress_and_can_cancel(qtbot):
    from clamp_desktop.worker import JobCancelled
    from clamp_desktop.worker.progress import job_tqdm

    job = Job("Downloading", lambda: None)
    bar_class = job_tqdm(job)
    seen = []
    job.yielded.connect(seen.append)
    bar = bar_class(total=1000, desc="pytorch_model.bin", unit="B", name="huggingface_hub.download")
    bar.update(250)
    qtbot.waitUntil(lambda: bool(seen), timeout=2000)
    assert seen[-1] == Progress("download", 250, 1000, "pytorch_model.bin")
    job.cancel()
    with pytest.raises(JobCancelled):
        bar.update(10)


def test_downloading_a_model_that_is_a_local_folder_returns_its_folder(qtbot, worker, tiny_checkpoint):
    job = worker.download_model(str(tiny_checkpoint))
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert job.state == "returned" and job.result == tiny_checkpoint.resolve()


def test_an_unknown_model_fails_as_one_line(qtbot, tmp_path):
    worker = Worker(tmp_path / "library.db", model="no-such-model", device="cpu")
    job = worker.load_model()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert job.state == "errored" and "no-such-model" in job.error and "\n" not in job.error
    assert worker.shutdown()


# --- the end: nothing reaches a window that is gone ----------------------------------------------


def test_a_job_asked_for_after_shutdown_is_dropped_unrun_and_the_lanes_stay_ended(qtbot, worker):
    finish_job(qtbot, worker.library_job("Reading", lambda library: library.folders()))
    assert worker.engine.isRunning()
    assert worker.shutdown()
    ran = []
    job = worker.library_job("Too late", lambda library: ran.append(library))   # a timer firing after close
    assert job.done and job.state == "aborted" and job.signalsBlocked()
    assert not worker.engine.isRunning() and not worker.read_lane.isRunning() and ran == []


def test_results_on_their_way_at_shutdown_never_reach_a_deleted_worker_or_their_receiver(qtbot, tmp_path):
    worker = Worker(tmp_path / "library.db")
    counted = threading.Event()
    arrived = []
    job = worker._read("Counting", lambda reads: counted.set() or 42)
    job.returned.connect(arrived.append)          # as a window's slot would
    job.finished.connect(lambda: arrived.append("finished"))
    counted.wait(60)          # the GUI thread is busy: its results wait in the event queue
    assert worker.shutdown()
    worker.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()      # the queued results are delivered now: dropped, no exception
    assert arrived == [] and job.state == "aborted"


def test_a_job_nobody_keeps_still_reports_to_whoever_connected_to_it(qtbot, worker):
    arrived = []

    def ask():       # as a panel does: it connects a slot and keeps no reference to the job
        worker.library_job("Reading", lambda library: library.folders()).returned.connect(arrived.append)

    ask()
    qtbot.waitUntil(lambda: bool(arrived), timeout=60_000)
    assert arrived == [[]]


def test_the_read_lane_counts_the_sidebar_with_its_own_connection(qtbot, worker, score_folder):
    finish_job(qtbot, worker.index([str(score_folder)]))
    counts = finish_job(qtbot, worker.sidebar_counts({}))
    assert counts.total == sum(n for _, n in counts.facets["meter"]) >= 10
    assert worker.reads.library() is not None        # opened on the read lane, not the engine's
    assert worker.shutdown() and worker.reads._library is None


def test_a_count_running_at_shutdown_is_interrupted_not_waited_for(qtbot, tmp_path, score_folder):
    worker = Worker(tmp_path / "library.db")
    finish_job(qtbot, worker.library_job("Creating", lambda library: library.folders()))
    querying = threading.Event()

    def endless(reads):          # a count that would take hours: only the interrupt ends it
        querying.set()
        return reads.library().conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n").fetchone()

    job = worker._read("Counting", endless)
    assert querying.wait(60)
    assert worker.shutdown(timeout_ms=60_000)     # ended: the query was interrupted
    assert not worker.read_lane.isRunning() and job.state == "aborted"
