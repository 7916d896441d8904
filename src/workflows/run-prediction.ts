/**
 * `run` / `predict` / `train`: get a model server (container of IMAGE, a fresh build, or the
 * host python3 under --no-docker), wait for READY, send the inputs, write the outputs, stop it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { CommandContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { PredictionClient, ServerResponseError, type Endpoint, type PredictionResponse } from '../prediction/client.js';
import { checkInputFilesExist, materializeInputs } from '../prediction/input-files.js';
import {
  checkRequiredInputs,
  coerceInputFlags,
  parseInputFlags,
  parseJsonInputText,
  prepareJsonInputs,
  type PreparedInputs,
} from '../prediction/inputs.js';
import { startLocalServer, type LocalServer } from '../prediction/local-server.js';
import type { ModelServer } from '../prediction/model-server.js';
import { isIteratorSchema, outputSchema, type JsonValue, type OpenApiDocument, type PredictionMode } from '../prediction/openapi.js';
import { OutputWriter, resolveOutputDestination } from '../prediction/outputs.js';
import { supportsSse } from '../prediction/sse.js';
import { validationError } from '../prediction/validation.js';
import { assertInputsMatchSchema } from '../schema-static/validate-inputs.js';
import { startModelServer, type ModelServerRequest } from './model-server-start.js';

export interface RunPredictionOptions extends Omit<ModelServerRequest, 'mode' | 'role'> {
  mode: PredictionMode;
  inputFlags: string[];
  /** --json SOURCE: @file, @- (stdin) or the JSON text itself. */
  jsonInput?: string;
  outputPath?: string;
  /** train -w: where the trained weights go. */
  weightsPath?: string;
  useReplicateToken?: boolean;
  setupTimeoutSeconds?: number;
  /** For tests: read --json @- from here instead of stdin. */
  readStdin?: () => Promise<string>;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Loads the --json inputs now, so a typo fails before anything is built or started. */
async function loadJsonInput(source: string, cwd: string, readStdin: () => Promise<string>): Promise<Record<string, JsonValue>> {
  if (source === '@-' || source === '-') return parseJsonInputText(await readStdin(), 'stdin');
  if (source.startsWith('@')) {
    const file = source.slice(1);
    let text: string;
    try {
      text = readFileSync(isAbsolute(file) ? file : join(cwd, file), 'utf8');
    } catch (err) {
      throw new UserError('E_INPUT_JSON', `cannot read the JSON inputs from ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return parseJsonInputText(text, file);
  }
  return parseJsonInputText(source, '--json');
}

export function setupTimeoutSeconds(flag: string | number | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? env.COG_SETUP_TIMEOUT;
  if (raw === undefined || raw === '') return 300;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--setup-timeout must be a positive number of seconds, not "${raw}"`);
  return n;
}

/** Waits for READY; every other ending becomes a UserError carrying the server's output. */
export async function waitForSetup(ctx: CommandContext, server: ModelServer, client: PredictionClient, timeoutSeconds: number): Promise<void> {
  const spinner = await ctx.ui.spinner('Running setup()...');
  const outcome = await client.waitUntilReady({ timeoutMs: timeoutSeconds * 1000, isAlive: () => server.isAlive() });
  if (outcome.kind === 'ready') {
    spinner.succeed('Setup complete');
    return;
  }
  spinner.stop();
  // The server's output was shown live while it set up; repeat only what was not shown.
  const output = (await server.recentOutput()).trimEnd();
  const unseen = (text: string | undefined): string | undefined => {
    const t = text?.trimEnd();
    return t && !output.includes(t) ? t : undefined;
  };
  switch (outcome.kind) {
    case 'setup-failed': {
      const logs = unseen(outcome.health.setup?.logs);
      throw new UserError('E_SETUP_FAILED', "the model's setup() failed", {
        details: logs ? `setup logs:\n${logs}` : undefined,
        hint: 'Fix the error in setup() shown above, then run again.',
      });
    }
    case 'exited':
      throw new UserError('E_SERVER_EXITED', `the model server (${server.description}) exited during setup${outcome.exitCode !== undefined ? ` with code ${outcome.exitCode}` : ''}`, {
        details: output ? undefined : '(it printed nothing)',
        hint: 'Its output above shows why; an exception in setup(), a failing import in predict.py or a missing dependency is the usual cause.',
      });
    case 'defunct':
      throw new UserError('E_SERVER_DEFUNCT', 'the model worker died during setup', {
        hint: 'Its output above shows why (out of memory is a common cause).',
      });
    case 'timeout':
      throw new UserError('E_SETUP_TIMEOUT', `the model was not ready after ${timeoutSeconds} s${outcome.lastStatus ? ` (last status ${outcome.lastStatus})` : ''}`, {
        hint: 'A long setup() (downloading weights) needs more time: --setup-timeout SECONDS or COG_SETUP_TIMEOUT.',
      });
  }
}

/** Prints what arrives in `logs` beyond what was printed already. */
class LogPrinter {
  private printed = 0;
  constructor(private readonly write: (text: string) => void) {}
  update(logs: string | null | undefined): void {
    if (!logs || logs.length <= this.printed) return;
    this.write(logs.slice(this.printed));
    this.printed = logs.length;
  }
}

export async function runPrediction(ctx: CommandContext, options: RunPredictionOptions): Promise<number> {
  const readStdin = options.readStdin ?? readAllStdin;
  if (options.jsonInput !== undefined && options.inputFlags.length > 0) {
    throw new UsageError('use either --json or -i to give inputs, not both');
  }
  // Syntax first: nothing gets built or started for a malformed flag.
  const rawFlags = parseInputFlags(options.inputFlags);
  const jsonValues = options.jsonInput !== undefined ? await loadJsonInput(options.jsonInput, ctx.cwd, readStdin) : undefined;
  const json = jsonValues !== undefined;
  const mode = options.mode;
  const endpoint: Endpoint = mode === 'train' ? 'trainings' : 'predictions';
  const fallback = mode === 'train' ? 'weights' : json ? 'output.json' : 'output';
  const requested = mode === 'train' ? (options.weightsPath ?? options.outputPath) : options.outputPath;
  const destination = resolveOutputDestination(requested, fallback, ctx.cwd);

  let replicateToken: string | undefined;
  if (options.useReplicateToken) {
    replicateToken = ctx.env.REPLICATE_API_TOKEN;
    if (!replicateToken) {
      throw new UserError('E_REPLICATE_TOKEN', '--use-replicate-token was given but REPLICATE_API_TOKEN is not set', {
        hint: 'export REPLICATE_API_TOKEN=... first.',
      });
    }
  }
  const timeout = options.setupTimeoutSeconds ?? setupTimeoutSeconds(undefined, ctx.env);

  let server: ModelServer | undefined;
  let local: LocalServer | undefined;
  let client: PredictionClient | undefined;
  let inFlight: string | undefined;
  const cleanup = async (): Promise<void> => {
    if (inFlight && client) await client.cancel(endpoint, inFlight);
    inFlight = undefined;
    await server?.stop();
    await local?.close();
  };
  const unregister = ctx.onInterrupt(cleanup);
  // Names, types and constraints of the inputs against the model's schema, from the image's
  // label or the project's source, before anything is built or started: `-i steps=x` fails in
  // milliseconds rather than after a build and a setup.
  const prepare = (doc: OpenApiDocument | undefined): PreparedInputs => {
    const prepared = jsonValues ? prepareJsonInputs(jsonValues, doc, mode) : coerceInputFlags(rawFlags, doc, mode);
    checkRequiredInputs(Object.keys(prepared), doc, mode);
    assertInputsMatchSchema(doc, mode, prepared);
    return prepared;
  };
  const checkBeforeStart = (doc: OpenApiDocument): void => {
    checkInputFilesExist(prepare(doc), ctx.cwd);
    ctx.ui.debug('inputs checked against the schema before starting the model');
  };
  try {
    const started = await startModelServer(ctx, { ...options, mode, role: mode === 'train' ? 'train' : 'run', onSchema: checkBeforeStart });
    server = started.server;
    client = new PredictionClient(server.baseUrl);
    await waitForSetup(ctx, server, client, timeout);
    // From here the prediction's own logs (from webhooks and the response) are what we print.
    server.mute();

    // The served schema is the final word (the label, or /openapi.json on the host).
    const doc: OpenApiDocument | undefined = started.schema ?? (await client.openapi());
    const prepared = prepare(doc);

    const logs = new LogPrinter((text) => ctx.ui.raw(text));
    let writer: OutputWriter | undefined;
    local = await startLocalServer((event) => {
      if (event.id !== inFlight) return;
      logs.update(event.logs);
      writer?.onProgress(event);
    });
    const input = await materializeInputs(prepared, { cwd: ctx.cwd, server: local });
    writer = new OutputWriter({
      doc,
      mode,
      destination: json ? destination.replace(/\.json$/, '') : destination,
      cwd: ctx.cwd,
      writeToFile: !json && (mode === 'train' ? options.outputPath !== undefined : requested !== undefined),
      // train -w W -o O: the weights go to W, the rest of the output to O.
      resultPath: mode === 'train' && options.weightsPath !== undefined && options.outputPath !== undefined ? resolveOutputDestination(options.outputPath, 'output', ctx.cwd) : undefined,
      json,
      jsonPath: json && requested !== undefined ? destination : undefined,
      stdout: (text) => ctx.ui.resultRaw(text),
      info: (message) => ctx.ui.info(message),
      warn: (message) => ctx.ui.warn(message),
    });

    ctx.ui.info(mode === 'train' ? 'Running training...' : 'Running prediction...');
    const id = randomUUID().replace(/-/g, '');
    inFlight = id;
    let prediction: PredictionResponse;
    try {
      const context = replicateToken ? { context: { replicate_api_token: replicateToken } } : {};
      // A @cog.streaming predictor streams over SSE: each item as it is yielded (webhooks are
      // throttled to about one every 0.5 s). A server that refuses (406) gets the webhook way.
      // Iterators not marked x-cog-streaming (older schema generators) are tried too: 406 costs
      // one round trip before anything runs.
      const trySse = mode === 'predict' && (supportsSse(doc) || isIteratorSchema(outputSchema(doc, 'predict')));
      const streamed = trySse ? await predictOverSse(client, id, { input, ...context }, writer, logs) : undefined;
      prediction =
        streamed ??
        (await client.predict(endpoint, id, {
          input,
          webhook: local.webhookUrl,
          webhook_events_filter: ['start', 'output', 'logs', 'completed'],
          ...context,
        }));
    } catch (err) {
      inFlight = undefined;
      if (err instanceof ServerResponseError && err.statusCode === 422) throw validationError(err.body, mode);
      const alive = await server.isAlive();
      const output = (await server.recentOutput()).trimEnd();
      if (err instanceof ServerResponseError) {
        throw new UserError('E_PREDICTION_ERROR', `the model server answered ${err.statusCode} to the ${mode === 'train' ? 'training' : 'prediction'}`, {
          details: typeof err.body === 'string' ? err.body : JSON.stringify(err.body, null, 2),
          hint: err.statusCode === 500 ? "The model's output did not match its declared type, or the server failed; see its output above." : undefined,
        });
      }
      throw new UserError('E_SERVER_GONE', `lost the model server (${server.description}) during the ${mode === 'train' ? 'training' : 'prediction'}${alive.alive ? '' : ` (exit code ${alive.exitCode ?? 'unknown'})`}`, {
        details: output ? `server output:\n${output}` : undefined,
        cause: err,
      });
    }
    inFlight = undefined;
    logs.update(prediction.logs);
    return writer.finish(prediction);
  } finally {
    unregister();
    await cleanup();
    await client?.close();
  }
}

/** The SSE way; undefined when the server will not stream (406), so the caller falls back. */
async function predictOverSse(
  client: PredictionClient,
  id: string,
  request: { input: Record<string, JsonValue>; context?: Record<string, string> },
  writer: OutputWriter,
  logs: LogPrinter,
): Promise<PredictionResponse | undefined> {
  const items: JsonValue[] = [];
  let logText = '';
  let streamError: string | undefined;
  try {
    const prediction = await client.predictStream('predictions', id, request, (event, payload) => {
      const data = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
      if (event.event === 'output' && typeof data.index === 'number') {
        items[data.index] = (data.chunk ?? null) as JsonValue;
        writer.onProgress({ output: items });
      } else if (event.event === 'log' && typeof data.data === 'string') {
        logText += data.data;
        logs.update(logText);
      } else if (event.event === 'error') {
        streamError = typeof payload === 'string' ? payload : String(data.detail ?? data.error ?? event.data);
      }
    });
    return prediction;
  } catch (err) {
    if (err instanceof ServerResponseError && err.statusCode === 406) return undefined;
    if (streamError) throw new UserError('E_PREDICTION_ERROR', `the prediction's event stream failed: ${streamError}`, { cause: err });
    throw err;
  }
}
