import { Option, type Command } from 'commander';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addFileOption(cmd: Command): Command {
  return cmd.option('-f, --file <name>', 'the name of the config file', 'cog.yaml');
}

export function addProgressOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--progress <mode>', "build progress output: 'auto', 'tty', 'plain' or 'quiet'")
      .choices(['auto', 'tty', 'plain', 'quiet'])
      .default('auto'),
  );
}

/** Flags every command that builds an image shares (build, push, run, serve, exec, train). */
export function addImageBuildOptions(cmd: Command): Command {
  addFileOption(cmd);
  addProgressOption(cmd);
  return cmd
    .option('--use-cuda-base-image <bool>', "use an NVIDIA CUDA base image for GPU models: 'true' (default) or 'false'", 'true')
    .option('--use-cog-base-image [bool]', 'accepted for Cog compatibility; edgecog plans its own base images')
    .option('--base-image <image>', 'use this base image instead of the planned one (air-gapped builds; env EDGECOG_BASE_IMAGE)')
    .option('--index-url <url>', "base URL of the Python package index (as pip's --index-url)")
    .option('--extra-index-url <url>', "extra package index URL (as pip's --extra-index-url; repeatable)", collect)
    .option('--find-links <url>', "a URL or path to look for packages in (as pip's --find-links; repeatable)", collect)
    .option('--trusted-host <host>', "mark a host as trusted (as pip's --trusted-host; repeatable)", collect);
}

export function addBuildOnlyOptions(cmd: Command): Command {
  return cmd
    .option('--no-cache', 'do not use the build cache')
    .option('--openapi-schema <file>', 'load the OpenAPI schema from a file instead of generating it')
    .option('--secret <spec>', "a secret for the build, 'id=foo,src=/path/to/file' (repeatable)", collect)
    .option('--separate-weights', 'put model weights in their own image layers, before the code');
}

export type { BuildOnlyOptionValues, ImageBuildOptionValues } from '../workflows/build-flags.js';
