// compromise, the English NLP library, loaded on first use: processes that never plan footage or
// emphasis (the api) never pay its start-up.
import { createRequire } from 'node:module';

export type Nlp = typeof import('compromise').default;
let loaded: Nlp | null = null;
// Its one-file CommonJS build (the package's `require` export): its ES module entry loads the
// source tree, hundreds of modules that keep about 9 MiB more of the worker's memory (BENCHMARKS.md).
export const nlp = async (): Promise<Nlp> => (loaded ??= createRequire(import.meta.url)('compromise') as Nlp);
