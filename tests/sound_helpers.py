"""Shared by the sound tests: a SoundFont or a skip that says why, and a spectrum reader."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest


def soundfont_or_skip() -> Path:
    pytest.importorskip("tinysoundfont", reason="sound checks need tinysoundfont (pip install --no-deps tinysoundfont)")
    from clamp_desktop.engine.soundfonts import find_soundfont

    path = find_soundfont()
    if path is None:
        pytest.skip("no SoundFont on this system (Debian/Ubuntu: apt install fluidr3mono-gm-soundfont)")
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate."""
    with wave.open(str(path)) as handle:
        rate, frames = handle.getframerate(), handle.readframes(handle.getnframes())
        channels = handle.getnchannels()
    samples = np.frombuffer(frames, "<i2").reshape(-1, channels).mean(axis=1) / 32768
    return samples, rate


def fundamental_midi_pitch(samples: np.ndarray, rate: int) -> float:
    """The MIDI pitch (fractional) of the lowest strong partial (a fifth of the strongest's
    height or more) in a windowed FFT: the fundamental, though an upper partial is louder."""
    window = samples * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(window, n=1 << 17))
    freqs = np.fft.rfftfreq(1 << 17, 1 / rate)
    spectrum[freqs < 50] = 0
    strong = np.flatnonzero(spectrum >= spectrum.max() / 5)
    first = strong[0]
    end = first
    while end + 1 < len(spectrum) and spectrum[end + 1] >= spectrum[end]:
        end += 1                              # climb to the top of that partial's peak
    return 69 + 12 * np.log2(freqs[end] / 440)
