#!/usr/bin/env node
// `reelsmith`: render a video in this process, or drive a running service (submit, status, wait,
// download, cancel, list), or serve the MCP tools over stdio. Exit codes: cli/exit-codes.ts.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ASPECT_RATIOS, CAPTION_POSITIONS, CAPTION_STYLES, FIT_MODES, MAX_OUTPUTS, RESOLUTIONS } from '../domain/video-request.ts';
import { packageInfo } from '../lib/package-info.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { RenderResult } from './render.ts';
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
  return cmd
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

  videoOptions(
    root
      .command('render')
      .description('render a script to an MP4 in this process (no server, no cloud account)')
      .argument('<script>', 'a text file with the script (- for stdin), or a .json request body')
      .option('-o, --output <file>', 'the MP4 to write; sidecars (.jpg, .vtt, .srt) go beside it', 'video.mp4')
      .option('--json', 'print one JSON document on stdout', false),
  ).action(async (script: string, opts: RequestFlags & { output: string; json: boolean }) => {
    const [{ renderLocally }, { formatBytes }] = await Promise.all([render(), remote()]);
    const r = await renderLocally(script, opts, signal);
    print(opts.json, r, describeRender(r, formatBytes));
  });

  serviceOptions(
    videoOptions(
      root
        .command('submit')
        .description('submit a script to a running service; prints the task id')
        .argument('<script>', 'a text file with the script (- for stdin), or a .json request body')
        .option('--callback <url>', 'URL that receives the task view when it ends')
        .option('--idempotency-key <key>', 'makes a retried submit safe'),
    ),
  ).action(async (script: string, opts: RequestFlags & ServiceFlags & { idempotencyKey?: string }) => {
    const [{ requestBody, validSubmission, voiceoverFile }, { calling, clientOf }] = await Promise.all([import('./request.ts'), remote()]);
    const body = requestBody(script, opts);
    validSubmission(body);
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
      .command('mcp')
      .description('serve the MCP tools (create_video, get_video, cancel_video, list_voices) over stdio, for agents; they call the service at --url'),
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
