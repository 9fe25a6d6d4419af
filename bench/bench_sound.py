"""How fast a score becomes sound, pages and a followable timemap.

    python bench/bench_sound.py [SCORE...]      # default: three pieces of music21's corpus

Printed per score: Verovio's MIDI and timemap (the render lane's work before
playback starts), offline synthesis as a multiple of real time (what the
audio thread must beat by far so the GUI and the sound never stutter), and
the vector PDF.  The SoundFont's first load is printed once (an .sf3 is
decompressed then; later pieces reuse it).  Figures only: no targets, no
exit status from timings.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    import music21

    from clamp_desktop.engine.follow import Timemap, score_sound
    from clamp_desktop.engine.render import ScoreRenderer
    from clamp_desktop.engine.soundfonts import find_soundfont
    from clamp_desktop.engine.synth import SAMPLE_RATE, Synthesizer, load_bank
    from clamp_desktop.ui.pdf import write_pdf

    corpus = Path(music21.__file__).parent / "corpus"
    scores = [Path(a) for a in argv] or [corpus / "bach/bwv66.6.mxl", corpus / "beach/prayer_of_a_tired_child.musicxml",
                                         corpus / "beethoven/opus18no1/movement1.mxl"]
    font = find_soundfont()
    bank = None
    if font is None:
        print("no SoundFont: synthesis is not measured")
    else:
        start = time.perf_counter()
        bank = load_bank(str(font))
        print(f"SoundFont {font.name}: first load {time.perf_counter() - start:.2f} s")
    for score in scores:
        renderer = ScoreRenderer()
        start = time.perf_counter()
        renderer.load(score)
        laid_out = time.perf_counter() - start
        start = time.perf_counter()
        sound = score_sound(renderer, str(score))
        timemap = Timemap.from_entries(sound.timemap)
        prepared = time.perf_counter() - start
        line = (f"{score.name}: {renderer.page_count} pages, {timemap.duration:.0f} s of music; layout "
                f"{laid_out:.2f} s, MIDI+timemap {prepared:.2f} s")
        if bank is not None:
            synth = Synthesizer(bank, sound.midi)
            start = time.perf_counter()
            synth.render(int(synth.duration * SAMPLE_RATE))
            line += f", synthesis {synth.duration / (time.perf_counter() - start):.0f}x real time"
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            write_pdf([renderer.page_svg(p) for p in range(1, renderer.page_count + 1)], Path(folder) / "x.pdf")
        line += f", PDF {time.perf_counter() - start:.2f} s"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
