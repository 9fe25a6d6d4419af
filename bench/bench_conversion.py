"""How many real files the faithful converter loses, and how many the repaired conversion rescues.

Every MusicXML file of the given folders (default: ``../shared/corpora/openscore``
when present, plus music21's corpus) goes through the library's conversion
(``ingest.score.read_score``) in the converter pool.  It prints, per folder:
files, converted faithfully, rescued by a repair (by level), listed by their
metadata only, not indexed at all, and the share not indexed (target <= 1 %),
then the marks the repairs removed, most frequent first.

    python bench/bench_conversion.py                      # openscore + music21's corpus
    python bench/bench_conversion.py FOLDER... [--workers N]
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

from clamp_desktop.ingest.musicxml import MUSICXML_SUFFIXES
from clamp_desktop.ingest.pool import ConverterPool

OPENSCORE = Path(__file__).resolve().parents[1] / ".." / ".." / "shared" / "corpora" / "openscore"
_MARK = re.compile(r"(<[^>]+>(?:[^<(,;]*</[a-z-]+>)?(?: without <per-minute>)?)")


def survey_file(path: str) -> tuple[str, str | None]:
    """(outcome, detail): 'faithful', 'repaired', 'listed' (metadata only) or 'failed'."""
    from clamp_desktop.errors import ConversionError
    from clamp_desktop.ingest.score import read_score

    try:
        entries = read_score(path)
    except ConversionError as exc:
        return "failed", str(exc)
    if any(e.error for e in entries):
        return "listed", next(e.error for e in entries if e.error)
    notes = [e.conversion_note for e in entries if e.conversion_note]
    return ("repaired", notes[0]) if notes else ("faithful", None)


def default_folders() -> list[Path]:
    import music21

    folders = [Path(music21.__file__).parent / "corpus"]
    shared = Path("/work/shared/corpora/openscore")
    for candidate in (OPENSCORE.resolve(), shared):
        if candidate.is_dir():
            return [candidate] + folders
    return folders


def files_in(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in MUSICXML_SUFFIXES and p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    marks: collections.Counter = collections.Counter()
    for folder in args.folders or default_folders():
        files = files_in(folder)
        outcomes: collections.Counter = collections.Counter()
        with ConverterPool(survey_file, workers=args.workers, timeout=120) as pool:
            for done, (path, result, error) in enumerate(pool.imap_unordered(files), 1):
                outcome, detail = result if result else ("failed", error)
                outcomes[outcome] += 1
                if done % 100 == 0:
                    print(f"  {done}/{len(files)} read", flush=True)
                if outcome == "repaired":
                    marks.update(set(_MARK.findall(detail.split("; the faithful")[0])))
                    print(f"  repaired: {path}: {detail}", flush=True)
                if outcome in ("listed", "failed"):
                    print(f"  {outcome}: {path}: {detail}", flush=True)
        lost = len(files) - outcomes["faithful"]
        not_indexed = outcomes["failed"]
        print(f"{folder}: {len(files)} files; faithful {outcomes['faithful']}, "
              f"faithful converter failed {lost}: rescued {outcomes['repaired']}, "
              f"listed by metadata only {outcomes['listed']}, not indexed {not_indexed}; "
              f"without a vector {100 * (outcomes['listed'] + not_indexed) / max(len(files), 1):.2f} % "
              f"(not indexed {100 * not_indexed / max(len(files), 1):.2f} %; target <= 1 %)", flush=True)
    for mark, count in marks.most_common(20):
        print(f"  repaired in {count} files: {mark}")


if __name__ == "__main__":
    main()
