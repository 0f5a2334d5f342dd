// The voice is asked to say the spoken form; the captions show the display form at the times the
// voice said it: "$1,200" on screen while "twelve hundred dollars" is heard.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { characterAlignment } from '../fakes/index.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { withService } from '../support/with-service.ts';

/** WebVTT cues as [start seconds, text]. */
function cues(vtt: string): [number, string][] {
  const out: [number, string][] = [];
  for (const block of vtt.split(/\n\n+/)) {
    const m = /(\d+):(\d+):(\d+)\.(\d+) --> [^\n]+\n([\s\S]+)$/.exec(block.trim());
    if (m) out.push([Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000, m[5]!.trim()]);
  }
  return out;
}

describe('spoken form to the voice, display form on screen', () => {
  const service = withService({ elevenlabs: true });

  it('the fake hears "twelve hundred dollars"; the captions show "$1,200" from when it was said', async () => {
    const submit = await postJson(`${service.url}/v1/videos`, {
      script_text: '**Tickets** cost $1,200 in 2024 🚀. Book at www.example.com today!',
      language: 'en',
      // The smallest frame, still and with no key term behind the captions: only the voice's words and the WebVTT are read.
      resolution: '720p',
      aspect_ratio: '1:1',
      motion: 'none',
      background_text: false,
      captions: { style: 'word-highlight', max_words_per_line: 1 },
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final } = await pollUntilFinal(`${service.url}/v1/videos/${submit.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));

    const said = service.el.spoken.map((s) => s.text).join(' ');
    assert.equal(said, 'Tickets cost twelve hundred dollars in twenty twenty-four. Book at example dot com today!');

    const vtt = await (await fetch(final.result.captions_url)).text();
    const shown = cues(vtt);
    assert.deepEqual(
      shown.map(([, t]) => t),
      ['Tickets', 'cost', '$1,200', 'in', '2024.', 'Book', 'at', 'www.example.com', 'today!'],
    );
    // Each display word appears when the first letter of its spoken form was said.
    const { character_start_times_seconds: at } = characterAlignment(said, service.el.spoken[0]!.durationS);
    const spokenStart = (needle: string, from = 0) => at[said.indexOf(needle, from)]!;
    const expect: Record<string, number> = {
      '$1,200': spokenStart('twelve'),
      '2024.': spokenStart('twenty twenty'),
      'www.example.com': spokenStart('example'),
      'today!': spokenStart('today'),
    };
    for (const [start, text] of shown) {
      if (expect[text] === undefined) continue;
      assert.ok(Math.abs(start - expect[text]!) <= 0.002, `"${text}" shows at ${start} s; its spoken form starts at ${expect[text]} s`);
    }
  });
});
