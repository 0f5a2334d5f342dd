// The on-screen craft fields of a request (issue 24): what each accepts, and the error each
// wrong value gets, naming the field (as the API's 422 does, through zodDetails) and the fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { zodDetails } from '../../functions/errors.ts';

const parse = (body: object) => VideoRequestSchema.safeParse({ script_text: 'One. Two.', ...body });
/** The details a 422 would list, as `path: message`. */
const errors = (body: object) => {
  const r = parse(body);
  assert.equal(r.success, false, `refused: ${JSON.stringify(body)}`);
  return zodDetails(r.error!).map((d) => `${d.path}: ${d.message}`);
};

describe('craft fields of a request', () => {
  it('takes every field together, the shorthand forms too', () => {
    const r = parse({
      captions: { look: 'bold', font: 'anton', uppercase: true, text_color: '#FFFFFF', highlight_color: '#ffe500', emphasis_color: '#2BF05B', outline: { width: 0.1, color: '#000000' }, emphasis: 'auto' },
      hook: true,
      progress_bar: true,
      watermark: { image_url: 'https://example.com/logo.svg', position: 'bottom-left', opacity: 0.6, scale: 1.5 },
      end_card: { text: 'Follow for **part 2**', duration_s: 4, extend: true },
    });
    assert.ok(r.success, JSON.stringify(r.error?.issues));
    assert.ok(parse({ hook: { text: 'Wait for it', duration_s: 1.5 }, progress_bar: { position: 'top', color: '#FF0000' }, watermark: { text: '@reelsmith' } }).success);
    assert.ok(parse({ hook: {} }).success, 'a hook object without text: the first sentence for duration_s');
  });

  const cases: [string, object, RegExp][] = [
    ['a look that does not exist', { captions: { look: 'comic' } }, /^captions\.look: must be one of "classic", "bold", "clean", "neon", "playful"$/],
    ['a font the service does not ship', { captions: { font: 'Comic Sans' } }, /^captions\.font: must be one of "noto-sans".*"fredoka"$/],
    ['a colour by name', { captions: { highlight_color: 'yellow' } }, /^captions\.highlight_color: must be a colour as "#RRGGBB"/],
    ['a short hex colour', { captions: { text_color: '#FFF' } }, /^captions\.text_color: must be a colour as "#RRGGBB"/],
    ['an outline wider than the letters hold', { captions: { outline: { width: 0.5 } } }, /^captions\.outline\.width: at most 0\.25/],
    ['an outline colour without #', { captions: { outline: { color: '000000' } } }, /^captions\.outline\.color: must be a colour/],
    ['uppercase as a string', { captions: { uppercase: 'yes' } }, /^captions\.uppercase: must be true or false$/],
    ['an emphasis mode that does not exist', { captions: { emphasis: 'all' } }, /^captions\.emphasis: must be "marked", "auto" or "off"$/],
    ['hook: false (leave it out instead)', { hook: false }, /^hook: send true .*or \{text, duration_s\}$/],
    ['an empty hook', { hook: { text: '  ' } }, /^hook\.text: write the hook: at least one character$/],
    ['a hook of punctuation only', { hook: { text: '!!!' } }, /^hook\.text: the hook needs at least one letter or digit$/],
    ['a hook too long to read', { hook: { text: 'x'.repeat(121) } }, /^hook\.text: at most 120 characters/],
    ['a hook on two lines', { hook: { text: 'one\ntwo' } }, /^hook\.text: the hook is one line/],
    ['a hook too short to read', { hook: { duration_s: 0.2 } }, /^hook\.duration_s: at least 0\.5 s/],
    ['a hook too long', { hook: { duration_s: 30 } }, /^hook\.duration_s: at most 10 s/],
    ['a bar on the side', { progress_bar: { position: 'left' } }, /^progress_bar\.position: must be "top" or "bottom"$/],
    ['a bar colour by name', { progress_bar: { color: 'red' } }, /^progress_bar\.color: must be a colour/],
    ['a watermark with neither image nor text', { watermark: { position: 'top-left' } }, /^watermark\.image_url: send either watermark\.image_url \(a logo\) or watermark\.text \(a handle\)/],
    ['a watermark with both', { watermark: { image_url: 'https://example.com/a.png', text: '@me' } }, /^watermark\.image_url: send either/],
    ['a logo that is not an http(s) URL', { watermark: { image_url: 'file:///etc/passwd' } }, /^watermark\.image_url: must be an http\(s\) URL$/],
    ['a logo URL with a password', { watermark: { image_url: 'https://u:p@example.com/a.png' } }, /^watermark\.image_url: must not contain a user name or password/],
    ['a corner that is not one', { watermark: { text: '@me', position: 'center' } }, /^watermark\.position: must be one of "top-left", "top-right", "bottom-left", "bottom-right"$/],
    ['an invisible watermark', { watermark: { text: '@me', opacity: 0 } }, /^watermark\.opacity: at least 0\.1/],
    ['a giant watermark', { watermark: { text: '@me', scale: 5 } }, /^watermark\.scale: at most 2$/],
    ['a handle too long', { watermark: { text: '@'.padEnd(41, 'x') } }, /^watermark\.text: at most 40 characters/],
    ['an end card without text', { end_card: { duration_s: 3 } }, /^end_card\.text: /],
    ['an end card of no seconds', { end_card: { text: 'Bye', duration_s: 0.5 } }, /^end_card\.duration_s: at least 1 s$/],
    ['extend as a number', { end_card: { text: 'Bye', extend: 2 } }, /^end_card\.extend: must be true or false$/],
    ['an unknown field in an overlay', { end_card: { text: 'Bye', colour: 'red' } }, /^end_card\.colour: unknown field/],
    ['an extending end card that leaves no room within max_duration_s', { end_card: { text: 'Bye', duration_s: 5, extend: true }, max_duration_s: 5 }, /^end_card\.duration_s: an extending end card of 5 s leaves no room for the narration within max_duration_s 5 s/],
  ];
  for (const [name, body, want] of cases) {
    it(`refuses ${name}, naming the field`, () => {
      const got = errors(body);
      assert.ok(got.some((e) => want.test(e)), `${got.join(' | ')} ~ ${want}`);
    });
  }
});
