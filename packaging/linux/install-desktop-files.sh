#!/usr/bin/env bash
# Add clamp-desktop to your desktop's application menu, with its icon and
# "Open with" for MusicXML files (.musicxml, .mxl), for the current user only
# (~/.local/share; nothing needs root).
#
#   packaging/linux/install-desktop-files.sh                 # after pip install / pipx install
#   packaging/linux/install-desktop-files.sh --exec PATH     # a clamp-desktop-gui elsewhere
#   packaging/linux/install-desktop-files.sh --uninstall     # remove what this added
#
# Without --exec the launcher is, in order: the clamp-desktop-gui next to
# this folder (in a standalone bundle), then the one on PATH.  Its absolute
# path goes into the menu entry, because menus do not see a PATH set in
# ~/.bashrc (a pip --user or venv install is often only there).
set -euo pipefail

app_id="io.github.clamp_desktop.ClampDesktop"
here="$(cd "$(dirname "$0")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
exec_path=""
uninstall=0

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --exec) exec_path="${2:?--exec needs a path}"; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

installed_files() {
    echo "$data_home/applications/$app_id.desktop"
    echo "$data_home/metainfo/$app_id.metainfo.xml"
    echo "$data_home/mime/packages/$app_id.mime.xml"
    (cd "$here/icons" && find hicolor -type f -name "$app_id.*") | sed "s|^|$data_home/icons/|"
}

# The desktop's caches; each tool is optional (desktops rescan without them).
refresh_caches() {
    if command -v update-desktop-database > /dev/null; then
        update-desktop-database -q "$data_home/applications" || true
    fi
    if command -v update-mime-database > /dev/null; then
        XDG_DATA_DIRS="$data_home:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
            update-mime-database "$data_home/mime" > /dev/null || true
    fi
    if command -v gtk-update-icon-cache > /dev/null && [[ -f "$data_home/icons/hicolor/index.theme" ]]; then
        gtk-update-icon-cache -q -t -f "$data_home/icons/hicolor" || true
    fi
}

if [[ $uninstall == 1 ]]; then
    installed_files | while read -r file; do rm -f "$file"; done
    refresh_caches
    echo "removed clamp-desktop's menu entry, icons and file types from $data_home"
    exit 0
fi

if [[ -z "$exec_path" ]]; then
    if [[ -x "$here/../clamp-desktop-gui" ]]; then
        exec_path="$here/../clamp-desktop-gui"
    elif command -v clamp-desktop-gui > /dev/null; then
        exec_path="$(command -v clamp-desktop-gui)"
    else
        echo "clamp-desktop-gui was not found: install clamp-desktop first, or pass --exec PATH" >&2
        exit 1
    fi
fi
[[ -x "$exec_path" ]] || { echo "not an executable: $exec_path" >&2; exit 1; }
exec_path="$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")"

# Exec= quoting (Desktop Entry spec): the path in double quotes, with \ " ` $
# escaped inside them; each backslash is then doubled again because the
# value is also a string-typed key.
quoted="$(printf '%s' "$exec_path" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g')"
escaped_tryexec="$(printf '%s' "$exec_path" | sed -e 's/\\/\\\\/g')"

mkdir -p "$data_home/applications" "$data_home/metainfo" "$data_home/mime/packages"
sed -e "s|^Exec=clamp-desktop-gui|Exec=\"${quoted//|/\\|}\"|" \
    -e "s|^TryExec=.*|TryExec=${escaped_tryexec//|/\\|}|" \
    "$here/$app_id.desktop" > "$data_home/applications/$app_id.desktop"
cp "$here/$app_id.metainfo.xml" "$data_home/metainfo/"
cp "$here/$app_id.mime.xml" "$data_home/mime/packages/"
(cd "$here/icons" && find hicolor -type f -name "$app_id.*") | while read -r icon; do
    mkdir -p "$data_home/icons/$(dirname "$icon")"
    cp "$here/icons/$icon" "$data_home/icons/$icon"
done
refresh_caches

echo "installed clamp-desktop into $data_home (launcher: $exec_path)"
echo "it appears in the application menu; MusicXML files now offer it under 'Open with'"
