import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { EspeakSpeech, MAX_PART_CHARS } from '../../functions/providers/espeak-speech.ts';
import { checkEspeak, parseVoiceList, resolveVoice, type VoiceIndex } from '../../functions/providers/espeak-voices.ts';
import { placeWords, synthesisParts } from '../../functions/providers/espeak-word-timing.ts';

import { splitSentences, splitWords } from '../../functions/domain/text.ts';
import { parseWav } from '../../functions/media/wav.ts';
import { ffprobe } from '../support/ffprobe.ts';
import type { Narration } from '../../functions/domain/media.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

const VOICES = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 5  de              --/M      German             gmw/de
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  es              --/M      Spanish_(Spain)    roa/es
 5  es-419          --/M      Spanish_(Latin_America) roa/es-419           (es-mx 6)(es 6)
 5  pt              --/M      Portuguese_(Portugal) roa/pt               (pt-pt 5)
 5  pt-br           --/M      Portuguese_(Brazil) roa/pt-BR            (pt 6)
 5  yue             --/M      Chinese_(Cantonese) sit/yue              (zh-yue 5)(zh 8)
`;
const VARIANTS = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  variant         --/M      Adam               !v/adam
 5  variant         --/F      Female3            !v/f3
`;
const index: VoiceIndex = {
  voices: parseVoiceList(VOICES),
  variants: parseVoiceList(VARIANTS).map((v) => v.file.replace(/^!v\//, '')),
};

/** Command lines of this process's children, from /proc (no dependency on ps being installed). */
function childCommands(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function taskError(fn: () => unknown, code: string, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TaskError);
    assert.equal(err.code, code);
    assert.equal(err.retryable, false);
    assert.ok(err.message.startsWith(`${field}: `), err.message);
    return true;
  });
}

describe('voice resolution', () => {
  test('parses the voice list with aliases', () => {
    const cmn = index.voices.find((v) => v.language === 'cmn');
    assert.equal(cmn?.file, 'sit/cmn');
    assert.equal(cmn?.aliases.get('zh'), 5);
    assert.deepEqual(index.variants, ['adam', 'f3']);
  });

  for (const [language, voice] of [
    ['en', 'en-gb'],
    ['en-US', 'en-us'],
    ['en-AU', 'en-gb'],
    ['pt-BR', 'pt-br'],
    ['pt', 'pt'],
    ['zh', 'cmn'],
    ['zh-Hant-TW', 'cmn'],
    ['es-MX', 'es-419'],
    ['de-CH', 'de'],
  ] as const) {
    test(`language ${language} → ${voice}`, () => assert.equal(resolveVoice(index, { language }), voice));
  }

  test('no voice and no language gives American English', () => assert.equal(resolveVoice(index, {}), 'en-us'));

  test('voice_id wins over language when it is an espeak voice, with variants and files', () => {
    assert.equal(resolveVoice(index, { voiceId: 'EN-US', language: 'de' }), 'en-us');
    assert.equal(resolveVoice(index, { voiceId: 'en-us+F3' }), 'en-us+f3');
    assert.equal(resolveVoice(index, { voiceId: 'gmw/en-US' }), 'gmw/en-US');
  });

  test('an unknown voice_id or variant is invalid_voice naming voice_id', () => {
    taskError(() => resolveVoice(index, { voiceId: '21m00Tcm4TlvDq8ikWAM' }), 'invalid_voice', 'voice_id');
    taskError(() => resolveVoice(index, { voiceId: 'en-us+nope' }), 'invalid_voice', 'voice_id');
    taskError(() => resolveVoice(index, { voiceId: 'en-us+f3+f3' }), 'invalid_voice', 'voice_id');
  });

  test('a language espeak-ng lacks is unsupported_language naming language', () => {
    taskError(() => resolveVoice(index, { language: 'xx' }), 'unsupported_language', 'language');
  });
});

describe('placeWords', () => {
  test('words keep the script text, stay inside their sentence, and sentence ends are exact', () => {
    const text = 'One two, three. Four five six! Seven?';
    const sentences = splitSentences(text);
    const words = splitWords(text);
    const spans = [
      { startS: 0.1, endS: 1.1 },
      { startS: 1.5, endS: 2.5 },
      { startS: 3, endS: 3.4 },
    ];
    const { wordTimings, sentenceEnds } = placeWords(text, sentences, words, spans);
    assert.deepEqual(sentenceEnds, [3, 6, 7]);
    assert.deepEqual(wordTimings.map((w) => w.text), words);
    assert.equal(wordTimings[0]?.start, 0.1);
    assert.equal(wordTimings[2]?.end, 1.1, 'last word ends with the sentence sound');
    assert.equal(wordTimings[3]?.start, 1.5);
    assert.equal(wordTimings[6]?.start, 3);
    assert.equal(wordTimings[6]?.end, 3.4);
    // "two," leaves a pause before "three."
    assert.ok((wordTimings[2]?.start ?? 0) > (wordTimings[1]?.end ?? 0));
    // longer words get more time
    assert.ok(wordTimings[2]!.end - wordTimings[2]!.start > wordTimings[0]!.end - wordTimings[0]!.start);
  });

  test('measured pauses pin the clauses when they match the commas', () => {
    const text = 'Alpha beta, gamma delta, epsilon.';
    const span = {
      startS: 0,
      endS: 3,
      pauses: [
        { startS: 0.5, endS: 0.55 }, // a stop consonant: too short to be chosen
        { startS: 1, endS: 1.2 },
        { startS: 2, endS: 2.3 },
      ],
    };
    const { wordTimings } = placeWords(text, [text], splitWords(text), [span]);
    assert.equal(wordTimings[1]?.end, 1);
    assert.equal(wordTimings[2]?.start, 1.2);
    assert.equal(wordTimings[3]?.end, 2);
    assert.equal(wordTimings[4]?.start, 2.3);
    assert.equal(wordTimings[4]?.end, 3);
    // Fewer pauses than commas: fall back to weights over the whole sentence.
    const fallback = placeWords(text, [text], splitWords(text), [{ startS: 0, endS: 3, pauses: [{ startS: 1, endS: 1.2 }] }]);
    assert.ok(fallback.wordTimings[1]!.end < fallback.wordTimings[2]!.start);
    assert.notEqual(fallback.wordTimings[2]?.start, 1.2);
  });

  test('a sentence without words adds no boundary', () => {
    const text = 'Hello there. … Bye now.';
    const sentences = ['Hello there.', '…', 'Bye now.'];
    const spans = [
      { startS: 0, endS: 1 },
      { startS: 1.2, endS: 1.3 },
      { startS: 1.5, endS: 2 },
    ];
    const { wordTimings, sentenceEnds } = placeWords(text, sentences, ['Hello', 'there.', 'Bye', 'now.'], spans);
    assert.deepEqual(sentenceEnds, [2, 4]);
    assert.equal(wordTimings[2]?.start, 1.5);
  });
});

describe('synthesisParts', () => {
  /** Every part is a slice of the script; together, in order, they hold every word once. */
  function checkParts(text: string, language?: string, maxChars = 40) {
    const sentences = splitSentences(text, language);
    const words = splitWords(text, language);
    const { parts, sentenceOf } = synthesisParts(text, sentences, words, maxChars);
    assert.equal(parts.length, sentenceOf.length);
    // Each word lies whole inside exactly one part, and the parts follow each other in the script.
    let cursor = 0;
    const ranges = parts.map((p) => {
      const at = text.indexOf(p, cursor);
      assert.ok(at >= cursor, `part "${p}" is a slice of the script after the one before`);
      cursor = at + p.length;
      return [at, at + p.length] as const;
    });
    cursor = 0;
    for (const w of words) {
      const at = text.indexOf(w, cursor);
      cursor = at + w.length;
      assert.equal(ranges.filter(([a, b]) => at >= a && at + w.length <= b).length, 1, `word "${w}" is in one part`);
    }
    assert.deepEqual([...new Set(sentenceOf)], sentences.map((_, i) => i), 'every sentence has parts, in order');
    for (let si = 0; si < sentences.length; si++) {
      const own = parts.filter((_, i) => sentenceOf[i] === si);
      assert.ok(sentences[si]!.startsWith(own[0]!) && sentences[si]!.endsWith(own.at(-1)!), `the parts of sentence ${si} cover it`);
    }
    return { parts, sentenceOf, words };
  }

  test('short sentences are their own parts, unchanged', () => {
    const text = 'The ocean covers most of our planet. Who has been there?';
    const { parts } = checkParts(text, 'en', 100);
    assert.deepEqual(parts, ['The ocean covers most of our planet.', 'Who has been there?']);
  });

  test('a long unpunctuated sentence is cut between words into parts of at most maxChars', () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const { parts, sentenceOf } = checkParts(`${long}. Then a short one.`, 'en', 40);
    assert.ok(parts.length > 5);
    for (const p of parts) assert.ok(p.length <= 40, `${p.length}: ${p}`);
    assert.equal(sentenceOf.at(-1), 1);
    assert.equal(parts.at(-1), 'Then a short one.');
  });

  test('a cut falls after a comma in the second half of a part rather than mid-clause', () => {
    const text = 'alpha beta gamma delta epsilon, zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma';
    const { parts } = checkParts(text, 'en', 40);
    assert.equal(parts[0], 'alpha beta gamma delta epsilon,');
  });

  test('a word longer than maxChars is a part of its own; scripts without spaces are cut between their words', () => {
    const { parts } = checkParts(`short ${'x'.repeat(60)} words after it`, 'en', 20);
    assert.ok(parts.includes('x'.repeat(60)));
    const zh = '海洋覆盖了地球的大部分它非常深而且很蓝色人们喜欢在海边散步看日落听海浪的声音';
    const cut = checkParts(zh, 'zh', 10);
    assert.ok(cut.parts.length > 2, cut.parts.join(' | '));
  });
});

describe('EspeakSpeech with real espeak-ng', () => {
  let dir: string;
  const speech = new EspeakSpeech({ espeakPath: 'espeak-ng' });
  const live = () => new AbortController().signal;

  before(async () => {
    dir = tempDir('espeak-test-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function checkNarration(n: Narration, text: string, language?: string): void {
    assert.deepEqual(n.words.map((w) => w.text), splitWords(text, language), 'caption text is the script as written');
    let prev = 0;
    for (const w of n.words) {
      assert.ok(w.start >= prev - 1e-9 && w.end > w.start && w.end <= n.durationS, `word ${JSON.stringify(w)} after ${prev}`);
      prev = w.end;
    }
    assert.equal(n.sentenceEnds.length, splitSentences(text, language).length);
    assert.equal(n.sentenceEnds.at(-1), n.words.length);
  }

  test('narrates a script: duration matches the WAV header and ffprobe, words follow the sound', async () => {
    const text = 'The ocean covers most of our planet. Its deepest trench, the Mariana, is eleven kilometres down! Who has been there?';
    const sub = await mkdtemp(join(dir, 'a-'));
    const n = await speech.synthesize({ text, language: 'en' }, sub, live());
    assert.equal(n.audioPath, join(sub, 'narration.wav'));
    const bytes = await readFile(n.audioPath);
    const wav = parseWav(bytes);
    assert.equal(bytes.readUInt32LE(4), bytes.length - 8, 'RIFF size is exact');
    const headerS = wav.pcm.length / 2 / wav.format.channels / wav.format.sampleRate;
    assert.ok(Math.abs(headerS - n.durationS) < 1e-6);
    const probed = ffprobe(n.audioPath);
    assert.ok(Math.abs(probed.durationS - n.durationS) < 0.01, `ffprobe ${probed.durationS} vs ${n.durationS}`);
    assert.equal(probed.streams[0]?.codec_name, 'pcm_s16le');
    assert.ok(n.durationS > 4 && n.durationS < 15, `duration ${n.durationS}`);
    checkNarration(n, text);
    assert.deepEqual(n.sentenceEnds, [7, 16, 20]);

    // The estimate lines up with the audio: loud where words are, silent between sentences.
    const rms = (fromS: number, toS: number) => {
      const a = Math.floor(fromS * wav.format.sampleRate);
      const b = Math.floor(toS * wav.format.sampleRate);
      let sum = 0;
      for (let i = a; i < b; i++) sum += wav.pcm.readInt16LE(i * 2) ** 2;
      return Math.sqrt(sum / Math.max(1, b - a));
    };
    for (const i of [0, 7, 16]) {
      const w = n.words[i]!;
      assert.ok(rms(w.start, w.start + 0.1) > 300, `sound at the start of sentence word ${w.text}`);
    }
    for (const end of n.sentenceEnds.slice(0, -1)) {
      const last = n.words[end - 1]!;
      const next = n.words[end]!;
      assert.ok(next.start - last.end > 0.2, 'a pause between sentences');
      assert.ok(rms(last.end + 0.03, next.start - 0.03) < 50, 'the pause is silent');
    }
    assert.ok(rms(0, 0.08) < 50, 'short silent lead-in');
    // Clause pauses are measured, not guessed: the words around each comma border real silence.
    const commas = n.words.flatMap((w, i) => (w.text.endsWith(',') ? [i] : []));
    assert.equal(commas.length, 2);
    for (const i of commas) {
      const w = n.words[i]!;
      const next = n.words[i + 1]!;
      assert.ok(next.start - w.end > 0.08, `a pause after ${w.text}`);
      assert.ok(rms(w.end + 0.01, next.start - 0.01) < 50, `silence after ${w.text}`);
      assert.ok(rms(w.end - 0.06, w.end) > 100, `${w.text} ends in sound`);
      assert.ok(rms(next.start, next.start + 0.06) > 100, `${next.text} starts in sound`);
    }
  });

  test('a long unpunctuated script (over espeak-ng’s 16 MiB of output as one sentence) is narrated in parts, word timings exact at every cut', async () => {
    // About 7 minutes of speech without a full stop: one sentence whose WAV would be some 18 MiB.
    const vocabulary = 'the river runs past old stone bridges and quiet fields where farmers work from dawn until late evening light fades'.split(' ');
    const runOn = Array.from({ length: 1400 }, (_, i) => vocabulary[(i * 7) % vocabulary.length]).join(' ');
    const text = `${runOn}. The end.`;
    assert.ok(runOn.length > 7 * MAX_PART_CHARS);
    const n = await speech.synthesize({ text, language: 'en' }, await mkdtemp(join(dir, 'long-')), live());
    checkNarration(n, text);
    assert.deepEqual(n.sentenceEnds, [1400, 1402]);
    const wav = parseWav(await readFile(n.audioPath));
    assert.ok(wav.pcm.length > 16 * 1024 * 1024, `${wav.pcm.length} bytes of audio`);
    // At each cut the words either side are timed inside sound of their own parts: the word after
    // a cut starts where its part's sound starts, so it starts in sound.
    const { parts, sentenceOf } = synthesisParts(text, splitSentences(text, 'en'), splitWords(text, 'en'), MAX_PART_CHARS);
    assert.ok(parts.length >= 8);
    const rms = (fromS: number, toS: number) => {
      const a = Math.floor(fromS * wav.format.sampleRate);
      const b = Math.floor(toS * wav.format.sampleRate);
      let sum = 0;
      for (let i = a; i < b; i++) sum += wav.pcm.readInt16LE(i * 2) ** 2;
      return Math.sqrt(sum / Math.max(1, b - a));
    };
    let first = 0;
    for (let i = 0; i < parts.length - 1; i++) {
      first += splitWords(parts[i]!, 'en').length;
      if (sentenceOf[i + 1] !== sentenceOf[i]) continue;
      const before = n.words[first - 1]!;
      const after = n.words[first]!;
      assert.ok(rms(before.end - 0.06, before.end) > 100, `${before.text} ends in sound (cut ${i})`);
      assert.ok(rms(after.start, after.start + 0.06) > 100, `${after.text} starts in sound (cut ${i})`);
      assert.ok(after.start >= before.end, 'words keep their order across the cut');
    }
  });

  test('speed changes the rate', async () => {
    const text = 'A fairly ordinary sentence to time at two speeds.';
    const slow = await speech.synthesize({ text, speed: 0.7 }, await mkdtemp(join(dir, 's-')), live());
    const fast = await speech.synthesize({ text, speed: 1.2 }, await mkdtemp(join(dir, 'f-')), live());
    assert.ok(slow.durationS > fast.durationS * 1.3, `${slow.durationS} vs ${fast.durationS}`);
  });

  test('Chinese and Portuguese scripts are spoken with their voices', async () => {
    const zh = '海洋覆盖了地球的大部分。它非常深。';
    const n = await speech.synthesize({ text: zh, language: 'zh' }, await mkdtemp(join(dir, 'zh-')), live());
    checkNarration(n, zh, 'zh');
    assert.equal(n.sentenceEnds.length, 2);
    const pt = 'O oceano é profundo. E azul.';
    const p = await speech.synthesize({ text: pt, language: 'pt-BR' }, await mkdtemp(join(dir, 'pt-')), live());
    checkNarration(p, pt, 'pt-BR');
  });

  test('an unknown voice fails before any audio is made', async () => {
    const sub = await mkdtemp(join(dir, 'bad-'));
    await assert.rejects(speech.synthesize({ text: 'Hi.', voiceId: 'Rachel' }, sub, live()), { code: 'invalid_voice' });
    assert.deepEqual(await readdir(sub), []);
  });

  test('a script with nothing to say is refused', async () => {
    await assert.rejects(speech.synthesize({ text: '   ' }, dir, live()), { code: 'empty_script' });
  });

  test('a missing binary is a clear error, and checkEspeak fails fast', async () => {
    const missing = new EspeakSpeech({ espeakPath: '/nonexistent/espeak-ng' });
    await assert.rejects(missing.synthesize({ text: 'Hi.' }, dir, live()), /espeak-ng could not be started.*ESPEAK_PATH/);
    await assert.rejects(checkEspeak('/nonexistent/espeak-ng'), /not runnable.*apt-get install espeak-ng/);
    assert.match(await checkEspeak('espeak-ng'), /eSpeak NG/);
  });

  test('abort kills espeak-ng: no process is left behind', async () => {
    // A stand-in that answers the voice list but then hangs, like a stuck synthesis.
    const stuck = join(dir, 'stuck-espeak');
    await writeFile(stuck, '#!/bin/sh\ncase "$1" in --voices*) exec espeak-ng "$@";; esac\nexec sleep 300\n');
    await chmod(stuck, 0o755);
    const slow = new EspeakSpeech({ espeakPath: stuck });
    const ac = new AbortController();
    const p = slow.synthesize({ text: 'One. Two. Three. Four.' }, dir, ac.signal);
    const children = () => childCommands().filter((c) => c.includes('sleep 300'));
    await waitFor(() => children().length >= 2, 'both sentences’ espeak-ng running', { everyMs: 20 });
    assert.equal(children().length, 2, 'two sentences run at once');
    const reason = new Error('cancelled by test');
    ac.abort(reason);
    await assert.rejects(p, (err) => err === reason);
    assert.deepEqual(children(), [], 'killed and reaped');
  });

  test('abort during real synthesis of a long script rejects and leaves no espeak-ng', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long script.`).join(' ');
    const ac = new AbortController();
    const p = speech.synthesize({ text: long }, await mkdtemp(join(dir, 'long-')), ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 30);
    await assert.rejects(p, /stop/);
    assert.deepEqual(childCommands().filter((c) => c.includes('espeak-ng')), []);
  });
});
