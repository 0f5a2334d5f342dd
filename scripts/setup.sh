#!/usr/bin/env bash
# Provision everything reelsmith needs on Debian/Ubuntu, idempotently and quickly when done:
# system packages (ffmpeg with libass, espeak-ng, caption fonts) and the npm dependencies,
# which bring Node 24 (the `node` devDependency) onto the PATH of npm scripts.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(ffmpeg espeak-ng fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-ui-core fonts-noto-cjk)

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

# Reinstall npm dependencies only when the lock file changed since the last install.
stamp=node_modules/.reelsmith-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
