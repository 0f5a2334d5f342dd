// A frame of the video as the service will draw it, in the page: the caption line in its look
// (the very faces libass uses, served by the service; case, colours, outline or box, the spoken
// and emphasised words), and the overlays where the renderer puts them inside the platform's safe
// area (a hook title, the progress bar, a watermark, an end card). The compose form's sample
// frames and the storyboard's preview draw with it. Sizes follow the frame (cqmin), as the
// renderer's follow the output's short side.
import type { JSX } from 'preact';
import { BOX_PADDING, EMPHASIS_SCALE, type CaptionFontId, type CaptionLook, type Corner } from '../../domain/look.ts';
import type { AspectRatio, CaptionOptions } from '../../domain/video-request.ts';
import { FACES } from '../../media/captions/fonts.ts';
import { fontSizePx } from '../../media/captions/layout.ts';
import { END_CARD_MAX_SCALE } from '../../media/overlays/end-card.ts';
import { HOOK_MAX_SCALE } from '../../media/overlays/hook.ts';
import { screenLayout, type Rect } from '../../media/overlays/screen.ts';
import { fitTitle } from '../../media/overlays/title.ts';

/** A frame of each shape at 1000 units on its short side: the renderer's layout, as fractions of it. */
const UNIT_FRAMES: Record<AspectRatio, { width: number; height: number }> = {
  '9:16': { width: 1000, height: 1778 },
  '1:1': { width: 1000, height: 1000 },
  '16:9': { width: 1778, height: 1000 },
};

const loaded = new Set<CaptionFontId>();
/** The face as the page draws it: the file the service renders with, loaded once. */
export function faceFamily(id: CaptionFontId): string {
  const family = `reelsmith-${id}`;
  if (!loaded.has(id) && typeof FontFace !== 'undefined') {
    loaded.add(id);
    const face = new FontFace(family, `url(/studio/assets/face-${id})`);
    void face.load().then((f) => document.fonts.add(f), () => undefined);
  }
  return `'${family}', '${FACES[id].family}', 'Noto Sans', sans-serif`;
}

export interface ScreenWord {
  text: string;
  /** The spoken word (karaoke: already sung). */
  lit?: boolean;
  emphasis?: boolean;
}

export interface ScreenCaptions {
  style: CaptionOptions['style'];
  position: CaptionOptions['position'];
  fontSize: number;
  look: CaptionLook;
  words: ScreenWord[];
}

export interface ScreenProps {
  aspect: AspectRatio;
  /** What the frame is, for people who cannot see it. */
  label: string;
  captions: ScreenCaptions | null;
  hook?: string | null | undefined;
  endCard?: string | null | undefined;
  bar?: { position: 'top' | 'bottom'; color: string; fraction: number } | null | undefined;
  watermark?: { position: Corner; opacity: number; scale: number; text: string | null; imageUrl: string | null } | null | undefined;
  /** The hook repeats the narration (the first sentence): the captions wait for it, so it may take their place. */
  hookRepeats?: boolean;
  /** The end card comes after the voice (it extends the video): it may take the captions' place. */
  endCardAfter?: boolean;
  /** A picture behind (a clip's thumbnail); a neutral gradient without. */
  background?: string | null | undefined;
  /** The look the titles take when there are no captions. */
  look: CaptionLook;
  class?: string;
}

const pct = (v: number) => `${(v * 100).toFixed(3)}%`;

/** An outline of `r` (in em) as a ring of shadows, with the look's drop shadow and glow. */
function outlineShadow(look: CaptionLook, scale = 1): string {
  const parts: string[] = [];
  const r = look.outline.width * scale;
  if (r > 0) for (let k = 0; k < 16; k++) parts.push(`${(r * Math.cos((k * Math.PI) / 8)).toFixed(3)}em ${(r * Math.sin((k * Math.PI) / 8)).toFixed(3)}em 0 ${look.outline.colour}`);
  if (look.glow > 0) parts.push(`0 0 ${(look.glow * 2).toFixed(3)}em ${look.outline.colour}`);
  if (look.shadow > 0) parts.push(`${(look.shadow * scale).toFixed(3)}em ${(look.shadow * scale).toFixed(3)}em 0 rgba(0,0,0,0.62)`);
  return parts.join(', ') || 'none';
}

export function Screen(p: ScreenProps) {
  const unit = UNIT_FRAMES[p.aspect];
  const short = Math.min(unit.width, unit.height);
  const c = p.captions;
  const w = p.watermark;
  // Where the renderer puts each element (overlays/screen.ts), on a frame of this shape.
  const layout = screenLayout(unit, c ? { position: c.position, font_size: c.fontSize } : null, {
    progressBar: p.bar ? { position: p.bar.position, colour: '#FFFFFF' } : null,
    // A logo's own shape is known once it loads; laid out as a 3:1 mark, drawn contained in it.
    watermark: w ? (w.imageUrl ? { kind: 'image', width: 300, height: 100, corner: w.position, opacity: w.opacity, scale: w.scale } : { kind: 'text', text: w.text ?? '', corner: w.position, opacity: w.opacity, scale: w.scale }) : null,
    captionsWait: !!p.hookRepeats,
    endCardAfterCaptions: !!p.endCardAfter,
  });
  const at = (r: Rect) => ({ left: pct(r.x0 / unit.width), top: pct(r.y0 / unit.height), width: pct((r.x1 - r.x0) / unit.width), height: pct((r.y1 - r.y0) / unit.height) });

  let caption: JSX.Element | null = null;
  if (c && layout.captions) {
    const face = FACES[c.look.font];
    const m = face.metrics;
    // libass makes a face's winAscent + winDescent the ASS size; a browser makes its em the CSS size.
    const em = m.unitsPerEm / (m.winAscent + m.winDescent);
    const size = (fontSizePx(unit, c.fontSize) * face.sizeScale * em) / short;
    const band = layout.captions;
    const edge =
      c.position === 'center'
        ? { top: '50%', transform: 'translateY(-50%)' }
        : c.position === 'top'
          ? { top: pct(band.y0 / unit.height) }
          : { bottom: pct(1 - band.y1 / unit.height) };
    const text = (t: string) => (c.look.uppercase ? t.toLocaleUpperCase() : t);
    const words = c.words.map((word, i) => {
      const colour = word.lit ? c.look.highlight : word.emphasis ? c.look.emphasis : c.look.text;
      const style = { color: colour, ...(word.emphasis ? { fontSize: `${EMPHASIS_SCALE}%` } : {}) };
      return (
        <span key={i} class={word.lit ? `lit${c.style === 'pop' ? ' pop' : ''}` : word.emphasis ? 'emphasis' : undefined} style={style}>
          {text(word.text)}
          {i < c.words.length - 1 ? ' ' : ''}
        </span>
      );
    });
    // The boxed style's box as libass draws it: from winAscent over the baseline to winDescent
    // under it (scaled with the line's largest word), padded; a browser's background spans the
    // hhea ascent and descent, so the padding makes up the difference (in ems).
    const k = c.words.some((x) => x.emphasis) ? EMPHASIS_SCALE / 100 : 1;
    const u = (v: number) => `${v.toFixed(4)}em`;
    const pad = {
      top: (k * m.winAscent - m.ascent) / m.unitsPerEm + BOX_PADDING.y / em,
      bottom: (k * m.winDescent - m.descent) / m.unitsPerEm + BOX_PADDING.y / em,
      x: BOX_PADDING.x / em,
    };
    const line =
      c.style === 'boxed'
        ? { background: boxColour(c.look), padding: `${u(pad.top)} ${u(pad.x)} ${u(pad.bottom)}` }
        : { textShadow: outlineShadow(c.look, 1 / em) };
    caption = (
      <p
        class={`screen-caption style-${c.style} at-${c.position}`}
        style={{ ...edge, left: pct(band.x0 / unit.width), right: pct(1 - band.x1 / unit.width), fontSize: `${(size * 100).toFixed(3)}cqmin`, fontFamily: faceFamily(c.look.font) }}
        aria-hidden="true"
      >
        <span class="line" style={line}>
          {words}
        </span>
      </p>
    );
  }
  // Broken into lines and sized to fit its box as the renderer does (overlays/title.ts).
  const tm = FACES[p.look.font].metrics;
  const titleEm = tm.unitsPerEm / (tm.winAscent + tm.winDescent);
  const title = (text: string, kind: 'hook' | 'end-card', r: Rect) => {
    const fitted = fitTitle(text, [], r, unit, p.look, undefined, kind === 'hook' ? HOOK_MAX_SCALE : END_CARD_MAX_SCALE);
    const sep = fitted.font.noSpaces ? '' : ' ';
    return (
      <div class={`screen-title ${kind}`} aria-hidden="true" style={at(r)}>
        <p style={{ fontFamily: faceFamily(p.look.font), color: p.look.text, textShadow: outlineShadow(p.look, 1.2 / titleEm), fontSize: `${(((fitted.size * titleEm) / short) * 100).toFixed(3)}cqmin` }}>
          {fitted.lines.map((l, i) => (
            <span key={i} class="title-line">
              {l.map((w) => w.text).join(sep)}
            </span>
          ))}
        </p>
      </div>
    );
  };
  return (
    <div
      class={`screen aspect-${p.aspect.replace(':', '-')}${p.class ? ` ${p.class}` : ''}`}
      role="img"
      aria-label={p.label}
      style={p.background ? { backgroundImage: `url("${p.background}")` } : undefined}
    >
      {p.hook && title(p.hook, 'hook', layout.hook)}
      {p.endCard && title(p.endCard, 'end-card', layout.endCard)}
      {caption}
      {p.bar && layout.bar && (
        <div class="screen-bar" style={at(layout.bar)}>
          <div style={{ width: pct(p.bar.fraction), background: p.bar.color }} />
        </div>
      )}
      {w && layout.watermark && (w.imageUrl ? (
        <img class="screen-mark" src={w.imageUrl} alt="" style={{ ...at(layout.watermark), opacity: w.opacity, objectPosition: w.position.replace('-', ' ') }} />
      ) : (
        <span
          class={`screen-mark text at-${w.position}`}
          style={{ ...at(layout.watermark), opacity: w.opacity, fontFamily: faceFamily(p.look.font), color: p.look.text, fontSize: `${(((layout.watermark.y1 - layout.watermark.y0) / 1.3 / short) * 100).toFixed(3)}cqmin` }}
        >
          {w.text}
        </span>
      ))}
    </div>
  );
}

/** The boxed style's box: the look's colour at its opacity. */
function boxColour(look: CaptionLook): string {
  const n = Number.parseInt(look.box.colour.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${look.box.opacity})`;
}
