#!/usr/bin/env bash
# Debian packages the tests need: Chromium (browser tests, e2e), Firefox ESR
# and WebKitGTK's WebKitWebDriver + MiniBrowser with Xvfb for its display (the
# desktop e2e in the other engines), the RISC-V cross compiler and picolibc
# (guest and conformance builds), QEMU (the reference machine), and the
# standard tools that read our disk images.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for pkg in chromium firefox-esr webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc \
  device-tree-compiler mtools dosfstools gdisk make tshark; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
