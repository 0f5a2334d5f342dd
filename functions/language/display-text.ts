// The display form of a script: what the captions show. Markdown syntax and emoji come out (the
// caption fonts have no colour emoji and libass draws none); the words stay as written.

/** Emoji and their joiners, variation selectors, skin tones, flags and keycaps. */
const EMOJI = /[\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}\u{1F3FB}-\u{1F3FF}\u200D\uFE0F\u20E3]/gu;

/** Punctuation that already ends a sentence or clause. */
const ENDS_SENTENCE = /[.!?:;…。！？]["'”’)\]]*$/u;

/** Stand-ins for a strong-emphasis mark (`**` or `__`) that displayText keeps when asked: private-use characters no script contains. */
export const EMPHASIS_OPEN = '\ue000';
export const EMPHASIS_CLOSE = '\ue001';

/**
 * Markdown that a script pasted from a chat or a document may carry: headings, list bullets and
 * quote marks at the start of lines, emphasis and code marks, links (their text stays), images
 * and rules (gone), HTML tags. A heading or list item becomes a sentence of its own. With
 * `keepEmphasis`, strong emphasis (`**like this**`) is kept as EMPHASIS_OPEN/CLOSE around its text.
 */
export function stripMarkdown(text: string, opts: { keepEmphasis?: boolean } = {}): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (const raw of lines) {
    let line = raw;
    if (/^\s*(```|~~~)/.test(line)) continue;
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) continue;
    let item = false;
    line = line.replace(/^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/, (_m, h: string) => ((item = true), h));
    line = line.replace(/^\s*(>\s?)+/, '');
    line = line.replace(/^\s*(?:[-*+•]|\d{1,3}[.)])\s+/, () => ((item = true), ''));
    line = line
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '')
      .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
      .replace(/<\/?[a-z][^>]*>/gi, ' ')
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, opts.keepEmphasis ? `${EMPHASIS_OPEN}$2${EMPHASIS_CLOSE}` : '$2')
      .replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\p{L}\p{N}*])/gu, '$1$2')
      .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_]+?)(?<=\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
      .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '$1')
      .replace(/`+([^`]*)`+/g, '$1');
    line = line.trim();
    if (item && line && !ENDS_SENTENCE.test(line.replace(/[\ue000\ue001]/g, ''))) line += '.';
    out.push(line);
  }
  return out.join('\n');
}

/** Emoji out; punctuation that followed one closes up to the word before ("2024 🚀." → "2024."). */
export function stripEmoji(text: string): string {
  return text.replace(new RegExp(`[ \\t]*(?:${EMOJI.source})+[ \\t]*(?=[.,!?;:…])`, 'gu'), '').replace(EMOJI, ' ');
}

/** The script as captions show it: no markdown, no emoji, whitespace collapsed. */
export function displayText(script: string): string {
  return stripEmoji(stripMarkdown(script)).replace(/\s+/g, ' ').trim();
}

/** displayText with strong emphasis kept: EMPHASIS_OPEN/CLOSE around each `**marked**` text. */
export function markedDisplayText(script: string): string {
  return stripEmoji(stripMarkdown(script, { keepEmphasis: true })).replace(/\s+/g, ' ').trim();
}
