#!/usr/bin/env bash
# `kaohe report --pdf` converts the Word 公文 with LibreOffice (headless), and the tests read the
# PDF with poppler's pdfinfo/pdftoppm. Chinese text needs the CJK fonts (Noto Sans/Serif CJK for
# 黑体/仿宋/宋体 shapes, AR PL UKai for 楷体). Installs what is missing (as root, or with sudo).
set -euo pipefail
have_fonts() {
  fc-list 2>/dev/null | grep -i "Noto Serif CJK" >/dev/null &&
    fc-list 2>/dev/null | grep -i "AR PL UKai" >/dev/null
}
if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 &&
  command -v pdftoppm >/dev/null 2>&1 && have_fonts; then
  exit 0
fi
PACKAGES="libreoffice-writer-nogui poppler-utils fonts-noto-cjk fonts-arphic-ukai"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "需要 LibreOffice、poppler-utils 和中文字体：请以 root 运行 apt-get install -y $PACKAGES" >&2
  exit 1
fi
echo "安装 LibreOffice、poppler-utils 和中文字体（PDF 公文用）…" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
