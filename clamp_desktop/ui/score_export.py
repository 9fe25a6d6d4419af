"""Print the viewer's piece, or save it as PDF or MIDI (the pages come from the render lane)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox


def page_svgs(renderer, path: str, tune: int) -> list[str]:
    """Every page of a piece as flattened SVG (runs on the render lane)."""
    score = renderer.load(path, tune)
    return [renderer.page_svg(page) for page in range(1, score.pages + 1)]


def piece_midi(renderer, path: str, tune: int) -> bytes:
    renderer.load(path, tune)
    return renderer.midi()


class ScoreExport(QObject):
    """The viewer's Print…, Save as PDF… and Save MIDI…; ``done`` carries what was written."""

    done = Signal(str)
    failed = Signal(str)

    def __init__(self, viewer):
        super().__init__(viewer)
        self.viewer = viewer

    def _piece(self):
        piece = self.viewer.piece
        return (piece["path"], piece.get("tune") or 0) if piece else None

    def _ask(self, title: str, suffix: str, kinds: str) -> str:
        path, tune = self._piece()
        suggested = str(Path(path).with_suffix(suffix).name)
        chosen, _ = QFileDialog.getSaveFileName(self.viewer, title, suggested, kinds)
        return chosen

    def _run(self, function, then) -> None:
        job = self.viewer.worker.render("Preparing the pages", function, *self._piece())
        job.returned.connect(then)
        job.errored.connect(self._fail)

    def _fail(self, message: str) -> None:
        self.failed.emit(message)
        if self.viewer.isVisible():
            QMessageBox.warning(self.viewer, "clamp-desktop", message)

    def save_pdf(self, out: str | None = None) -> None:
        if self._piece() is None:
            return
        out = out or self._ask("Save as PDF", ".pdf", "PDF (*.pdf)")
        if out:
            self._run(page_svgs, lambda svgs: self._write_pdf(svgs, out))

    def _write_pdf(self, svgs: list[str], out: str) -> None:
        from .pdf import write_pdf

        write_pdf(svgs, out, title=self.viewer.title_label.text())
        self.done.emit(out)

    def save_midi(self, out: str | None = None) -> None:
        if self._piece() is None:
            return
        out = out or self._ask("Save MIDI", ".mid", "MIDI (*.mid)")
        if out:
            self._run(piece_midi, lambda data: (Path(out).write_bytes(data), self.done.emit(out)))

    def print_score(self, printer=None) -> None:
        """Print through the system's dialog (or straight to ``printer`` when given)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if self._piece() is None:
            return
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if QPrintDialog(printer, self.viewer).exec() != QPrintDialog.DialogCode.Accepted:
                return
        self._printer = printer      # kept alive until the pages arrive
        self._run(page_svgs, self._print)

    def _print(self, svgs: list[str]) -> None:
        from .pdf import paint_pages

        paint_pages(self._printer, svgs)
        self.done.emit(self._printer.outputFileName() or self._printer.printerName())
