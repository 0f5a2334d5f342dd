// The environment a test starts a node child process from (a service, the CLI, a script): PATH and
// HOME, so the child is not swayed by the shell the tests run in, and node's compile cache when
// the run has one (global-setup.ts sets it): a run starts a few hundred node processes, and each
// would otherwise strip the types of the code base and compile it again (about half of a start-up's CPU).
export function childEnv(): Record<string, string | undefined> {
  const cache = process.env.NODE_COMPILE_CACHE;
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...(cache ? { NODE_COMPILE_CACHE: cache } : {}) };
}
