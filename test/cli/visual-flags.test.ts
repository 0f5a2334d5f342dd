// The CLI's motion, transition and framing flags (issue 23): each sets its request field (a
// transition's duration over a JSON body's type), and a wrong value names the flag. Pure.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requestBody, validRequest } from '../../functions/cli/request.ts';
import { CliError } from '../../functions/cli/exit-codes.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('cli-visuals-');
const script = join(dir, 'script.txt');
writeFileSync(script, 'The ocean is deep.');
const json = join(dir, 'request.json');
writeFileSync(json, JSON.stringify({ script_text: 'Hi.', transition: { type: 'slide' }, framing: 'blur' }));

describe('reelsmith motion, transition and framing flags', () => {
  it('every flag sets its field', () => {
    const body = requestBody(script, { motion: 'dynamic', transition: 'fade', transitionDuration: 0.5, framing: 'blur', media: 'both', backgroundText: false });
    assert.deepEqual(body, { script_text: 'The ocean is deep.', motion: 'dynamic', transition: { type: 'fade', duration_s: 0.5 }, framing: 'blur', media: 'both', background_text: false });
    assert.ok(validRequest(body));
  });
  it("--transition-duration keeps a JSON body's type; flags go over the body", () => {
    const over = requestBody(json, { transitionDuration: 0.3, framing: 'cover' });
    assert.deepEqual(over.transition, { type: 'slide', duration_s: 0.3 });
    assert.equal(over.framing, 'cover');
  });
  it('a wrong value names its flag', () => {
    const err = (() => {
      try {
        validRequest(requestBody(script, { transition: 'fade', transitionDuration: 4, motion: 'wild' }));
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof CliError);
    assert.match(err.message, /--transition-duration \(transition\.duration_s\): at most 1\.5 s/);
    assert.match(err.message, /--motion \(motion\): must be "none", "subtle" or "dynamic"/);
  });
});
