#!/usr/bin/env node
// `reelsmith`: render a video in this process, or drive a running service (submit, status, wait,
// download, cancel, list), or serve the MCP tools over stdio. Exit codes: cli/exit-codes.ts.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CAPTION_FONTS, CAPTION_LOOKS, CORNERS, EMPHASIS_MODES } from '../domain/look.ts';
import { MEDIA_MODES } from '../domain/footage-media.ts';
import { SCRIPT_FORMATS } from '../domain/script-fields.ts';
import { FRAMINGS, MOTION_STYLES, TRANSITION_TYPES } from '../domain/visuals.ts';
import { ASPECT_RATIOS, CAPTION_POSITIONS, CAPTION_STYLES, FIT_MODES, MAX_OUTPUTS, RESOLUTIONS } from '../domain/video-request.ts';
import { packageInfo } from '../lib/package-info.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { RenderResult } from './render.ts';
import type { BatchFlags } from './batch.ts';
import type { ServiceFlags } from './remote.ts';
import type { RequestFlags } from './request.ts';

// Commands load what they need when they run: `--help` and the remote commands stay quick.
const render = () => import('./render.ts');
const remote = () => import('./remote.ts');

const number = (what: string, int = false) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new InvalidArgumentError(`${what} must be ${int ? 'a whole number' : 'a number'}`);
  return n;
};

const collect = (v: string, all: string[] = []) => [...all, v];

/** list's page size: the API's 1..100, refused here rather than sent and refused there. */
const limitOf = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('--limit must be a whole number from 1 to 100');
  return n;
};

/** The flags that shape a video, shared by render and submit. */
function videoOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--aspect <ratio>', 'frame shape').choices(ASPECT_RATIOS))
    .addOption(new Option('--resolution <res>', 'short side 720 or 1080').choices(RESOLUTIONS))
    .option('--outputs <ratios>', `up to ${MAX_OUTPUTS} videos of one narration, e.g. 9:16,16:9 (render: out.mp4, out-16x9.mp4)`)
    .option('--max-duration <seconds>', "the platform's length limit: a longer narration fails, or is sped up with --fit speed", number('--max-duration'))
    .addOption(new Option('--fit <how>', 'over --max-duration: fail, or speed the voice up by up to 1.15×').choices(FIT_MODES))
    .addOption(new Option('--captions <style>', 'caption style, or none').choices([...CAPTION_STYLES, 'none']))
    .addOption(new Option('--caption-position <pos>', 'where captions sit').choices(CAPTION_POSITIONS))
    .option('--voice <id>', 'voice: an espeak-ng voice (en-us, en-gb+f3) offline, an ElevenLabs voice id with ELEVENLABS_API_KEY')
    .option('--voiceover <file|url>', 'your own recording of the script in place of the voice (MP3, WAV, M4A, Ogg, WebM); submit uploads a file first')
    .option('--model <id>', 'ElevenLabs model id')
    .option('--language <tag>', 'language of the script (BCP 47, e.g. en, pt-BR): picks the voice and caption font')
    .option('--speed <rate>', 'speaking rate, 0.7 to 1.2', number('--speed'))
    .option('--music <url>', 'background music (http or https URL), ducked under the voice')
    .option('--music-volume <0..1>', 'music volume', number('--music-volume'))
    .option('--search <query>', 'footage topic (default: words of the script)')
    .option('--clip <url>', 'a clip to use first (repeat for more)', collect)
    .option('--max-clips <n>', 'at most this many clips, 1 to 30', number('--max-clips', true))
    .option('--seed <n>', 'same seed, same clip choice', number('--seed', true));
  craftOptions(cmd.optionsGroup('On-screen craft (docs/videos.md, "Looks, emphasis and overlays"):'));
  visualOptions(cmd.optionsGroup('Motion, transitions and framing (docs/videos.md):'));
  // The options added after these (a command's own) are listed with the others again.
  return cmd.optionsGroup('Options:');
}

/** The on-screen craft flags (issue 24): the caption look, emphasis, and the overlays. */
function craftOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--look <name>', 'caption look').choices(CAPTION_LOOKS))
    .addOption(new Option('--font <face>', 'caption face (default: the look\'s)').choices(CAPTION_FONTS))
    .option('--uppercase', 'captions and titles in capitals')
    .option('--no-uppercase', 'captions and titles as written')
    .option('--text-color <#RRGGBB>', 'caption text colour')
    .option('--highlight-color <#RRGGBB>', 'the spoken word\'s colour')
    .option('--emphasis-color <#RRGGBB>', 'emphasised words\' colour')
    .option('--outline-width <fraction>', 'outline as a fraction of the font size, 0 to 0.25', number('--outline-width'))
    .option('--outline-color <#RRGGBB>', 'outline colour')
    .addOption(new Option('--emphasis <mode>', 'emphasised words: **marked** in the script, auto (also numbers and names), off').choices(EMPHASIS_MODES))
    .option('--hook [text]', 'a title over the first seconds (without text: the first sentence)')
    .option('--hook-duration <seconds>', 'how long the hook shows', number('--hook-duration'))
    .option('--progress-bar [position]', 'a bar that fills across the video: top or bottom')
    .option('--progress-color <#RRGGBB>', "the bar's colour (default: the highlight colour)")
    .option('--watermark <url|text>', 'a logo (an http(s) URL of a PNG, WebP, SVG or JPEG) or a handle as text')
    .addOption(new Option('--watermark-position <corner>', 'its corner').choices(CORNERS))
    .option('--watermark-opacity <0.1..1>', 'its opacity', number('--watermark-opacity'))
    .option('--watermark-scale <0.5..2>', 'its size', number('--watermark-scale'))
    .option('--end-card <text>', 'a call to action over the last seconds')
    .option('--end-card-duration <seconds>', 'how long the end card shows', number('--end-card-duration'))
    .option('--extend', 'the end card adds its seconds after the voice');
}

/** The picture's own craft flags (issue 23): motion, transitions, framing, what the footage is made of. */
function visualOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--motion <amount>', 'a slow zoom or pan on every piece (default subtle; photos always move)').choices(MOTION_STYLES))
    .addOption(new Option('--transition <type>', 'how pieces join (default cut)').choices(TRANSITION_TYPES))
    .option('--transition-duration <seconds>', 'how long pieces overlap, 0.1 to 1.5 (default 0.4)', number('--transition-duration'))
    .addOption(new Option('--framing <how>', 'a clip of another shape: cropped (cover, default) or whole over a blurred copy (blur)').choices(FRAMINGS))
    .addOption(new Option('--media <kind>', 'stock footage from videos (default), photos or both').choices(MEDIA_MODES))
    .option('--background-text', "each piece's key term large and faint behind the captions (default: over generated backgrounds)")
    .option('--no-background-text', 'no key terms behind the captions');
}

/** The flags of a script written from a topic, and the words a video is posted with. */
function scriptOptions(cmd: Command, topic = true): Command {
  if (topic) cmd.option('--topic <text>', "have the script written from this topic by the service's language model (instead of a script file)");
  return cmd
    .option('--duration <seconds>', 'with a topic: how long the narration should last', number('--duration'))
    .option('--tone <words>', 'with a topic: how it should sound, e.g. playful')
    .addOption(new Option('--format <kind>', 'with a topic: how it is told').choices(SCRIPT_FORMATS))
    .option('--title <text>', 'a title for posting (result.title)')
    .option('--description <text>', 'a caption for posting (result.description)')
    .option('--hashtags <tags>', 'hashtags for posting, e.g. "#ocean #facts"');
}

/** Where the service is, and how to reach it. */
function serviceOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'the service').env('REELSMITH_URL').default('http://localhost:8080'))
    .addOption(new Option('--key <key>', 'API key, when the service has API_KEYS').env('REELSMITH_API_KEY'))
    .option('--json', 'print one JSON document on stdout', false);
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

function describeRender(r: RenderResult, formatBytes: (n: number) => string): string {
  const lines: string[] = [];
  for (const v of r.outputs) {
    lines.push(`${v.output}  ${v.duration_s} s  ${v.width}×${v.height}  ${formatBytes(v.size_bytes)}`);
    if (v.thumbnail) lines.push(`  thumbnail  ${v.thumbnail}`);
    const captions = [v.captions_vtt, v.captions_srt].filter(Boolean);
    if (captions.length) lines.push(`  captions   ${captions.join(', ')}`);
  }
  for (const c of r.credits) lines.push(`  credit     ${c.attribution ?? `${c.author ?? 'unknown'} (${c.provider})`} ${c.photo_url ?? c.video_url ?? ''}`.trimEnd());
  for (const w of r.warnings) lines.push(`  warning    ${w}`);
  return lines.join('\n');
}

export function program(signal: AbortSignal): Command {
  const { version } = packageInfo();
  const root = new Command('reelsmith')
    .description('Script in, narrated and captioned short video out.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 the video could not be made, 2 bad arguments or script, 3 the service refused the request,\n' +
        '4 the service could not be reached (or answered 5xx), 5 the task was cancelled, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.',
    );

  scriptOptions(videoOptions(
    root
      .command('render')
      .description('render a script to an MP4 in this process (no server, no cloud account; --topic needs LLM_BASE_URL and LLM_MODEL set here)')
      .argument('[script]', 'a text file with the script (- for stdin), or a .json request body; or none, with --topic')
      .option('-o, --output <file>', 'the MP4 to write; sidecars (.jpg, .vtt, .srt) go beside it', 'video.mp4')
      .option('--json', 'print one JSON document on stdout', false),
  )).action(async (script: string | undefined, opts: RequestFlags & { output: string; json: boolean }) => {
    const [{ renderLocally }, { formatBytes }] = await Promise.all([render(), remote()]);
    const r = await renderLocally(script, opts, signal);
    print(opts.json, r, describeRender(r, formatBytes));
  });

  serviceOptions(
    scriptOptions(videoOptions(
      root
        .command('submit')
        .description('submit a script (or a topic to write one from) to a running service; prints the task id')
        .argument('[script]', 'a text file with the script (- for stdin), or a .json request body; or none, with --topic')
        .option('--template <id>', "apply one of your templates (reelsmith template list); the request's own fields win")
        .option('--callback <url>', 'URL that receives the task view when it ends')
        .option('--idempotency-key <key>', 'makes a retried submit safe'),
    )),
  ).action(async (script: string | undefined, opts: RequestFlags & ServiceFlags & { idempotencyKey?: string }) => {
    const [{ requestBody, validSubmission, voiceoverFile }, { calling, clientOf }] = await Promise.all([import('./request.ts'), remote()]);
    const body = requestBody(script, opts);
    // With a template the service validates the request whole, once its settings are under it.
    if (body.template_id === undefined) validSubmission(body);
    // A recording on this machine goes to the service first; the request names its upload.
    const recording = voiceoverFile(opts);
    if (recording) body.voiceover = { upload_id: (await calling(clientOf(opts).upload(recording))).upload_id };
    const r = await calling(clientOf(opts).submit(body, { idempotencyKey: opts.idempotencyKey }));
    print(opts.json, r, `${r.task_id}  ${r.status}\n  status: ${r.status_url}`);
  });

  serviceOptions(root.command('status').description("show a task's status, progress and result").argument('<id>', 'task id')).action(
    async (id: string, opts: ServiceFlags) => {
      const { calling, clientOf, describeView } = await remote();
      const v = await calling(clientOf(opts).get(id));
      print(opts.json, v, describeView(v));
    },
  );

  serviceOptions(
    root
      .command('wait')
      .description('wait for a task to end, showing its progress; exits 0 if it completed')
      .argument('<id>', 'task id')
      .option('--interval <seconds>', 'time between polls', number('--interval'), 1)
      .option('-o, --output <file>', 'also download the MP4 here once completed'),
  ).action(async (id: string, opts: ServiceFlags & { interval: number; output?: string }) => {
    const { describeView, download, exitOf, formatBytes, waitFor } = await remote();
    const v = await waitFor(opts, id, opts.interval, signal);
    const file = v.status === 'completed' && opts.output ? await download(opts, id, opts.output) : null;
    print(opts.json, file ? { ...v, downloaded: file } : v, describeView(v) + (file ? `\n  saved: ${file.path} (${formatBytes(file.size_bytes)})` : ''));
    process.exitCode = exitOf(v);
  });

  serviceOptions(
    root
      .command('download')
      .description("download a completed task's MP4")
      .argument('<id>', 'task id')
      .option('-o, --output <file>', 'where to write it (default: <id>.mp4)'),
  ).action(async (id: string, opts: ServiceFlags & { output?: string }) => {
    const { download, formatBytes } = await remote();
    const file = await download(opts, id, opts.output ?? `${id}.mp4`);
    print(opts.json, file, `${file.path}  ${formatBytes(file.size_bytes)}`);
  });

  serviceOptions(root.command('cancel').description('cancel a queued or running task').argument('<id>', 'task id')).action(
    async (id: string, opts: ServiceFlags) => {
      const { calling, clientOf, describeView } = await remote();
      const v = await calling(clientOf(opts).cancel(id));
      print(opts.json, v, describeView(v));
    },
  );

  serviceOptions(
    root
      .command('list')
      .description('your tasks, newest first')
      .option('--limit <n>', 'how many, 1 to 100', limitOf, 20),
  ).action(async (opts: ServiceFlags & { limit: number }) => {
    const { calling, clientOf } = await remote();
    const page = await calling(clientOf(opts).list({ limit: opts.limit }));
    print(opts.json, page, page.data.map((v) => `${v.task_id}  ${v.status.padEnd(10)} ${String(v.progress).padStart(3)}%  ${v.created_at}`).join('\n') || 'no tasks');
  });

  serviceOptions(
    root
      .command('script')
      .description("have the service's language model write a script from a topic; prints it (or saves it as a request body to submit)")
      .argument('<topic...>', 'what the video is about')
      .option('--duration <seconds>', 'how long the narration should last (default 45)', number('--duration'))
      .option('--language <tag>', 'the language to write it in (BCP 47, default en)')
      .option('--tone <words>', 'how it should sound, e.g. playful')
      .addOption(new Option('--format <kind>', 'how it is told (default facts)').choices(SCRIPT_FORMATS))
      .option('-o, --output <file>', 'also save it as a request body (scenes, title, description, hashtags) that submit and render take'),
  ).action(async (topic: string[], opts: ServiceFlags & { duration?: number; language?: string; tone?: string; format?: string; output?: string }) => {
    const { calling, clientOf, describeScript, saveScript } = await remote();
    const s = await calling(
      clientOf(opts).writeScript({
        topic: topic.join(' '),
        ...(opts.duration !== undefined ? { duration_s: opts.duration } : {}),
        ...(opts.language ? { language: opts.language } : {}),
        ...(opts.tone ? { tone: opts.tone } : {}),
        ...(opts.format ? { format: opts.format as (typeof SCRIPT_FORMATS)[number] } : {}),
      }),
    );
    const saved = opts.output ? await saveScript(s, opts.output) : null;
    print(opts.json, saved ? { ...s, saved } : s, describeScript(s) + (saved ? `
  saved: ${saved}` : ''));
  });

  serviceOptions(
    scriptOptions(
      videoOptions(
        root
          .command('batch')
          .description('submit every row of a CSV (a header of request fields) or every line of a JSON Lines file as one batch, follow each video and download them into a folder')
          .argument('<file>', 'a .csv or .jsonl file: one video a row or line (script_text, scenes or topic, and any request field)')
          .option('--template <id>', 'apply one of your templates under every row')
          .option('--callback <url>', 'URL called once, when every video has ended')
          .option('--idempotency-key <key>', 'makes a retried submit safe')
          .option('-o, --out-dir <dir>', 'where the videos go (default: a folder named after the file)')
          .option('--no-download', 'follow the batch without downloading the videos')
          .option('--interval <seconds>', 'time between polls', number('--interval'), 2),
      ),
      false,
    ),
  ).action(async (file: string, opts: RequestFlags & BatchFlags) => {
    const [{ runBatch, batchExit, describeBatch }, { flagFields }] = await Promise.all([import('./batch.ts'), import('./request.ts')]);
    // The flags are defaults under every row; the batch's own are sent apart.
    const { template, callback, ...videoFlags } = opts;
    const r = await runBatch(file, flagFields({}, videoFlags), opts, signal);
    print(opts.json, r, describeBatch(r.batch));
    process.exitCode = batchExit(r.batch);
  });

  serviceOptions(root.command('batch-status').description("show a batch's items").argument('<id>', 'batch id')).action(async (id: string, opts: ServiceFlags) => {
    const [{ describeBatch }, { calling, clientOf }] = await Promise.all([import('./batch.ts'), remote()]);
    const v = await calling(clientOf(opts).getBatch(id));
    print(opts.json, v, describeBatch(v));
  });

  serviceOptions(root.command('batch-cancel').description("cancel a batch's unfinished videos").argument('<id>', 'batch id')).action(async (id: string, opts: ServiceFlags) => {
    const [{ describeBatch }, { calling, clientOf }] = await Promise.all([import('./batch.ts'), remote()]);
    const v = await calling(clientOf(opts).cancelBatch(id));
    print(opts.json, v, describeBatch(v));
  });

  const template = root.command('template').description("your templates: a channel's request settings saved once, applied with --template");
  serviceOptions(template.command('list').description('your templates')).action(async (opts: ServiceFlags) => {
    const { calling, clientOf } = await remote();
    const { data } = await calling(clientOf(opts).templates());
    print(opts.json, { data }, data.map((t) => `${t.template_id}  ${t.name}  ${JSON.stringify(t.settings)}`).join('\n') || 'no templates');
  });
  serviceOptions(template.command('show').description('one template').argument('<id>', 'template id')).action(async (id: string, opts: ServiceFlags) => {
    const { calling, clientOf } = await remote();
    const t = await calling(clientOf(opts).template(id));
    print(opts.json, t, `${t.template_id}  ${t.name}\n${JSON.stringify(t.settings, null, 2)}`);
  });
  serviceOptions(
    scriptOptions(
      videoOptions(
        template
          .command('save')
          .description('save request settings as a template: from the flags, over a .json file of settings; --replace <id> changes one')
          .argument('<name>', 'its name, unique among your templates')
          .option('--from <file>', 'a .json file of request settings (a request body without its script)')
          .option('--replace <id>', 'the template to change instead of making a new one'),
      ),
      false,
    ),
  ).action(async (name: string, opts: RequestFlags & ServiceFlags & { from?: string; replace?: string }) => {
    const [{ flagFields, readScript }, { calling, clientOf }] = await Promise.all([import('./request.ts'), remote()]);
    const base = opts.from ? readScript(opts.from) : {};
    const { from: _f, replace, ...flags } = opts;
    const t = await calling(clientOf(opts).saveTemplate({ name, settings: flagFields(base, flags) }, replace));
    print(opts.json, t, `${t.template_id}  ${t.name}  ${JSON.stringify(t.settings)}`);
  });
  serviceOptions(template.command('delete').description('delete a template').argument('<id>', 'template id')).action(async (id: string, opts: ServiceFlags) => {
    const { calling, clientOf } = await remote();
    await calling(clientOf(opts).deleteTemplate(id));
    print(opts.json, { deleted: id }, `deleted ${id}`);
  });

  serviceOptions(
    root
      .command('mcp')
      .description('serve the MCP tools (create_video, get_video, cancel_video, list_voices, write_script, create_batch, get_batch, list_templates) over stdio, for agents; they call the service at --url'),
  ).action(async (opts: ServiceFlags) => {
    const [{ serveStdio }, { mcpServer }, { clientOf }] = await Promise.all([
      import('@modelcontextprotocol/server/stdio'),
      import('../mcp/server.ts'),
      remote(),
    ]);
    const client = clientOf(opts);
    const served = serveStdio(() => mcpServer(client));
    // Serve until the agent closes stdin (or Ctrl-C).
    await new Promise<void>((resolve) => {
      process.stdin.once('close', resolve);
      process.stdin.once('end', resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await served.close();
  });

  return root;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const ac = new AbortController();
  // Ctrl-C and a SIGTERM (a terminal closing, a supervisor, an MCP client stopping its server)
  // stop the work the same way: renders are cancelled and leave nothing behind.
  let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => {
    stoppedBy ??= sig;
    ac.abort();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, onSignal);
  const json = argv.includes('--json');
  try {
    return terminated(await run());
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, onSignal);
  }

  /** An interrupted command exits 143 (128 + SIGTERM) when SIGTERM stopped it, as a process killed by it would. */
  function terminated(code: number): number {
    return code === EXIT.interrupted && stoppedBy === 'SIGTERM' ? EXIT.terminated : code;
  }

  async function run(): Promise<number> {
    try {
      await program(ac.signal).parseAsync(argv);
      return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
    } catch (err) {
      if (err instanceof CommanderError) {
        // commander has printed its message (and help when asked for it) on stderr.
        if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT.ok;
        if (json) process.stdout.write(`${JSON.stringify({ error: { code: usageCode(err.code), message: err.message.replace(/^error: /, '') } })}\n`);
        return EXIT.usage;
      }
      const e = err instanceof CliError ? err : new CliError(EXIT.failed, 'error', (err as Error)?.message ?? String(err));
      if (json) process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
      process.stderr.write(`reelsmith: ${e.message}\n`);
      return e.exitCode;
    }
  }
}

/** commander's error code as ours: `commander.invalidArgument` → `invalid_argument`. */
function usageCode(code: string): string {
  return code.replace(/^commander\./, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Run as a program (also through the `bin` symlink npx and npm install -g make), not when imported. */
function invokedDirectly(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main();
