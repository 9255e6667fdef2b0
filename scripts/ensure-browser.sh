#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here),
# and Chinese text needs the CJK fonts. Installs both when missing (as root, or with sudo).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "需要 chromium 和 fonts-noto-cjk：请以 root 运行 apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
echo "安装 chromium 和 fonts-noto-cjk（浏览器测试用）…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
