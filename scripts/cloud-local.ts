// `npm run cloud-local`: the whole Google Cloud path on one machine, offline. The Firestore
// emulator (gcloud), the GCS-API emulator (firebase-tools), two workers and the api as separate
// processes, the local dispatchers standing in for Cloud Tasks (spreading deliveries over both
// workers, so the chunks of a long video render in different processes). The api listens on $PORT
// (8080); Ctrl-C stops everything. Every process gets the caller's environment (API keys,
// FANOUT_MIN_SECONDS, LOG_LEVEL, ...) under the cloud path's own wiring (stores, dispatchers, ports).
import { startCloudPath } from '../test/support/service.ts';

const svc = await startCloudPath({}, { apiPort: process.env.PORT ?? '8080', echo: true, workers: 2, inherit: process.env });
process.stdout.write(`\nreelsmith cloud path: api on ${svc.url} (Firestore + GCS emulators, two workers). Ctrl-C to stop.\n\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    svc.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
