/**
 * The playground in a real headless chromium (Debian's, via playwright-core): the page is
 * generated from the model's schema, checks constraints before sending, uploads a file,
 * shows an image output, grows a streamed output token by token, relays async webhooks,
 * cancels, and keeps a history. Screenshots go to test-artifacts/ (CI keeps them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildCli } from './run-cli-helpers.js';
import { artifactPath, fixtureSchema, launchChromium, startPlaygroundCli, usesStreamingDecorator, type PlaygroundProcess } from './playground-helpers.js';
import { startStandIn, type StandIn } from './playground-standin.js';

// A 2x2 PNG: what the stand-in answers for the image fixture.
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DwHwyBNAMDAwMDAwAkBgf5ZRmZ0wAAAABJRU5ErkJggg==';

let browser: Browser;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  buildCli();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await browser?.close();
});

async function openPage(playground: PlaygroundProcess): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  cleanups.push(async () => {
    expect(errors).toEqual([]);
    await page.close();
  });
  await page.goto(playground.url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });
  return page;
}

describe('playground page for a model with text, number, enum, secret and file inputs', () => {
  let model: StandIn;
  let playground: PlaygroundProcess;

  beforeAll(async () => {
    model = await startStandIn({ schema: fixtureSchema('playground-image'), output: () => PNG });
    cleanups.push(() => model.close());
    playground = await startPlaygroundCli(model.url);
    cleanups.push(() => playground.stop());
  });

  it('builds the form from the schema in x-order with defaults and the right controls', async () => {
    const page = await openPage(playground);
    const names = await page.$$eval('#fields .field', (rows) => rows.map((r) => (r as HTMLElement).dataset.name));
    expect(names).toEqual(['prompt', 'size', 'scale', 'color', 'tag', 'border', 'photo', 'api_key']);
    expect(await page.inputValue('#in-size')).toBe('48');
    expect(await page.getAttribute('#in-size', 'min')).toBe('8');
    expect(await page.getAttribute('#in-size', 'step')).toBe('1');
    expect(await page.$eval('#in-color', (s) => [...(s as HTMLSelectElement).options].map((o) => o.text))).toEqual(['red', 'green', 'blue']);
    expect(await page.$eval('#in-color', (s) => (s as HTMLSelectElement).selectedOptions[0]?.text)).toBe('red');
    expect(await page.inputValue('#in-tag')).toBe('abc');
    expect(await page.getAttribute('#in-border', 'type')).toBe('checkbox');
    expect(await page.getAttribute('#in-photo', 'type')).toBe('file');
    expect(await page.getAttribute('#in-api_key', 'type')).toBe('password');
  });

  it('checks constraints in the page and sends nothing while they fail', async () => {
    const page = await openPage(playground);
    const before = model.requests.length;
    await page.fill('#in-prompt', 'x');
    await page.fill('#in-size', '999');
    await page.fill('#in-tag', 'ABC');
    await page.click('#submit');
    await expect.poll(() => page.textContent('#err-prompt')).toContain('at least 2 characters');
    expect(await page.textContent('#err-size')).toContain('at most 256');
    expect(await page.textContent('#err-tag')).toContain('^[a-z]+$');
    expect(await page.textContent('#err-photo')).toContain('required');
    expect(model.requests.length).toBe(before);
  });

  it('uploads a file, runs, shows the image, and keeps the run in the history', async () => {
    const page = await openPage(playground);
    await page.fill('#in-prompt', 'a red square');
    await page.fill('#in-size', '64');
    await page.selectOption('#in-color', { label: 'blue' });
    await page.fill('#in-api_key', 's3cret');
    await page.setInputFiles('#in-photo', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello file') });
    await page.click('#submit');
    const img = await page.waitForSelector('#output img', { timeout: 15_000 });
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(2);
    expect(await page.textContent('#status')).toBe('succeeded');
    const sent = model.requests.at(-1)!;
    expect(sent.body.input).toEqual({ prompt: 'a red square', size: 64, scale: 1, color: 'blue', tag: 'abc', border: false, photo: `data:text/plain;base64,${Buffer.from('hello file').toString('base64')}`, api_key: 's3cret' });
    await page.screenshot({ path: artifactPath('playground-image.png'), fullPage: true });

    await page.reload();
    await page.waitForSelector('body[data-state="ready"]');
    const item = page.locator('#history .history-item').first();
    await expect.poll(() => item.textContent()).toContain('succeeded');
    await item.click();
    expect(await page.inputValue('#in-prompt')).toBe('a red square');
    await page.waitForSelector('#output img');
  });

  it('runs async: the webhook goes to the playground and reaches the page over SSE', async () => {
    const page = await openPage(playground);
    await page.fill('#in-prompt', 'async run');
    await page.fill('#url-photo', 'data:text/plain;base64,aGk=');
    await page.check('input[name="mode"][value="async"]');
    await page.click('#submit');
    await page.waitForSelector('#output img', { timeout: 15_000 });
    const sent = model.requests.at(-1)!;
    expect(sent.headers.prefer).toBe('respond-async');
    expect(sent.body.webhook).toMatch(new RegExp(`^${playground.url.replace(/\/$/, '')}/webhook/[0-9a-f]{32}$`));
  });
});

describe('playground page for a streaming model', () => {
  let model: StandIn;
  let playground: PlaygroundProcess;
  let release: () => void = () => undefined;
  let gate = Promise.resolve();

  beforeAll(async () => {
    const schema = fixtureSchema('playground-stream');
    // The runtime's generator does not mark @streaming predictors yet; Cog marks them with
    // x-cog-streaming on POST /predictions, which is what the page reads.
    if (usesStreamingDecorator('playground-stream')) schema.paths['/predictions'].post['x-cog-streaming'] = true;
    model = await startStandIn({
      schema,
      output: () => null,
      chunks: (input) => String(input.prompt ?? 'the quick brown fox jumps').split(' ').map((w, i) => (i === 0 ? w : ` ${w}`)),
      waitBefore: (i) => (i === 1 ? gate : Promise.resolve()),
    });
    cleanups.push(() => model.close());
    playground = await startPlaygroundCli(model.url);
    cleanups.push(() => playground.stop());
  });

  it('shows the first token before the prediction ends, then the whole text', async () => {
    gate = new Promise<void>((r) => (release = r));
    const page = await openPage(playground);
    expect(await page.textContent('#mode-auto-label')).toContain('stream');
    await page.fill('#in-prompt', 'tokens arrive one by one');
    await page.click('#submit');
    await expect.poll(() => page.textContent('#output'), { timeout: 15_000 }).toBe('tokens');
    expect(await page.textContent('#status')).toBe('processing');
    expect(await page.isEnabled('#cancel')).toBe(true);
    await page.screenshot({ path: artifactPath('playground-stream-partial.png'), fullPage: true });
    release();
    await expect.poll(() => page.textContent('#output'), { timeout: 15_000 }).toBe('tokens arrive one by one');
    expect(await page.textContent('#status')).toBe('succeeded');
    expect(model.requests.at(-1)!.headers.accept).toContain('text/event-stream');
    await page.screenshot({ path: artifactPath('playground-stream.png'), fullPage: true });
  });

  it('cancels a running stream', async () => {
    gate = new Promise<void>(() => undefined);
    const page = await openPage(playground);
    await page.click('#submit');
    await expect.poll(() => page.textContent('#output'), { timeout: 15_000 }).toBe('the');
    await page.click('#cancel');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('canceled');
    expect(model.canceled.has(model.requests.at(-1)!.id)).toBe(true);
  });
});
