// Which footage each part of the video gets, planned from the text while the voice is synthesised:
// one part per scene, or, for a script_text in English, one per sentence (or clause) group with
// its own search terms and the topic as fallback. Parts search at the same time, share a search
// budget and never share a clip; a part that finds nothing borrows the others' clips, and only a
// video with no footage at all gets generated backgrounds (always with a warning).
import type { SourceClip } from '../domain/media.ts';
import type { FootagePiece } from '../domain/task.ts';
import { sentenceEndIndices, splitWords } from '../domain/text.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { isEnglish } from '../language/english.ts';
import { pieceQuery, searchTerms } from '../language/search-terms.ts';
import type { ScriptForms } from '../language/spoken-form.ts';
import type { DownloadLimits } from '../net/download.ts';
import type { FootageContext, FootageProvider } from '../providers/ports.ts';
import type { MediaMode } from '../domain/footage-media.ts';
import { findFootage, type FootageOrder } from './footage.ts';
import { GENERIC_TOPIC, topicFor } from './query.ts';

export interface FootageSetup {
  /** The sources of one scene (or sentence group), in the order they are tried for a media mode; generated backgrounds are not among them. */
  sources: FootageOrder;
  /** The last resort, used only when no source found anything for the whole video. */
  generated: FootageProvider;
  /** Searches one video may make against Pexels (PEXELS_SEARCHES_PER_VIDEO). */
  searchesPerVideo: number;
  /** Ids of the clips the owner's last FRESHNESS_WINDOW videos used. */
  recentClips: (owner: string | null) => Promise<ReadonlySet<string>>;
}

export interface FootagePart {
  /** Display text of the part: its words are the narration's words of its span. */
  text: string;
  /** Which source list it uses (a scene's own clip_url; the request's clip_urls go to part 0). */
  sourceIndex: number;
  /** Search terms from its own words; empty when it is searched by its scene's or the video's query. */
  terms: string[];
  query: string;
  /** Tried when `query` finds too little (the topic, for a sentence group). */
  fallbacks?: string[];
  /** Rough share of the narration. */
  weight: number;
}

/** Rough speaking rate used to size parts and searches before the narration exists. */
export const CHARS_PER_SECOND = 15;
/** A sentence group shorter than this (estimated) would make a flash of a clip: it joins a neighbour. */
const MIN_GROUP_S = 2;
/** A sentence longer than this is cut at its clauses. */
const LONG_SENTENCE_S = 9;

/**
 * The parts of a video. Scenes are parts as sent; a script_text is one part in `topic` mode (asked
 * for, or clip_urls named: explicit intent), when it is not English, or when it is short;
 * otherwise one part per sentence group. A part with no search of the user's own searches by its
 * own nouns, with the topic (the request's search_query, or the script's main noun phrase) only
 * where those are too thin, and as the fallback.
 */
export async function planFootageParts(spec: Pick<VideoSpec, 'scenes' | 'footage' | 'language'>, forms: ScriptForms): Promise<FootagePart[]> {
  const total = Math.max(1, forms.displayParts.reduce((n, p) => n + p.length, 0));
  const all = forms.displayParts.join(' ');
  // Only when some part has no search of the user's own.
  let topicP: Promise<string> | null = null;
  const topic = () => (topicP ??= topicFor(spec.footage.query, all, spec.language));
  if (spec.footage.mode === 'scenes') {
    const english = isEnglish(all, spec.language);
    return Promise.all(
      spec.scenes.map(async (s, i) => {
        const text = forms.displayParts[i] ?? '';
        const weight = text.length / total;
        if (s.search_query) return { text, sourceIndex: i, terms: [], query: s.search_query, weight };
        if (!english) return { text, sourceIndex: i, terms: [], query: await topic(), weight };
        return { text, sourceIndex: i, ...(await ownSearch(text, await topic())), weight };
      }),
    );
  }
  const display = forms.displayParts[0] ?? '';
  const whole = async (): Promise<FootagePart[]> => [{ text: display, sourceIndex: 0, terms: [], query: await topic(), weight: 1 }];
  if (spec.footage.mode === 'topic' || !isEnglish(display, spec.language)) return whole();
  const groups = sentenceGroups(display, spec.language, spec.footage.maxClips);
  if (groups.length < 2) return whole();
  const t = await topic();
  return Promise.all(groups.map(async (text, i) => ({ text, sourceIndex: i, ...(await ownSearch(text, t)), weight: text.length / total })));
}

/**
 * A part's search from its own words: its terms, the query they make (the topic joins only when
 * they are too thin), and what to try when that finds too little: its first term alone, the
 * topic, then the generic query.
 */
async function ownSearch(text: string, topic: string): Promise<Pick<FootagePart, 'terms' | 'query' | 'fallbacks'>> {
  const terms = await searchTerms(text);
  if (terms.length === 0) return { terms, query: topic, fallbacks: [] };
  const query = pieceQuery(terms, topic);
  const fallbacks = [terms[0]!, topic, ...(topic === GENERIC_TOPIC ? [] : [GENERIC_TOPIC])].filter((q) => q !== query);
  return { terms, query, fallbacks: [...new Set(fallbacks)] };
}

/**
 * Sentence groups of a text, each at least MIN_GROUP_S of estimated speech and at most `max`
 * groups; long sentences are cut at clause marks first. The groups partition the text's words.
 */
export function sentenceGroups(text: string, language: string | undefined, max: number): string[] {
  const words = splitWords(text, language);
  if (words.length === 0) return [];
  const est = (from: number, to: number) => words.slice(from, to).join(' ').length / CHARS_PER_SECOND;
  // Units: sentences, or the clauses of a long sentence, as word ranges [from, to).
  const units: [number, number][] = [];
  let from = 0;
  for (const end of sentenceEndIndices(text, words, language)) {
    if (est(from, end) > LONG_SENTENCE_S) {
      let a = from;
      for (let k = from; k < end - 1; k++) {
        if (/[,;:\u2013\u2014]$/u.test(words[k]!) && est(a, k + 1) >= MIN_GROUP_S && est(k + 1, end) >= MIN_GROUP_S) {
          units.push([a, k + 1]);
          a = k + 1;
        }
      }
      units.push([a, end]);
    } else units.push([from, end]);
    from = end;
  }
  // Short units join the next one (the last joins the one before it).
  const groups: [number, number][] = [];
  for (const u of units) {
    const last = groups.at(-1);
    if (last && est(last[0], last[1]) < MIN_GROUP_S) last[1] = u[1];
    else groups.push([...u]);
  }
  const tail = groups.at(-1)!;
  if (groups.length > 1 && est(tail[0], tail[1]) < MIN_GROUP_S) {
    groups.pop();
    groups.at(-1)![1] = tail[1];
  }
  // Never more groups than clips the request allows: merge the shortest neighbouring pair.
  while (groups.length > Math.max(1, max)) {
    let best = 0;
    for (let i = 1; i < groups.length - 1; i++) {
      if (est(groups[i]![0], groups[i + 1]![1]) < est(groups[best]![0], groups[best + 1]![1])) best = i;
    }
    groups.splice(best, 2, [groups[best]![0], groups[best + 1]![1]]);
  }
  return groups.map(([a, b]) => words.slice(a, b).join(' '));
}

export interface GatheredFootage {
  clips: SourceClip[];
  /** Per part, the indices into `clips` it found (empty: it borrows from the others). */
  partClips: number[][];
}

export interface GatherOptions {
  spec: Pick<VideoSpec, 'scenes' | 'footage' | 'language' | 'outputs'>;
  owner: string | null;
  parts: FootagePart[];
  /** Estimated narration length. */
  estimateS: number;
  width: number;
  height: number;
  seed: number;
  dir: string;
  signal: AbortSignal;
  warnings: string[];
  /** The task's scratch budget and the process's download slots. */
  downloads?: DownloadLimits;
  /** What the video's searches share, when the caller searches more afterwards (a storyboard's candidates). */
  context?: FootageContext;
  /** What its stock footage is made of (`media`); videos by default. */
  media?: MediaMode;
}

/** What one video's footage searches share: its search budget, the clips taken, the owner's recent clips. */
export async function newFootageContext(setup: FootageSetup, owner: string | null, downloads?: DownloadLimits): Promise<FootageContext> {
  return { searchesLeft: setup.searchesPerVideo, taken: new Set(), recent: await setup.recentClips(owner), ...(downloads ? { downloads } : {}) };
}

/** Searches every part at once; generated backgrounds only when the whole video found nothing. */
export async function gatherFootage(setup: FootageSetup, o: GatherOptions): Promise<GatheredFootage> {
  const { spec } = o;
  const context = o.context ?? (await newFootageContext(setup, o.owner, o.downloads));
  const { orientation } = spec.outputs[0]!;
  const { maxClips } = spec.footage;
  const sentencesIn = (t: string) => Math.max(1, sentenceEndIndices(t, splitWords(t, spec.language), spec.language).length);
  const found = await Promise.all(
    o.parts.map((part, i) =>
      findFootage(
        setup.sources(spec, part.sourceIndex, o.media),
        {
          query: part.query,
          ...(part.fallbacks ? { fallbacks: part.fallbacks } : {}),
          // About one clip per sentence is all the timeline can use; more would be wasted downloads.
          count: Math.max(1, Math.min(Math.ceil(maxClips * part.weight), sentencesIn(part.text))),
          minTotalS: o.estimateS * part.weight * 1.2,
          orientation,
          width: o.width,
          height: o.height,
          seed: o.seed + i,
          context,
        },
        o.dir,
        o.signal,
        o.warnings,
      ),
    ),
  );
  const clips: SourceClip[] = [];
  const partClips = found.map((list) => list.map((c) => clips.push(c) - 1));
  if (clips.length === 0) {
    const searched = searchedFor(spec, o.parts);
    const generated = await setup.generated.find(
      { query: searched.join(' '), count: Math.min(6, maxClips), minTotalS: o.estimateS * 1.2, orientation, width: o.width, height: o.height, seed: o.seed },
      o.dir,
      o.signal,
    );
    clips.push(...generated.clips);
    o.warnings.push(`no footage was found for ${searched.map((q) => `"${q}"`).join(' or ')}; the video uses generated backgrounds`);
  }
  return { clips, partClips };
}

/** What the video searched for, in the user's words: the searches it typed, else its parts' own queries (a few). */
function searchedFor(spec: Pick<VideoSpec, 'scenes' | 'footage'>, parts: FootagePart[]): string[] {
  const typed = [...new Set([spec.footage.query, ...spec.scenes.map((s) => s.search_query)].filter((q): q is string => !!q))];
  return typed.length > 0 ? typed : [...new Set(parts.map((p) => p.query))].slice(0, 3);
}

export function pieceRecords(parts: FootagePart[], spans: { startS: number; endS: number }[], gathered: GatheredFootage): FootagePiece[] {
  return parts.map((p, i) => ({
    start_s: Math.round((spans[i]?.startS ?? 0) * 1000) / 1000,
    end_s: Math.round((spans[i]?.endS ?? 0) * 1000) / 1000,
    text: p.text,
    search_terms: p.terms,
    query: p.query,
    found_by: [...new Set((gathered.partClips[i] ?? []).map((c) => gathered.clips[c]).flatMap((c) => (c?.kind === 'file' && c.query ? [c.query] : [])))],
  }));
}

/** Ids of the clips the timeline actually shows, for freshness across videos. */
export function usedClipIds(clips: SourceClip[], used: Set<number>): string[] {
  return [...new Set(clips.flatMap((c, i) => (used.has(i) && c.kind === 'file' && c.id ? [c.id] : [])))];
}

