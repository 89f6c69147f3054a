#!/usr/bin/env bash
# Installs everything dossier-screen needs on a fresh Debian 12 machine (as root):
# the OCR engine and its Chinese data, CJK fonts for the sample generator and worksheets,
# LibreOffice (legacy .doc/.wps conversion, worksheet print check), Chromium (review-page
# check), PostgreSQL (the case store shared by several clerks; the tests start their own
# server on loopback), then a virtual environment in .venv with the pinned project.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-script-hans tesseract-ocr-osd
  fonts-noto-cjk fonts-wqy-zenhei poppler-utils
  libreoffice-calc-nogui libreoffice-writer-nogui chromium
  postgresql
  python3-venv
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "dossier-screen needs Python 3.11 (found $("$PY" --version 2>&1))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# An empty, migrated Prefect database that each new output folder starts from (saves the
# ~12 s of migrations a fresh folder would otherwise cost; see flows/prefect_template.py).
.venv/bin/python -m flows.prefect_template >/dev/null
echo "dossier-screen installed in .venv"
