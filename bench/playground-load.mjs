// Playground page load in headless chromium: navigation start → the model's form rendered
// (schema fetched through the proxy, form built). Median of BENCH_RUNS fresh pages against a
// model that answers at once, so the figure is the playground's own cost. Run after
// `npm run build`. JSON lines {"name","value","unit"} on stdout.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromiumPath = process.env.EDGECOG_CHROMIUM ?? '/usr/bin/chromium';
const runs = Number(process.env.BENCH_RUNS ?? 15);

if (!existsSync(chromiumPath)) {
  console.log(JSON.stringify({ name: 'playground-load', skipped: `no chromium at ${chromiumPath} (.ci/playground-setup.sh)` }));
  process.exit(0);
}

const schema = execFileSync('python3', ['-m', 'cog.command.openapi_schema'], {
  cwd: `${root}fixtures/models/playground-image`,
  env: { ...process.env, PYTHONPATH: `${root}templates/runtime` },
  encoding: 'utf8',
});
const model = createServer((req, res) => {
  const body = req.url === '/openapi.json' ? schema : req.url === '/health-check' ? '{"status":"READY","setup":{}}' : '{"detail":"Not Found"}';
  res.writeHead(req.url === '/openapi.json' || req.url === '/health-check' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(body);
});
await new Promise((r) => model.listen(0, '127.0.0.1', r));

const { startPlayground } = await import(`${root}dist/playground/server.js`);
const { chromium } = await import('playwright-core');
const playground = await startPlayground({ target: new URL(`http://127.0.0.1:${model.address().port}`) });
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
const times = [];
try {
  for (let i = 0; i < runs + 2; i++) {
    const context = await browser.newContext(); // no cache, no localStorage carried over
    const page = await context.newPage();
    await page.goto(playground.url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    const ms = await page.evaluate(() => performance.getEntriesByName('edgecog:form-ready')[0].startTime);
    if (i >= 2) times.push(ms); // the first loads warm up the browser process itself
    await context.close();
  }
} finally {
  await browser.close();
  await playground.close();
  model.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(JSON.stringify({ name: 'playground-load-median', value: Number(median.toFixed(1)), unit: 'ms', runs }));
console.log(JSON.stringify({ name: 'playground-load-min', value: Number(times[0].toFixed(1)), unit: 'ms', runs }));
