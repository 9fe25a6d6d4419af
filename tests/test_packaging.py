"""Packaging: what the wheel carries, the Linux desktop files, and the standalone bundle.

The wheel tests build a real wheel (pip, from a copy of the tree) and read it.
The desktop-file validators run where their tools are installed
(desktop-file-utils, appstream, shared-mime-info) and skip elsewhere.  The
bundle test builds the PyInstaller bundle (many minutes) and runs only when
asked for: ``pytest -m bundle tests/test_packaging.py``.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

import clamp_desktop

REPO = Path(__file__).resolve().parent.parent
LINUX = REPO / "packaging" / "linux"
APP_ID = "io.github.clamp_desktop.ClampDesktop"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO_FILE = LINUX / f"{APP_ID}.metainfo.xml"
MIME_FILE = LINUX / f"{APP_ID}.mime.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MUSICXML_TYPES = {"application/vnd.recordare.musicxml+xml", "application/vnd.recordare.musicxml"}
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"

# Copied to build the wheel; everything else in the tree (venvs, build
# outputs, .git) stays behind.
SOURCE_PARTS = ("clamp_desktop", "resources", "db", "docs", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def source_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built by pip from a copy of the source tree (so builds running in the tree are not disturbed)."""
    base = tmp_path_factory.mktemp("wheel")
    tree = base / "src"
    tree.mkdir()
    for part in SOURCE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, tree / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, tree / part)
    out = base / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(tree)],
        capture_output=True, text=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("clamp_desktop-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def wheel_files(wheel: zipfile.ZipFile, prefix: str) -> set[str]:
    return {name[len(prefix):] for name in wheel.namelist() if name.startswith(prefix)}


def test_the_wheel_carries_every_database_migration(wheel):
    migrations = {p.name for p in (REPO / "db" / "migrations").glob("*.sql")}
    assert migrations, "db/migrations holds no .sql files"
    assert wheel_files(wheel, "clamp_desktop/db/migrations/") >= migrations


def test_the_wheel_carries_every_vocabulary_icon_and_bundled_model_file(wheel):
    expected = source_files(REPO / "resources") - {"__init__.py"}
    assert any(name.startswith("vocabularies/") for name in expected), "resources/vocabularies is empty"
    assert any(name.startswith("icons/") for name in expected), "resources/icons is empty"
    missing = expected - wheel_files(wheel, "clamp_desktop/resources/")
    assert not missing, f"not in the wheel: {sorted(missing)[:10]}"


def test_the_wheel_carries_every_file_of_the_package(wheel):
    """New subpackages and data files next to the code ship without editing a list."""
    files = source_files(REPO / "clamp_desktop")
    assert "cli/__init__.py" in files
    missing = files - wheel_files(wheel, "clamp_desktop/")
    assert not missing, f"not in the wheel: {sorted(missing)}"


def test_the_wheel_carries_the_pages_help_shows(wheel):
    assert wheel_files(wheel, "clamp_desktop/docs/") >= {"user-guide.md", "search.md"}
    assert not [n for n in wheel.namelist() if n.startswith("clamp_desktop/docs/") and not n.endswith(".md")]


def test_the_wheel_has_no_tests_or_bytecode(wheel):
    names = wheel.namelist()
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]


def test_the_wheels_entry_points_name_modules_it_carries(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(entry_points).decode())
    assert parser["console_scripts"]["clamp-desktop"] == "clamp_desktop.cli:main"
    assert parser["gui_scripts"]["clamp-desktop-gui"] == "clamp_desktop.ui.app:main"
    names = set(wheel.namelist())
    for target in ("clamp_desktop.cli:main", "clamp_desktop.ui.app:main"):
        module = target.split(":")[0].replace(".", "/")
        assert f"{module}.py" in names or f"{module}/__init__.py" in names, target


def test_the_wheels_version_is_the_packages_version(wheel):
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    headers = dict(line.split(": ", 1) for line in wheel.read(metadata).decode().splitlines()[:20] if ": " in line)
    assert headers["Version"] == clamp_desktop.__version__


# --- Linux desktop integration -------------------------------------------------------------


def desktop_entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def metainfo() -> ElementTree.Element:
    return ElementTree.parse(METAINFO_FILE).getroot()


def run_tool(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} is not installed")
    return subprocess.run(args, capture_output=True, text=True, env=env)


def test_desktop_entry_passes_desktop_file_validate():
    result = run_tool("desktop-file-validate", str(DESKTOP_FILE))
    # Hints leave the exit status at 0, so output of any kind fails.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate():
    result = run_tool("appstreamcli", "validate", "--no-net", "--strict", str(METAINFO_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_mime_package_compiles_to_globs_for_mxl_and_musicxml(tmp_path):
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME_FILE, packages)
    result = run_tool("update-mime-database", str(tmp_path / "mime"), env={**os.environ, "XDG_DATA_DIRS": str(tmp_path)})
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    globs = (tmp_path / "mime" / "globs2").read_text()
    assert ":application/vnd.recordare.musicxml+xml:*.musicxml" in globs
    assert ":application/vnd.recordare.musicxml:*.mxl" in globs


def test_desktop_entry_metainfo_and_mime_package_agree():
    entry = desktop_entry()
    root = metainfo()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    assert root.findtext("project_license") == "MIT"
    assert root.find("content_rating") is not None
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "clamp-desktop-gui"  # the gui-script in pyproject.toml
    assert set(filter(None, entry["MimeType"].split(";"))) == MUSICXML_TYPES
    assert {e.text for e in root.iter("mediatype")} == MUSICXML_TYPES
    declared = {e.get("type") for e in ElementTree.parse(MIME_FILE).getroot().iter(f"{MIME_NS}mime-type")}
    assert declared == MUSICXML_TYPES


def test_metainfo_screenshots_are_files_in_docs_screenshots():
    images = [e.text.strip() for e in metainfo().iter("image")]
    assert images and all("/docs/screenshots/" in url for url in images)
    folder = REPO / "docs" / "screenshots"
    if not folder.is_dir():
        pytest.skip("docs/screenshots does not exist yet")
    missing = [url for url in images if not (folder / url.rsplit("/", 1)[1]).is_file()]
    assert not missing, f"metainfo names screenshots that docs/screenshots lacks: {missing}"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def rendered_svg(svg: Path, size: int):
    """The SVG drawn at size x size by Qt's renderer, as an ARGB32 QImage."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def pixels(image):
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGBA8888_Premultiplied)   # edges with little alpha compare fairly
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4].copy()  # before the image goes


@pytest.mark.parametrize("size", ICON_SIZES)
def test_desktop_icons_were_rendered_from_the_apps_svg(qapp, size):
    """Each PNG shows what the app's SVG draws at its size; a changed SVG needs packaging/render_icons.py run again."""
    from PySide6.QtGui import QImage

    source = REPO / "resources" / "icons" / "clamp-desktop.svg"
    committed = QImage(str(LINUX / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    assert committed.width() == size, "run: QT_QPA_PLATFORM=offscreen python packaging/render_icons.py"
    difference = abs(pixels(committed).astype(int) - pixels(rendered_svg(source, size)).astype(int))
    # antialiasing may differ by a few levels between Qt builds; a different drawing differs by far more
    assert difference.max() <= 16 and difference.mean() < 1.0, "run: QT_QPA_PLATFORM=offscreen python packaging/render_icons.py"


def test_scalable_icon_is_the_apps_svg():
    scalable = LINUX / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    source = REPO / "resources" / "icons" / "clamp-desktop.svg"
    assert scalable.read_bytes() == source.read_bytes(), "run: QT_QPA_PLATFORM=offscreen python packaging/render_icons.py"


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_of_each_size_is_that_size(size):
    path = LINUX / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png_size(path) == (size, size)


@pytest.mark.skipif(sys.platform != "linux", reason="desktop files are for Linux")
def test_install_desktop_files_installs_a_valid_entry_and_uninstalls_it(tmp_path):
    launcher = tmp_path / "my apps" / "clamp-desktop-gui"  # a space, which Exec= must quote
    launcher.parent.mkdir()
    launcher.write_text("#!/bin/sh\n")
    launcher.chmod(0o755)
    data_home = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    script = str(LINUX / "install-desktop-files.sh")

    subprocess.run(["bash", script, "--exec", str(launcher)], check=True, env=env, capture_output=True)
    installed = data_home / "applications" / DESKTOP_FILE.name
    text = installed.read_text()
    assert f'Exec="{launcher}" %F' in text
    assert f"TryExec={launcher}" in text
    assert (data_home / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    assert (data_home / "mime" / "packages" / MIME_FILE.name).is_file()
    assert (data_home / "metainfo" / METAINFO_FILE.name).is_file()
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(installed)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout

    subprocess.run(["bash", script, "--uninstall"], check=True, env=env, capture_output=True)
    left = [p for p in data_home.rglob(f"{APP_ID}*") if p.is_file()]
    assert not left


# --- the standalone bundle (opt-in) --------------------------------------------------------


def bundle_requested(config) -> bool:
    expression = config.getoption("markexpr") or ""
    return os.environ.get("CLAMP_DESKTOP_TEST_BUNDLE") == "1" or (
        "bundle" in expression and "not bundle" not in expression
    )


@pytest.fixture(scope="module")
def bundle(request, tmp_path_factory) -> Path:
    """The Linux bundle folder: $CLAMP_DESKTOP_BUNDLE if set (already built), else built now."""
    if not bundle_requested(request.config):
        pytest.skip("builds the PyInstaller bundle; run with -m bundle")
    if sys.platform != "linux":
        pytest.skip("the bundle smoke test runs the Linux bundle")
    prebuilt = os.environ.get("CLAMP_DESKTOP_BUNDLE")
    if prebuilt:
        return Path(prebuilt)
    dist = tmp_path_factory.mktemp("bundle-dist")
    subprocess.run(["bash", str(REPO / "packaging" / "build_bundle.sh")], check=True,
                   env={**os.environ, "BUNDLE_DIST": str(dist)})
    return dist / "clamp-desktop"


@pytest.fixture
def headless_env(tmp_path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CLAMP_DESKTOP_"))}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "HF_HUB_OFFLINE": "1",
            "CLAMP_DESKTOP_DATA": str(tmp_path / "data"), "CLAMP_DESKTOP_CACHE": str(tmp_path / "cache"),
            "CLAMP_DESKTOP_CONFIG": str(tmp_path / "config")}


@pytest.mark.bundle
def test_bundle_reports_its_version(bundle, headless_env, tmp_path):
    result = subprocess.run([str(bundle / "clamp-desktop"), "--version"], capture_output=True, text=True,
                            env=headless_env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert clamp_desktop.__version__ in result.stdout


@pytest.mark.bundle
def test_bundle_runs_the_demo_offline(bundle, headless_env, tmp_path):
    model_args = []
    if not list((bundle / "_internal" / "clamp_desktop" / "resources" / "models").glob("*/config.json")):
        # No bundled model in this build: a tiny random checkpoint in the published layout stands in.
        from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint

        model_args = ["--model", str(write_random_checkpoint(tmp_path / "tiny-model", tiny_config()))]
    result = subprocess.run(
        [str(bundle / "clamp-desktop"), "demo", "--db", str(tmp_path / "demo.db"), "--json", *model_args],
        capture_output=True, text=True, env=headless_env, cwd=tmp_path, timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["index"]["added"] > 0
    assert report["searches"] and all(search["results"] for search in report["searches"])


@pytest.mark.bundle
def test_bundle_gui_starts_headless(bundle, headless_env, tmp_path):
    """The window's executable starts on the offscreen platform (Qt plugins, the GUI modules) and keeps running."""
    process = subprocess.Popen([str(bundle / "clamp-desktop-gui")], env=headless_env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.5)
    running = process.poll() is None
    process.terminate()
    output, _ = process.communicate(timeout=30)
    assert running, f"exited with {process.returncode}: {output[-3000:]}"
