// The CLI's on-screen craft flags: each sets its request field (over a JSON body's), and a wrong
// value is reported with the flag that sets it. Pure: no service, no render.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requestBody, validRequest } from '../../functions/cli/request.ts';
import { CliError } from '../../functions/cli/exit-codes.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('cli-craft-');
const script = join(dir, 'script.txt');
writeFileSync(script, 'Most people get **coffee** wrong.');
const json = join(dir, 'request.json');
writeFileSync(json, JSON.stringify({ script_text: 'Hi.', captions: { style: 'boxed', outline: { color: '#112233' } }, watermark: { image_url: 'https://example.com/a.png', opacity: 0.5 } }));

describe('reelsmith craft flags', () => {
  it('every flag sets its field', () => {
    const body = requestBody(script, {
      look: 'bold', font: 'anton', uppercase: false, textColor: '#FFFFFF', highlightColor: '#FFE500', emphasisColor: '#2BF05B',
      outlineWidth: 0.1, outlineColor: '#000000', emphasis: 'auto',
      hook: 'Stop scrolling', hookDuration: 2, progressBar: 'top', progressColor: '#FF0000',
      watermark: 'https://example.com/logo.svg', watermarkPosition: 'bottom-left', watermarkOpacity: 0.7, watermarkScale: 1.5,
      endCard: 'Follow for more', endCardDuration: 4, extend: true,
    });
    assert.deepEqual(body, {
      script_text: 'Most people get **coffee** wrong.',
      captions: { look: 'bold', font: 'anton', uppercase: false, text_color: '#FFFFFF', highlight_color: '#FFE500', emphasis_color: '#2BF05B', outline: { width: 0.1, color: '#000000' }, emphasis: 'auto' },
      hook: { text: 'Stop scrolling', duration_s: 2 },
      progress_bar: { position: 'top', color: '#FF0000' },
      watermark: { image_url: 'https://example.com/logo.svg', position: 'bottom-left', opacity: 0.7, scale: 1.5 },
      end_card: { text: 'Follow for more', duration_s: 4, extend: true },
    });
    assert.ok(validRequest(body));
  });

  it('--hook and --progress-bar alone are `true`; a handle is text; flags go over a JSON body', () => {
    assert.deepEqual(requestBody(script, { hook: true, progressBar: true, watermark: '@me' }), { script_text: 'Most people get **coffee** wrong.', hook: true, progress_bar: true, watermark: { text: '@me' } });
    const over = requestBody(json, { outlineWidth: 0.2, watermark: '@brand' });
    assert.deepEqual(over.captions, { style: 'boxed', outline: { color: '#112233', width: 0.2 } });
    assert.deepEqual(over.watermark, { opacity: 0.5, text: '@brand' }, 'the flag\'s handle replaces the body\'s logo');
  });

  it('a wrong value names its flag', () => {
    const err = (() => {
      try {
        validRequest(requestBody(script, { highlightColor: 'yellow', hookDuration: 60, watermarkOpacity: 3 }));
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof CliError);
    assert.match(err.message, /--highlight-color \(captions\.highlight_color\): must be a colour as "#RRGGBB"/);
    assert.match(err.message, /--hook-duration \(hook\.duration_s\): at most 10 s/);
    assert.match(err.message, /--watermark-opacity \(watermark\.opacity\): at most 1/);
  });
});
