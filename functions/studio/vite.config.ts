// The studio page's build: Preact with JSX by esbuild (no Babel), into dist/studio at the
// repository root, served by the api under /studio/ (api/studio.ts). `npm run build:studio`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/studio/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/studio', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle and its stylesheet: no source maps to ship, nothing inlined as data: URLs (CSP).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
