// POST /v1/scripts, declared with its zod schemas (the OpenAPI document is generated from it): a
// script written from a topic by the service's language model, answered at once, not stored.
import { createRoute } from '@hono/zod-openapi';
import { ScriptRequestSchema, WrittenScriptSchema, type WrittenScript } from '../domain/script.ts';
import { SECURITY } from './auth.ts';
import { errorContent, errorResponses, jsonContent, RETRY_AFTER } from './schemas.ts';

export const EXAMPLE_SCRIPT: WrittenScript = {
  title: 'Why octopuses have three hearts',
  script_text:
    'An octopus has three hearts, and each one has a job. Two of them push blood through the gills. The third sends it around the body, and it stops while the octopus swims.',
  scenes: [
    { text: 'An octopus has three hearts, and each one has a job.', search_query: 'octopus underwater' },
    { text: 'Two of them push blood through the gills.', search_query: 'octopus gills close up' },
    { text: 'The third sends it around the body, and it stops while the octopus swims.', search_query: 'octopus swimming' },
  ],
  description: 'Three hearts, blue blood, and a reason octopuses would rather crawl than swim.',
  hashtags: ['#octopus', '#oceanfacts', '#science'],
  language: 'en',
  estimated_duration_s: 11.6,
  length: 38,
  unit: 'words',
  model: 'gpt-4o-mini-2024-07-18',
  warnings: [],
};

export const ScriptRequestBody = ScriptRequestSchema.meta({
  id: 'ScriptRequest',
  description: 'A topic to write a short video’s narration about, sized to a duration at the voice’s speaking rate.',
});

export const WrittenScriptBody = WrittenScriptSchema.meta({ examples: [EXAMPLE_SCRIPT] });

export const writeScriptRoute = createRoute({
  method: 'post',
  path: '/v1/scripts',
  operationId: 'writeScript',
  tags: ['scripts'],
  summary: 'Write a script from a topic with the service’s language model',
  description:
    'Answers with the script at once (a few seconds: one or two calls of the model), not stored. Send its `scenes` as a ' +
    'video’s or storyboard’s scenes to render them as they are, or send `topic` in the video request itself to have it ' +
    'written as the task’s first stage. Needs LLM_BASE_URL on the service; counts against SUBMITS_PER_MINUTE like a submit.',
  security: SECURITY,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: ScriptRequestBody, example: { topic: 'why octopuses have three hearts', duration_s: 30, tone: 'playful', format: 'facts' } } },
    },
  },
  responses: {
    200: { description: 'The script', content: jsonContent(WrittenScriptBody) },
    ...errorResponses(400, 401, 413, 415, 429),
    422: {
      description:
        'Invalid fields (`invalid_request`, details name them; `topic` when the service has no language model), or the model could not write ' +
        'a usable script: `script_refused`, `script_filtered`, `script_invalid`, `script_truncated`',
      content: errorContent('script_refused', 'the language model declined to write this script: "I can’t help with that."; rephrase the topic or choose another'),
    },
    502: {
      description: 'The language model endpoint refused the service’s own request: `llm_auth_failed`, `llm_model_not_found`, `llm_endpoint_not_found`, `llm_invalid_request` (its operator must fix a setting)',
      content: errorContent('llm_auth_failed', 'the language model endpoint refused the key (401): check LLM_API_KEY'),
    },
    503: {
      description: 'The language model is busy or out of reach: `llm_rate_limited`, `llm_unavailable`, `llm_timeout`, `llm_bad_response`, `llm_quota_exceeded`; retry after Retry-After seconds',
      headers: RETRY_AFTER,
      content: errorContent('llm_rate_limited', 'the language model endpoint is rate-limiting this key; try again later'),
    },
  },
});
