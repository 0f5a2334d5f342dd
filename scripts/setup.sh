#!/usr/bin/env bash
# Provision everything reelsmith needs on Debian/Ubuntu, idempotently and quickly when done:
# system packages (ffmpeg with libass, espeak-ng, caption fonts) and the npm dependencies,
# which bring Node 24 (the `node` devDependency) onto the PATH of npm scripts.
#   scripts/setup.sh          what `npm start` needs
#   scripts/setup.sh --test   also what only the tests need (the emulators' npm tools), kept
#                             out of `npm start`'s way so a first start stays quick
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

SYSTEM_PACKAGES=(ffmpeg espeak-ng fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-ui-core fonts-noto-cjk fonts-league-spartan)
# Only the tests need a browser (the /docs page is checked in Debian's Chromium, never a downloaded one).
if $with_tests; then SYSTEM_PACKAGES+=(chromium); fi

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `npm ci` in $1 (with extra flags), only when its lock file changed since the last install.
install_npm() {
  local dir=$1; shift
  local stamp="$dir/node_modules/.reelsmith-lock-hash"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing npm dependencies in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@")
    echo "$want" > "$stamp"
  fi
}

install_npm .
[ -x node_modules/.bin/node ] || { rm -f node_modules/.reelsmith-lock-hash; install_npm .; }

if $with_tests; then
  # Optional dependencies of firebase-tools (re2, compiled from source) serve emulators we do not run.
  install_npm test/emulators --omit=optional
fi
