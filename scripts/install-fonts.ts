// Installs the caption faces that come from npm packages (functions/media/captions/fonts.ts,
// BUNDLED_FONT_FILES) where fontconfig finds them, so libass resolves them by family name like
// the Debian ones. Run by scripts/setup.sh (as root or through sudo) and by the Dockerfile's
// build stage (`--to DIR`, a directory the runtime stage copies to the same place).
//   node scripts/install-fonts.ts            copy into BUNDLED_FONT_DIR and refresh fontconfig's cache
//   node scripts/install-fonts.ts --to DIR   copy into DIR only
//   node scripts/install-fonts.ts --check    exit 1 when a file is missing or differs (nothing written)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { BUNDLED_FONT_DIR, BUNDLED_FONT_FILES } from '../functions/media/captions/fonts.ts';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const to = args[0] === '--to' ? args[1] : undefined;
const check = args[0] === '--check';

const same = (a: string, b: string) => {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
};

let changed = 0;
for (const f of BUNDLED_FONT_FILES) {
  const from = require.resolve(f.npm);
  const dest = to ? join(to, basename(f.file)) : f.file;
  if (same(from, dest)) continue;
  changed++;
  if (check) {
    console.error(`install-fonts: ${dest} is missing or out of date (from ${f.npm})`);
    continue;
  }
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(from, dest);
}
if (check) process.exit(changed ? 1 : 0);
if (changed && !to) execFileSync('fc-cache', ['-f', BUNDLED_FONT_DIR], { stdio: 'inherit' });
if (changed) console.error(`install-fonts: ${changed} face(s) installed in ${to ?? BUNDLED_FONT_DIR}`);
