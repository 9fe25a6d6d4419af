"""The sidebar's counts off the GUI thread: how long the window is busy, and when the counts arrive.

    python bench/bench_sidebar.py LIBRARY.db [--runs 3]

Opens the app's main window (offscreen) on LIBRARY, with its settings in a
temporary folder, waits for the first rows, the first counts and the model,
then, side by side for each run:

* before: the counts read on the GUI thread as ``refresh_sidebar`` read them
  until now (``LibraryReader.facets`` and ``piece_count``): the window was
  frozen for all of it;
* now: ``refresh_library`` on the GUI thread (the rows, folders and
  collections; the counts are only asked for), then the time until the read
  lane's counts are in the sidebar, and the longest the event loop went
  without turning meanwhile (the largest gap between a 10 ms timer's ticks).

Nothing is written to the library (a copy is still the careful choice: the
window's worker opens it writable).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait_for(app, condition, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.005)


def longest_stall(app, until) -> float:
    """Turn the event loop until ``until()``; the largest gap between a 10 ms timer's ticks (seconds)."""
    from PySide6.QtCore import QTimer

    ticks = [time.perf_counter()]
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    wait_for(app, until)
    timer.stop()
    ticks.append(time.perf_counter())
    return max(b - a for a, b in zip(ticks, ticks[1:]))


def show(what: str, seconds: list[float]) -> None:
    print(f"{what:58} median {statistics.median(seconds) * 1000:9,.0f} ms   "
          f"min {min(seconds) * 1000:9,.0f}   max {max(seconds) * 1000:9,.0f}   n={len(seconds)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="clamp-sidebar-bench-"))
    for name in ("DATA", "CACHE", "CONFIG"):
        os.environ[f"CLAMP_DESKTOP_{name}"] = str(home / name.lower())

    from clamp_desktop.engine.browse import facets
    from clamp_desktop.store import queries
    from clamp_desktop.ui.app import application
    from clamp_desktop.ui.main_window import MainWindow
    from clamp_desktop.ui.settings import Settings

    app = application(["bench"])
    settings = Settings()
    settings.set("library/db", str(args.library.resolve()))
    settings.set("first_run/done", True)
    settings.set("watch/enabled", False)
    window = MainWindow(settings)
    window.show()
    wait_for(app, lambda: window.model.rowCount() > 0)
    wait_for(app, lambda: window._sidebar_job is not None and window._sidebar_job.done)
    wait_for(app, lambda: window.worker.model_info is not None)     # the model's load shares the machine too
    print(f"{window.model.total:,} pieces, {len(window.sidebar.items_of('Composers'))} composers shown")
    before, gui, arrived, stalls = [], [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        queries.count_pieces(window.reader.library)          # what refresh_sidebar read here until now
        facets(window.reader.library, window.reader.vocabularies())
        before.append(time.perf_counter() - started)
        started = time.perf_counter()
        window.refresh_library()
        gui.append(time.perf_counter() - started)
        job = window._sidebar_job
        stalls.append(longest_stall(app, lambda: job.done))
        arrived.append(time.perf_counter() - started)
        assert job.state == "returned", job.error
    show("before: counts on the GUI thread (window frozen)", before)
    show("now: refresh_library on the GUI thread", gui)
    show("now: counts in the sidebar (read lane)", arrived)
    show("now: longest event-loop stall while counting", stalls)
    window.close()


if __name__ == "__main__":
    main()
