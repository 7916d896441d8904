/**
 * The playground in a real headless chromium (Debian's, via playwright-core) against the
 * real runtime (`edgecog serve --no-docker`): the page is generated from the model's schema,
 * checks constraints before sending, uploads a file, shows an image output, grows a streamed
 * output token by token, relays async webhooks, cancels, and keeps a history. Screenshots go
 * to test-artifacts/ (CI keeps them).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { findFreePort } from '../../src/prediction/free-port.js';
import { buildCli } from './run-cli-helpers.js';
import { artifactPath, launchChromium, startPlaygroundCli, startServe, type PlaygroundProcess, type ServeProcess } from './playground-helpers.js';

let browser: Browser | undefined;
let browserError: unknown;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  buildCli();
  // Without chromium every test below fails (with this reason); none is skipped.
  browser = await launchChromium().catch((err: unknown) => {
    browserError = err;
    return undefined;
  });
});

it('has headless chromium to drive (required in CI)', () => {
  expect(browserError).toBeUndefined();
  expect(browser).toBeDefined();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await browser?.close();
});

async function openPage(url: string): Promise<Page> {
  if (!browser) throw browserError instanceof Error ? browserError : new Error('no browser');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  cleanups.push(async () => {
    await page.close();
    expect(errors).toEqual([]);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
  return page;
}

function rawPrediction(page: Page): Promise<Record<string, any>> {
  return page.textContent('#raw').then((t) => JSON.parse(t ?? '{}') as Record<string, any>);
}

describe('serve --playground, a model with text, number, enum, secret and file inputs', { timeout: 120_000 }, () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe('playground-image', ['--playground', '--playground-port', '0']);
    cleanups.push(() => serve.stop());
    expect(serve.playgroundUrl).toBeDefined();
  });

  it('builds the form from the schema in x-order with defaults and the right controls', async () => {
    const page = await openPage(serve.playgroundUrl!);
    const names = await page.$$eval('#fields .field', (rows) => rows.map((r) => (r as HTMLElement).dataset.name));
    expect(names).toEqual(['prompt', 'size', 'scale', 'color', 'tag', 'border', 'photo', 'api_key']);
    expect(await page.inputValue('#in-size')).toBe('48');
    expect(await page.getAttribute('#in-size', 'min')).toBe('8');
    expect(await page.getAttribute('#in-size', 'step')).toBe('1');
    expect(await page.getAttribute('#in-scale', 'step')).toBe('any');
    expect(await page.$eval('#in-color', (s) => [...(s as HTMLSelectElement).options].map((o) => o.text))).toEqual(['red', 'green', 'blue']);
    expect(await page.$eval('#in-color', (s) => (s as HTMLSelectElement).selectedOptions[0]?.text)).toBe('red');
    expect(await page.inputValue('#in-tag')).toBe('abc');
    expect(await page.getAttribute('#in-border', 'type')).toBe('checkbox');
    expect(await page.getAttribute('#in-photo', 'type')).toBe('file');
    expect(await page.getAttribute('#in-api_key', 'type')).toBe('password');
    await expect.poll(() => page.textContent('#health')).toBe('READY');
  });

  it('renders each kind of output as what it is, and reads schemas as Cog writes them', async () => {
    const page = await openPage(serve.playgroundUrl!);
    // A string, so that vitest leaves the page's own import() alone.
    const result = (await page.evaluate(`(async () => {
      const outputs = await import('/outputs.js');
      const schema = await import('/schema.js');
      const form = await import('/form.js');
      const tags = (value) => {
        const node = outputs.renderValue(value);
        return [node.tagName, node.className, node.querySelector('img,audio,video')?.tagName ?? null];
      };
      const view = new outputs.OutputView(document.createElement('div'), { kind: 'concatenate' });
      view.push('a');
      view.push(' b');
      view.set(['a', ' b', ' c']);
      const doc = { components: { schemas: { Input: { properties: { n: { anyOf: [{ type: 'integer' }, { type: 'null' }], 'x-order': 1 }, c: { allOf: [{ $ref: '#/components/schemas/c' }], default: 'x', 'x-order': 0 } } }, c: { enum: ['x', 'y'], type: 'string' } } } };
      return {
        image: tags('data:image/png;base64,AAAA'),
        audio: tags('data:audio/wav;base64,AAAA'),
        video: tags('https://example.com/clip.mp4?sig=1'),
        file: tags('data:application/zip;base64,AAAA'),
        json: tags({ a: [1, 2] }),
        text: tags('plain words'),
        number: tags(3.5),
        concatenated: view.container.textContent,
        fields: schema.inputFields(doc).map((f) => [f.name, f.kind, Boolean(f.schema.nullable)]),
        named: schema.pythonPattern(String.raw\`^(?P<w>[a-z]+)-(?P=w)\\Z\`)?.test('ab-ab'),
        tooLong: form.checkScalar({ maxLength: 2 }, 'string', '\u{1F600}\u{1F600}'),
        below: form.checkScalar({ minimum: 1 }, 'integer', 0),
      };
    })()`)) as Record<string, unknown>;
    expect(result.image).toEqual(['FIGURE', 'out-file out-image', 'IMG']);
    expect(result.audio).toEqual(['FIGURE', 'out-file out-audio', 'AUDIO']);
    expect(result.video).toEqual(['FIGURE', 'out-file out-video', 'VIDEO']);
    expect(result.file).toEqual(['FIGURE', 'out-file out-file', null]);
    expect(result.json).toEqual(['PRE', 'out-json', null]);
    expect(result.text).toEqual(['PRE', 'out-text', null]);
    expect(result.number).toEqual(['PRE', 'out-scalar', null]);
    expect(result.concatenated).toBe('a b c');
    expect(result.fields).toEqual([['c', 'enum', false], ['n', 'integer', true]]);
    expect(result.named).toBe(true);
    // Lengths count code points, as Python's len() does.
    expect(result.tooLong).toBeUndefined();
    expect(result.below).toContain('at least 1');
  });

  it('checks constraints in the page and sends nothing while they fail', async () => {
    const page = await openPage(serve.playgroundUrl!);
    let sent = 0;
    page.on('request', (r) => r.url().includes('/api/predictions') && sent++);
    await page.fill('#in-prompt', 'x');
    await page.fill('#in-size', '999');
    await page.fill('#in-scale', '0.1');
    await page.fill('#in-tag', 'ABC');
    await page.click('#submit');
    await expect.poll(() => page.textContent('#err-prompt')).toContain('at least 2 characters');
    expect(await page.textContent('#err-size')).toContain('at most 256');
    expect(await page.textContent('#err-scale')).toContain('at least 0.5');
    expect(await page.textContent('#err-tag')).toContain('^[a-z]+$');
    expect(await page.textContent('#err-photo')).toContain('required');
    expect(sent).toBe(0);
  });

  it('uploads a file, runs, shows the image, and keeps the run in the history', async () => {
    const page = await openPage(serve.playgroundUrl!);
    await page.fill('#in-prompt', 'a blue square');
    await page.fill('#in-size', '64');
    await page.selectOption('#in-color', { label: 'blue' });
    await page.fill('#in-api_key', 's3cret');
    await page.setInputFiles('#in-photo', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello file') });
    await page.click('#submit');
    const img = await page.waitForSelector('#output img', { timeout: 30_000 });
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(64);
    expect(await page.textContent('#status')).toBe('succeeded');
    const prediction = await rawPrediction(page);
    expect(prediction.input).toMatchObject({ prompt: 'a blue square', size: 64, color: 'blue', tag: 'abc', api_key: '**********' });
    expect(prediction.logs).toContain('photo=10 bytes suffix=.txt');
    await page.screenshot({ path: artifactPath('playground-image.png'), fullPage: true });

    await page.reload();
    await page.waitForSelector('body[data-state="ready"]');
    const item = page.locator('#history .history-item').first();
    await expect.poll(() => item.textContent()).toContain('succeeded');
    await item.click();
    expect(await page.inputValue('#in-prompt')).toBe('a blue square');
    expect(await page.inputValue('#in-size')).toBe('64');
    await page.waitForSelector('#output img');
  });

  it('shows what the model reports when it cannot use an input', async () => {
    const page = await openPage(serve.playgroundUrl!);
    await page.fill('#in-prompt', 'bad url');
    // The page accepts any http(s) URL; the model cannot fetch this one (nothing listens).
    await page.fill('#url-photo', 'http://127.0.0.1:9/missing.png');
    await page.click('#submit');
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toMatch(/failed|error/);
    expect(await page.isVisible('#error')).toBe(true);
    expect((await page.textContent('#error'))!.length).toBeGreaterThan(0);
    expect(await page.isEnabled('#submit')).toBe(true);
  });

  it('runs async: the model posts webhooks to the playground, which relays them to the page', async () => {
    const page = await openPage(serve.playgroundUrl!);
    await page.fill('#in-prompt', 'async run');
    await page.fill('#url-photo', 'data:text/plain;base64,aGk=');
    await page.check('input[name="mode"][value="async"]');
    const put = page.waitForRequest((r) => r.method() === 'PUT' && r.url().includes('/api/predictions/'));
    await page.click('#submit');
    const request = await put;
    expect(request.headers().prefer).toBe('respond-async');
    expect(JSON.parse(request.postData() ?? '{}').webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook\/[0-9a-f]{32}$/);
    await page.waitForSelector('#output img', { timeout: 30_000 });
    expect(await page.textContent('#status')).toBe('succeeded');
    expect((await rawPrediction(page)).logs).toContain('photo=2 bytes');
  });
});

describe('edgecog playground --target, a @cog.streaming model', { timeout: 120_000 }, () => {
  let serve: ServeProcess;
  let playground: PlaygroundProcess;

  beforeAll(async () => {
    serve = await startServe('playground-stream');
    cleanups.push(() => serve.stop());
    playground = await startPlaygroundCli(serve.url);
    cleanups.push(() => playground.stop());
  });

  it('shows the first token before the prediction ends, then the whole text', async () => {
    const gate = join(serve.dir, 'gate-1');
    const page = await openPage(playground.url);
    expect(await page.textContent('#mode-auto-label')).toContain('stream');
    await page.fill('#in-prompt', 'tokens arrive one by one');
    await page.fill('#in-gate', gate);
    const put = page.waitForRequest((r) => r.method() === 'PUT');
    await page.click('#submit');
    expect((await put).headers().accept).toBe('text/event-stream');
    await expect.poll(() => page.textContent('#output'), { timeout: 30_000 }).toBe('tokens');
    expect(await page.textContent('#status')).toBe('processing');
    expect(await page.isEnabled('#cancel')).toBe(true);
    await page.screenshot({ path: artifactPath('playground-stream-partial.png'), fullPage: true });
    writeFileSync(gate, '');
    await expect.poll(() => page.textContent('#output'), { timeout: 30_000 }).toBe('tokens arrive one by one');
    expect(await page.textContent('#status')).toBe('succeeded');
    await page.screenshot({ path: artifactPath('playground-stream.png'), fullPage: true });
  });

  it('cancels a running stream', async () => {
    const gate = join(serve.dir, 'gate-never');
    const page = await openPage(playground.url);
    await page.fill('#in-gate', gate);
    await page.click('#submit');
    await expect.poll(() => page.textContent('#output'), { timeout: 30_000 }).toBe('the');
    await page.click('#cancel');
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('canceled');
    expect(existsSync(gate)).toBe(false);
    // The model is free again: a second run goes through.
    await page.fill('#in-gate', '');
    await page.fill('#in-delay', '0');
    await page.click('#submit');
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await page.textContent('#output')).toBe('the quick brown fox jumps');
  });
});

describe('a model whose iterator does not stream over SSE', { timeout: 120_000 }, () => {
  it('falls back to waiting for the whole list when the server answers 406', async () => {
    const serve = await startServe('run-iterator');
    cleanups.push(() => serve.stop());
    const playground = await startPlaygroundCli(serve.url);
    cleanups.push(() => playground.stop());
    const page = await openPage(playground.url);
    await page.fill('#in-count', '3');
    const statuses: number[] = [];
    page.on('response', (r) => r.url().includes('/api/predictions/') && statuses.push(r.status()));
    await page.click('#submit');
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('succeeded');
    expect(await page.$$eval('#output li', (items) => items.map((i) => i.textContent))).toEqual(['chunk 0', 'chunk 1', 'chunk 2']);
    expect(statuses).toEqual([406, 200]);
  });
});

describe('edgecog playground started before its model', { timeout: 120_000 }, () => {
  it('says it is waiting, then builds the form once the model answers', async () => {
    const port = await findFreePort();
    const playground = await startPlaygroundCli(`127.0.0.1:${port}`);
    cleanups.push(() => playground.stop());
    expect(playground.cli.stderr()).toContain(`nothing answers at http://127.0.0.1:${port} yet`);
    const page = await browser!.newPage();
    cleanups.push(() => page.close());
    await page.goto(playground.url);
    await expect.poll(() => page.textContent('#schema-error'), { timeout: 15_000 }).toContain('Waiting for the model');
    await expect.poll(() => page.textContent('#health'), { timeout: 15_000 }).toBe('unreachable');
    const serve = await startServe('playground-stream', ['-p', String(port)]);
    cleanups.push(() => serve.stop());
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(await page.isHidden('#schema-error')).toBe(true);
    await expect.poll(() => page.textContent('#health'), { timeout: 15_000 }).toBe('READY');
  });
});
