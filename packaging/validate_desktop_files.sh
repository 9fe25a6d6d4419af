#!/usr/bin/env bash
# Validate the Linux desktop integration files with the freedesktop tools:
# desktop-file-validate (Debian: desktop-file-utils), appstreamcli (appstream)
# and update-mime-database (shared-mime-info).  A missing tool is skipped with
# a message; a tool that finds a problem fails the script.
#
#   apt-get install -y desktop-file-utils appstream shared-mime-info
#   packaging/validate_desktop_files.sh
set -euo pipefail

linux="$(cd "$(dirname "$0")" && pwd)/linux"
app_id="io.github.clamp_desktop.ClampDesktop"
status=0
checked=0

have() {
    if command -v "$1" > /dev/null 2>&1; then return 0; fi
    echo "skip: $1 is not installed (Debian package: $2)"
    return 1
}

if have desktop-file-validate desktop-file-utils; then
    # desktop-file-validate exits 0 after hints (e.g. a category without
    # its main category); a clean file prints nothing, so any output fails.
    if output="$(desktop-file-validate "$linux/$app_id.desktop" 2>&1)" && [[ -z "$output" ]]; then
        echo "ok: $app_id.desktop"
    else
        echo "$output"
        echo "FAILED: $app_id.desktop"; status=1
    fi
    checked=$((checked + 1))
fi

if have appstreamcli appstream; then
    # --strict: warnings and infos fail too (pedantic notes do not).
    if appstreamcli validate --no-net --strict "$linux/$app_id.metainfo.xml"; then
        echo "ok: $app_id.metainfo.xml"
    else
        echo "FAILED: $app_id.metainfo.xml"; status=1
    fi
    checked=$((checked + 1))
fi

if have update-mime-database shared-mime-info; then
    # Compile the MIME package into a scratch database: the tool rejects
    # malformed entries with a message and a non-zero status.
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/mime/packages"
    cp "$linux/$app_id.mime.xml" "$scratch/mime/packages/"
    # update-mime-database exits 0 even on a parse error, so any message
    # counts as a failure, and both types must reach the compiled globs.
    if output="$(XDG_DATA_DIRS="$scratch" update-mime-database "$scratch/mime" 2>&1)" && [[ -z "$output" ]] \
        && grep -q ":application/vnd.recordare.musicxml+xml:\*.musicxml" "$scratch/mime/globs2" \
        && grep -q ":application/vnd.recordare.musicxml:\*.mxl" "$scratch/mime/globs2"; then
        echo "ok: $app_id.mime.xml"
    else
        [[ -z "$output" ]] || echo "$output"
        echo "FAILED: $app_id.mime.xml"; status=1
    fi
    checked=$((checked + 1))
fi

echo "validated $checked of 3 files"
exit $status
