// A storyboard's delivery (POST /storyboards/{id}/run): the same claim, lease, heartbeat and
// retries as a video's, on the storyboards' store; its attempt prepares the plan and records the
// storyboard instead of rendering.
import type { StoryboardRecord } from '../domain/storyboard.ts';
import { prepareStoryboard } from '../pipeline/prepare-storyboard.ts';
import { storyboardPrefix } from '../pipeline/storyboard-plan.ts';
import { runLeasedDelivery, type AttemptWork, type DeliveryMeta, type DeliveryOutcome, type WorkerDeps } from './run-task.ts';

const STORYBOARD_WORK: AttemptWork<StoryboardRecord> = {
  store: (deps) => deps.storyboards,
  prefix: storyboardPrefix,
  async attempt(deps, a) {
    const id = a.task.id;
    const { storyboard, warnings } = await prepareStoryboard(deps.pipeline, {
      spec: a.spec,
      storage: a.storage,
      owner: a.task.owner,
      dir: a.dir,
      signal: a.signal,
      report: a.report,
      downloads: a.downloads,
    });
    await a.settle();
    const done = await deps.storyboards.complete(id, a.owner, storyboard, warnings);
    if (!done) return { status: 200, body: { task_id: id, outcome: 'lease_lost' } };
    a.log.info({ pieces: storyboard.pieces.length, duration_s: storyboard.duration_s }, 'storyboard ready');
    return { status: 200, body: { task_id: id, outcome: 'completed' } };
  },
};

export function runStoryboardDelivery(deps: WorkerDeps, id: string, meta: DeliveryMeta = {}): Promise<DeliveryOutcome> {
  return runLeasedDelivery(deps, id, meta, STORYBOARD_WORK);
}
