// `npm run cloud-local`: the whole Google Cloud path on one machine, offline. The Firestore
// emulator (gcloud), the GCS-API emulator (firebase-tools), the worker and the api as separate
// processes, the api's local dispatcher standing in for Cloud Tasks. The api listens on $PORT
// (8080); Ctrl-C stops everything.
import { startCloudPath } from '../test/support/service.ts';

const svc = await startCloudPath({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }, { apiPort: process.env.PORT ?? '8080', echo: true });
process.stdout.write(`\nreelsmith cloud path: api on ${svc.url} (Firestore + GCS emulators, separate worker). Ctrl-C to stop.\n\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    svc.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
