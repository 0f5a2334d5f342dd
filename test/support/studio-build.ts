// The studio page is served from dist/studio, which `scripts/setup.sh` builds (npm test runs it).
// Without it the service answers 503 studio_not_built and a browser test would wait for a page
// that never comes; a file that drives the studio fails first, saying what to run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const INDEX = join(import.meta.dirname, '../../dist/studio/index.html');

export function requireStudioBuild(): void {
  if (!existsSync(INDEX)) throw new Error(`${INDEX} is missing: build the studio page first (npm run build:studio; npm test's set-up does it)`);
}
