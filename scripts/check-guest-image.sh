#!/usr/bin/env bash
# The prebuilt Sprout image in public/guests/ must rebuild byte-identically
# from guest/ with Debian's cross compiler: build into a scratch copy and cmp.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r guest "$scratch/guest"
rm -rf "$scratch/guest/build"
make -s -C "$scratch/guest" >/dev/null
status=0
for committed in public/guests/*.elf; do
  built="$scratch/guest/build/$(basename "$committed")"
  if [ ! -f "$built" ]; then
    echo "guest image: $committed has no counterpart built from guest/" >&2
    status=1
  elif ! cmp -s "$committed" "$built"; then
    echo "guest image: $committed differs from a fresh build of guest/ (run: make -C guest install)" >&2
    status=1
  else
    echo "guest image: $committed rebuilds byte-identically"
  fi
done
exit $status
