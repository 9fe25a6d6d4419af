"""Playback: a ``Synthesizer`` pulled by a QAudioSink that lives on its own thread.

The sink asks the ``SynthDevice`` for samples on the audio thread, so
synthesis never runs on the GUI thread and the GUI never stutters the sound.
The GUI sets what to play (speed, volume, mutes, loop, playing or not) as
plain attributes the audio thread reads, and follows ``position`` with a timer.
With no multimedia module or no sound device, ``problem`` says so in one line.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QIODevice, QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from ..engine.synth import SAMPLE_RATE, Synthesizer

FOLLOW_MS = 33
BUFFER_FRAMES = 4096                 # ~93 ms: low latency, no dropouts on a busy machine


def sound_output_problem() -> str:
    """'' when sound can play; else the one line that says why not."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as exc:   # not installed, or a system library it needs (libpulse) is missing
        return f"Playback is off: Qt's multimedia module cannot load ({exc}); see the README, 'Sound'."
    if QMediaDevices.defaultAudioOutput().isNull():
        return "Playback is off: this computer has no sound output device."
    return ""


class SynthDevice(QIODevice):
    """A readable device of 16-bit stereo frames, made on demand by the synthesiser."""

    ended = Signal()

    def __init__(self):
        super().__init__()
        self.synth: Synthesizer | None = None
        self.playing = False
        self.loop: tuple[float, float] | None = None     # score seconds

    def frames(self, count: int) -> np.ndarray:
        """The next ``count`` frames as float32; silence while paused; wraps a loop; ends at the end."""
        synth = self.synth
        if synth is None or not self.playing or count <= 0:
            return np.zeros((count, 2), np.float32)
        blocks, left = [], count
        while left:
            step = left
            if self.loop is not None:
                step = min(step, int((self.loop[1] - synth.position) / synth.speed * synth.samplerate))
                if step <= 0:
                    synth.seek(self.loop[0])
                    continue
            blocks.append(synth.render(step))
            left -= step
        samples = np.concatenate(blocks)
        if synth.finished and self.loop is None:
            self.playing = False
            self.ended.emit()
        return samples

    def readData(self, maxlen: int):
        count = max(maxlen // 4, 0)
        pcm = (np.clip(self.frames(count), -1, 1) * 32767).astype("<i2")
        return pcm.tobytes()

    def writeData(self, data) -> int:
        return -1

    def bytesAvailable(self) -> int:
        return BUFFER_FRAMES * 4 + super().bytesAvailable()

    def isSequential(self) -> bool:
        return True


class AudioOut(QObject):
    """Owns the QAudioSink; lives on the audio thread (its slots run there)."""

    def __init__(self, device: SynthDevice):
        super().__init__()
        self.device = device
        self.sink = None

    @Slot()
    def open(self) -> None:
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        audio_format = QAudioFormat()
        audio_format.setSampleRate(SAMPLE_RATE)
        audio_format.setChannelCount(2)
        audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self.sink = QAudioSink(QMediaDevices.defaultAudioOutput(), audio_format)
        self.sink.setBufferSize(BUFFER_FRAMES * 4)
        self.device.open(QIODevice.OpenModeFlag.ReadOnly)
        self.sink.start(self.device)

    @Slot()
    def close(self) -> None:
        if self.sink is not None:
            self.sink.stop()
            self.sink = None
        self.device.close()


class AudioPlayer(QObject):
    """Play, pause, stop, seek, speed, volume, mutes and a loop over one ``Synthesizer``."""

    positionChanged = Signal(float)      # score seconds, as heard
    stateChanged = Signal(bool)          # playing or not

    def __init__(self, parent=None):
        super().__init__(parent)
        self.problem = sound_output_problem()
        self.device = SynthDevice()
        self.device.ended.connect(self._ended)
        self._thread: QThread | None = None
        self._out: AudioOut | None = None
        self._follow = QTimer(self, interval=FOLLOW_MS)
        self._follow.timeout.connect(self._report)
        self.speed, self.volume = 1.0, 0.8

    @property
    def synth(self) -> Synthesizer | None:
        return self.device.synth

    @property
    def playing(self) -> bool:
        return self.device.playing

    def load(self, synth: Synthesizer | None) -> None:
        self.stop()
        if synth is not None:
            synth.speed, synth.gain = self.speed, self.volume
        self.device.synth = synth

    def _ensure_output(self) -> bool:
        if self.problem:
            return False
        if self._thread is None:
            self._thread = QThread(self)
            self._thread.setObjectName("audio")
            self._out = AudioOut(self.device)
            self._out.moveToThread(self._thread)
            self.device.moveToThread(self._thread)
            self._thread.started.connect(self._out.open)
            self._thread.start()
        return True

    def play(self) -> None:
        if self.synth is None or not self._ensure_output():
            return
        if self.synth.finished:
            self.synth.seek(self.device.loop[0] if self.device.loop else 0.0)
        self.device.playing = True
        self._follow.start()
        self.stateChanged.emit(True)

    def pause(self) -> None:
        self.device.playing = False
        self._follow.stop()
        self.stateChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def stop(self) -> None:
        self.pause()
        if self.synth is not None:
            self.synth.seek(self.device.loop[0] if self.device.loop else 0.0)
            self.positionChanged.emit(self.synth.position)

    def seek(self, seconds: float) -> None:
        if self.synth is not None:
            self.synth.seek(seconds)
            self.positionChanged.emit(self.synth.position)

    def set_speed(self, speed: float) -> None:
        self.speed = min(max(speed, 0.25), 4.0)
        if self.synth is not None:
            self.synth.speed = self.speed

    def set_volume(self, volume: float) -> None:
        self.volume = min(max(volume, 0.0), 1.0)
        if self.synth is not None:
            self.synth.gain = self.volume

    def set_muted(self, channels) -> None:
        if self.synth is not None:
            self.synth.set_muted(channels)

    def set_loop(self, start: float | None, end: float | None = None) -> None:
        self.device.loop = None if start is None or end is None or end <= start else (start, end)

    def _heard_position(self) -> float:
        latency = BUFFER_FRAMES / SAMPLE_RATE * self.speed if self.playing else 0.0
        return max(self.synth.position - latency, 0.0)

    def _report(self) -> None:
        if self.synth is not None:
            self.positionChanged.emit(self._heard_position())

    def _ended(self) -> None:
        self._follow.stop()
        self.stateChanged.emit(False)

    def shutdown(self) -> None:
        self.pause()
        if self._thread is not None:
            self._thread.started.disconnect()
            if self._thread.isRunning():     # the sink is stopped on its own thread, before that ends
                QMetaObject.invokeMethod(self._out, "close", Qt.ConnectionType.BlockingQueuedConnection)
            self._thread.quit()
            self._thread.wait(3000)
            self._thread = None
