// An offline GCS JSON-API emulator: the firebase-tools Storage emulator's HTTP app, built without
// calling StorageEmulator.start(), because start() launches a rules-runtime jar that is downloaded
// from the internet. The GCS routes (apis/gcloud.js) use the admin storage layer and never touch
// the rules runtime. This reaches into firebase-tools internals: the version is pinned in test/emulators/package.json.
// Usage: node gcs-emulator.cjs <port> <projectId>; prints "ready <port>" once it listens.
// Objects live under os.tmpdir()/firebase/storage/blobs: the caller points TMPDIR at a dir of its own.
'use strict';
const path = require('node:path');
// Installed apart from the service's own dependencies, by `scripts/setup.sh --test`.
const FT = path.dirname(require.resolve('firebase-tools/package.json', { paths: [path.join(__dirname, '../emulators')] }));
const { StorageEmulator } = require(path.join(FT, 'lib/emulator/storage/index.js'));
const { createApp } = require(path.join(FT, 'lib/emulator/storage/server.js'));
const { EmulatorRegistry } = require(path.join(FT, 'lib/emulator/registry.js'));

const port = Number(process.argv[2]);
const projectId = process.argv[3] || 'demo-reelsmith';
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: gcs-emulator.cjs <port> [projectId]');
  process.exit(2);
}

(async () => {
  const emu = new StorageEmulator({
    projectId,
    host: '127.0.0.1',
    port,
    // Firebase-client rules deny everything; the GCS API is admin-only and ignores them.
    rules: { name: 'inline', content: "rules_version='2';service firebase.storage{match /b/{b}/o{match /{p=**}{allow read,write:if false;}}}" },
    auto_download: false,
  });
  // URL building (e.g. resumable upload session URLs) looks the emulator up in the registry.
  EmulatorRegistry.INSTANCES.set('storage', emu);
  const app = await createApp(projectId, emu);
  const server = app.listen(port, '127.0.0.1', () => console.log(`ready ${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
