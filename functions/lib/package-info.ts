// The service's own package.json (name, version), found from this file's folder upwards: the
// same code runs from functions/ (sources) and from dist/functions/ (the image).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: { name: string; version: string } | null = null;

export function packageInfo(): { name: string; version: string } {
  if (cached) return cached;
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'reelsmith' && pkg.version) return (cached = { name: pkg.name, version: pkg.version });
    }
    if (dirname(dir) === dir) return (cached = { name: 'reelsmith', version: '0.0.0' });
  }
}
