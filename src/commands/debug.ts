import type { Command } from 'commander';
import { createContext } from '../context.js';
import { addImageBuildOptions } from './shared-options.js';

interface DebugFlags {
  file?: string;
  useCudaBaseImage?: string;
  baseImage?: string;
  indexUrl?: string;
  extraIndexUrl?: string[];
  findLinks?: string[];
  trustedHost?: string[];
  separateWeights?: boolean;
  imageName?: string;
}

export function registerDebug(program: Command): void {
  const cmd = program.command('debug').description('Print the Dockerfile edgecog generates for this project');
  addImageBuildOptions(cmd);
  cmd.option('--separate-weights', 'plan weights in their own layers').option('--image-name <name>', 'image name to plan for');
  cmd.addHelpText('after', '\nExamples:\n  $ edgecog debug\n  $ edgecog debug --separate-weights > Dockerfile\n');
  cmd.action(async (_opts, command: Command) => {
    const ctx = createContext(command);
    const flags = command.opts() as DebugFlags;
    const [{ loadProject }, dockerfile, { maskSecrets, resolvePipOptions }, { listProjectFiles }, { edgecogVersion }, { parseUseCuda }, { showConfigWarnings }] =
      await Promise.all([
        import('../config/index.js'),
        import('../dockerfile/index.js'),
        import('../workflows/build-pip.js'),
        import('../workflows/build-context.js'),
        import('../version.js'),
        import('../workflows/build-flags.js'),
        import('../workflows/config-warnings.js'),
      ]);
    const useCuda = parseUseCuda(flags.useCudaBaseImage);
    const loaded = await loadProject({ cwd: ctx.cwd, file: flags.file });
    showConfigWarnings(ctx, loaded);
    // Credentials in index URLs come out as secret mounts here too: debug output is safe to share.
    const pip = resolvePipOptions(
      { indexUrl: flags.indexUrl, extraIndexUrl: flags.extraIndexUrl, findLinks: flags.findLinks, trustedHost: flags.trustedHost },
      ctx.env,
    );
    for (const note of pip.notes) ctx.ui.info(`note: ${note}`);
    const weightsFiles = flags.separateWeights
      ? dockerfile.selectWeightsFiles(
          listProjectFiles(loaded.projectDir)
            .files.filter((f) => f.linkTarget === undefined)
            .map((f) => ({ path: f.path, size: f.size })),
        )
      : [];
    const plan = dockerfile.planBuild(loaded.config, {
      baseImage: flags.baseImage ?? (ctx.env.EDGECOG_BASE_IMAGE || undefined),
      separateWeights: Boolean(flags.separateWeights),
      weightsFiles,
      useCudaBaseImage: useCuda,
      pip: pip.options,
      // debug shows the Dockerfile a BuildKit build would use (the engine is not consulted).
      buildKit: true,
      caCert: Boolean(ctx.env.COG_CA_CERT?.trim()),
      edgecogVersion: edgecogVersion(),
      // As build labels it: a python_packages line may name an index with credentials.
      rawConfigJson: maskSecrets(JSON.stringify(loaded.raw)),
      configFile: loaded.configFile,
    });
    for (const warning of plan.warnings) ctx.ui.warn(warning);
    ctx.ui.resultRaw(dockerfile.renderDockerfile(plan));
  });
}
