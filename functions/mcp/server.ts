// The MCP server: tools an agent uses to make videos (create_video, get_video, cancel_video,
// list_voices, write_script, create_batch, get_batch, list_templates). Every tool is a call of the HTTP API through a client, so keys, ownership and
// validation are the API's own: over streamable HTTP at /mcp the client calls the app in process
// with the caller's key; over stdio (`reelsmith mcp`) it calls a running service.
import { createMcpHandler, McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ApiError } from '../api/api-error.ts';
import type { ReelsmithClient } from '../api/client.ts';
import type { TaskView } from '../domain/task-view.ts';
import { BatchBodySchema } from '../api/batch-spec.ts';
import { ScriptRequestSchema } from '../domain/script.ts';
import { RequestFields } from '../domain/video-request.ts';
import { asSent } from './as-sent.ts';
import { packageInfo } from '../lib/package-info.ts';

const TaskRef = z.strictObject({ task_id: z.string().min(1).max(128).describe('The task_id create_video returned') });

/** A task view as text an agent can act on: status, progress, and the URLs once it is done. */
export function describeTask(v: TaskView): string {
  const lines = [`task ${v.task_id}: ${v.status} (stage ${v.stage}, ${v.progress}%)`];
  if (v.error) lines.push(`error ${v.error.code}: ${v.error.message}`);
  if (v.result) {
    lines.push(
      `video_url: ${v.result.video_url} (expires ${v.result.expires_at})`,
      `duration ${v.result.duration_s} s, ${v.result.width}x${v.result.height}, ${v.result.size_bytes} bytes`,
    );
    if (v.result.captions_srt_url) lines.push(`captions (SRT): ${v.result.captions_srt_url}`);
    if (v.result.captions_url) lines.push(`captions (WebVTT): ${v.result.captions_url}`);
    if (v.result.thumbnail_url) lines.push(`thumbnail: ${v.result.thumbnail_url}`);
    for (const o of v.result.outputs.slice(1)) {
      lines.push(`also ${o.aspect_ratio} ${o.width}x${o.height}: ${o.video_url}`);
      if (o.captions_srt_url) lines.push(`  captions (SRT): ${o.captions_srt_url}`);
    }
  } else if (v.status === 'queued' || v.status === 'processing') {
    lines.push('not finished: call get_video again in a few seconds');
  }
  for (const w of v.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

const ok = (text: string, structured: object): CallToolResult => ({
  content: [{ type: 'text', text }],
  structuredContent: structured as Record<string, unknown>,
});

/** The API's refusals become tool errors the agent can read and fix; anything else propagates. */
async function tool(call: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const details = err.details.map((d) => `\n${d.path}: ${d.message}`).join('');
    return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}${details}` }] };
  }
}

export function mcpServer(client: ReelsmithClient): McpServer {
  const server = new McpServer({ name: 'reelsmith', version: packageInfo().version });

  server.registerTool(
    'create_video',
    {
      title: 'Create a video',
      description:
        'Queue a narrated, captioned short video from a script (script_text), scenes, or a topic to write the script from. Answers at once with a task_id; ' +
        'call get_video with it until status is completed, then use result.video_url. To narrate with a recording ' +
        'instead of a synthesised voice, pass voiceover.url (an MP3, WAV, M4A, Ogg or WebM the service downloads) with the ' +
        'script it says; its words are found in it for the captions, and a sentence it does not say fails the task.',
      // As sent: a template's settings apply under the fields the agent sends, not under defaults.
      inputSchema: asSent(RequestFields),
    },
    (request) =>
      tool(async () => {
        const r = await client.submit(request);
        return ok(`task ${r.task_id} is ${r.status}; call get_video with task_id ${r.task_id} to follow it`, r);
      }),
  );

  server.registerTool(
    'get_video',
    {
      title: 'Get a video',
      description: "A video task's status and progress; once completed, its video, captions and thumbnail URLs (signed, short-lived).",
      inputSchema: TaskRef,
    },
    ({ task_id }) =>
      tool(async () => {
        const v = await client.get(task_id);
        return ok(describeTask(v), v);
      }),
  );

  server.registerTool(
    'cancel_video',
    { title: 'Cancel a video', description: 'Stop a queued or rendering video task.', inputSchema: TaskRef },
    ({ task_id }) =>
      tool(async () => {
        const v = await client.cancel(task_id);
        return ok(describeTask(v), v);
      }),
  );

  server.registerTool(
    'list_voices',
    {
      title: 'List voices',
      description: 'The voices create_video accepts as voice_id: espeak-ng voices offline, the ElevenLabs account’s voices with a key.',
      inputSchema: z.strictObject({}),
    },
    () =>
      tool(async () => {
        const { data } = await client.voices();
        const text = data.map((v) => `${v.voice_id}  ${v.name}${v.language ? ` (${v.language})` : ''}${v.description ? ` — ${v.description}` : ''}`);
        return ok(`${data.length} ${data[0]?.provider ?? ''} voices:\n${text.join('\n')}`, { voices: data });
      }),
  );

  server.registerTool(
    'write_script',
    {
      title: 'Write a script',
      description:
        "Have the service's language model write a short video's narration from a topic, sized to duration_s at the voice's speaking rate: " +
        'a title, scenes (each with footage to search for), a description and hashtags. Pass its scenes (and title, description, hashtags) ' +
        'to create_video to render it as it is, or give create_video the topic itself.',
      inputSchema: ScriptRequestSchema,
    },
    (request) =>
      tool(async () => {
        const s = await client.writeScript(request);
        const scenes = s.scenes.map((scene, i) => `${i + 1}. ${scene.text} [footage: ${scene.search_query}]`);
        return ok(`${s.title} (~${s.estimated_duration_s} s)\n${scenes.join('\n')}\n${s.description}\n${s.hashtags.join(' ')}`, s);
      }),
  );

  server.registerTool(
    'create_batch',
    {
      title: 'Create a batch of videos',
      description:
        'Queue up to 100 videos at once: each item a video request (script_text, scenes, or a topic to write one from), merged over `defaults` ' +
        '(and a template). All of them are made, or none when any item is invalid (each error names items.<index>). Answers with a batch_id; ' +
        'call get_batch with it until status is completed.',
      inputSchema: asSent(BatchBodySchema),
    },
    (body) =>
      tool(async () => {
        const r = await client.createBatch(body);
        return ok(`batch ${r.batch_id}: ${r.total} videos queued; call get_batch with batch_id ${r.batch_id} to follow them`, r);
      }),
  );

  server.registerTool(
    'get_batch',
    {
      title: 'Get a batch',
      description: "A batch's videos by status, and each item's task_id, status and, once completed, its video URL.",
      inputSchema: z.strictObject({ batch_id: z.string().min(1).max(128).describe('The batch_id create_batch returned') }),
    },
    ({ batch_id }) =>
      tool(async () => {
        const v = await client.getBatch(batch_id);
        const counts = Object.entries(v.counts).filter(([, n]) => n > 0).map(([st, n]) => `${n} ${st}`).join(', ');
        const items = v.items.map((i) => `${i.index}: ${i.status} ${i.progress}%${i.title ? ` "${i.title}"` : ''}${i.video_url ? ` ${i.video_url}` : ''}${i.error ? ` (${i.error.code}: ${i.error.message})` : ''}`);
        const next = v.status === 'completed' ? '' : '\nnot finished: call get_batch again in a few seconds';
        return ok(`batch ${v.batch_id}: ${v.status} (${counts})\n${items.join('\n')}${next}`, v);
      }),
  );

  server.registerTool(
    'list_templates',
    {
      title: 'List templates',
      description: "The caller's templates: saved request settings (voice, captions, music, outputs, …) that create_video and create_batch apply with template_id.",
      inputSchema: z.strictObject({}),
    },
    () =>
      tool(async () => {
        const { data } = await client.templates();
        return ok(data.length ? data.map((t) => `${t.template_id}  ${t.name}  ${JSON.stringify(t.settings)}`).join('\n') : 'no templates', { templates: data });
      }),
  );

  return server;
}

/** Streamable HTTP, stateless: each request gets a server bound to the caller's own API client. */
export const mcpHttp = createMcpHandler((ctx) => {
  const client = ctx.authInfo?.extra?.client as ReelsmithClient | undefined;
  if (!client) throw new Error('the MCP endpoint is called without its API client');
  return mcpServer(client);
});
