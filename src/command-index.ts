/**
 * What `edgecog --help` lists, without loading the commands: each command's name, arguments and
 * one-line description, and the module that registers it for real. `--help` then costs commander
 * plus this file; a command's own module (its options, its help) loads only when it is named.
 * test/unit/command-index.test.ts keeps this table equal to what the modules register.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export interface CommandIndexEntry {
  name: string;
  args: string;
  description: string;
  /** The module that registers it (run.ts registers run and predict). */
  module: string;
  load: () => Promise<Register>;
}

export const COMMAND_INDEX: readonly CommandIndexEntry[] = [
  { name: 'build', args: '', description: 'Build a Docker image from cog.yaml: dependencies, the Cog runtime and your model code', module: 'build', load: async () => (await import('./commands/build.js')).registerBuild },
  { name: 'run', args: '[image] [args...]', description: 'Run a prediction: build (or use IMAGE), start it, send inputs, write outputs', module: 'run', load: async () => (await import('./commands/run.js')).registerRun },
  { name: 'predict', args: '[image]', description: 'Deprecated: use "edgecog run"', module: 'run', load: async () => (await import('./commands/run.js')).registerRun },
  { name: 'exec', args: '<command...>', description: "Run a command inside the model's environment, with the project mounted", module: 'exec', load: async () => (await import('./commands/exec.js')).registerExec },
  { name: 'serve', args: '[image]', description: "Serve the model's HTTP API (Cog's prediction protocol) until Ctrl-C", module: 'serve', load: async () => (await import('./commands/serve.js')).registerServe },
  { name: 'train', args: '[image]', description: "Run a training through the model's train: interface", module: 'train', load: async () => (await import('./commands/train.js')).registerTrain },
  { name: 'push', args: '[image]', description: 'Build the image from cog.yaml and push it to an OCI registry', module: 'push', load: async () => (await import('./commands/push.js')).registerPush },
  { name: 'login', args: '[registry]', description: 'Log in to a container registry; credentials are stored the way docker stores them', module: 'login', load: async () => (await import('./commands/login.js')).registerLogin },
  { name: 'init', args: '', description: 'Create cog.yaml, predict.py, requirements.txt and .dockerignore in the current directory', module: 'init', load: async () => (await import('./commands/init.js')).registerInit },
  { name: 'playground', args: '', description: 'Open a browser playground for a running model: a form generated from its schema, outputs shown as what they are', module: 'playground', load: async () => (await import('./commands/playground.js')).registerPlayground },
  { name: 'debug', args: '', description: 'Print the Dockerfile edgecog generates for this project', module: 'debug', load: async () => (await import('./commands/debug.js')).registerDebug },
  { name: 'doctor', args: '', description: "Check your project for common issues (Cog doctor's checks and more) and fix the safe ones", module: 'doctor', load: async () => (await import('./commands/doctor.js')).registerDoctor },
];
