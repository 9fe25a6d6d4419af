"""Screenshots of the desktop app on a demo library, saved as PNGs in docs/screenshots/.

    xvfb-run -a python docs/screenshots.py            # a virtual X screen
    QT_QPA_PLATFORM=offscreen python docs/screenshots.py
    QT_QPA_PLATFORM=offscreen python docs/screenshots.py --only organise   # collections, duplicates, edit form

Everything happens in a temporary folder (settings, cache, library): a few
dozen MusicXML scores from music21's corpus are indexed with the bundled
model (or ``--model``), tagged, then each main view is grabbed.  With a
model that is not trained (``--model`` pointing at a random checkpoint)
the search results and tags are meaningless; the views are not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).parent / "screenshots"
PICKS = {  # corpus folder -> how many MusicXML files to take from it
    "bach": 14, "beethoven": 4, "haydn": 3, "mozart": 4, "schumann_clara": 2, "schumann_robert": 2,
    "monteverdi": 4, "trecento": 4, "beach": 1, "joplin": 1, "schoenberg": 1, "leadSheet": 2,
}
BROKEN = "unfinished-draft.musicxml"


def demo_scores(target: Path) -> Path:
    """Copy a varied handful of the demo library's scores (and one broken file) into ``target``."""
    from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES
    from clamp_desktop.ui.first_run import demo_folder

    corpus = demo_folder()
    for folder, count in PICKS.items():
        files = sorted(p for p in (corpus / folder).rglob("*") if p.suffix.lower() in MUSICXML_SUFFIXES)
        for path in files[:count]:
            (target / folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / folder / path.name)
    # Real MuseScore exports in their collections' folder shapes (CC0, tests/data/openscore):
    # titles and composers come from folders and credits as on a user's disk.
    openscore = Path(__file__).parent.parent / "tests" / "data" / "openscore"
    for path in openscore.rglob("*.mxl"):
        copy = target / "openscore" / path.relative_to(openscore)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    (target / BROKEN).write_text("<score-partwise><part-list>")
    return target


def default_or_random_model(home: Path) -> str:
    """The bundled model when installed, else a random checkpoint (the views, not the rankings, matter)."""
    from clamp_desktop.model.registry import BUNDLED, bundled_model_dir

    for entry in BUNDLED:
        if (bundled_model_dir(entry) / "config.json").exists():
            return entry.name
    from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

    print("the bundled model is not installed: using a random checkpoint (rankings and tags are noise)")
    return str(write_random_checkpoint(home / "random-model", tiny_config()))


def wait_for(app, condition, seconds: float = 600) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def run_job(app, job):
    wait_for(app, lambda: job.done)
    if job.error:
        raise SystemExit(f"{job.label} failed: {job.error}")
    return job.result


def grab(widget, name: str) -> Path:
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(f"saved {path}")
    return path


def settle(app, seconds: float = 0.6) -> None:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_for_page(app, window) -> None:
    wait_for(app, lambda: window.viewer.current_image() is not None or window.viewer.message.startswith("This"))
    settle(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model name or checkpoint folder (default: bundled)")
    parser.add_argument("--only", choices=["organise"], default=None,
                        help="take only these screenshots (organise: collection view, duplicates, edit form)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="clamp-shots-"))
    for name in ("DATA", "CACHE", "CONFIG"):
        os.environ[f"CLAMP_DESKTOP_{name}"] = str(home / name.lower())
    OUT.mkdir(parents=True, exist_ok=True)

    from clamp_desktop.ui.app import application, dispose_windows
    from clamp_desktop.ui.first_run import FirstRunDialog
    from clamp_desktop.ui.main_window import MainWindow
    from clamp_desktop.ui.settings import Settings

    app = application(["screenshots"])
    settings = Settings()
    first_run = FirstRunDialog(settings)
    first_run.show()
    settle(app)
    if args.only is None:
        grab(first_run, "first-run")
    first_run.close()

    scores = demo_scores(home / "scores")
    settings.set("library/db", str(home / "library.db"))
    settings.set("model/name", args.model or default_or_random_model(home))
    settings.set("model/device", "cpu")
    settings.set("first_run/done", True)
    settings.set("library/workers", 1)      # a busy machine times conversions out when two run side by side
    window = MainWindow(settings)
    window.resize(1500, 900)
    window.show()
    settle(app)
    run_job(app, window.add_folder(str(scores)))
    run_job(app, window.tag_library())
    window.refresh_library()
    run_job(app, window.refresh_sidebar())      # the sidebar's counts come from the worker's read lane
    settle(app, 1.0)
    if args.only is None:
        other_shots(app, window)
    organise_shots(app, window, home)
    window.close()
    dispose_windows(app)
    shutil.rmtree(home, ignore_errors=True)
    return 0


def other_shots(app, window) -> None:
    """The library, search, similar pieces, tags, the viewer, problems and the dialogs."""
    window.table.selectRow(2)
    wait_for_page(app, window)
    wait_for(app, lambda: not window.thumbnails._pending, 120)
    settle(app)
    grab(window, "library")

    window.sidebar.setCurrentItem(window.sidebar.items_of("Composers")[0])
    settle(app, 1.0)
    wait_for_page(app, window)
    grab(window, "facet-filter")
    window.sidebar.clear_filter()

    window.search_bar.set_text("a four-part chorale")
    window.search_bar.run_semantic()
    wait_for(app, lambda: window.last_semantic is not None and window.last_semantic.done)
    settle(app, 1.0)
    wait_for_page(app, window)
    grab(window, "semantic-search")

    panel = window.similar_dock.reveal()
    panel.show_for_piece(window.selected)
    wait_for(app, lambda: panel._job is not None and panel._job.done)
    settle(app)
    grab(window, "similar-pieces")

    tags = window.tags_dock.reveal()
    tags.show_for(window.selected)
    settle(app)
    grab(window, "tags")

    window.viewer.set_zoom("100%")
    wait_for_page(app, window)
    grab(window.viewer, "score-viewer")

    window.problems_dock.reveal()
    settle(app)
    grab(window, "problems")

    window.settings.set("library/workers", 0)      # as a user has it ("Automatic")
    dialog = window.show_settings()
    settle(app)
    grab(dialog, "settings")
    dialog.close()
    editor = window.edit_vocabularies()
    settle(app)
    grab(editor, "vocabularies")
    editor.close()
    about = window.show_about()
    settle(app)
    grab(about, "about")
    about.close()


def organise_shots(app, window, home: Path) -> None:
    """The collection view, the duplicates panel and the edit form (issue 17), on planted copies."""
    from PySide6.QtCore import Qt

    from clamp_desktop.engine import collections, organise

    copies = plant_copies(home / "copies")
    run_job(app, window.add_folder(str(copies)))
    window.refresh_library()
    window.model.fetch_all()
    pieces = [window.model.piece_at(i) for i in range(window.model.rowCount())]
    bach = [p for p in pieces if "Bach" in (p.get("composer") or "") and "/copies/" not in p["path"]]
    change = window.worker.change
    run_job(app, change("", collections.create_collection, "Sunday service"))
    run_job(app, change("", collections.add_to_collection, "Sunday service", [p["id"] for p in bach[3:8]]))
    run_job(app, change("", collections.create_collection, "Bach in minor", "composer:bach key:minor"))
    run_job(app, change("", collections.create_collection, "Teaching"))
    for stars, piece in zip((5, 4, 3), bach[3:6]):
        run_job(app, change("", organise.rate, piece["id"], stars))
    run_job(app, change("", organise.set_favourite, bach[4]["id"], True))
    run_job(app, change("", organise.edit_piece, bach[5]["id"], title="Jesu, der du meine Seele (final chorale)"))
    window.refresh_library()
    run_job(app, window.refresh_sidebar())
    window.sidebar.setCurrentItem(next(i for i in window.sidebar.items_of("Collections")
                                       if i.text(0) == "Sunday service"))
    settle(app, 1.0)
    window.table.selectRow(1)
    wait_for_page(app, window)
    grab(window, "collection-view")
    window.sidebar.clear_filter()
    window.duplicates_dock.reveal()
    run_job(app, window.find_duplicates())
    window.resizeDocks([window.duplicates_dock], [260], Qt.Orientation.Vertical)
    settle(app, 1.0)
    grab(window, "duplicates")
    window.open_piece(window.reader.piece(bach[5]["id"]))
    settle(app)
    form = window.edit_metadata()
    settle(app)
    grab(form, "edit-form")
    form.close()


def plant_copies(folder: Path) -> Path:
    """A byte copy and a music21-transposed copy of two of the demo's Bach chorales."""
    import music21

    from clamp_desktop.ui.first_run import demo_folder

    folder.mkdir(parents=True, exist_ok=True)
    chorales = sorted((demo_folder() / "bach").glob("*.mxl"))
    shutil.copy(chorales[0], folder / f"{chorales[0].stem} (copy).mxl")
    music21.converter.parse(chorales[1]).transpose("M2").write("musicxml", fp=folder / f"{chorales[1].stem} in D.musicxml")
    return folder



if __name__ == "__main__":
    sys.exit(main())
