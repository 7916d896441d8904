import type { Command } from 'commander';
import { createContext, type CommandContext } from '../context.js';
import { InterruptedError, UsageError, UserError } from '../errors.js';

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
}

/** All of stdin, without the trailing newline(s) `echo` adds (as docker login does). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/[\r\n]+$/, '');
}

/** A line typed at the terminal; `hidden` echoes nothing (passwords, tokens). */
function prompt(question: string, hidden: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(
      new UsageError('cannot prompt for credentials: stdin is not a terminal', 'Use --password-stdin (or --token-stdin) with -u USER, e.g. echo "$PASSWORD" | edgecog login -u USER --password-stdin REGISTRY'),
    );
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new InterruptedError());
        if (ch === '\u0004') return done();
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0) {
            value = value.slice(0, -1);
            if (!hidden) process.stderr.write('\b \b');
          }
          continue;
        }
        value += ch;
        if (!hidden) process.stderr.write(ch);
      }
    };
    stdin.on('data', onData);
  });
}

async function login(ctx: CommandContext, registryArg: string | undefined, opts: LoginFlags): Promise<void> {
  const { defaultLoginRegistry, normalizeRegistryHost } = await import('../registry/reference.js');
  const { describeSource, storeCredential } = await import('../registry/docker-config.js');
  const login = await import('../registry/login.js');
  const registry = normalizeRegistryHost(registryArg ?? defaultLoginRegistry(ctx.env));
  if (opts.passwordStdin && opts.tokenStdin) throw new UsageError('--password-stdin and --token-stdin cannot be used together');

  let username: string;
  let secret: string;
  if (login.usesReplicateTokenFlow(registry) && !opts.passwordStdin && !opts.username) {
    if (opts.tokenStdin) secret = (await readStdin()).trim();
    else {
      ctx.ui.info(`Log in to Replicate's registry ${registry} with a CLI token from https://replicate.com/auth/token`);
      secret = (await prompt('Token: ', true)).trim();
    }
    login.checkReplicateTokenFormat(secret);
    username = await login.verifyReplicateToken(registry, secret);
  } else {
    if (opts.passwordStdin || opts.tokenStdin) {
      if (!opts.username) {
        throw new UsageError(`${opts.tokenStdin ? '--token-stdin' : '--password-stdin'} needs the user name: -u USER`, `e.g. echo "$TOKEN" | edgecog login -u USER ${opts.tokenStdin ? '--token-stdin' : '--password-stdin'} ${registry}`);
      }
      username = opts.username;
      secret = await readStdin();
    } else {
      username = opts.username ?? (await prompt('Username: ', false)).trim();
      secret = await prompt('Password: ', true);
    }
    if (username === '') throw new UserError('E_LOGIN_FAILED', 'the user name is empty');
    if (secret === '') throw new UserError('E_LOGIN_FAILED', `the ${opts.tokenStdin ? 'token' : 'password'} is empty`);
    await login.verifyCredentials(registry, username, secret, ctx.env);
  }
  const where = await storeCredential(registry, username, secret, ctx.env);
  ctx.ui.success(`Logged in to ${registry} as ${username} (credentials stored in ${describeSource(where)})`);
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .argument('[registry]', 'registry host (default: COG_REGISTRY_HOST or r8.im)')
    .description('Log in to a container registry; credentials are stored the way docker stores them')
    .option('-u, --username <name>', 'user name (prompted for when absent)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token-stdin', 'read a token from stdin (r8.im: a CLI token; other registries: used as the password, with -u)')
    .addHelpText('after', '\nExamples:\n  $ edgecog login registry.example.com\n  $ echo "$TOKEN" | edgecog login -u ci --password-stdin ghcr.io\n  $ edgecog login --token-stdin < token.txt   # r8.im\n')
    .action(async (registry: string | undefined, opts: LoginFlags, command: Command) => {
      const ctx = createContext(command);
      await login(ctx, registry, opts);
    });
}
