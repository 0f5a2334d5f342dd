// `npm run cloud-local`: the whole Google Cloud path on one machine, offline. The Firestore
// emulator (gcloud), the GCS-API emulator (firebase-tools), two workers and the api as separate
// processes, the local dispatchers standing in for Cloud Tasks (spreading deliveries over both
// workers, so the chunks of a long video render in different processes). The api listens on $PORT
// (8080); Ctrl-C stops everything.
import { startCloudPath } from '../test/support/service.ts';

const svc = await startCloudPath({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }, { apiPort: process.env.PORT ?? '8080', echo: true, workers: 2 });
process.stdout.write(`\nreelsmith cloud path: api on ${svc.url} (Firestore + GCS emulators, two workers). Ctrl-C to stop.\n\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    svc.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
