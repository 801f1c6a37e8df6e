#!/usr/bin/env bash
# Installs the Debian packages the kiosk and server need when they are missing: Qt's libraries
# (offscreen and on a real X display), Chromium for the web pages' tests, espeak-ng for the calls,
# PostgreSQL for the server's tests on its second engine; ICU's tools and gcc for `make package`.
# Idempotent and quiet when everything is present; used by `make demo`, `make test` and .ci/run.
set -euo pipefail

packages=(
  libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 libglib2.0-0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
  libx11-xcb1 libnss3 libasound2 libpulse0 xvfb xauth
  chromium chromium-driver  # the web pages' tests and screenshots (Selenium drives them)
  espeak-ng  # the waiting-room display's announcements are spoken on the server
  postgresql  # the server's tests run on PostgreSQL too (a throwaway cluster per session)
  cups cups-client printer-driver-cups-pdf  # A4 reports: lp/lpstat, and a real cupsd with the
                                            # cups-pdf printer started by the report tests
  icu-devtools gcc  # make package: icupkg, genccode and gcc rebuild Qt's ICU data smaller
                    # (packaging/icu_data.py)
)

command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian-like: nothing we can do here

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$package")
done
((${#missing[@]})) || exit 0

echo "Installing system packages Qt needs: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing system packages (${missing[*]}) and not root: install them with apt-get." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
