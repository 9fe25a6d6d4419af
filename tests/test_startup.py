"""Start-up stays light: the CLI and the converter processes never import torch or Qt."""

import subprocess
import sys

PROBE = "import sys, {module}; print('torch' in sys.modules, 'PySide6' in sys.modules)"


def imports_of(module: str) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_cli_import_does_not_load_torch_or_qt():
    assert imports_of("clamp_desktop.cli") == "False False"


def test_converter_job_does_not_load_torch_or_qt():
    assert imports_of("clamp_desktop.engine.indexer") == "False False"
