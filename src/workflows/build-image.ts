/**
 * `build`, programmatically: cog.yaml → plan → Dockerfile + context → engine build → OpenAPI
 * schema from the built image → schema label → tag. Also used by run/serve/train/exec.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { loadProject, type LoadedConfig } from '../config/index.js';
import { planBuild, renderDockerfile, selectWeightsFiles, type BuildPlan } from '../dockerfile/index.js';
import { findBuildKitCli } from '../docker/docker-cli.js';
import { addImageLabels, buildWithBuildKit, buildWithClassic, findChildLabel, imageIdOf, removeUnusedImage, type BuildSecret } from '../docker/image-build.js';
import { createTarStream } from '../docker/context-tar.js';
import { tagImage } from '../docker/images.js';
import type { OpenApiDocument } from '../prediction/openapi.js';
import { edgecogVersion } from '../version.js';
import { buildContextEntries, listProjectFiles, type ProjectFile } from './build-context.js';
import { maskedProjectFiles, maskUrlCredentials, requirementsFilesOf } from './build-masked-files.js';
import { maskSecrets, readCaCert, resolvePipOptions, type PipFlags } from './build-pip.js';
import { parseUseCuda } from './build-flags.js';
import { showConfigWarnings } from './config-warnings.js';
import { createBuildReporter, type ProgressMode } from './build-reporter.js';
import { generateSchema, readSchemaFile, schemaFromSource, SCHEMA_LABEL } from './build-schema.js';

export interface BuildImageOptions {
  /** Where to look for the config (it may be in a parent, as with Cog). */
  projectDir: string;
  configFile?: string;
  tag?: string;
  noCache?: boolean;
  separateWeights?: boolean;
  /** Overrides the planned base image; EDGECOG_BASE_IMAGE when unset. */
  baseImage?: string;
  useCudaBaseImage?: string;
  /** `--secret id=foo,src=/path` specs. */
  secrets?: string[];
  openapiSchemaFile?: string;
  pip?: PipFlags;
  progress?: ProgressMode;
  /** Extra labels for the final image (e.g. marking temporary images). */
  labels?: Record<string, string>;
  /**
   * Called with the schema read from the source, before any Docker work (run checks its -i
   * values here); throwing stops the build. Not called when the source alone cannot tell.
   */
  onSourceSchema?: (doc: OpenApiDocument) => void | Promise<void>;
  /**
   * No schema at all: no reading of the source, no import check in the image, no schema label
   * (`exec`, as Cog's exec builds: the environment, whatever state predict.py is in).
   */
  skipSchema?: boolean;
}

export interface BuiltImage {
  /** The name given to the image (`-t`, `image:` or cog-<dir>). */
  image: string;
  imageId: string;
  schema: unknown;
  loaded: LoadedConfig;
  plan: BuildPlan;
}

/** Cog's default image name: cog-<directory>, lower case, [a-z0-9-] only, at most 30 chars. */
export function defaultImageName(projectDir: string): string {
  const prefix = 'cog-';
  let name = basename(resolve(projectDir)).toLowerCase().replace(/ /g, '-').replace(/[^a-z0-9-]+/g, '');
  if (name.length > 30 - prefix.length) name = name.slice(0, 30 - prefix.length);
  return name.startsWith(prefix) ? name : `${prefix}${name}`;
}

/** `name:tag` → [name, tag] (`latest` when untagged; a registry port is not a tag). */
export function splitTag(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

/** `id=foo,src=/path` (docker's syntax; `source=` and a bare `src` file also accepted). */
export function parseSecretSpec(spec: string, cwd: string): BuildSecret {
  const fields: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new UsageError(`cannot parse --secret ${spec}`, "use --secret id=NAME,src=/path/to/file");
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const id = fields.id;
  const src = fields.src ?? fields.source;
  if (!id || !src) throw new UsageError(`cannot parse --secret ${spec}: it needs id= and src=`, "use --secret id=NAME,src=/path/to/file");
  return { id, src: resolve(cwd, src) };
}

export async function buildImage(ctx: CommandContext, options: BuildImageOptions): Promise<BuiltImage> {
  const started = Date.now();
  let mark = started;
  // --debug: where a build's time goes.
  const timing = (what: string): void => {
    const now = Date.now();
    ctx.ui.debug(`${what}: ${now - mark} ms`);
    mark = now;
  };
  const loaded = await loadProject({ cwd: options.projectDir, file: options.configFile });
  showConfigWarnings(ctx, loaded);
  const projectDir = loaded.projectDir;
  const imageName = options.tag ?? loaded.config.image ?? defaultImageName(projectDir);

  const pip = resolvePipOptions(options.pip ?? {}, ctx.env);
  for (const note of pip.notes) ctx.ui.info(`note: ${note}`);
  const mask = (text: string): string => maskSecrets(text, pip.sensitive);
  const caCert = readCaCert(ctx.env.COG_CA_CERT);
  const userSecrets = (options.secrets ?? []).map((s) => parseSecretSpec(s, ctx.cwd));
  for (const s of userSecrets) {
    if (!existsSync(s.src)) throw new UsageError(`--secret id=${s.id}: ${s.src} does not exist`, 'src= names a file whose content the build.run step sees');
  }
  const baseImage = options.baseImage ?? (ctx.env.EDGECOG_BASE_IMAGE || undefined);
  timing('config');

  // Schema before the build, and before any Docker call: an invalid signature fails here in
  // well under a second, at predict.py:LINE:COL. (--openapi-schema FILE replaces it.) The
  // engine client's modules load meanwhile; they are not needed if this fails.
  const wantsSchema = !options.skipSchema && !options.openapiSchemaFile;
  if (wantsSchema && !loaded.config.predict && !loaded.config.train) {
    throw new UserError('E_NO_PREDICTOR', `${basename(loaded.configFile)} has no run: (or predict:) and no train: entry, so there is no model to describe`, {
      hint: 'Add e.g. run: "predict.py:Predictor" to cog.yaml, or use edgecog exec to work in the environment alone.',
    });
  }
  const reading = wantsSchema ? schemaFromSource(loaded, { env: ctx.env, debug: (m) => ctx.ui.debug(m) }) : undefined;
  const sourceSchema = await reading;
  const engineModule = import('../docker/containers-run.js');
  timing('schema from source');
  if (sourceSchema) await options.onSourceSchema?.(sourceSchema.doc);
  const { connectEngine, removeSessionContainers } = await engineModule;
  const [docker, cli] = await Promise.all([connectEngine(), findBuildKitCli(ctx.env)]);
  timing('engine and BuildKit CLI');
  const needsBuildKit = userSecrets.length > 0 || Object.keys(pip.secretValues).length > 0 || loaded.config.build.run.some((r) => r.mounts.length > 0);
  if (!cli && needsBuildKit) {
    const why = Object.keys(pip.secretValues).length
      ? 'the package index URL carries credentials, which must reach the build only as a BuildKit secret (never baked into a layer)'
      : 'build.run secret mounts and --secret need BuildKit';
    throw new UserError('E_BUILDKIT_REQUIRED', `cannot build without BuildKit: ${why}`, {
      hint: 'Install a docker CLI with BuildKit (Docker 18.09-22.x, or the buildx plugin), or set EDGECOG_DOCKER_CLI to one.',
    });
  }
  if (!cli) ctx.ui.info('note: no docker CLI with BuildKit found; using the classic builder (no pip cache mounts)');

  const project = listProjectFiles(projectDir);
  const weightsFiles = options.separateWeights
    ? selectWeightsFiles(project.files.filter((f) => f.linkTarget === undefined).map((f) => ({ path: f.path, size: f.size })))
    : [];
  const plan = planBuild(loaded.config, {
    baseImage,
    separateWeights: options.separateWeights,
    weightsFiles,
    useCudaBaseImage: parseUseCuda(options.useCudaBaseImage),
    pip: pip.options,
    buildKit: Boolean(cli),
    caCert: caCert !== undefined,
    edgecogVersion: edgecogVersion(),
    // A python_packages line may name an index with credentials: never in a label.
    rawConfigJson: maskSecrets(JSON.stringify(loaded.raw)),
    configFile: basename(loaded.configFile) === 'cog.yaml' ? undefined : basename(loaded.configFile),
  });
  for (const w of plan.warnings) ctx.ui.warn(w);
  const provided = new Set(userSecrets.map((s) => s.id));
  for (const s of plan.secrets) {
    if (s.source === 'run' && !provided.has(s.id)) ctx.ui.warn(`build.run mounts the secret '${s.id}' but no --secret id=${s.id},src=FILE was given`);
  }
  const dockerfile = renderDockerfile(plan);
  ctx.ui.debug(`Dockerfile:\n${mask(dockerfile)}`);

  const secretDir = mkdtempSync(join(tmpdir(), 'edgecog-secrets-'));
  const reporter = await createBuildReporter(ctx, options.progress, `Building ${imageName}...`);
  let cancel: (() => Promise<void> | void) | undefined;
  // Ctrl-C: stop the builder, and remove the schema step's container if it is running.
  const unregister = ctx.onInterrupt(async () => {
    await cancel?.();
    // cli.ts exits right after the handlers: the finally below never runs, and the index
    // credentials written for BuildKit would stay on disk.
    rmSync(secretDir, { recursive: true, force: true });
    await removeSessionContainers(docker);
  });
  try {
    const secrets: BuildSecret[] = [...userSecrets];
    for (const [id, value] of Object.entries(pip.secretValues)) {
      const src = join(secretDir, id);
      writeFileSync(src, value, { mode: 0o600 });
      chmodSync(src, 0o600);
      secrets.push({ id, src });
    }
    const context = createTarStream(
      buildContextEntries({ dockerfile, requirementsTxt: plan.requirementsTxt, constraintsTxt: plan.constraintsTxt, caCert, project, weightsFiles: plan.weightsFiles, overrides: imageCopies(loaded, project.files, plan.configFile) }),
    );
    const engineOptions = {
      context,
      noCache: options.noCache,
      secrets,
      networkHost: true,
      onEvent: reporter.onEvent,
      mask,
      onCancel: (c: () => Promise<void> | void) => (cancel = c),
    };
    timing('plan');
    const built = cli ? await buildWithBuildKit(cli, engineOptions) : await buildWithClassic(docker, engineOptions);
    timing('image build');

    if (options.skipSchema) {
      const previous = await imageIdOf(docker, imageName);
      const extra = options.labels ?? {};
      let imageId = built.imageId;
      if (Object.keys(extra).length > 0) imageId = await addImageLabels(docker, built.imageId, extra, imageName);
      else await tagImage(docker, imageId, ...splitTag(imageName));
      if (previous && previous !== imageId) await removeUnusedImage(docker, previous);
      reporter.succeed(`Built ${imageName} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { image: imageName, imageId, schema: undefined, loaded, plan };
    }
    reporter.phase('Reading the model schema...');
    const trainOnly = !loaded.config.predict && Boolean(loaded.config.train);
    const inImage = async (): Promise<string> => JSON.stringify(await generateSchema(docker, built.imageId, plan.pythonPath, { mask, trainOnly }));
    let schemaText: string | undefined;
    // The schema from the source still needs proof that the predictor imports in the image;
    // that check runs while the labels are added, and the name moves only once it passed.
    let importCheck: Promise<string> | undefined;
    if (options.openapiSchemaFile) schemaText = JSON.stringify(readSchemaFile(resolve(ctx.cwd, options.openapiSchemaFile)));
    // An unchanged image was checked and labelled before: reuse its label.
    else schemaText = await findChildLabel(docker, built.imageId, SCHEMA_LABEL);
    if (schemaText === undefined && sourceSchema) {
      schemaText = sourceSchema.text;
      importCheck = inImage();
    }
    schemaText ??= await inImage();
    const labels = { [SCHEMA_LABEL]: schemaText, ...options.labels };
    timing('schema');
    reporter.phase(importCheck ? 'Adding labels and loading the predictor...' : 'Adding labels...');
    const previous = await imageIdOf(docker, imageName);
    let imageId: string;
    if (importCheck) {
      const [labelled, checked] = await Promise.allSettled([addImageLabels(docker, built.imageId, labels), importCheck]);
      if (checked.status === 'rejected') {
        if (labelled.status === 'fulfilled') await removeUnusedImage(docker, labelled.value);
        throw checked.reason;
      }
      if (labelled.status === 'rejected') throw labelled.reason;
      imageId = labelled.value;
      if (checked.value !== schemaText) {
        // The image serves what its own generator says: that is what run and push must see.
        ctx.ui.debug('the schema read from the source differs from the image\'s own; labelling with the image\'s');
        schemaText = checked.value;
        await removeUnusedImage(docker, imageId);
        imageId = await addImageLabels(docker, built.imageId, { ...labels, [SCHEMA_LABEL]: schemaText }, imageName);
      } else {
        await tagImage(docker, imageId, ...splitTag(imageName));
      }
    } else {
      imageId = await addImageLabels(docker, built.imageId, labels, imageName);
    }
    const schema: unknown = JSON.parse(schemaText);
    timing('labels');
    // The image this name pointed at before, and the unlabelled build under it, would
    // otherwise pile up as <none> images on every rebuild.
    if (previous && previous !== imageId) await removeUnusedImage(docker, previous);
    reporter.succeed(`Built ${imageName} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { image: imageName, imageId, schema, loaded, plan };
  } catch (err) {
    reporter.fail(`Building ${imageName} failed`);
    throw err;
  } finally {
    unregister();
    rmSync(secretDir, { recursive: true, force: true });
  }
}

/**
 * What the image gets instead of some project files: the config and the requirements files it
 * names (with `-r`/`-c` includes) with URL credentials masked, and, under -f, `cog.yaml` holding
 * that config (the runtime reads /src/cog.yaml), written by the context rather than a RUN step.
 */
function imageCopies(loaded: LoadedConfig, files: ProjectFile[], configFile: string | undefined): Map<string, Buffer> {
  const configPath = loaded.configPath ?? join(loaded.projectDir, basename(loaded.configFile));
  const configName = basename(configPath);
  const overrides = maskedProjectFiles([configName, ...requirementsFilesOf(loaded.config.build.pythonRequirements, files)], files);
  if (configFile) {
    const data = readFileSync(configPath);
    overrides.set('cog.yaml', maskUrlCredentials(data) ?? data);
  }
  return overrides;
}


