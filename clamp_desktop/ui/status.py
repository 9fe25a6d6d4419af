"""The status bar's job indicator: what runs, how far, a cancel button; and the model's device."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from ..wording import plural
from .elided_label import ElidedLabel
from .icons import icon

REFRESH_S = 0.1          # the bar is repainted at most this often
LABEL_WIDTH = 380        # fixed, so the bar and the cancel button stay put as the text changes


def progress_text(label: str, progress) -> str:
    stage = getattr(progress, "stage", "")
    detail = getattr(progress, "detail", "")
    done, total = getattr(progress, "done", 0), getattr(progress, "total", 0)
    counted = f" {done}/{total}" if total else ""
    extra = f" — {detail}" if detail else ""
    return f"{label}: {stage}{counted}{extra}" if stage and stage != "done" else label


def index_message(summary) -> str:
    """An index run's summary for the status bar; files still failing from earlier runs are counted too."""
    text = (f"Indexed: {summary.added} added, {summary.updated} updated, {summary.removed} removed, "
            f"{summary.failed} failed, {summary.repaired} repaired, {summary.encoded} encoded")
    still = getattr(summary, "still_failing", 0)
    if still:
        text += f" · {plural(still, 'file')} in the library not converted (see Problems)"
    return text


def device_caption(device: str | None) -> str:
    if not device:
        return "not loaded yet"
    return "CPU" if device == "cpu" else f"GPU ({device})"


class JobIndicator(QWidget):
    """Shows the engine lane's current job; cancelling cancels it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = ElidedLabel(width=LABEL_WIDTH)
        self.label.setFixedWidth(LABEL_WIDTH)
        self.bar = QProgressBar(maximumWidth=180, textVisible=False)
        self.cancel_button = QToolButton(toolTip="Cancel this job")
        self.cancel_button.setIcon(icon("cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.device_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.device_label)
        self.job = None
        self._shown_at = 0.0
        self._idle()

    def track(self, job) -> None:
        self.job = job
        self.label.setText(job.label + "…")
        self.bar.setRange(0, 0)
        for widget in (self.label, self.bar, self.cancel_button):
            widget.show()
        job.yielded.connect(lambda progress, job=job: self._progress(job, progress))

    def _progress(self, job, progress) -> None:
        now = time.monotonic()
        if job is not self.job or now - self._shown_at < REFRESH_S:
            return
        self._shown_at = now
        total = getattr(progress, "total", 0)
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(getattr(progress, "done", 0), total))
        else:
            self.bar.setRange(0, 0)
        self.label.setText(progress_text(job.label, progress))

    def ended(self, job) -> None:
        if job is self.job:
            self.job = None
            self._idle()

    def _idle(self) -> None:
        self.label.clear()
        self.label.hide()
        self.bar.hide()
        self.cancel_button.hide()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.label.setText(f"{self.job.label}: cancelling…")

    def show_device(self, model: str, device: str | None) -> None:
        shown = model.rstrip("/").rsplit("/", 1)[-1] if model.startswith("/") else model
        self.device_label.setText(f"Model: {shown} · {device_caption(device)}")
        self.device_label.setToolTip(f"{model}\nThe model runs on the GPU when there is one, else on the CPU")
