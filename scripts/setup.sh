#!/usr/bin/env bash
# Provision everything reelsmith needs on Debian/Ubuntu, idempotently and quickly when done:
# system packages (ffmpeg with libass, espeak-ng, caption fonts), the npm dependencies, which
# bring Node 24 (the `node` devDependency) onto the PATH of npm scripts, the caption faces that
# come from npm packages (copied where fontconfig finds them), and the studio page.
#   scripts/setup.sh          what `npm start` needs
#   scripts/setup.sh --test   also what only the tests need (the emulators' npm tools), kept
#                             out of `npm start`'s way so a first start stays quick
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

SYSTEM_PACKAGES=(ffmpeg espeak-ng fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-ui-core fonts-noto-cjk fonts-league-spartan)
# Only the tests need a browser (the /docs page is checked in Debian's Chromium, never a downloaded
# one) and OCR (frames with drawn text are read back: English, and Japanese for a non-Latin script).
if $with_tests; then SYSTEM_PACKAGES+=(chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-jpn); fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}" >&2
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

# Caption faces shipped as npm packages (Anton, Montserrat, Fredoka): Debian has no such faces.
if ! node_modules/.bin/node scripts/install-fonts.ts --check 2>/dev/null; then
  echo "setup: installing the caption faces from npm packages" >&2
  $SUDO node_modules/.bin/node scripts/install-fonts.ts
fi

# The studio page (functions/studio) as static assets in dist/studio, served at / by the api:
# built again only when its sources or the lock file changed (about 2 s; nothing the next time).
studio_stamp=dist/studio/.reelsmith-source-hash
# The page imports the API's types and a few pure modules (the defaults, the looks, the caption
# layout its preview draws with), so their folders count too.
studio_want=$( { sha256sum package-lock.json; find functions/studio functions/domain functions/media/captions functions/media/overlays -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$studio_stamp" ] || [ "$(cat "$studio_stamp")" != "$studio_want" ]; then
  echo "setup: building the studio page" >&2
  node_modules/.bin/vite build --config functions/studio/vite.config.ts
  echo "$studio_want" > "$studio_stamp"
fi

if $with_tests; then
  # Optional dependencies of firebase-tools (re2, compiled from source) serve emulators we do not run.
  install_npm test/emulators --omit=optional
fi
