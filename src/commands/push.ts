import type { Command } from 'commander';
import { Option } from 'commander';
import { createContext } from '../context.js';
import { buildOptionsFromFlags } from '../workflows/build-flags.js';
import { addBuildOnlyOptions, addImageBuildOptions, type BuildOnlyOptionValues, type ImageBuildOptionValues } from './shared-options.js';

interface PushFlags extends ImageBuildOptionValues, BuildOnlyOptionValues {
  json?: boolean;
  fromImage?: string;
}

export function registerPush(program: Command): void {
  const cmd = program
    .command('push')
    .argument('[image]', 'where to push, e.g. registry.example.com/team/model:tag (default: image: from cog.yaml)')
    .description('Build the image from cog.yaml and push it to an OCI registry')
    .option('--json', 'print {image, digest, layers} as JSON on stdout');
  addImageBuildOptions(cmd);
  addBuildOnlyOptions(cmd);
  // Not in Cog: push an image that is already built (CI that builds once and pushes twice).
  cmd.addOption(new Option('--from-image <ref>', 'push this local image instead of building').hideHelp());
  cmd.addHelpText(
    'after',
    '\nExamples:\n  $ edgecog push registry.example.com/team/my-model\n  $ edgecog push 127.0.0.1:5000/my-model:v2 --separate-weights\n' +
      '\nEnvironment:\n  EDGECOG_PUSH_CLIENT=engine|oci  push through the Docker engine (default) or with edgecog\'s own OCI client\n' +
      '                                  (resumable chunked uploads with retries; for engines that cannot reach the registry)\n',
  );
  cmd.action(async (image: string | undefined, opts: PushFlags, command: Command) => {
    const ctx = createContext(command, { json: opts.json });
    const { pushWorkflow } = await import('../workflows/push.js');
    const result = await pushWorkflow(ctx, {
      image,
      existingImage: opts.fromImage,
      build: { projectDir: ctx.cwd, ...buildOptionsFromFlags(opts) },
    });
    if (opts.json) {
      ctx.ui.result(
        JSON.stringify({
          image: result.image,
          digest: result.digest,
          reference: result.reference,
          bytes_uploaded: result.bytesUploaded,
          layers: result.layers.map((l) => ({ digest: l.digest, size: l.size, status: l.status })),
        }),
      );
    } else ctx.ui.result(result.reference);
  });
}
