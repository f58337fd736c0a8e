# Shared by scripts/hall and scripts/test: make .venv with Python >= 3.11 and install Yimen into it.
# Usage (sourced): yimen_bootstrap EXTRAS [apt packages...]
set -euo pipefail

YIMEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$YIMEN_ROOT/.venv"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "yimen: need root to run: $*" >&2; return 1; fi
}

apt_install() {
    # Install the Debian packages that are missing; one apt-get update per run at most.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "yimen: installing Debian packages: ${missing[*]}"
    if [ -z "${YIMEN_APT_UPDATED:-}" ]; then as_root apt-get update -qq; export YIMEN_APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# What PySide6's wheels load from the system: offscreen (tests) needs the first line, a window the rest.
QT_OFFSCREEN_PACKAGES=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-noto-cjk)
QT_WINDOW_PACKAGES=("${QT_OFFSCREEN_PACKAGES[@]}" libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
    libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1)

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

yimen_bootstrap() {
    local extras="$1"; shift
    apt_install "$@"
    local py
    if ! py="$(find_python)"; then
        apt_install python3 python3-venv
        py="$(find_python)" || { echo "yimen: Python 3.11 or newer is required" >&2; exit 1; }
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$py" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$py" -m venv "$VENV"; }
    fi
    local stamp="$VENV/.yimen-installed-$extras"
    if [ ! -f "$stamp" ] || [ "$YIMEN_ROOT/pyproject.toml" -nt "$stamp" ]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e "$YIMEN_ROOT[$extras]"
        touch "$stamp"
    fi
    export PATH="$VENV/bin:$PATH"
}
