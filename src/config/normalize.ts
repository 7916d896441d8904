/** Decoded + validated config → the resolved, readonly CogConfig the rest of edgecog uses. */
import type { CogConfig, RunCommand, RunMount, WeightsEntry } from './types.js';
import { asRecord, asString, asStrings } from './validate-context.js';
import type { ValidationOutput } from './validate.js';

export function normalizeConfig(raw: Record<string, unknown>, validated: ValidationOutput): CogConfig {
  const build = asRecord(raw.build) ?? {};
  const gpu = build.gpu === true;
  // Deprecated pre_install ran before everything else in Cog; it keeps its place first.
  const run: RunCommand[] = asStrings(build.pre_install).map((command) => ({ command, mounts: [] }));
  for (const item of Array.isArray(build.run) ? build.run : []) {
    const rec = asRecord(item);
    const command = asString(rec?.command);
    if (command === undefined) continue;
    const mounts: RunMount[] = (Array.isArray(rec?.mounts) ? rec.mounts : [])
      .map(asRecord)
      .filter((m): m is Record<string, unknown> => m !== undefined)
      .map((m) => ({ type: 'secret' as const, id: asString(m.id) ?? '', target: asString(m.target) ?? '' }));
    run.push({ command, mounts });
  }

  const environment: Record<string, string> = {};
  for (const entry of asStrings(raw.environment)) {
    const eq = entry.indexOf('=');
    if (eq > 0) environment[entry.slice(0, eq)] = entry.slice(eq + 1);
  }

  const weights: WeightsEntry[] = (Array.isArray(raw.weights) ? raw.weights : [])
    .map(asRecord)
    .filter((w): w is Record<string, unknown> => w !== undefined)
    .map((w) => ({ name: asString(w.name), target: asString(w.target), source: w.source }));

  const requirementsFile = asString(build.python_requirements);
  const concurrency = asRecord(raw.concurrency);
  const config: CogConfig = {
    build: {
      gpu,
      pythonVersion: validated.pythonVersion,
      pythonPackages: [...validated.requirements],
      ...(requirementsFile ? { pythonRequirements: requirementsFile } : {}),
      ...(validated.constraints.length > 0 ? { pythonConstraints: [...validated.constraints] } : {}),
      systemPackages: asStrings(build.system_packages).filter((p) => p.trim() !== ''),
      run,
      ...(gpu && validated.cuda ? { cuda: validated.cuda } : {}),
      ...(gpu && validated.cudnn ? { cudnn: validated.cudnn } : {}),
      ...(asString(build.sdk_version) ? { sdkVersion: asString(build.sdk_version) } : {}),
    },
    environment,
    weights,
  };
  const image = asString(raw.image);
  if (image) config.image = image;
  const model = asString(raw.model);
  if (model) config.model = model;
  // run: wins over the deprecated predict: (validation refuses both being set).
  const predictor = asString(raw.run) || asString(raw.predict);
  if (predictor) config.predict = predictor;
  const train = asString(raw.train);
  if (train) config.train = train;
  if (typeof concurrency?.max === 'number') config.concurrency = { max: concurrency.max };
  return config;
}
