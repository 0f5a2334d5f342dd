// The picture's own craft vocabulary every layer shares (issue 23): how each piece moves (Ken
// Burns), how pieces join (transitions), how a clip of another shape fills the frame (framing), and
// whether generated backgrounds carry their piece's key term. The values here are what a VideoSpec
// holds once every default is applied; media/ plans and draws them.
import type { MediaMode } from './footage-media.ts';

export const MOTION_STYLES = ['none', 'subtle', 'dynamic'] as const;
export type MotionStyle = (typeof MOTION_STYLES)[number];

export const TRANSITION_TYPES = ['cut', 'fade', 'slide', 'zoom', 'whip'] as const;
export type TransitionType = (typeof TRANSITION_TYPES)[number];

export const FRAMINGS = ['cover', 'blur'] as const;
export type Framing = (typeof FRAMINGS)[number];

/** Shortest and longest transition: under 0.1 s a blend reads as a glitch; past 1.5 s it eats the pieces it joins. */
export const MIN_TRANSITION_S = 0.1;
export const MAX_TRANSITION_S = 1.5;

export interface TransitionSpec {
  type: TransitionType;
  durationS: number;
}

/** A scene's own transition into its pieces and framing; left out, the video's. */
export interface SceneVisuals {
  transition?: TransitionSpec;
  framing?: Framing;
}

export interface VisualSpec {
  motion: MotionStyle;
  transition: TransitionSpec;
  framing: Framing;
  media: MediaMode;
  /** A key term behind the captions of each generated background; null: on for generated backgrounds (the default), off otherwise. */
  backgroundText: boolean | null;
}

/** A Ken Burns move in words, as a storyboard shows it. */
export const MOVES = ['zoom-in', 'zoom-out', 'pan-left', 'pan-right', 'pan-up', 'pan-down'] as const;
export type Move = (typeof MOVES)[number];

/** How one piece of a storyboard is drawn: its move (null: still), the transition into it (null: a cut), its framing. */
export interface PieceVisual {
  motion: Move | null;
  transition: { type: Exclude<TransitionType, 'cut'>; duration_s: number } | null;
  framing: Framing;
}
