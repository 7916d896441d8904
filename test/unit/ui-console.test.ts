/** The Ui's spinner: plain lines where a terminal reports no width (ora would loop forever). */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Ui } from '../../src/ui/console.js';

function fakeStderr(columns: number | undefined): Writable & { text: () => string; columns?: number; isTTY?: boolean } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { text: () => string; columns?: number; isTTY?: boolean };
  stream.text = () => text;
  // What ora calls on a TTY stream to redraw in place.
  Object.assign(stream, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  stream.isTTY = true;
  if (columns !== undefined) stream.columns = columns;
  return stream;
}

describe('Ui.spinner', () => {
  for (const columns of [0, undefined]) {
    it(`falls back to plain lines when the terminal reports ${String(columns)} columns`, async () => {
      const err = fakeStderr(columns);
      const ui = new Ui({ mode: 'tty', color: false, stderr: err });
      expect(ui.hasWidth()).toBe(false);
      const s = await ui.spinner('Running setup()...');
      s.update('still going');
      s.update('still going');
      s.succeed('Setup complete');
      s.stop();
      expect(err.text()).toBe('Running setup()...\nstill going\nSetup complete\n');
    });
  }

  it('uses a spinner on a terminal with a width', async () => {
    const err = fakeStderr(80);
    const ui = new Ui({ mode: 'tty', color: false, stderr: err });
    expect(ui.hasWidth()).toBe(true);
    const s = await ui.spinner('Working');
    s.succeed('Done');
    // ora's final line carries its success symbol; plain mode would print the bare text.
    expect(err.text()).toMatch(/\S+ Done\n/);
    expect(err.text()).not.toBe('Working\nDone\n');
  });

  it('plain mode never asks for a width', async () => {
    const err = fakeStderr(0);
    const ui = new Ui({ mode: 'plain', color: false, stderr: err });
    const s = await ui.spinner('a');
    s.fail('b');
    expect(err.text()).toBe('a\nerror: b\n');
  });
});
