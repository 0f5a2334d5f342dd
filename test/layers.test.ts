// The layers of functions/ (README "Architecture"): every import points down, never up and never
// sideways into another folder of the same layer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../functions');

/** Top to bottom. Modules in one entry share a layer; each may import only from layers below its own. */
const LAYERS: string[][] = [
  // The studio page's source: a browser client of the HTTP API, built by Vite; nothing imports it.
  ['studio'],
  // `npm start`: the production entry with the local role.
  ['local.ts'],
  ['index.ts', 'server.ts', 'cli'],
  ['compose.ts'],
  ['app.ts'],
  ['mcp'],
  ['api', 'worker'],
  ['delivery'],
  ['pipeline'],
  ['providers'],
  // alignment: forced alignment's signal processing (features, pauses, time warping); pure.
  ['media', 'net', 'language', 'alignment'],
  ['platform'],
  ['domain'],
  ['lib'],
  ['config.ts', 'log.ts'],
  // The typed errors, which config.ts throws too.
  ['errors.ts'],
];

/** The folder (or root file) a path under functions/ belongs to. */
function unitOf(file: string): string {
  return relative(ROOT, file).split('/')[0]!;
}

function layerOf(unit: string): number {
  const i = LAYERS.findIndex((l) => l.includes(unit));
  assert.ok(i >= 0, `functions/${unit} is in no layer: add it to LAYERS in test/layers.test.ts and to README's architecture`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function relativeImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => resolve(dirname(file), m[1]!));
}

describe('layers', () => {
  it('every module under functions/ belongs to a layer', () => {
    for (const f of sources(ROOT)) layerOf(unitOf(f));
  });

  it('imports point down the layers', () => {
    const wrong: string[] = [];
    for (const file of sources(ROOT)) {
      const from = unitOf(file);
      for (const target of relativeImports(file)) {
        const to = unitOf(target);
        if (to === from) continue;
        if (layerOf(to) <= layerOf(from)) wrong.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('only platform adapters import the Google Cloud SDKs', () => {
    const wrong = sources(ROOT).filter((f) => {
      const src = readFileSync(f, 'utf8');
      return /from ['"](@google-cloud\/(?!functions-framework)|google-auth-library)/.test(src) && unitOf(f) !== 'platform';
    });
    assert.deepEqual(wrong.map((f) => relative(ROOT, f)), []);
  });
});
