#!/usr/bin/env node
// The `reelsmith` command's entry (package.json "bin"): it runs cli/main.ts on a Node that runs
// TypeScript, wherever it is started from. The shebang finds whatever `node` comes first on PATH:
// started as `npx --prefix /path/to/clone reelsmith mcp` from another directory (an MCP client's
// configuration), that is the system's, which may be older than 24 and cannot load .ts files.
// Then this file, plain CommonJS that any Node runs, starts main.ts on the Node 24 the clone
// installed (the `node` devDependency) instead, with the same stdin, stdout and stderr.
'use strict';
const { spawn } = require('child_process');
const { existsSync, realpathSync } = require('fs');
const { dirname, join } = require('path');
const { pathToFileURL } = require('url');

const here = dirname(realpathSync(__filename));
const main = join(here, 'main.ts');

if (process.features && process.features.typescript) {
  // This Node runs TypeScript: no second process.
  import(pathToFileURL(main).href).then(
    (cli) => cli.main(process.argv).then((code) => (process.exitCode = code)),
    (err) => fail(`cannot load ${main}: ${err && err.message}`),
  );
} else {
  const clone = join(here, '..', '..');
  const node = ['node', 'node.exe'].map((name) => join(clone, 'node_modules', 'node', 'bin', name)).find((p) => existsSync(p));
  if (!node) {
    fail(
      `Node ${process.versions.node} cannot run reelsmith (it needs Node 24), and ${clone} has no Node 24 of its own;` +
        ` run "npm install" there (it installs Node 24 into node_modules), or put Node 24 first on PATH`,
    );
  } else {
    const child = spawn(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
    // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process alone
    // (an MCP client stopping its server) is passed on, so the child cleans up as it would.
    process.on('SIGINT', () => {});
    for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
    child.on('error', (err) => fail(`cannot start ${node}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      } else process.exit(code === null ? 1 : code);
    });
  }
}

function fail(message) {
  process.stderr.write(`reelsmith: ${message}\n`);
  process.exit(2);
}
