// The one failure forced alignment owns: the recording does not say the text. It names the
// sentence, so the person can fix the recording or the script instead of getting captions that
// drift from the words.
import { TaskError } from '../errors.ts';

/** How much of a sentence the message quotes. */
const QUOTE_CHARS = 60;

export class VoiceoverMismatch extends TaskError {
  /** Which sentence (1-based, as a person counts) was not found. */
  readonly sentence: number;
  readonly sentenceText: string;

  constructor(sentence: number, sentenceText: string, why: 'missing' | 'mismatch', opts: { detail?: string } = {}) {
    const quote = sentenceText.length > QUOTE_CHARS ? `${sentenceText.slice(0, QUOTE_CHARS - 1).trimEnd()}…` : sentenceText;
    const what = why === 'missing' ? 'is not in the recording' : 'does not match what the recording says there';
    super(
      'voiceover_mismatch',
      `voiceover: sentence ${sentence} ("${quote}") ${what}; record the script as written, or change the text to what the recording says`,
      opts,
    );
    this.name = 'VoiceoverMismatch';
    this.sentence = sentence;
    this.sentenceText = sentenceText;
  }
}
