"""Running the real CLI entry point in-process and capturing what it prints."""

from clamp_desktop.cli import main


def run_cli(args, capsys):
    """(exit status, stdout, stderr) of ``clamp-desktop ARGS``."""
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err
