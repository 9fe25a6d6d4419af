"""Quitting: seconds from the window's close to the process's end, with and without Python's teardown.

    python bench/bench_quit.py            # 3 quits each way on a 3-piece library (bundled model)
    python bench/bench_quit.py --runs 1

Each run is a fresh process (offscreen) that opens the window on the same
library, waits until the model is loaded and one described search has run
(torch, the tokenizer and music21 all loaded, as after a few minutes of use),
then closes the window.  "ends at once" is what ``clamp_desktop.ui.app.main``
does after a clean close (``leave``: exit handlers, flush, ``os._exit``);
"interpreter teardown" returns from ``main`` normally, as before issue 15.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
MODES = {"leave": "ends at once", "teardown": "interpreter teardown"}


def child(mode: str, home: Path) -> None:
    from PySide6.QtCore import QTimer

    import clamp_desktop.ui.app as app_module
    from clamp_desktop.ui.main_window import MainWindow
    from clamp_desktop.ui.settings import Settings

    app_module.application(["bench"])
    window = MainWindow(Settings())
    window.show()

    def search_then_close():
        job = window.worker.search("a slow chorale")
        job.finished.connect(lambda: QTimer.singleShot(0, window.close))

    window.worker.modelReady.connect(lambda _info: search_then_close())
    def ends_at_once(code: int) -> None:
        print(f"CLOSED {time.time()}", flush=True)
        app_module.leave(code)

    app_module.open_main_window = lambda: window
    code = app_module.main(["bench"], exit_process=ends_at_once if mode == "leave" else lambda code: None)
    print(f"CLOSED {time.time()}", flush=True)      # "teardown": the interpreter's exit follows
    sys.exit(code)


def prepare(home: Path) -> None:
    scores = home / "scores"
    scores.mkdir(parents=True)
    import music21

    for path in sorted((Path(music21.__file__).parent / "corpus" / "bach").glob("bwv1*.mxl"))[:3]:
        shutil.copy(path, scores / path.name)
    env = {**os.environ, **environment(home)}
    subprocess.run([sys.executable, "-m", "clamp_desktop", "index", str(scores), "--db", str(home / "library.db")],
                   check=True, env=env, capture_output=True)
    from clamp_desktop.ui.settings import Settings

    os.environ.update(environment(home))
    settings = Settings()
    settings.set("library/db", str(home / "library.db"))
    settings.set("model/device", "cpu")
    settings.set("first_run/done", True)
    settings.set("watch/enabled", False)


def environment(home: Path) -> dict[str, str]:
    return {f"CLAMP_DESKTOP_{name}": str(home / name.lower()) for name in ("DATA", "CACHE", "CONFIG")}


def quit_seconds(mode: str, home: Path) -> float:
    env = {**os.environ, **environment(home)}
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, "--home", str(home)], env=env,
                               stdout=subprocess.PIPE, text=True)
    closed = None
    for line in process.stdout:
        if line.startswith("CLOSED") and closed is None:
            closed = float(line.split()[1])
    process.wait()
    return time.time() - closed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=sorted(MODES))
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.home)
        return 0
    home = Path(tempfile.mkdtemp(prefix="clamp-quit-"))
    try:
        prepare(home)
        for mode, name in MODES.items():
            times = [quit_seconds(mode, home) for _ in range(args.runs)]
            print(f"{name:22s} median {statistics.median(times):5.2f} s  (runs: "
                  + ", ".join(f"{t:.2f}" for t in times) + ")")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
