import type { Command } from 'commander';
import { createContext } from '../context.js';
import { buildOptionsFromFlags } from '../workflows/build-flags.js';
import { addBuildOnlyOptions, addImageBuildOptions, type BuildOnlyOptionValues, type ImageBuildOptionValues } from './shared-options.js';

interface BuildFlags extends ImageBuildOptionValues, BuildOnlyOptionValues {
  tag?: string;
  skipSchemaValidation?: boolean;
  json?: boolean;
}

export function registerBuild(program: Command): void {
  const cmd = program
    .command('build')
    .description('Build a Docker image from cog.yaml: dependencies, the Cog runtime and your model code')
    .option('-t, --tag <name>', "a name for the image, 'repository:tag' (default: image: from cog.yaml, else cog-<directory>)");
  addImageBuildOptions(cmd);
  addBuildOnlyOptions(cmd);
  // Cog's flag (hidden there): the way out when the schema step rejects a predictor that
  // works, e.g. a signature the static reader misjudges. The image then has no schema label.
  cmd.option('--skip-schema-validation', 'skip OpenAPI schema generation and validation (the image gets no schema label)');
  cmd.option('--json', 'print {"image", "id"} as JSON on stdout');
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog build\n  $ edgecog build -t my-model:latest\n  $ edgecog build --separate-weights -t my-model:v1\n');
  cmd.action(async (opts: BuildFlags, command: Command) => {
    const ctx = createContext(command, { json: opts.json });
    const { buildImage } = await import('../workflows/build-image.js');
    const built = await buildImage(ctx, {
      projectDir: ctx.cwd,
      ...buildOptionsFromFlags(opts),
      tag: opts.tag,
      skipSchema: opts.skipSchemaValidation === true,
    });
    if (opts.json) ctx.ui.result(JSON.stringify({ image: built.image, id: built.imageId }));
    else ctx.ui.result(built.image);
  });
}
