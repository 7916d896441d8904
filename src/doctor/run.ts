/**
 * `edgecog doctor`: collect findings from cog.yaml (src/config), the predictor files (the ast
 * scanner, the static schema) and the machine; with --fix, apply the safe rewrites, show each
 * as a diff, then check again so the report says what is left.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { checkConfigText, findProjectDir, projectFacts, type CogConfig } from '../config/index.js';
import { isUserError } from '../errors.js';
import { staticSchema } from '../schema-static/index.js';
import { findingFromDiagnostic, hasTopLevelKey, predictLineValue, renamePredictKey } from './config-checks.js';
import { dockerFindings, gpuCompatFindings, localPythonFindings, nvidiaFindings, systemProbes, type Probes } from './env-checks.js';
import { scanPythonFile, type PythonScan } from './python-scan.js';
import { CHECKS, type CheckReport, type DoctorReport, type FileChange, type Finding } from './types.js';

export interface DoctorOptions {
  cwd: string;
  /** `-f`: the config file name (default cog.yaml). */
  file?: string;
  fix: boolean;
  env?: NodeJS.ProcessEnv;
  /** Host python for the scanner (default $EDGECOG_PYTHON or python3). */
  python?: string;
  probes?: Probes;
  /** Called for each change --fix writes, before the next (to print its diff). */
  onChange?: (change: FileChange) => void;
}

const PYTHON_FIXES = ['python-pydantic-basemodel', 'python-deprecated-imports'];
const STARTER = { ref: 'predict.py:Predictor', newRef: 'run.py:Runner', file: 'predict.py', newFile: 'run.py', cls: 'Predictor' };

interface Collected {
  findings: Finding[];
  configText?: string;
  config?: CogConfig;
  /** The starter-shape migration (predict.py:Predictor → run.py:Runner) is possible. */
  starter: boolean;
  scans: PythonScan[];
}

function locateConfig(cwd: string, file: string): { projectDir: string; configFile: string } | undefined {
  if (isAbsolute(file) || file.includes('/') || file.includes(sep)) {
    const full = resolve(cwd, file);
    return existsSync(full) ? { projectDir: dirname(full), configFile: basename(full) } : undefined;
  }
  const dir = findProjectDir(cwd, file);
  return dir ? { projectDir: dir, configFile: file } : undefined;
}

function refParts(ref: string | undefined): { file: string; name: string } | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf(':');
  if (i <= 0 || i === ref.length - 1) return undefined;
  return { file: ref.slice(0, i), name: ref.slice(i + 1) };
}

/** "predict.py:7:5: message" from staticSchema's UserError → a finding at that place. */
function signatureFinding(message: string, hint: string | undefined): Finding {
  const m = /^([^:\s]+):(\d+):(\d+): ([\s\S]*)$/.exec(message);
  return {
    check: 'python-signature',
    severity: 'error',
    message: m ? m[4]! : message,
    ...(m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } : {}),
    ...(hint ? { hint } : {}),
    fixable: false,
  };
}

async function collect(projectDir: string, configFile: string, opts: DoctorOptions, python: string, fixing: { python: string[] } | undefined): Promise<Collected> {
  const findings: Finding[] = [];
  const configPath = join(projectDir, configFile);
  const configText = readFileSync(configPath, 'utf8');
  const facts = projectFacts(projectDir);
  const checked = checkConfigText(configText, { file: configFile, facts });
  const raw = checked.raw;
  const runRef = typeof raw.run === 'string' ? raw.run : undefined;
  const predictRef = runRef ?? (typeof raw.predict === 'string' ? raw.predict : undefined);
  const trainRef = typeof raw.train === 'string' ? raw.train : undefined;
  const predictKey = hasTopLevelKey(configText, 'predict') && !hasTopLevelKey(configText, 'run');
  const starter =
    predictKey && predictLineValue(configText) === STARTER.ref && !facts.fileExists(STARTER.newFile) && renamePredictKey(configText, { from: STARTER.ref, to: STARTER.newRef }) !== undefined;
  for (const d of checked.diagnostics) {
    findings.push(findingFromDiagnostic(d, d.code === 'W_DEPRECATED' && d.field === 'predict' && predictKey));
  }

  // The predictor files, scanned once each with every target they hold.
  const byFile = new Map<string, Array<{ name: string; mode: 'predict' | 'train' }>>();
  for (const [ref, mode] of [[predictRef, 'predict'], [trainRef, 'train']] as const) {
    const parts = refParts(ref);
    if (!parts || !facts.fileExists(parts.file)) continue;
    byFile.set(parts.file, [...(byFile.get(parts.file) ?? []), { name: parts.name, mode }]);
  }
  // Started now, alongside the scans: both are host-python processes and independent.
  // (Not when planning fixes: that pass only wants the rewritten sources.)
  const signatures = Promise.all(
    ([[predictRef, 'predict'], [trainRef, 'train']] as const)
      .filter(() => fixing === undefined)
      .filter(([ref]) => refParts(ref) !== undefined && facts.fileExists(refParts(ref)!.file))
      .map(async ([ref, mode]) => ({
        ref: ref!,
        mode,
        outcome: await staticSchema(projectDir, ref!, mode, { fallback: false, python, env: opts.env ?? process.env }).catch((err: unknown) =>
          err instanceof Error ? err : new Error(String(err)),
        ),
      })),
  );
  const scans: PythonScan[] = await Promise.all(
    [...byFile].map(([file, targets]) => {
      const migrate = starter && file === STARTER.file && targets.some((t) => t.name === STARTER.cls && t.mode === 'predict');
      const fix = fixing ? [...fixing.python, ...(migrate ? ['predict-to-run'] : [])] : undefined;
      return scanPythonFile({ projectDir, file, targets, python, ...(fix ? { fix } : {}), ...(migrate ? { migrateClass: STARTER.cls } : {}) });
    }),
  );
  for (const [index, [file, targets]] of [...byFile].entries()) {
    const scan = scans[index]!;
    if (scan.readError) {
      findings.push({ check: 'predict-ref', severity: 'error', message: scan.readError, file, fixable: false });
      continue;
    }
    if (scan.syntaxError) {
      const e = scan.syntaxError;
      findings.push({ check: 'python-signature', severity: 'error', message: `invalid Python syntax: ${e.message}`, file, line: e.line, column: e.col, fixable: false });
      continue;
    }
    findings.push(...scan.findings);
    for (const t of targets) {
      if (scan.targets[t.name]) continue;
      const defined = [...scan.classes, ...scan.functions];
      findings.push({
        check: 'predict-ref',
        severity: 'error',
        message: `${t.name} not found in ${file}${defined.length > 0 ? `; found: ${defined.join(', ')}` : ''}`,
        file: configFile,
        hint: `Add ${t.name} to ${file} or fix the ${t.mode === 'train' ? 'train' : runRef ? 'run' : 'predict'} reference in ${configFile}`,
        fixable: false,
      });
    }
  }

  // The signature as the schema reader sees it (no import): what `build` would refuse.
  for (const { ref, mode, outcome } of await signatures) {
    const parts = refParts(ref)!;
    if (!scans.find((s) => s.file === parts.file)?.targets[parts.name]) continue; // predict-ref says it
    if (outcome instanceof Error) {
      if (!isUserError(outcome)) throw outcome;
      if (/must define either run\(\) or predict\(\)/.test(outcome.message)) continue; // run-predict-collision says it
      findings.push(signatureFinding(outcome.message, outcome.hint));
    } else if (!outcome.schema && outcome.gap.line > 0) {
      findings.push({
        check: 'python-signature',
        severity: 'info',
        message: `the schema needs an import to read (${outcome.gap.message}); it will be read from the built image`,
        file: outcome.gap.file,
        line: outcome.gap.line,
        column: outcome.gap.col,
        fixable: false,
      });
    }
  }
  return { findings, configText, ...(checked.config ? { config: checked.config } : {}), starter, scans };
}

interface EarlyProbes {
  docker: Promise<{ ok: boolean; error?: string; runtimes: string[] }>;
  python: Promise<string | undefined>;
}

/** The probes that do not depend on cog.yaml start before the config is read (they are slow). */
function startProbes(env: NodeJS.ProcessEnv, probes: Probes): EarlyProbes {
  return {
    docker: env.COG_SKIP_DOCKER_CHECK ? Promise.resolve({ ok: true, runtimes: [] }) : probes.docker(),
    python: probes.pythonVersion(),
  };
}

async function environment(config: CogConfig | undefined, env: NodeJS.ProcessEnv, probes: Probes, early: EarlyProbes): Promise<Finding[]> {
  const out: Finding[] = [];
  const gpu = config?.build.gpu ?? false;
  const [docker, caps, cli, pyVersion] = await Promise.all([
    early.docker,
    gpu ? probes.computeCapabilities() : Promise.resolve(undefined),
    gpu ? probes.nvidiaContainerCli() : Promise.resolve(false),
    early.python,
  ]);
  out.push(...(await dockerFindings(docker)));
  if (!env.COG_SKIP_DOCKER_CHECK) out.push(...nvidiaFindings(gpu, docker, cli, caps));
  out.push(...localPythonFindings(config, pyVersion));
  if (!env.COG_SKIP_GPU_CHECK) out.push(...gpuCompatFindings(config, caps));
  return out;
}

/** Applies --fix: the rewrites the scanner computed and the cog.yaml key rename. */
function applyFixes(projectDir: string, configFile: string, first: Collected, fixed: Collected, onChange?: (c: FileChange) => void): { changes: FileChange[]; refused: DoctorReport['refused'] } {
  const changes: FileChange[] = [];
  const refused: DoctorReport['refused'] = [];
  let migrated = false;
  for (const scan of fixed.scans) {
    if (!scan.fix) continue;
    for (const [check, reason] of Object.entries(scan.fix.refused)) refused.push({ check, reason: `${scan.file}: ${reason}` });
    const before = readFileSync(join(projectDir, scan.file), 'utf8');
    const moving = scan.fix.applied.includes('predict-to-run');
    if (scan.fix.source === before && !moving) continue;
    migrated ||= moving;
    changes.push({ path: scan.file, newPath: moving ? STARTER.newFile : scan.file, before, after: scan.fix.source, checks: scan.fix.applied });
  }
  const text = first.configText ?? '';
  if (first.findings.some((f) => f.check === 'predict-to-run' && f.fixable && f.file === configFile)) {
    const after = migrated ? renamePredictKey(text, { from: STARTER.ref, to: STARTER.newRef }) : renamePredictKey(text);
    if (after !== undefined) changes.push({ path: configFile, newPath: configFile, before: text, after, checks: ['predict-to-run'] });
  }
  const written: Array<() => void> = [];
  try {
    for (const change of changes) {
      const from = join(projectDir, change.path);
      const to = join(projectDir, change.newPath);
      writeFileSync(to, change.after);
      if (from !== to) {
        unlinkSync(from);
        written.push(() => {
          writeFileSync(from, change.before);
          unlinkSync(to);
        });
      } else {
        written.push(() => writeFileSync(from, change.before));
      }
      onChange?.(change);
    }
  } catch (err) {
    for (const undo of written.reverse()) {
      try {
        undo();
      } catch {
        // best effort: the error below says what failed
      }
    }
    throw err;
  }
  return { changes, refused };
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const python = opts.python ?? (env.EDGECOG_PYTHON || 'python3');
  const probes = opts.probes ?? systemProbes(env, python);
  const fileName = opts.file ?? 'cog.yaml';
  const early = startProbes(env, probes);
  const located = locateConfig(opts.cwd, fileName);
  if (!located) {
    const missing: Finding = {
      check: 'config-parse',
      severity: 'error',
      message: `${fileName} not found in ${opts.cwd} or any parent directory`,
      file: fileName,
      hint: 'Run `edgecog init` to create one, or pass -f with its path.',
      fixable: false,
    };
    return report(opts.cwd, fileName, [missing, ...(await environment(undefined, env, probes, early))], new Set(), [], []);
  }
  const { projectDir, configFile } = located;
  let first = await collect(projectDir, configFile, opts, python, undefined);
  const envResolved = await environment(first.config, env, probes, early);
  if (!opts.fix || !first.findings.some((f) => f.fixable)) {
    return report(projectDir, configFile, [...first.findings, ...envResolved], new Set(), [], []);
  }
  const wanted = PYTHON_FIXES.filter((c) => first.findings.some((f) => f.check === c && f.fixable));
  const planned = await collect(projectDir, configFile, opts, python, { python: wanted });
  const { changes, refused } = applyFixes(projectDir, configFile, first, planned, opts.onChange);
  const before = new Set(first.findings.map((f) => f.check));
  first = await collect(projectDir, configFile, opts, python, undefined);
  return report(projectDir, configFile, [...first.findings, ...envResolved], before, changes, refused);
}

function report(projectDir: string, configFile: string, findings: Finding[], hadFindings: Set<string>, changes: FileChange[], refused: DoctorReport['refused']): DoctorReport {
  const checks: CheckReport[] = CHECKS.map((info) => {
    const own = findings.filter((f) => f.check === info.id);
    const worst = own.some((f) => f.severity === 'error') ? 'error' : own.some((f) => f.severity === 'warning') ? 'warning' : own.length > 0 ? 'info' : undefined;
    const fixedNow = !worst && hadFindings.has(info.id) && changes.some((c) => c.checks.includes(info.id));
    return { ...info, status: worst ?? (fixedNow ? 'fixed' : 'ok'), findings: own };
  });
  return {
    projectDir,
    configFile,
    checks,
    changes,
    refused,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
