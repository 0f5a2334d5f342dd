// `npm run bench:align`: how well the offline aligner (functions/providers/espeak-aligner.ts) finds
// the words of recordings made by other voices, and what it costs (issue 27's targets: caption
// onsets within 50 ms median and 150 ms max of the true onsets in English; figures for at least
// three other languages, one of them right-to-left; 60 s of audio aligned in ≤ 3 CPU s and
// ≤ 100 MiB). Then: recordings that do not say the text must fail naming the sentence; and the
// espeak-ng narration's own word timings (estimated by spoken weight) measured against its audio
// by the same aligner.
//
// Recordings (test/support/speech-recordings.ts) are made by flite (English: another synthesiser
// altogether) and by espeak-ng with other voices, rates and pitches (every language), with pauses
// of varying length between words and sentences, and for some noise under everything and a lossy
// codec; their true word onsets are known exactly. flite is needed for the English recordings
// (Debian: apt-get install flite); without it those rows are skipped.
//
// CPU and memory are measured on a child process that only aligns (node, espeak-ng and ffmpeg
// together: user + system CPU seconds and peak RSS from /usr/bin/time), not wall time: the
// machine may be shared. The same for a child that only loads the aligner gives node's own part.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WordTiming } from '../functions/domain/media.ts';
import { resolveMediaTools } from '../functions/media/tools.ts';
import { EspeakAligner } from '../functions/providers/espeak-aligner.ts';
import { EspeakSpeech } from '../functions/providers/espeak-speech.ts';
import { espeakRecording, fliteRecording, withNoise, writeRecording, type TimedRecording } from '../test/support/speech-recordings.ts';
import { currentBuild } from './builds.ts';
import { CACHE_DIR } from './workload.ts';

const USAGE = `npm run bench:align -- [options]
  --only LIST   parts to run, comma-separated: accuracy, mismatch, cost, espeak (default: all)
  --reps N      timed runs of each cost figure (default 3)
  --keep        keep bench/.cache/align (the recordings)`;

const { values: argv } = parseArgs({
  options: {
    only: { type: 'string' },
    reps: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const DIR = join(import.meta.dirname, '.cache', 'align');
const tools = resolveMediaTools({});
const ESPEAK = process.env.ESPEAK_PATH || 'espeak-ng';
const aligner = new EspeakAligner({ espeakPath: ESPEAK, tools });

/** About a minute of English at a narrator's pace. No digits or hyphens: every synthesiser says each word alone the same way. */
const ENGLISH = [
  'The octopus is one of the most intelligent animals in the sea.',
  'It has three hearts, blue blood, and a brain that wraps around its throat.',
  'Each of its eight arms can taste what it touches.',
  'When danger comes close, it changes the colour of its skin in less than a second.',
  'Some octopuses carry coconut shells and use them as a shelter.',
  'Others squeeze through a gap no wider than a coin.',
  'They solve puzzles, open jars, and remember faces.',
  'In one aquarium, an octopus learned to turn off the lights by squirting water at them.',
  'Scientists still argue about how such a strange mind came to be.',
  'Its last common ancestor with us lived more than five hundred million years ago, so its intelligence grew along a completely separate path.',
  'Watching one explore a rock pool, you get the feeling that somebody is looking back at you.',
  'Perhaps that is the most surprising thing of all.',
];

const OTHER: Record<string, { name: string; rtl?: boolean; voice: string; rate: number; pitch: number; sentences: string[] }> = {
  es: {
    name: 'Spanish',
    voice: 'es+klatt2',
    rate: 150,
    pitch: 35,
    sentences: [
      'El pulpo es uno de los animales más inteligentes del mar.',
      'Tiene tres corazones y sangre azul.',
      'Cada uno de sus ocho brazos puede sentir el sabor de lo que toca.',
      'Cuando hay peligro, cambia el color de su piel en menos de un segundo.',
      'Algunos pulpos llevan cáscaras de coco y las usan como refugio.',
    ],
  },
  de: {
    name: 'German',
    voice: 'de+f3',
    rate: 190,
    pitch: 65,
    sentences: [
      'Der Krake ist eines der klügsten Tiere im Meer.',
      'Er hat drei Herzen und blaues Blut.',
      'Jeder seiner acht Arme kann schmecken, was er berührt.',
      'Bei Gefahr wechselt er in weniger als einer Sekunde die Farbe seiner Haut.',
      'Manche Kraken tragen Kokosnussschalen mit sich und nutzen sie als Versteck.',
    ],
  },
  ru: {
    name: 'Russian',
    voice: 'ru+m3',
    rate: 160,
    pitch: 40,
    sentences: [
      'Осьминог считается одним из самых умных животных в море.',
      'У него три сердца и голубая кровь.',
      'Каждое из восьми щупалец чувствует вкус того, чего касается.',
      'В случае опасности он меняет цвет кожи меньше чем за секунду.',
    ],
  },
  ar: {
    name: 'Arabic',
    rtl: true,
    voice: 'ar+f2',
    rate: 140,
    pitch: 70,
    sentences: [
      'الأخطبوط من أذكى الحيوانات في البحر.',
      'لديه ثلاثة قلوب ودم أزرق.',
      'يستطيع كل ذراع من أذرعه الثمانية أن يتذوق ما يلمسه.',
      'عندما يقترب الخطر، يغير لون جلده في أقل من ثانية.',
      'بعض الأخطبوطات تحمل قشور جوز الهند وتستخدمها ملجأ.',
    ],
  },
  he: {
    name: 'Hebrew',
    rtl: true,
    voice: 'he+klatt4',
    rate: 200,
    pitch: 25,
    sentences: [
      'התמנון הוא אחד מבעלי החיים החכמים ביותר בים.',
      'יש לו שלושה לבבות ודם כחול.',
      'כל אחת משמונה זרועותיו יכולה לטעום את מה שהיא נוגעת בו.',
      'כשמתקרבת סכנה, הוא משנה את צבע עורו בפחות משנייה.',
    ],
  },
};

interface Recording {
  id: string;
  language: string;
  /** What made it and how. */
  voice: string;
  make(): Promise<TimedRecording>;
  /** Encode the WAV to this before aligning (a lossy upload). */
  codec?: 'mp3' | 'opus';
}

const hasFlite = (() => {
  try {
    execFileSync('flite', ['-lv'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const flite = (id: string, voice: string, what: string, plan: Parameters<typeof fliteRecording>[2], noiseDb?: number, codec?: 'mp3'): Recording => ({
  id,
  language: 'en',
  voice: what,
  make: async () => {
    const rec = await fliteRecording(ENGLISH, { voice }, plan);
    return noiseDb === undefined ? rec : withNoise(rec, noiseDb);
  },
  ...(codec ? { codec } : {}),
});

const RECORDINGS: Recording[] = [
  ...(hasFlite
    ? [
        flite('en-flite-slt', 'slt', 'flite slt (female)', { seed: 1 }),
        flite('en-flite-rms', 'rms', 'flite rms (male)', { seed: 2 }),
        flite('en-flite-rms-noise-mp3', 'rms', 'flite rms, noise at -50 dBFS, MP3 64 kb/s', { seed: 2 }, -50, 'mp3'),
        flite('en-flite-kal16', 'kal16', 'flite kal16 (diphone, male)', { seed: 5 }),
        flite('en-flite-awb-pauses', 'awb', 'flite awb (male), long and frequent pauses', { seed: 3, wordChance: 0.5, wordS: [0.1, 0.9], sentenceS: [0.5, 2] }),
      ]
    : []),
  {
    id: 'en-espeak-klatt',
    language: 'en',
    voice: 'espeak-ng en-us+klatt3, 150 wpm, pitch 30, Opus 32 kb/s',
    make: () => espeakRecording(ENGLISH, { voice: 'en-us+klatt3', rate: 150, pitch: 30 }, { seed: 4 }),
    codec: 'opus',
  },
  ...Object.entries(OTHER).map(([lang, o], k) => ({
    id: `${lang}-espeak`,
    language: lang,
    voice: `espeak-ng ${o.voice}, ${o.rate} wpm, pitch ${o.pitch}, noise at -55 dBFS`,
    make: async () => withNoise(await espeakRecording(o.sentences, { voice: o.voice, rate: o.rate, pitch: o.pitch }, { seed: 10 + k }), -55),
  })),
];

interface Errors {
  words: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  biasMs: number;
  worst: string;
}

function onsetErrors(truth: { text: string; start: number }[], got: WordTiming[]): Errors {
  if (truth.length !== got.length) throw new Error(`${got.length} words aligned for ${truth.length} spoken`);
  const signed = truth.map((t, k) => (got[k]!.start - t.start) * 1000);
  const abs = signed.map(Math.abs).sort((a, b) => a - b);
  const worstAt = signed.reduce((w, e, k) => (Math.abs(e) > Math.abs(signed[w]!) ? k : w), 0);
  return {
    words: truth.length,
    medianMs: abs[Math.floor((abs.length - 1) / 2)]!,
    p90Ms: abs[Math.floor(0.9 * (abs.length - 1))]!,
    maxMs: abs.at(-1)!,
    biasMs: signed.reduce((a, b) => a + b, 0) / signed.length,
    worst: `"${truth[worstAt - 1]?.text ?? ''} ${truth[worstAt]!.text}" ${signed[worstAt]! > 0 ? '+' : ''}${signed[worstAt]!.toFixed(0)}`,
  };
}

function encode(wav: string, codec: 'mp3' | 'opus'): string {
  const out = wav.replace(/\.wav$/, codec === 'mp3' ? '.mp3' : '.ogg');
  const args = codec === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '64k'] : ['-c:a', 'libopus', '-b:a', '32k'];
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, ...args, out]);
  return out;
}

async function save(id: string, rec: TimedRecording, codec?: 'mp3' | 'opus'): Promise<string> {
  const wav = join(DIR, `${id}.wav`);
  await writeRecording(wav, rec);
  return codec ? encode(wav, codec) : wav;
}

function measure(audioPath: string, text: string, language: string) {
  return aligner.measure({ audioPath, text, language }, join(DIR, 'scratch'), AbortSignal.timeout(600_000));
}

const ms = (n: number) => n.toFixed(0);

async function accuracy(): Promise<void> {
  console.log('\n### Onsets against the true onsets\n');
  console.log('| recording | language | made by | length s | words | median ms | p90 ms | max ms | mean ms | worst word | warp |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of RECORDINGS) {
    const rec = await r.make();
    const path = await save(r.id, rec, r.codec);
    const text = rec.words.map((w) => w.text).join(' ');
    const report = await measure(path, text, r.language);
    const e = onsetErrors(rec.words, report.narration.words);
    const flagged = report.result.failure ? ` (flagged sentence ${report.result.failure.sentence + 1}: a false alarm)` : '';
    const lang = `${r.language}${OTHER[r.language]?.rtl ? ' (RTL)' : ''}`;
    console.log(
      `| ${r.id} | ${lang} | ${r.voice}${flagged} | ${(rec.samples.length / rec.sampleRate).toFixed(1)} | ${e.words} | ${ms(e.medianMs)} | ${ms(e.p90Ms)} | ${ms(e.maxMs)} | ${e.biasMs > 0 ? '+' : ''}${ms(e.biasMs)} | ${e.worst} | ${report.result.warp} |`,
    );
  }
}

async function mismatch(): Promise<void> {
  console.log('\n### Recordings that do not say the text\n');
  console.log('| case | expected | result | likeness of the other sentences (max) |');
  console.log('|---|---|---|---|');
  const voice = hasFlite ? (s: string[]) => fliteRecording(s, { voice: 'slt' }, { seed: 21 }) : (s: string[]) => espeakRecording(s, { voice: 'en-us+klatt3', rate: 150 }, { seed: 21 });
  const cases = [
    { id: 'a sentence said differently', said: ENGLISH.map((s, k) => (k === 4 ? 'The weather in the mountains changes quickly in the autumn months.' : s)), text: ENGLISH, expect: 5 },
    { id: 'a sentence left out', said: ENGLISH.filter((_, k) => k !== 6), text: ENGLISH, expect: 7 },
    { id: 'a sentence added', said: [...ENGLISH.slice(0, 3), 'Nobody knows exactly how many species live in the deep ocean.', ...ENGLISH.slice(3)], text: ENGLISH, expect: 3 },
    { id: 'another text altogether', said: ENGLISH.slice(6), text: ENGLISH.slice(0, 6), expect: 1 },
    { id: 'the text as said (control)', said: ENGLISH, text: ENGLISH, expect: 0 },
  ];
  for (const c of cases) {
    const rec = await voice(c.said);
    const path = await save(`mismatch-${cases.indexOf(c)}`, rec);
    const report = await measure(path, c.text.join(' '), 'en');
    const f = report.result.failure;
    const fits = report.result.sentences;
    const named = f ? f.sentence + 1 : 0;
    const others = fits.filter((_, k) => k !== named - 1).map((x) => x.likeness);
    const own = named ? ` (its pace ${fits[named - 1]!.paceShare.toFixed(2)}, likeness ${fits[named - 1]!.likeness.toFixed(2)})` : '';
    console.log(
      `| ${c.id} | ${c.expect ? `sentence ${c.expect} named` : 'no failure'} | ${f ? `sentence ${named}, ${f.reason}${own}` : 'no failure'}${named === c.expect ? ' ✓' : ' ✗'} | ${Math.max(...others).toFixed(2)} |`,
    );
  }
}

/** CPU seconds (user + system, the whole process tree) and peak RSS of one node child process. */
function timed(nodeArgs: string[]): Promise<{ cpuS: number; rssMiB: number }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, ...nodeArgs], { maxBuffer: 64 * 1024 * 1024 }, (err, _out, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      if (!m) return reject(new Error(`no /usr/bin/time line in: ${stderr}`));
      resolve({ cpuS: Number(m[1]) + Number(m[2]), rssMiB: Number(m[3]) / 1024 });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** A child that aligns one recording with the compiled aligner (or, with no job, only loads it). */
const CHILD = `
const [aligner, tools, job] = process.argv.slice(1);
const { EspeakAligner } = await import(aligner);
const { resolveMediaTools } = await import(tools);
if (job) {
  const { audioPath, text, language, dir, espeak } = JSON.parse(job);
  await new EspeakAligner({ espeakPath: espeak, tools: resolveMediaTools({}) }).align({ audioPath, text, language }, dir, AbortSignal.timeout(600000));
}`;

async function cost(): Promise<void> {
  const reps = Number(argv.reps);
  console.log('compiling this checkout (tsconfig.build.json), so the figures are those of the deployed JavaScript…');
  await currentBuild(() => {});
  const compiled = (file: string) => join(CACHE_DIR, 'build', 'functions', file);
  const source = (file: string) => join(import.meta.dirname, '..', 'functions', file);
  const runs = {
    js: (job?: string) => ['--input-type=module', '-e', CHILD, compiled('providers/espeak-aligner.js'), compiled('media/tools.js'), ...(job ? [job] : [])],
    ts: (job?: string) => ['--input-type=module', '-e', CHILD, source('providers/espeak-aligner.ts'), source('media/tools.ts'), ...(job ? [job] : [])],
  };
  console.log(`\n### Cost (median of ${reps} runs; CPU = user + system of node, espeak-ng and ffmpeg; peak RSS of the process)\n`);
  console.log('| audio | words | run as | CPU s | CPU s per 60 s of audio | peak RSS MiB | above a process that only loads the aligner |');
  console.log('|---|---|---|---|---|---|---|');
  const make = (times: number) =>
    hasFlite
      ? fliteRecording(Array.from({ length: times }, () => ENGLISH).flat(), { voice: 'slt' }, { seed: 31 })
      : espeakRecording(Array.from({ length: times }, () => ENGLISH).flat(), { voice: 'en-us+klatt3', rate: 150 }, { seed: 31 });
  const recordings = [];
  for (const times of [1, 5]) {
    const rec = await make(times);
    recordings.push({ rec, path: await save(`cost-${times}`, rec) });
  }
  for (const how of ['js', 'ts'] as const) {
    const idle: { cpuS: number; rssMiB: number }[] = [];
    for (let k = 0; k < reps; k++) idle.push(await timed(runs[how]()));
    const baseRss = median(idle.map((u) => u.rssMiB));
    const label = how === 'js' ? 'compiled JavaScript (the image)' : 'TypeScript (npm start)';
    for (const { rec, path } of recordings) {
      const lengthS = rec.samples.length / rec.sampleRate;
      const job = JSON.stringify({ audioPath: path, text: rec.words.map((w) => w.text).join(' '), language: 'en', dir: join(DIR, 'scratch'), espeak: ESPEAK });
      const got: { cpuS: number; rssMiB: number }[] = [];
      for (let k = 0; k < reps; k++) got.push(await timed(runs[how](job)));
      const cpu = median(got.map((u) => u.cpuS));
      const rss = median(got.map((u) => u.rssMiB));
      console.log(`| ${lengthS.toFixed(0)} s (${hasFlite ? 'flite slt' : 'espeak-ng'}) | ${rec.words.length} | ${label} | ${cpu.toFixed(2)} | ${((cpu * 60) / lengthS).toFixed(2)} | ${rss.toFixed(0)} | +${(rss - baseRss).toFixed(0)} |`);
    }
    console.log(`| (only loading the aligner) | | ${label} | ${median(idle.map((u) => u.cpuS)).toFixed(2)} | | ${baseRss.toFixed(0)} | |`);
  }
}

async function espeakPath(): Promise<void> {
  console.log("\n### The espeak-ng narration's own word timings, measured against its audio by the aligner\n");
  console.log('| language | words | median ms | p90 ms | max ms | mean ms (timings minus aligner) | worst word |');
  console.log('|---|---|---|---|---|---|---|');
  const speech = new EspeakSpeech({ espeakPath: ESPEAK });
  const scripts: [string, string[]][] = [['en', ENGLISH], ...Object.entries(OTHER).map(([l, o]): [string, string[]] => [l, o.sentences])];
  for (const [language, sentences] of scripts) {
    const dir = join(DIR, `espeak-${language}`);
    await mkdir(dir, { recursive: true });
    const text = sentences.join(' ');
    const narration = await speech.synthesize({ text, language }, dir, AbortSignal.timeout(300_000));
    const report = await measure(narration.audioPath, text, language);
    // The aligner stands in for the truth here: how far the narration's timings are from what it hears.
    const e = onsetErrors(report.narration.words, narration.words);
    console.log(`| ${language} | ${e.words} | ${ms(e.medianMs)} | ${ms(e.p90Ms)} | ${ms(e.maxMs)} | ${e.biasMs > 0 ? '+' : ''}${ms(e.biasMs)} | ${e.worst} |`);
  }
}

async function main(): Promise<void> {
  if (argv.help) {
    console.log(USAGE);
    return;
  }
  await mkdir(join(DIR, 'scratch'), { recursive: true });
  const only = new Set(argv.only ? argv.only.split(',') : ['accuracy', 'mismatch', 'cost', 'espeak']);
  if (!hasFlite) console.log('flite is not installed (Debian: apt-get install flite): the English recordings are espeak-ng only.');
  try {
    if (only.has('accuracy')) await accuracy();
    if (only.has('mismatch')) await mismatch();
    if (only.has('cost')) await cost();
    if (only.has('espeak')) await espeakPath();
  } finally {
    if (!argv.keep) await rm(DIR, { recursive: true, force: true });
  }
}

await main();
