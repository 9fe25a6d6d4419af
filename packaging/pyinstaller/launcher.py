"""The bundle's entry point: ``clamp-desktop`` runs the command line,
``clamp-desktop-gui`` (a second executable on Windows, a symlink elsewhere)
opens the window.  One script serves both so PyInstaller analyses the
dependencies (torch, transformers, Qt) once.
"""

import multiprocessing
import os
import sys


def main() -> None:
    # The converter pool starts "spawn" workers by re-running this executable;
    # freeze_support turns such a run into the worker before anything else.
    multiprocessing.freeze_support()
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0].lower()
    if name.endswith("-gui"):
        from clamp_desktop.ui.app import main as run
    else:
        from clamp_desktop.cli import main as run
    run()


if __name__ == "__main__":
    main()
