import type { Command } from 'commander';
import { createContext } from '../context.js';
import { addImageBuildOptions, collect, type ImageBuildOptionValues } from './shared-options.js';

export interface PredictFlags extends ImageBuildOptionValues {
  input?: string[];
  json?: string;
  output?: string;
  env?: string[];
  gpus?: string;
  setupTimeout?: string;
  useReplicateToken?: boolean;
  docker?: boolean;
}

export function buildFlagsFrom(opts: PredictFlags) {
  return {
    file: opts.file,
    progress: opts.progress,
    useCudaBaseImage: opts.useCudaBaseImage,
    useCogBaseImage: opts.useCogBaseImage,
    baseImage: opts.baseImage,
    indexUrl: opts.indexUrl,
    extraIndexUrl: opts.extraIndexUrl,
    findLinks: opts.findLinks,
    trustedHost: opts.trustedHost,
  };
}

function addPredictOptions(cmd: Command): Command {
  addImageBuildOptions(cmd);
  return cmd
    .option('-i, --input <name=value>', 'an input, name=value; a value starting with @ is read from that file (repeatable)', collect)
    .option('--json <source>', 'inputs as a JSON object, from a file (@inputs.json) or stdin (@-); prints the whole prediction as JSON')
    .option('-o, --output <path>', 'where to write the output')
    .option('-e, --env <name=value>', 'environment variable for the container (repeatable)', collect)
    .option('--gpus <spec>', "GPU devices for the container, as docker run --gpus ('all', '1', 'device=0')")
    .option('--setup-timeout <seconds>', 'how long to wait for setup() (default 300, env COG_SETUP_TIMEOUT)')
    .option('--use-replicate-token', 'pass REPLICATE_API_TOKEN from the environment into the model')
    .option('--no-docker', "run on the host's python3 instead of in a container");
}

async function predictAction(image: string | undefined, opts: PredictFlags, command: Command): Promise<void> {
  const ctx = createContext(command, { json: opts.json !== undefined });
  const { runPrediction, setupTimeoutSeconds } = await import('../workflows/run-prediction.js');
  const code = await runPrediction(ctx, {
    mode: 'predict',
    image,
    noDocker: opts.docker === false,
    build: buildFlagsFrom(opts),
    env: opts.env,
    gpus: opts.gpus,
    inputFlags: opts.input ?? [],
    jsonInput: opts.json,
    outputPath: opts.output,
    useReplicateToken: opts.useReplicateToken,
    setupTimeoutSeconds: setupTimeoutSeconds(opts.setupTimeout, ctx.env),
  });
  if (code !== 0) process.exitCode = code;
}

/** The argv the program was called with (commander keeps it on the root). */
function rootRawArgs(command: Command): string[] {
  let root: Command = command;
  while (root.parent) root = root.parent;
  return ((root as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv).slice();
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .argument('[image]', 'a built image to run (default: build the project in this directory)')
    .argument('[args...]')
    .description('Run a prediction: build (or use IMAGE), start it, send inputs, write outputs')
    .allowUnknownOption();
  addPredictOptions(run);
  run.addHelpText(
    'after',
    '\nExamples:\n  $ edgecog run -i prompt="a photo of a cat"\n  $ edgecog run -i image=@photo.jpg -o output.png\n  $ edgecog run my-model:latest -i text=hello\n  $ echo \'{"prompt": "a cat"}\' | edgecog run --json @-\n',
  );
  run.action(async (image: string | undefined, args: string[], opts: PredictFlags, command: Command) => {
    const unknown = [image, ...args].find((a) => a?.startsWith('-'));
    if (image !== undefined && !image.startsWith('-') && args.length > 0) {
      // Before Cog 0.20, `cog run CMD ARGS...` ran a command in the model's environment (now
      // `exec`). Keep that form working: hand the same argv to exec.
      const ctx = createContext(command);
      ctx.ui.warn(`"edgecog run ${image} ..." with a command is deprecated, use "edgecog exec ${image} ..."`);
      const raw = rootRawArgs(command);
      const at = raw.indexOf('run', 2);
      raw.splice(at, 1, 'exec');
      const { createProgram } = await import('../program.js');
      await (await createProgram(raw)).parseAsync(raw);
      return;
    }
    if (unknown) {
      const { UsageError } = await import('../errors.js');
      throw new UsageError(`unknown option '${unknown}'`, 'See edgecog run --help.');
    }
    await predictAction(image, opts, command);
  });

  const predict = program
    .command('predict')
    .argument('[image]', 'a built image to run')
    .description('Deprecated: use "edgecog run"');
  addPredictOptions(predict);
  predict.action(async (image: string | undefined, opts: PredictFlags, command: Command) => {
    createContext(command).ui.warn('"edgecog predict" is deprecated, use "edgecog run"');
    await predictAction(image, opts, command);
  });
}
