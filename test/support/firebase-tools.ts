// Where test/emulators' own install (`scripts/setup.sh --test`) puts firebase-tools.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** The firebase-tools package dir, or null when the test tools are not installed. */
export function firebaseToolsDir(): string | null {
  try {
    return dirname(createRequire(new URL('../emulators/package.json', import.meta.url)).resolve('firebase-tools/package.json'));
  } catch {
    return null;
  }
}
