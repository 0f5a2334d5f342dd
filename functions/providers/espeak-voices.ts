// espeak-ng's voices: the list it reports (cached per binary), and which voice serves a request's
// voice_id or language. Also the one helper that runs espeak-ng, and the start-up check.
import { TaskError } from '../errors.ts';
import { runProcess } from '../lib/run-process.ts';

const DEFAULT_VOICE = 'en-us';
/** One sentence takes well under a second; a hung espeak-ng must not hold the task. */
const ESPEAK_TIMEOUT_MS = 60_000;

export interface EspeakVoice {
  /** Primary language code as espeak-ng lists it, lower case: `en-us`, `pt-br`, `cmn`. */
  language: string;
  /** Voice file, usable with -v: `gmw/en-US`. */
  file: string;
  priority: number;
  /** Other language codes the voice serves, with their priority: `zh` → 5 for `cmn`. */
  aliases: Map<string, number>;
}

export interface VoiceIndex {
  voices: EspeakVoice[];
  /** Variant names (`f3`, `klatt`, `Alex`) that can follow a voice after `+`. */
  variants: string[];
}

/** Parses `espeak-ng --voices` (or `--voices=variant`) output. */
export function parseVoiceList(stdout: string): EspeakVoice[] {
  const voices: EspeakVoice[] = [];
  for (const line of stdout.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const aliases = new Map<string, number>();
    for (const a of (m[4] ?? '').matchAll(/\((\S+)\s+(\d+)\)/g)) aliases.set(a[1]!.toLowerCase(), Number(a[2]));
    voices.push({ language: m[2]!.toLowerCase(), file: m[3]!, priority: Number(m[1]), aliases });
  }
  return voices;
}

/**
 * The -v argument for a request: `voiceId` when it names an espeak-ng voice (language code or
 * voice file, optionally `+variant`), else the best voice for `language`, else American English.
 * A voice_id espeak-ng does not know is an error rather than silently another voice.
 */
export function resolveVoice(index: VoiceIndex, req: { voiceId?: string | undefined; language?: string | undefined }): string {
  if (req.voiceId) {
    const [base = '', variant, ...rest] = req.voiceId.trim().split('+');
    const lower = base.toLowerCase();
    const voice = index.voices.find((v) => v.language === lower || v.file.toLowerCase() === lower);
    const variantName = variant === undefined ? undefined : index.variants.find((n) => n.toLowerCase() === variant.toLowerCase());
    if (voice && rest.length === 0 && (variant === undefined || variantName)) {
      const v = voice.language === lower ? voice.language : voice.file;
      return variantName ? `${v}+${variantName}` : v;
    }
    throw new TaskError(
      'invalid_voice',
      `voice_id: "${req.voiceId}" is not an espeak-ng voice; use a language voice such as en-us, en-gb or pt-br ` +
        '(optionally with a variant, e.g. en-us+f3), or leave voice_id out to choose by language',
    );
  }
  if (!req.language) return DEFAULT_VOICE;
  const found = voiceForLanguage(index.voices, req.language);
  if (found) return found;
  throw new TaskError(
    'unsupported_language',
    `language: espeak-ng has no voice for "${req.language}"; use a language it speaks (e.g. en, es, pt-BR, zh) or set voice_id`,
  );
}

/** BCP-47 → voice: the full tag first, then shorter prefixes (`zh-Hant-TW` → `zh-hant` → `zh`). */
function voiceForLanguage(voices: EspeakVoice[], tag: string): string | null {
  const parts = tag.toLowerCase().split('-');
  for (let n = parts.length; n > 0; n--) {
    const want = parts.slice(0, n).join('-');
    let best: { language: string; priority: number } | null = null;
    for (const v of voices) {
      const p = v.language === want ? v.priority : v.aliases.get(want);
      if (p !== undefined && (!best || p < best.priority)) best = { language: v.language, priority: p };
    }
    if (best) return best.language;
  }
  return null;
}

const voiceCache = new Map<string, Promise<VoiceIndex>>();

export function voicesOf(espeakPath: string, signal: AbortSignal): Promise<VoiceIndex> {
  let p = voiceCache.get(espeakPath);
  if (!p) {
    // Not tied to one task's signal: the list is shared by every task that follows.
    p = Promise.all([runEspeak(espeakPath, ['--voices']), runEspeak(espeakPath, ['--voices=variant'])]).then(([voices, variants]) => ({
      voices: parseVoiceList(voices.toString('utf8')),
      variants: parseVoiceList(variants.toString('utf8')).map((v) => v.file.replace(/^!v\//, '')),
    }));
    p.catch(() => voiceCache.delete(espeakPath));
    voiceCache.set(espeakPath, p);
  }
  signal.throwIfAborted();
  return p;
}

/** Runs espeak-ng with an argument array and `input` on stdin; resolves with its stdout. */
export async function runEspeak(
  path: string,
  args: string[],
  opts: { input?: string; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Buffer> {
  const r = await runProcess(path, args, {
    label: 'espeak-ng',
    errorCode: 'speech_failed',
    input: opts.input ?? '',
    timeoutMs: opts.timeoutMs ?? ESPEAK_TIMEOUT_MS,
    installHint: 'install espeak-ng or set ESPEAK_PATH',
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return r.stdout;
}

/** Start-up check: fails fast with what to install instead of failing every task later. Returns the version line. */
export async function checkEspeak(path: string): Promise<string> {
  try {
    const out = (await runEspeak(path, ['--version'], { timeoutMs: 10_000 })).toString('utf8').trim();
    if (!/espeak/i.test(out)) throw new Error(`unexpected --version output "${out.slice(0, 80)}"`);
    return out.split('\n')[0] ?? out;
  } catch (err) {
    throw new Error(
      `espeak-ng is not runnable at "${path}": ${(err as Error).message}; install it (Debian: apt-get install espeak-ng) or set ESPEAK_PATH`,
      { cause: err },
    );
  }
}
