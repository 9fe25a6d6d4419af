#!/usr/bin/env bash
# Build the sdist and wheel, install the wheel into a fresh virtual environment
# and run the installed app from outside the source tree, so a module, data
# file or entry point missing from the wheel fails here instead of on a
# user's machine (an editable install hides all three).
#
#   packaging/check_wheel.sh            # CI runs this after the tests
#   KEEP=1 packaging/check_wheel.sh     # keep the work folder for a look
#
# PYTHON picks the interpreter for the fresh venv (default: python3).
# torch is pinned by constraints/cpu.txt to the CPU build, as in CI.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/clamp-wheel-check.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "check_wheel: keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
step() { echo "check_wheel: $*"; }
fail() { echo "check_wheel: FAILED: $*" >&2; exit 1; }
start=$SECONDS

# The app's folders and the hub stay inside the work folder, never the user's.
export CLAMP_DESKTOP_DATA="$work/data" CLAMP_DESKTOP_CACHE="$work/cache" CLAMP_DESKTOP_CONFIG="$work/config"
export HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=offscreen PIP_DISABLE_PIP_VERSION_CHECK=1
unset CLAMP_DESKTOP_DB PYTHONPATH

step "fresh venv in $work/venv"
"${PYTHON:-python3}" -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
pip install -q build

# python -m build makes the sdist and then the wheel *from the sdist*, so a
# file the sdist forgets is missing from the wheel too and fails below.
step "building sdist and wheel"
python -m build --outdir "$work/dist" "$repo" > "$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "build"; }
wheels=("$work"/dist/*.whl)
[[ ${#wheels[@]} == 1 && -f "${wheels[0]}" ]] || fail "expected one wheel in $work/dist"
step "built $(basename "${wheels[0]}") ($(du -h "${wheels[0]}" | cut -f1))"

step "installing the wheel (torch from constraints/cpu.txt)"
pip install -q -c "$repo/constraints/cpu.txt" "${wheels[0]}"

cd "$work"  # outside the source tree: nothing can be imported from it by accident

installed_at="$(python -c 'import clamp_desktop, os; print(os.path.dirname(clamp_desktop.__file__))')"
[[ "$installed_at" == "$work/venv/"* ]] || fail "clamp_desktop imported from $installed_at, not the fresh venv"

step "clamp-desktop --version"
expected_version="$(python -c 'import importlib.metadata as m; print(m.version("clamp-desktop"))')"
version_line="$(clamp-desktop --version)"
echo "  $version_line"
[[ "$version_line" == *"$expected_version"* ]] || fail "--version says '$version_line', the wheel is $expected_version"

step "python -m clamp_desktop --version, --help"
[[ "$(python -m clamp_desktop --version)" == "$version_line" ]] || fail "python -m clamp_desktop --version differs"
python -m clamp_desktop --help > "$work/help.txt" || fail "python -m clamp_desktop --help"
grep -q "index" "$work/help.txt" || fail "--help does not list the index command"

step "data files inside the installed package"
python - <<'EOF' || fail "package data"
from importlib import resources
migrations = sorted(p.name for p in (resources.files("clamp_desktop.db") / "migrations").iterdir() if p.name.endswith(".sql"))
assert migrations, "no db/migrations/*.sql in the wheel"
print(f"  {len(migrations)} migrations, first {migrations[0]}")
found = {p.name for p in resources.files("clamp_desktop.resources").iterdir()}
print(f"  resources: {', '.join(sorted(found - {'__init__.py', '__pycache__'})) or '(none)'}")
EOF

step "clamp-desktop-gui entry point"
[[ -x "$work/venv/bin/clamp-desktop-gui" ]] || fail "no clamp-desktop-gui script in the venv"
python -c 'from clamp_desktop.ui.app import main' || fail "clamp_desktop.ui.app:main (the GUI entry point) does not import"

# The bundled offline model is the default when the wheel carries it; without
# it the default is a published checkpoint, which needs the hub, so the check
# uses a small random checkpoint in the published layout instead.
model_args=()
if python -c 'import sys; from clamp_desktop.model.registry import REGISTRY, default_model_name; sys.exit(not REGISTRY[default_model_name()].is_bundled)'; then
    step "the wheel carries the bundled model; using the default"
else
    step "no bundled model in the wheel; writing a tiny random checkpoint for the run"
    python -c 'import sys; from pathlib import Path; from clamp_desktop.model.synthetic import tiny_config, write_random_checkpoint; write_random_checkpoint(Path(sys.argv[1]), tiny_config())' "$work/tiny-model"
    model_args=(--model "$work/tiny-model")
fi

if clamp-desktop demo --help > /dev/null 2>&1; then
    step "clamp-desktop demo"
    clamp-desktop demo --db "$work/demo.db" --json "${model_args[@]}" > "$work/demo.json" || fail "clamp-desktop demo"
    python - "$work/demo.json" <<'EOF' || fail "demo output"
import json, sys
report = json.load(open(sys.argv[1]))
index = report["index"]
print(f"  indexed {index.get('added')} added, {index.get('failed')} failed; {len(report['searches'])} searches")
assert index.get("added", 0) > 0, "the demo indexed nothing"
assert report["searches"] and all(s["results"] for s in report["searches"]), "a demo search came back empty"
EOF
else
    step "clamp-desktop model list (no demo command yet)"
    clamp-desktop model list
    step "clamp-desktop index on music21 corpus files"
    mkdir -p "$work/scores"
    python - "$work/scores" <<'EOF'
import shutil, sys
from pathlib import Path
import music21
corpus = Path(music21.__file__).parent / "corpus"
picks = sorted(corpus.glob("bach/bwv1*.mxl"))[:4] + [corpus / "beach/prayer_of_a_tired_child.musicxml"]
picks += sorted(corpus.glob("trecento/*.xml"))[:1]
for path in picks:
    shutil.copy(path, sys.argv[1])
EOF
    clamp-desktop index "$work/scores" --db "$work/check.db" --json "${model_args[@]}" > "$work/index.json" || fail "clamp-desktop index"
    clamp-desktop status --db "$work/check.db" --json > "$work/status.json" || fail "clamp-desktop status"
    python - "$work/index.json" "$work/status.json" <<'EOF' || fail "index result"
import json, sys
summary, status = (json.load(open(p)) for p in sys.argv[1:3])
print(f"  added {summary['added']}, failed {summary['failed']}; library holds {status['pieces']} pieces, vectors {status['models']}")
assert summary["added"] == 6 and summary["failed"] == 0, summary
assert sum(status["models"].values()) >= status["pieces"] > 0, status
EOF
fi

step "passed in $((SECONDS - start)) s"
