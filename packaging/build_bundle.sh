#!/usr/bin/env bash
# Build the standalone one-folder bundle with PyInstaller.
#
#   packaging/build_bundle.sh     # -> dist/clamp-desktop/ (dist/clamp-desktop.app on macOS)
#
# 1. builds the wheel and installs it, with PyInstaller and Pillow, into a
#    build venv (BUNDLE_VENV, default build/bundle-venv; reused by later runs);
# 2. runs packaging/pyinstaller/clamp-desktop.spec from that venv;
# 3. on Linux adds the clamp-desktop-gui symlink and the desktop files (linux/);
#    prints size and time.
#
# Environment: PYTHON (interpreter for a new build venv, default python3),
# BUNDLE_VENV, BUNDLE_DIST (output folder, default dist), BUNDLE_WORK
# (PyInstaller's work folder, default build/pyinstaller) and the usual PIP_*
# variables.  torch is pinned by constraints/cpu.txt; on Linux a CPU-only
# torch needs PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu unless,
# as on this project's build machines, a local CPU wheel is found first.
# Works in Git Bash on Windows too.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${BUNDLE_VENV:-$repo/build/bundle-venv}"
dist="${BUNDLE_DIST:-$repo/dist}"
work="${BUNDLE_WORK:-$repo/build/pyinstaller}"
start=$SECONDS
step() { echo "build_bundle: $*"; }

if [[ ! -d "$venv" ]]; then
    step "creating the build venv $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
bin="$venv/bin"
[[ -d "$venv/Scripts" ]] && bin="$venv/Scripts"  # Windows venv layout
export PIP_DISABLE_PIP_VERSION_CHECK=1
constraints=(-c "$repo/constraints/cpu.txt")

step "installing build tools"
"$bin/python" -m pip install -q "${constraints[@]}" build "pyinstaller>=6.10" pillow

step "building the wheel"
rm -rf "$work/wheel"
mkdir -p "$work"
"$bin/python" -m build --wheel --outdir "$work/wheel" "$repo" > "$work.wheel.log" 2>&1 \
    || { tail -40 "$work.wheel.log"; exit 1; }
wheel=("$work"/wheel/*.whl)

step "installing $(basename "${wheel[0]}") and its dependencies"
"$bin/python" -m pip install -q "${constraints[@]}" "${wheel[0]}"
# Same version number as an earlier build: reinstall so the bundle gets this tree's code.
"$bin/python" -m pip install -q --no-deps --force-reinstall "${wheel[0]}"

step "running PyInstaller"
# From a neutral folder, so nothing is imported from the source tree.
(cd "$work" && "$bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$dist" --workpath "$work" "$repo/packaging/pyinstaller/clamp-desktop.spec")

case "$(uname -s)" in
    Linux)
        # One executable serves both names (see the spec): saves a second copy of the code archive.
        ln -sfn clamp-desktop "$dist/clamp-desktop/clamp-desktop-gui"
        # The menu entry, icons and file types, with their installer, at the
        # top of the bundle (it finds ../clamp-desktop-gui from there).
        rm -rf "$dist/clamp-desktop/linux"
        cp -R "$repo/packaging/linux" "$dist/clamp-desktop/linux"
        out="$dist/clamp-desktop" ;;
    Darwin) out="$dist/clamp-desktop.app" ;;
    *) out="$dist/clamp-desktop" ;;
esac

step "built $out: $(du -sh "$out" | cut -f1) in $((SECONDS - start)) s"
