// Text fields of a request: valid Unicode, one rule for every string a client sends.
import { z } from 'zod';

/**
 * Text that is valid Unicode: a lone UTF-16 surrogate ("\ud800") is legal in JSON but not a
 * character; TTS engines, libass and Firestore would each fail on it, or mangle it, later.
 */
export const text = () => z.string().refine((s) => s.isWellFormed(), 'contains a lone surrogate (an invalid character); send valid UTF-8 text');
