// The spoken form of a script: what the voice is asked to say, word by word from the display form,
// so each display word knows which part of the spoken text is its own and the voice's word timings
// map back onto the captions exactly. URLs, hashtags and @handles are spoken sensibly in every
// language; numbers, money, percentages, dates, times and common abbreviations are expanded for
// English (n2words does the number words); other languages are otherwise left as written.
import { toCardinal, toOrdinal } from 'n2words/en-US';
import { splitWords } from '../domain/text.ts';
import { displayText } from './display-text.ts';
import { isEnglish } from './english.ts';

export interface ScriptForms {
  /** Each part (scene) as captions show it. */
  displayParts: string[];
  /** The caption words of all parts in order (splitWords of each display part). */
  displayWords: string[];
  /** What the voice is asked to say: the spoken forms of the display words, space-separated. */
  spoken: string;
  /** Per display word, where its spoken form lies in `spoken`: [start, end), empty when it is not spoken. */
  spans: { start: number; end: number }[];
  /** Nothing changed: the spoken text is the display text. */
  identical: boolean;
}

export function scriptForms(parts: string[], language?: string): ScriptForms {
  const displayParts = parts.map(displayText);
  const english = isEnglish(displayParts.join(' '), language);
  const displayWords = displayParts.flatMap((p) => splitWords(p, language));
  const spokenWords = speakWords(displayWords, english);
  const spans: ScriptForms['spans'] = [];
  let spoken = '';
  for (const s of spokenWords) {
    if (!s) {
      spans.push({ start: spoken.length, end: spoken.length });
      continue;
    }
    if (spoken) spoken += ' ';
    spans.push({ start: spoken.length, end: spoken.length + s.length });
    spoken += s;
  }
  const identical = spokenWords.every((s, i) => s === displayWords[i]);
  return { displayParts, displayWords, spoken, spans, identical };
}

/** The spoken form of each word ('' when it is not spoken), knowing its neighbours. */
export function speakWords(words: string[], english: boolean): string[] {
  const out: string[] = [];
  let carry = '';
  for (let i = 0; i < words.length; i++) {
    const tok = splitToken(words[i]!);
    const prev = i > 0 ? splitToken(words[i - 1]!).core : '';
    const next = i + 1 < words.length ? splitToken(words[i + 1]!).core : '';
    let spoken = speakAnywhere(tok.core, english);
    if (spoken === null && english) {
      const r = speakEnglish(tok, prev, next);
      spoken = r.spoken;
      if (r.carry) {
        // "$3 million": the currency is said after the scale word.
        carry = r.carry;
        out.push(join(tok.lead, spoken ?? tok.core, r.trail ?? tok.trail));
        continue;
      }
      if (r.trail !== undefined) tok.trail = r.trail;
      if (r.lead !== undefined) tok.lead = r.lead;
    }
    spoken ??= tok.core;
    if (carry) {
      spoken = `${spoken} ${carry}`;
      carry = '';
    }
    // Punctuation standing alone ("—") stays; a word with nothing to say ('' for a link) is silent.
    out.push(spoken ? join(tok.lead, spoken, tok.trail) : tok.core ? '' : tok.lead + tok.trail);
  }
  return out;
}

interface Token {
  lead: string;
  core: string;
  trail: string;
}

/** Leading and trailing punctuation apart from the word itself ("(1,200)." → "(", "1,200", ")."). */
function splitToken(word: string): Token {
  const lead = /^[("'“‘«¿¡[]*/u.exec(word)![0];
  const rest = word.slice(lead.length);
  const trail = /[)"'”’»\].,;:!?…]*$/u.exec(rest)![0];
  return { lead, core: rest.slice(0, rest.length - trail.length), trail };
}

function join(lead: string, spoken: string, trail: string): string {
  return `${lead}${spoken}${trail}`;
}

const URL_LIKE = /^(?:https?:\/\/|www\.)[^\s]+$|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|ai|co|dev|app|edu|gov|tv|me|ly|uk|de|fr)(?:\/\S*)?$/i;

/**
 * Forms spoken sensibly in every language: hashtags and handles by their words; links by their
 * site in English ("example dot com") and not at all in other languages, where "dot" would be wrong.
 */
function speakAnywhere(core: string, english: boolean): string | null {
  if (URL_LIKE.test(core)) {
    if (!english) return '';
    const host = core.replace(/^https?:\/\//i, '').replace(/^www\./i, '').split(/[/?#]/)[0]!;
    return host.replace(/\./g, ' dot ');
  }
  const tag = /^[#@]([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)$/u.exec(core);
  if (tag) return splitCompound(tag[1]!);
  return null;
}

/** "MondayMotivation" / "monday_motivation" → "Monday Motivation" / "monday motivation". */
function splitCompound(s: string): string {
  return s
    .replace(/_+/g, ' ')
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .trim();
}

// --- English ----------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTH_WORDS = new Set(MONTHS.map((m) => m.toLowerCase()));
/** Words after which a four-digit number is a year. */
const YEAR_CUES = new Set(['in', 'since', 'by', 'from', 'until', 'till', 'of', 'year', 'early', 'late', 'mid', 'around', 'circa', 'before', 'after', 'during', 'summer', 'winter', 'spring', 'autumn', 'fall', ...MONTH_WORDS]);

const CURRENCIES: Record<string, [string, string, string, string]> = {
  $: ['dollar', 'dollars', 'cent', 'cents'],
  '€': ['euro', 'euros', 'cent', 'cents'],
  '£': ['pound', 'pounds', 'penny', 'pence'],
  '¥': ['yen', 'yen', 'sen', 'sen'],
  '₹': ['rupee', 'rupees', 'paisa', 'paise'],
};
const SCALES: Record<string, string> = { k: 'thousand', K: 'thousand', m: 'million', M: 'million', mn: 'million', b: 'billion', B: 'billion', bn: 'billion', t: 'trillion', T: 'trillion' };
const SCALE_WORDS = new Set(['thousand', 'million', 'billion', 'trillion']);

/** Units after a number (attached, "15cm", or apart, "15 cm"). */
const UNITS: Record<string, [string, string]> = {
  mm: ['millimeter', 'millimeters'], cm: ['centimeter', 'centimeters'], m: ['meter', 'meters'], km: ['kilometer', 'kilometers'],
  mg: ['milligram', 'milligrams'], g: ['gram', 'grams'], kg: ['kilogram', 'kilograms'], lb: ['pound', 'pounds'], lbs: ['pound', 'pounds'],
  oz: ['ounce', 'ounces'], ft: ['foot', 'feet'], in: ['inch', 'inches'], mi: ['mile', 'miles'], mph: ['mile per hour', 'miles per hour'],
  'km/h': ['kilometer per hour', 'kilometers per hour'], kmh: ['kilometer per hour', 'kilometers per hour'],
  ml: ['milliliter', 'milliliters'], l: ['liter', 'liters'], L: ['liter', 'liters'],
  '°C': ['degree Celsius', 'degrees Celsius'], '°F': ['degree Fahrenheit', 'degrees Fahrenheit'], '°': ['degree', 'degrees'],
  kb: ['kilobyte', 'kilobytes'], KB: ['kilobyte', 'kilobytes'], MB: ['megabyte', 'megabytes'], GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
  ms: ['millisecond', 'milliseconds'], s: ['second', 'seconds'], sec: ['second', 'seconds'], min: ['minute', 'minutes'], h: ['hour', 'hours'], hr: ['hour', 'hours'], hrs: ['hour', 'hours'],
  x: ['times', 'times'], '%': ['percent', 'percent'],
};
/** Units that are also ordinary words: spoken as units only when written apart after a number. */
const AMBIGUOUS_ATTACHED = new Set(['in', 'm', 's', 'h', 'l']);

/** Abbreviations, with their dot. */
const ABBREVIATIONS: Record<string, string> = {
  'Dr.': 'Doctor', 'Mr.': 'Mister', 'Mrs.': 'Missus', 'Ms.': 'Miz', 'Prof.': 'Professor', 'Sr.': 'Senior', 'Jr.': 'Junior',
  'St.': 'Saint', 'Mt.': 'Mount', 'Ave.': 'Avenue', 'Rd.': 'Road', 'Blvd.': 'Boulevard',
  'e.g.': 'for example', 'i.e.': 'that is', 'etc.': 'et cetera', 'vs.': 'versus', 'approx.': 'approximately', 'est.': 'established',
  'Jan.': 'January', 'Feb.': 'February', 'Mar.': 'March', 'Apr.': 'April', 'Jun.': 'June', 'Jul.': 'July', 'Aug.': 'August',
  'Sep.': 'September', 'Sept.': 'September', 'Oct.': 'October', 'Nov.': 'November', 'Dec.': 'December',
  'No.': 'number', 'no.': 'number', 'a.m.': 'a m', 'p.m.': 'p m', 'U.S.': 'U S', 'U.K.': 'U K',
};
/** Written without a dot. */
const WORDS: Record<string, string> = { '&': 'and', 'w/': 'with', 'w/o': 'without', vs: 'versus', '+': 'plus', '=': 'equals', '@': 'at', am: 'a m', pm: 'p m', AM: 'a m', PM: 'p m' };

const FRACTIONS: Record<string, string> = { '1/2': 'one half', '1/3': 'one third', '2/3': 'two thirds', '1/4': 'one quarter', '3/4': 'three quarters', '1/5': 'one fifth', '1/10': 'one tenth' };

const NUMBER = /^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$/;
const num = (s: string) => Number(s.replace(/,/g, ''));
const isNumeric = (s: string) => NUMBER.test(s);

interface Spoken {
  spoken: string | null;
  /** Replaces the token's trailing punctuation (an abbreviation's dot is not a full stop). */
  trail?: string;
  /** Said after the next word ("$3 million" → "three million dollars"). */
  carry?: string;
  /** Replaces the token's leading punctuation (the apostrophe of '90s is not a quote). */
  lead?: string;
}

function speakEnglish(tok: Token, prevCore: string, nextCore: string): Spoken {
  const { core, trail } = tok;
  // An abbreviation's own dot sits in the trailing punctuation: "Dr." → core "Dr", trail ".".
  if (trail.startsWith('.')) {
    const abbr = ABBREVIATIONS[`${core}.`];
    if (abbr) return { spoken: abbr, trail: trail.slice(1) };
  }
  if (WORDS[core] !== undefined) return { spoken: WORDS[core]! };
  const prevNumeric = isNumeric(prevCore);

  const money = /^([$€£¥₹])(\d[\d,]*(?:\.\d+)?)(k|K|m|M|mn|b|B|bn|t|T)?$/.exec(core);
  if (money) {
    const [, sym, amount, scale] = money;
    const names = CURRENCIES[sym!]!;
    if (scale) return { spoken: `${cardinal(amount!)} ${SCALES[scale]} ${names[1]}` };
    if (SCALE_WORDS.has(nextCore.toLowerCase())) return { spoken: cardinal(amount!), carry: names[1] };
    return { spoken: moneyWords(amount!, names) };
  }
  const percent = /^(-?\d[\d,]*(?:\.\d+)?)%$/.exec(core);
  if (percent) return { spoken: `${cardinal(percent[1]!)} percent` };
  const ordinal = /^(\d+)(st|nd|rd|th)$/i.exec(core);
  if (ordinal) return { spoken: toOrdinal(Number(ordinal[1])) };
  const hash = /^#(\d+)$/.exec(core);
  if (hash) return { spoken: `number ${cardinal(hash[1]!)}` };
  const decade = /^'?(\d{2}|1[1-9]\d0|20\d0)s$/.exec(core);
  if (decade) return { spoken: decadeWords(decade[1]!), lead: tok.lead.replace(/'$/, '') };
  const time = /^(\d{1,2}):(\d{2})(am|pm|a\.m\.|p\.m\.)?$/i.exec(core);
  if (time && Number(time[1]) <= 24 && Number(time[2]) < 60) {
    const [, h, m, ampm] = time;
    const minutes = Number(m) === 0 ? (ampm ? '' : " o'clock") : Number(m) < 10 ? ` oh ${cardinal(String(Number(m)))}` : ` ${cardinal(m!)}`;
    return { spoken: `${cardinal(h!)}${minutes}${ampm ? ` ${ampm.replace(/\./g, '').toLowerCase().split('').join(' ')}` : ''}` };
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(core);
  if (iso) return { spoken: dateWords(Number(iso[1]), Number(iso[2]), Number(iso[3])) ?? core };
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(core);
  if (us) return { spoken: dateWords(Number(us[3]), Number(us[1]), Number(us[2])) ?? core };
  if (FRACTIONS[core]) return { spoken: FRACTIONS[core]! };
  const range = /^(\d[\d,]*(?:\.\d+)?)[-–](\d[\d,]*(?:\.\d+)?)$/.exec(core);
  if (range) {
    const years = isYearValue(range[1]!) && isYearValue(range[2]!);
    const side = (s: string) => (years ? yearWords(Number(s)) : cardinal(s));
    return { spoken: `${side(range[1]!)} to ${side(range[2]!)}` };
  }
  const withUnit = /^(-?\d[\d,]*(?:\.\d+)?)([a-zA-Z°%/]+[CF]?|°[CF]?)$/.exec(core);
  if (withUnit && !AMBIGUOUS_ATTACHED.has(withUnit[2]!)) {
    const [, n, unit] = withUnit;
    if (SCALES[unit!]) return { spoken: `${cardinal(n!)} ${SCALES[unit!]}` };
    const names = UNITS[unit!];
    if (names) return { spoken: `${cardinal(n!)} ${num(n!) === 1 ? names[0] : names[1]}` };
  }
  if (prevNumeric && UNITS[core] && !['in', 'x', 's', 'h', 'l'].includes(core)) {
    return { spoken: num(prevCore) === 1 ? UNITS[core]![0] : UNITS[core]![1] };
  }
  if (isNumeric(core)) {
    const prev = prevCore.toLowerCase();
    if (!core.includes(',') && !core.includes('.') && isYearValue(core) && (YEAR_CUES.has(prev) || /^\d{1,2}(st|nd|rd|th)?$/.test(prevCore))) {
      return { spoken: yearWords(Number(core)) };
    }
    return { spoken: cardinal(core) };
  }
  return { spoken: null };
}

/** Cardinal words of a written number: "1,200" → "twelve hundred", "3.14" → "three point one four", "-4" → "minus four". */
export function cardinal(written: string): string {
  const clean = written.replace(/,/g, '');
  const negative = clean.startsWith('-');
  const [whole = '0', frac] = clean.replace(/^-/, '').split('.');
  const n = BigInt(whole);
  const pairing = n >= 1100n && n <= 9900n && n % 100n === 0n && n % 1000n !== 0n;
  let words = toCardinal(n, { hundredPairing: pairing });
  if (frac) words += ` point ${[...frac].map((d) => toCardinal(Number(d))).join(' ')}`;
  return negative ? `minus ${words}` : words;
}

function moneyWords(amount: string, [one, many, subOne, subMany]: [string, string, string, string]): string {
  const [whole = '0', frac = ''] = amount.replace(/,/g, '').split('.');
  const units = BigInt(whole);
  const cents = frac ? Math.round(Number(`0.${frac}`) * 100) : 0;
  const main = `${cardinal(whole)} ${units === 1n ? one : many}`;
  if (!cents) return main;
  const sub = `${toCardinal(cents)} ${cents === 1 ? subOne : subMany}`;
  return units === 0n ? sub : `${main} ${sub}`;
}

const isYearValue = (s: string) => /^\d{4}$/.test(s) && Number(s) >= 1100 && Number(s) <= 2099;

/** 1999 → "nineteen ninety-nine", 1905 → "nineteen oh five", 1900 → "nineteen hundred", 2008 → "two thousand eight", 2024 → "twenty twenty-four". */
export function yearWords(year: number): string {
  if (year >= 2000 && year < 2010) return toCardinal(year);
  const hi = Math.floor(year / 100);
  const lo = year % 100;
  if (lo === 0) return `${toCardinal(hi)} hundred`;
  return `${toCardinal(hi)} ${lo < 10 ? `oh ${toCardinal(lo)}` : toCardinal(lo)}`;
}

/** "1990s" → "nineteen nineties", "'90s" → "nineties". */
function decadeWords(d: string): string {
  const plural = (w: string) => w.replace(/y$/, 'ie') + 's';
  if (d.length === 2) return plural(toCardinal(Number(d)));
  const y = Number(d);
  if (y % 100 === 0) return `${toCardinal(y / 100)} hundreds`;
  if (y >= 2000 && y < 2010) return 'two thousands';
  return `${toCardinal(Math.floor(y / 100))} ${plural(toCardinal(y % 100))}`;
}

function dateWords(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${MONTHS[month - 1]} ${toOrdinal(day)}, ${yearWords(year)}`;
}
