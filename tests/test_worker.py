"""The background worker: signal order, errors, cancelling, interleaving, real indexing."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer

from clamp_desktop.engine.indexer import IndexSummary, Progress
from clamp_desktop.errors import LibraryError
from clamp_desktop.store import Library
from clamp_desktop.worker import Job, Worker
from clamp_desktop.worker.lane import Lane


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


def counting(n: int, pause: float = 0.0):
    for i in range(n):
        time.sleep(pause)
        yield i
    return "counted"


def test_generator_job_signals_arrive_in_order_with_finished_last(qtbot, lane):
    job = Job("counting", lambda: counting(3, pause=0.06))
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


def test_fast_yields_are_throttled_but_the_last_one_arrives(qtbot, lane):
    job = Job("many", lambda: counting(5000))
    events = record(job)
    with qtbot.waitSignal(job.finished, timeout=5000):
        lane.submit(job)
    yields = [e for e in events if e.startswith("yielded")]
    assert 1 <= len(yields) < 100
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
                time.sleep(0.01)
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
    blocker_job = Job("long", lambda: counting(10, pause=0.05))
    waiting = Job("waiting", lambda: counting(1))
    events = record(waiting)
    lane.submit(blocker_job)
    lane.submit(waiting)
    waiting.cancel()
    with qtbot.waitSignal(waiting.finished, timeout=5000):
        pass
    assert events == ["aborted", "finished"]


def test_interactive_jobs_run_between_the_yields_of_a_long_job(qtbot, lane):
    long_job = Job("long", lambda: counting(40, pause=0.05))
    quick = Job("search", lambda: "found", interactive=True, priority=0)
    lane.submit(long_job)
    qtbot.waitSignal(long_job.yielded, timeout=5000).wait()
    with qtbot.waitSignal(quick.returned, timeout=5000):
        lane.submit(quick)
    assert long_job.state == "running"     # the search did not wait for the end
    long_job.cancel()
    qtbot.waitSignal(long_job.finished, timeout=5000).wait()


def test_equal_keys_waiting_in_a_lane_are_merged(qtbot, lane):
    lane.submit(Job("long", lambda: counting(5, pause=0.05)))
    first = lane.submit(Job("thumb", lambda: 1, key=("thumb", 7)))
    second = lane.submit(Job("thumb", lambda: 1, key=("thumb", 7)))
    assert second is first
    qtbot.waitSignal(first.finished, timeout=5000).wait()


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
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    job = worker.index([str(score_folder)], workers=1)
    started = time.monotonic()
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    timer.stop()
    took = time.monotonic() - started
    assert job.state == "returned", job.error
    assert took > 0.5          # long enough for the check to mean something
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # a blocked loop would show one gap as long as the job; a loaded machine may add some jitter
    assert len(ticks) >= took / 0.25 and max(gaps) < 2.0 and max(gaps) < took / 2


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
