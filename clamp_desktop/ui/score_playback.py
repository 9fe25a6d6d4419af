"""The viewer's playback: a bar of controls, the player, and the page following the sound.

Pressing play the first time prepares the piece on the render lane (its MIDI,
its timemap, the SoundFont); then the audio thread plays and a timer moves the
highlight and turns pages from the timemap.  A click on a bar seeks there;
shift-click sets where a loop ends.  Without a SoundFont the bar offers one
download; without a sound device it says so in one line.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QSlider, QToolButton, QWidget

from ..engine.playback import Playable, prepare_playback
from .icons import icon

SPEED_STEP = 1.1
PREFETCH_S = 3.0            # the next page is drawn this long before playback reaches it


class PlaybackBar(QWidget):
    """Play/pause, stop, tempo, loop, parts, volume, and one line of news."""

    def __init__(self, actions: dict[str, QAction], parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons = {}
        for name in ("play", "stop", "slower", "faster", "loop"):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            self.buttons[name] = button
        self.tempo_label = QLabel("100%")
        self.time_label = QLabel("0:00")
        self.parts_button = QToolButton(text="Parts", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.parts_button.setMenu(QMenu(self.parts_button))
        self.volume = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, maximumWidth=80)
        self.volume.setToolTip("Volume")
        for widget in (self.buttons["play"], self.buttons["stop"], self.time_label, self.buttons["slower"],
                       self.tempo_label, self.buttons["faster"], self.buttons["loop"], self.parts_button,
                       self.volume):
            layout.addWidget(widget)
        layout.addStretch(1)
        # News goes on a line of its own (the viewer places it), so the controls stay narrow.
        self.message = QLabel(wordWrap=True)
        self.download_button = QPushButton(icon("save"), "Download a SoundFont")
        self.download_button.hide()
        self.message.hide()


class ScorePlayback(QObject):
    """Plays the viewer's piece and makes the viewer follow it."""

    ready = Signal()                    # the piece's timemap (and synthesiser) arrived
    downloadProgress = Signal(int, int)
    downloadEnded = Signal(str)         # '' or the error line

    def __init__(self, viewer, settings=None):
        super().__init__(viewer)
        self.viewer = viewer
        self.settings = settings
        self.playable: Playable | None = None
        self.player = None
        self.loop_bars: list[str] = []          # [start] or [start, end]
        self._job = None
        self._play_when_ready = False
        self.actions_by_name = self._make_actions()
        self.bar = PlaybackBar(self.actions_by_name)
        self.bar.volume.setValue(round(100 * self._setting("sound/volume", 0.8)))
        self.bar.volume.valueChanged.connect(self._volume_changed)
        self.bar.download_button.clicked.connect(self.download_soundfont)
        self.downloadProgress.connect(self._download_progress)
        self.downloadEnded.connect(self._download_ended)
        viewer.page_label.clicked.connect(self._clicked)

    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "play": ("Play", "Space", self.toggle),
            "stop": ("Stop", "Ctrl+Space", self.stop),
            "slower": ("Slower", "[", lambda: self.set_speed(self.speed / SPEED_STEP)),
            "faster": ("Faster", "]", lambda: self.set_speed(self.speed * SPEED_STEP)),
            "loop": ("Loop", "Ctrl+Shift+L", self._apply_loop),
        }
        made = {}
        for name, (text, key, slot) in specs.items():
            action = QAction(icon(name), text, self.viewer)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.viewer.addAction(action)
            made[name] = action
        made["loop"].setCheckable(True)
        made["loop"].setToolTip("Loop: click a bar to start there, shift-click a bar to end there")
        made["slower"].setText("−")
        made["faster"].setText("+")
        return made

    def _setting(self, key: str, default):
        return self.settings.get(key) if self.settings is not None else default

    @property
    def speed(self) -> float:
        return self.player.speed if self.player is not None else 1.0

    # --- getting ready --------------------------------------------------------------

    def piece_changed(self) -> None:
        if self.player is not None:
            self.player.load(None)
        self.playable, self.loop_bars = None, []
        self._apply_loop()
        self.viewer.set_highlight(frozenset())
        self.bar.time_label.setText("0:00")
        self._fill_parts([])

    def prepare(self, play: bool = False) -> None:
        """Fetch the piece's timemap (and synthesiser, when there is a SoundFont) on the render lane."""
        from ..engine.soundfonts import find_soundfont
        from ..engine.synth import SoundError

        piece = self.viewer.piece
        if piece is None:
            return
        try:
            soundfont = find_soundfont(self._setting("sound/soundfont", "") or None)
        except SoundError as exc:
            soundfont = None
            self.say(str(exc))
        self._play_when_ready = play
        if soundfont:
            self.say("Preparing the sound…")
        self._job = self.viewer.worker.render("Preparing the sound", prepare_playback, piece["path"],
                                              piece.get("tune") or 0, str(soundfont) if soundfont else None,
                                              self.viewer.view)
        self._job.returned.connect(self._prepared)
        self._job.errored.connect(self.say)

    def _prepared(self, playable: Playable) -> None:
        piece = self.viewer.piece
        if piece is None or (playable.path, playable.tune) != (piece["path"], piece.get("tune") or 0):
            return
        self.playable = playable
        self._fill_parts(playable.sound.parts)
        if playable.synth is None:
            self.say(playable.problem, download=playable.problem.startswith("No SoundFont"))
        else:
            self._ensure_player().load(playable.synth)
            self._apply_loop()
            self.say(self.player.problem)
            if self._play_when_ready and not self.player.problem:
                self.player.play()
        self.ready.emit()

    def _ensure_player(self):
        if self.player is None:
            from .audio_player import AudioPlayer

            self.player = AudioPlayer(self)
            self.player.set_volume(self.bar.volume.value() / 100)
            self.player.positionChanged.connect(self.follow)
            self.player.stateChanged.connect(self._state_changed)
        return self.player

    def say(self, text: str, download: bool = False) -> None:
        self.bar.message.setText(text)
        self.bar.message.setVisible(bool(text))
        self.bar.download_button.setVisible(download)

    # --- controls -------------------------------------------------------------------

    def toggle(self) -> None:
        if self.playable is None or self.playable.synth is None:
            self.prepare(play=True)
        elif self.player is not None:
            self.player.toggle()

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()

    def set_speed(self, speed: float) -> None:
        self._ensure_player().set_speed(speed)
        self.bar.tempo_label.setText(f"{round(100 * self.player.speed)}%")

    def _volume_changed(self, value: int) -> None:
        if self.settings is not None:
            self.settings.set("sound/volume", value / 100)
        if self.player is not None:
            self.player.set_volume(value / 100)

    def _state_changed(self, playing: bool) -> None:
        action = self.actions_by_name["play"]
        action.setIcon(icon("pause" if playing else "play"))
        action.setText("Pause" if playing else "Play")

    def _fill_parts(self, parts: list) -> None:
        menu = self.bar.parts_button.menu()
        menu.clear()
        for part in parts:
            action = menu.addAction(part.name)
            action.setCheckable(True)
            action.setChecked(True)
            action.setData(part.channel)
            action.toggled.connect(self._mutes_changed)
        if parts:
            menu.addSeparator()
            solo = menu.addMenu("Solo")
            for part in parts:
                solo.addAction(part.name, lambda channel=part.channel: self.solo(channel))
        self.bar.parts_button.setEnabled(bool(parts))

    def _part_actions(self) -> list[QAction]:
        return [a for a in self.bar.parts_button.menu().actions() if a.isCheckable()]

    def solo(self, channel: int) -> None:
        for action in self._part_actions():
            action.blockSignals(True)
            action.setChecked(action.data() == channel)
            action.blockSignals(False)
        self._mutes_changed()

    def _mutes_changed(self) -> None:
        if self.player is not None:
            self.player.set_muted(a.data() for a in self._part_actions() if not a.isChecked())

    # --- following, seeking, looping ------------------------------------------------

    def follow(self, seconds: float) -> None:
        """Show the page of this moment and mark the notes sounding."""
        if self.playable is None:
            return
        timemap = self.playable.timemap
        page = timemap.page_at(seconds)
        if page != self.viewer.page:
            self.viewer.go_to(page)
        coming = timemap.page_at(seconds + PREFETCH_S)
        if coming != page:
            self.viewer.prefetch(coming)      # drawn before the turn, so the turn is instant
        self.viewer.set_highlight(timemap.notes_at(seconds))
        self.bar.time_label.setText(f"{int(seconds) // 60}:{int(seconds) % 60:02d}")

    def _clicked(self, point, modifiers) -> None:
        bar = self.viewer.bar_at(point)
        if not bar or self.playable is None or bar not in self.playable.timemap.bar_start:
            return
        if modifiers & Qt.KeyboardModifier.ShiftModifier and self.loop_bars:
            self.loop_bars = [self.loop_bars[0], bar]
            self.actions_by_name["loop"].setChecked(True)
        else:
            self.loop_bars = [bar]
            if self.player is not None:
                self.player.seek(self.playable.timemap.bar_start[bar])
            self.follow(self.playable.timemap.bar_start[bar])
        self._apply_loop()

    def loop_span(self) -> tuple[float, float] | None:
        """(start, end) seconds of the loop: the chosen bars, or the whole piece."""
        if self.playable is None or not self.actions_by_name["loop"].isChecked():
            return None
        starts = self.playable.timemap.bar_start
        if len(self.loop_bars) < 2:
            return 0.0, self.playable.timemap.duration
        first, last = sorted((starts[self.loop_bars[0]], starts[self.loop_bars[1]]))
        after = [t for t in starts.values() if t > last]
        return first, min(after) if after else self.playable.timemap.duration

    def _apply_loop(self) -> None:
        if self.player is not None:
            span = self.loop_span()
            self.player.set_loop(*(span or (None,)))

    # --- the SoundFont download -----------------------------------------------------

    def download_soundfont(self) -> None:
        from ..engine.soundfonts import FLUIDR3_MONO, download_soundfont

        self.bar.download_button.setEnabled(False)
        self.say(f"Downloading {FLUIDR3_MONO.name} ({FLUIDR3_MONO.size / 1e6:.0f} MB)…", download=True)

        def run():
            try:
                download_soundfont(lambda done, total: self.downloadProgress.emit(done, total))
                self.downloadEnded.emit("")
            except Exception as exc:   # reported in the bar as one line; nothing is left half-written
                self.downloadEnded.emit(str(exc))

        threading.Thread(target=run, name="soundfont-download", daemon=True).start()

    def _download_progress(self, done: int, total: int) -> None:
        self.say(f"Downloading the SoundFont: {done / 1e6:.1f} of {total / 1e6:.1f} MB", download=True)

    def _download_ended(self, error: str) -> None:
        self.bar.download_button.setEnabled(True)
        if error:
            self.say(error, download=True)
            return
        self.say("SoundFont downloaded.")
        self.prepare()

    def shutdown(self) -> None:
        if self.player is not None:
            self.player.shutdown()
