// `npm start`: the api and the worker in one process, on embedded defaults (no cloud account,
// no API keys). The same as the production entrypoint with FUNCTION_TARGET=local.
import { main } from './server.ts';

await main('local');
