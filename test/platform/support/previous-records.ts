// Records exactly as the version before storyboards had a record type of their own stored them
// (captured from that version's LocalTaskStore rows and FirestoreTaskStore.toDocument), and what
// they read as now. A rolling deploy, or a restart on an old DATA_DIR, reads these.
import { Timestamp } from '@google-cloud/firestore';
import type { StoryboardRecord, StoryboardResult } from '../../../functions/domain/storyboard.ts';
import type { TaskRecord } from '../../../functions/domain/task.ts';

const request = {
  script_text: 'One.',
  resolution: '1080p',
  captions: { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 },
  fit: 'fail',
  max_clips: 8,
  footage: 'sentences',
  aspect_ratio: '9:16',
} as const;

const result: StoryboardResult = {
  version: 1,
  duration_s: 1,
  width: 1080,
  height: 1920,
  scenes: [{ start_s: 0, end_s: 1, text: 'One.', search_terms: [], query: 'one', found_by: ['one'] }],
  sentences: [{ start_s: 0, end_s: 1, text: 'One.' }],
  captions: [{ start_s: 0, end_s: 1, text: 'One.' }],
  clips: [{ index: 0, provider: 'generated', source_id: null, duration_s: 5, credit: null, thumbnail_key: 'storyboards/sb-old/thumbs/0.jpg' }],
  pieces: [{ start_s: 0, end_s: 1, scene: 0, clip: 0, source_start_s: 2, planned_clip: 0, planned_source_start_s: 2 }],
  candidates: [[1], []],
  usage: { speech_provider: 'espeak-ng', speech_characters: 4, pexels_requests: 0, clip_downloads: 0 },
  estimate: { render_s: 1, render_cpu_s: 1, cloud_run_usd: 0, preset: 'veryfast', measured_preset: true },
};

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:00:05.000Z';
const EXPIRE = '2030-01-08T00:00:00.000Z';
const ts = (iso: string) => Timestamp.fromDate(new Date(iso));

/** A prepared storyboard, as a task record of the storyboards' store with its result under `storyboard`. */
export const PREVIOUS_STORYBOARD = {
  local: {
    id: 'sb-old',
    owner: 'o',
    status: 'completed',
    stage: 'done',
    progress: 100,
    request,
    attempt: 1,
    lease_owner: null,
    lease_expires_at: null,
    created_at: T0,
    updated_at: T1,
    expire_at: EXPIRE,
    error: null,
    output: null,
    warnings: ['a warning'],
    idempotency_key: 'k',
    request_hash: 'h',
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    callback: null,
    fanout: null,
    storyboard: result,
  },
  firestore: () => ({
    schema_version: 1,
    owner: 'o',
    status: 'completed',
    stage: 'done',
    progress: 100,
    request_json: JSON.stringify(request),
    attempt: 1,
    lease_owner: null,
    lease_expires_at: null,
    created_at: ts(T0),
    updated_at: ts(T1),
    expire_at: ts(EXPIRE),
    error: null,
    output: null,
    warnings: ['a warning'],
    idempotency_key: 'k',
    request_hash: 'h',
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    callback: null,
    fanout: null,
    storyboard_json: JSON.stringify(result),
  }),
  record: {
    id: 'sb-old',
    owner: 'o',
    status: 'completed',
    stage: 'done',
    progress: 100,
    request,
    attempt: 1,
    lease_owner: null,
    lease_expires_at: null,
    created_at: T0,
    updated_at: T1,
    expire_at: EXPIRE,
    error: null,
    warnings: ['a warning'],
    idempotency_key: 'k',
    request_hash: 'h',
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    script: null,
    result,
  } satisfies StoryboardRecord as StoryboardRecord,
};

const choice = { id: 'sb-old', pieces: [{ clip: 0, source_start_s: 2 }] };
/** A fan-out in flight, planned before joins were counted. */
const fanout = {
  attempt: 1,
  planned_by: 'host:1',
  chunks: [{ frames: 30, state: 'done', owner: null, lease_expires_at: null, attempts: 1, rendered_by: 'host:1', error: null }],
  assembler: 'host:1:abcd',
  assembler_until: T1,
} as const;

/** A video made from that storyboard, being joined by a fan-out's last chunk delivery. */
export const PREVIOUS_VIDEO = {
  local: {
    ...PREVIOUS_STORYBOARD.local,
    id: 'video-old',
    status: 'processing',
    stage: 'render',
    progress: 92,
    request: { ...request, storyboard_id: 'sb-old' },
    lease_owner: 'host:1:abcd',
    lease_expires_at: T1,
    warnings: [],
    idempotency_key: null,
    request_hash: null,
    storyboard: undefined,
    fanout,
    from_storyboard: choice,
  },
  firestore: () => {
    const { storyboard_json: _s, ...doc } = PREVIOUS_STORYBOARD.firestore();
    return {
      ...doc,
      status: 'processing',
      stage: 'render',
      progress: 92,
      request_json: JSON.stringify({ ...request, storyboard_id: 'sb-old' }),
      lease_owner: 'host:1:abcd',
      lease_expires_at: ts(T1),
      warnings: [],
      idempotency_key: null,
      request_hash: null,
      fanout,
      from_storyboard: choice,
    };
  },
  record: {
    id: 'video-old',
    owner: 'o',
    status: 'processing',
    stage: 'render',
    progress: 92,
    request: { ...request, storyboard_id: 'sb-old' },
    attempt: 1,
    lease_owner: 'host:1:abcd',
    lease_expires_at: T1,
    created_at: T0,
    updated_at: T1,
    expire_at: EXPIRE,
    error: null,
    output: null,
    warnings: [],
    idempotency_key: null,
    request_hash: null,
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    callback: null,
    fanout: { ...fanout, chunks: [...fanout.chunks], joins: 0 },
    from_storyboard: choice,
    script: null,
    batch: null,
  } satisfies TaskRecord as TaskRecord,
};
