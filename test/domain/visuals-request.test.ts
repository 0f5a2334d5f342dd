// The picture's own craft fields of a request (issue 23): motion, transition, framing, media and
// background_text, a scene's own transition and framing; what each accepts, the error each wrong
// value gets (naming the field and the fix), and the VideoSpec's visuals with defaults applied.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec } from '../../functions/domain/video-spec.ts';
import { zodDetails } from '../../functions/errors.ts';

const parse = (body: object) => VideoRequestSchema.safeParse({ script_text: 'One. Two.', ...body });
const errors = (body: object) => {
  const r = parse(body);
  assert.equal(r.success, false, `refused: ${JSON.stringify(body)}`);
  return zodDetails(r.error!).map((d) => `${d.path}: ${d.message}`);
};
const spec = (body: object) => {
  const r = parse(body);
  assert.ok(r.success, JSON.stringify(r.error?.issues));
  return videoSpec(r.data, { seed: 7 });
};

describe('visual fields of a request', () => {
  it('left out: subtle motion, cuts, cover framing, videos, key terms on generated backgrounds only', () => {
    assert.deepEqual(spec({}).visuals, { motion: 'subtle', transition: { type: 'cut', durationS: 0.4 }, framing: 'cover', media: 'videos', backgroundText: null });
  });
  it('takes every field, and a scene its own transition and framing', () => {
    const s = spec({
      script_text: undefined,
      scenes: [{ text: 'One.' }, { text: 'Two.', transition: { type: 'whip', duration_s: 0.3 }, framing: 'cover' }],
      motion: 'dynamic',
      transition: { type: 'fade' },
      framing: 'blur',
      media: 'both',
      background_text: false,
    });
    assert.deepEqual(s.visuals, { motion: 'dynamic', transition: { type: 'fade', durationS: 0.4 }, framing: 'blur', media: 'both', backgroundText: false });
    assert.deepEqual(s.scenes[1], { text: 'Two.', transition: { type: 'whip', durationS: 0.3 }, framing: 'cover' });
    assert.deepEqual(s.scenes[0], { text: 'One.' });
  });
  const cases: [string, object, RegExp][] = [
    ['a motion that does not exist', { motion: 'fast' }, /^motion: must be "none", "subtle" or "dynamic": how much each piece moves$/],
    ['a transition by name alone', { transition: 'fade' }, /^transition: /],
    ['a transition type that does not exist', { transition: { type: 'wipe' } }, /^transition\.type: must be "cut", "fade", "slide", "zoom" or "whip"/],
    ['a transition too short', { transition: { type: 'fade', duration_s: 0.05 } }, /^transition\.duration_s: at least 0\.1 s.*use type "cut" for none$/],
    ['a transition too long', { transition: { type: 'fade', duration_s: 3 } }, /^transition\.duration_s: at most 1\.5 s/],
    ['an unknown transition field', { transition: { type: 'fade', seconds: 1 } }, /^transition\.seconds: unknown field/],
    ['a framing that does not exist', { framing: 'fit' }, /^framing: must be "cover" or "blur"/],
    ['a media mode that does not exist', { media: 'gifs' }, /^media: must be "videos", "photos" or "both"/],
    ['background_text as a string', { background_text: 'yes' }, /^background_text: must be true or false/],
    ["a scene's framing", { script_text: undefined, scenes: [{ text: 'One.', framing: 'zoom' }] }, /^scenes\.0\.framing: must be "cover" or "blur"/],
    ["a scene's transition", { script_text: undefined, scenes: [{ text: 'One.', transition: { type: 'fade', duration_s: 9 } }] }, /^scenes\.0\.transition\.duration_s: at most 1\.5 s/],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what}, naming the field`, () => {
      const e = errors(body);
      assert.ok(e.some((m) => message.test(m)), e.join('\n'));
    });
  }
});
