/**
 * Helpers for the playground tests: the fixture's real OpenAPI document (from the runtime's
 * own generator), the built CLI's `playground` process, and headless Debian chromium driven
 * by playwright-core. Missing chromium is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findFreePort } from '../../src/prediction/free-port.js';
import { copyFixture, repoRoot, startCli, type CliProcess } from './run-cli-helpers.js';

export const CHROMIUM = process.env.EDGECOG_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, 'test-artifacts');

export function fixtureDir(name: string): string {
  return join(repoRoot, 'fixtures', 'models', name);
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed at ${CHROMIUM}: run .ci/playground-setup.sh (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 60_000 });
}

export function artifactPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, name);
}

/** The fixture's OpenAPI document as the runtime generates it (host python3, no server). */
export function fixtureSchema(name: string): Record<string, any> {
  const text = execFileSync('python3', ['-m', 'cog.command.openapi_schema'], {
    cwd: fixtureDir(name),
    env: { ...process.env, PYTHONPATH: join(repoRoot, 'templates', 'runtime') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(text) as Record<string, any>;
}

export function usesStreamingDecorator(name: string): boolean {
  return /@(cog\.)?streaming\b/.test(readFileSync(join(fixtureDir(name), 'predict.py'), 'utf8'));
}

export interface PlaygroundProcess {
  url: string;
  cli: CliProcess;
  stop: () => Promise<void>;
}

export interface ServeProcess {
  /** The model's URL. */
  url: string;
  /** With --playground: the page's URL. */
  playgroundUrl?: string;
  dir: string;
  cli: CliProcess;
  stop: () => Promise<void>;
}

/** `edgecog serve --no-docker` (the real runtime on the host python3) on a copy of FIXTURE. */
export async function startServe(fixture: string, extra: string[] = []): Promise<ServeProcess> {
  const dir = copyFixture(fixture);
  const given = extra.indexOf('-p');
  const port = given >= 0 ? Number(extra[given + 1]) : await findFreePort();
  const args = given >= 0 ? extra : ['-p', String(port), ...extra];
  const cli = startCli(['serve', '--no-docker', ...args], { cwd: dir });
  const stop = async (): Promise<void> => {
    if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    await cli.done;
  };
  try {
    await cli.waitFor(/Press Ctrl-C to stop/, 'stderr');
  } catch (err) {
    await stop();
    throw err;
  }
  const playgroundUrl = /Playground at (http:\/\/\S+\/)/.exec(cli.stderr())?.[1];
  return { url: `http://127.0.0.1:${port}`, playgroundUrl, dir, cli, stop };
}

/** `edgecog playground --target TARGET -p 0 --no-open`, resolved once it prints its URL. */
export async function startPlaygroundCli(target: string, extra: string[] = []): Promise<PlaygroundProcess> {
  const cli = startCli(['playground', '--target', target, '-p', '0', '--no-open', ...extra], { cwd: repoRoot });
  await cli.waitFor(/^http:\/\/\S+\/\n/m);
  const url = /^(http:\/\/\S+\/)\n/m.exec(cli.stdout())![1]!;
  return {
    url,
    cli,
    stop: async () => {
      if (cli.child.exitCode === null) cli.child.kill('SIGINT');
      await cli.done;
    },
  };
}
