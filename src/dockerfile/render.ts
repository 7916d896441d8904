/**
 * BuildPlan → Dockerfile text. Pure and deterministic (snapshot-tested). Layer order is chosen
 * for caching: base and Python, system packages, requirements, runtime, build.run, weights, code.
 *
 * No `# syntax=` line: it would make BuildKit pull a frontend image from Docker Hub, which
 * air-gapped builds cannot do; the engine's built-in frontend handles RUN --mount.
 */
import { PIP_EXTRA_INDEX_SECRET, PIP_INDEX_SECRET, RUNTIME_DIR } from './plan.js';
import { weightsLayerId } from './weights.js';
import type { BuildPlan } from './types.js';

const APT_CACHE = '--mount=type=cache,target=/var/cache/apt,sharing=locked';
const PIP_CACHE = '--mount=type=cache,target=/root/.cache/pip';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const UV_IMAGE = 'ghcr.io/astral-sh/uv:0.9.26';
const REQUIREMENTS_IN_IMAGE = '/tmp/edgecog-requirements.txt';
const CONSTRAINTS_IN_IMAGE = '/tmp/edgecog-constraints.txt';

/** A double-quoted Dockerfile word: `"` and `\` escaped, `$` too unless expansion is wanted. */
export function quoteWord(value: string, allowExpansion = false): string {
  const special = allowExpansion ? /["\\]/g : /["\\$]/g;
  return `"${value.replace(special, '\\$&').replace(/\n/g, '\\n')}"`;
}

/** A single-quoted shell word. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function pythonSetup(plan: BuildPlan): string[] {
  const venv = plan.venv ?? '/opt/venv';
  const pathEnv = `ENV VIRTUAL_ENV=${venv} PATH="${venv}/bin:$PATH"`;
  if (plan.baseKind === 'cuda') {
    const mount = plan.buildKit ? `${APT_CACHE} ` : '';
    return [
      `RUN ${mount}apt-get update -qq && apt-get install -qqy --no-install-recommends ca-certificates curl git && rm -rf /var/lib/apt/lists/*`,
      `COPY --from=${UV_IMAGE} /uv /usr/local/bin/uv`,
      // A managed CPython of the requested version (the Ubuntu one is whatever the image ships).
      `RUN UV_PYTHON_INSTALL_DIR=/opt/python uv venv --seed --python-preference only-managed --python ${plan.pythonVersion} ${venv}`,
      pathEnv,
    ];
  }
  if (plan.baseKind === 'override') {
    const img = plan.baseImage.replace(/'/g, '');
    const minor = plan.pythonVersion.split('.').slice(0, 2).join('.');
    const checks = [
      'set -e',
      `if ! command -v python3 >/dev/null 2>&1; then echo 'edgecog: the base image ${img} has no python3; use an image with Python 3.8 or newer' >&2; exit 1; fi`,
      `python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' || { echo 'edgecog: python3 in the base image is older than 3.8' >&2; exit 1; }`,
      `v="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"`,
      `if [ "$v" != "${minor}" ]; then echo "edgecog: warning: cog.yaml asks for Python ${plan.pythonVersion}, the base image has Python $v" >&2; fi`,
      // Debian-style bases refuse system-wide pip installs (PEP 668); a venv that still sees the
      // base's own packages keeps whatever the air-gapped image already provides.
      `if [ ! -x ${venv}/bin/python ]; then python3 -m venv --system-site-packages ${venv} || { echo 'edgecog: could not create a virtual environment; install the venv module (python3-venv) in the base image' >&2; exit 1; }; fi`,
    ];
    return [`RUN ${checks.join('; \\\n    ')}`, pathEnv];
  }
  return [];
}

function caCertSteps(plan: BuildPlan): string[] {
  if (!plan.caCert) return [];
  return [
    'COPY .edgecog/ca-cert.pem /usr/local/share/ca-certificates/edgecog-ca.crt',
    `RUN if command -v update-ca-certificates >/dev/null 2>&1; then update-ca-certificates; else mkdir -p /etc/ssl/certs && cat /usr/local/share/ca-certificates/edgecog-ca.crt >> ${CA_BUNDLE}; fi`,
    // pip trusts certifi's bundle, not the system's, unless told.
    `ENV SSL_CERT_FILE=${CA_BUNDLE} REQUESTS_CA_BUNDLE=${CA_BUNDLE} PIP_CERT=${CA_BUNDLE}`,
  ];
}

function pipInstall(plan: BuildPlan): string[] {
  if (plan.requirementsTxt === '') return [];
  const flags: string[] = [];
  if (plan.pip.indexUrl) flags.push(`--index-url ${shellQuote(plan.pip.indexUrl)}`);
  for (const u of plan.pip.extraIndexUrls) flags.push(`--extra-index-url ${shellQuote(u)}`);
  for (const u of plan.pip.findLinks) flags.push(`--find-links ${shellQuote(u)}`);
  for (const h of plan.pip.trustedHosts) flags.push(`--trusted-host ${shellQuote(h)}`);
  const envs: string[] = [];
  const mounts: string[] = [];
  const checks: string[] = [];
  // Credentials reach pip only through a secret file read at run time: never the Dockerfile,
  // a layer, the history or the build log.
  for (const [id, variable, present] of [
    [PIP_INDEX_SECRET, 'PIP_INDEX_URL', plan.pip.hasSecretIndex],
    [PIP_EXTRA_INDEX_SECRET, 'PIP_EXTRA_INDEX_URL', plan.pip.hasSecretExtraIndex],
  ] as const) {
    if (!present) continue;
    mounts.push(`--mount=type=secret,id=${id}`);
    checks.push(`test -s /run/secrets/${id} || { echo 'edgecog: the ${id} build secret is missing' >&2; exit 1; }; `);
    envs.push(`${variable}="$(cat /run/secrets/${id})" `);
  }
  const constraints = Boolean(plan.constraintsTxt);
  const files = [`-r ${REQUIREMENTS_IN_IMAGE}`, ...(constraints ? [`-c ${CONSTRAINTS_IN_IMAGE}`] : [])];
  const install = `${checks.join('')}${envs.join('')}${plan.pythonPath} -m pip install ${[...flags, ...files].join(' ')}`;
  if (plan.buildKit) {
    // Bind-mounted, not copied: the requirements never become a layer, yet their content still
    // keys the cache, so a code-only change does not re-run pip.
    const binds = [`--mount=type=bind,source=.edgecog/requirements.txt,target=${REQUIREMENTS_IN_IMAGE}`];
    if (constraints) binds.push(`--mount=type=bind,source=.edgecog/constraints.txt,target=${CONSTRAINTS_IN_IMAGE}`);
    return [`RUN ${[...binds, PIP_CACHE, ...mounts].join(' ')} \\\n    ${install}`];
  }
  return [
    `COPY .edgecog/requirements.txt ${REQUIREMENTS_IN_IMAGE}`,
    ...(constraints ? [`COPY .edgecog/constraints.txt ${CONSTRAINTS_IN_IMAGE}`] : []),
    `RUN ${install.replace(' -m pip install ', ' -m pip install --no-cache-dir ')}`,
  ];
}

function envLine(env: Record<string, string>): string[] {
  const names = Object.keys(env).sort();
  if (names.length === 0) return [];
  // Values may use $VAR expansion as in Cog, so `$` stays live.
  return [`ENV ${names.map((n) => `${n}=${quoteWord(env[n] ?? '', true)}`).join(' \\\n    ')}`];
}

export function renderDockerfile(plan: BuildPlan): string {
  const lines: string[] = [`FROM ${plan.baseImage}`];
  const baseEnv = ['DEBIAN_FRONTEND=noninteractive', 'PYTHONUNBUFFERED=1', 'PIP_DISABLE_PIP_VERSION_CHECK=1', 'PIP_ROOT_USER_ACTION=ignore'];
  if (plan.gpu) {
    baseEnv.push(
      'LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/lib/x86_64-linux-gnu:/usr/local/nvidia/lib64:/usr/local/nvidia/bin"',
      'NVIDIA_DRIVER_CAPABILITIES=all',
    );
  }
  lines.push(`ENV ${baseEnv.join(' \\\n    ')}`);
  lines.push(...caCertSteps(plan));
  lines.push(...pythonSetup(plan));
  lines.push(...envLine(plan.environment));
  if (plan.systemPackages.length > 0) {
    const mount = plan.buildKit ? `${APT_CACHE} ` : '';
    lines.push(
      `RUN ${mount}apt-get update -qq && apt-get install -qqy ${plan.systemPackages.map(shellQuote).join(' ')} && rm -rf /var/lib/apt/lists/*`,
    );
  }
  lines.push(...pipInstall(plan));
  const userPythonPath = plan.environment.PYTHONPATH;
  // A tree onto `/`, like the weights and the code: a reproducible layer (see weights.ts).
  lines.push('COPY .edgecog/runtime/ /');
  lines.push(`ENV PYTHONPATH=${quoteWord(userPythonPath ? `${RUNTIME_DIR}:${userPythonPath}` : RUNTIME_DIR, true)}`);
  for (const run of plan.runCommands) {
    const mounts = run.mounts.map((m) => `--mount=type=secret,id=${m.id},target=${m.target}`);
    lines.push(`RUN ${[...mounts, run.command].join(' ')}`);
  }
  // Trees copied onto `/`, never files onto /src/...: see weights.ts (reproducible layers).
  for (const file of plan.weightsFiles) {
    lines.push(`# weights: ${JSON.stringify(file)}`, `COPY .edgecog/weights/${weightsLayerId(file)}/ /`);
  }
  // Under -f the context's code tree already holds the config as src/cog.yaml (build-context.ts):
  // a RUN cp here would be a layer with the build's own times, different in every build.
  lines.push('COPY .edgecog/code/ /');
  lines.push('WORKDIR /src');
  lines.push('EXPOSE 5000');
  const labels = Object.keys(plan.labels).sort();
  lines.push(`LABEL ${labels.map((k) => `${k}=${quoteWord(plan.labels[k] ?? '')}`).join(' \\\n      ')}`);
  lines.push(`CMD ${JSON.stringify([plan.pythonPath, '-m', 'cog.server.http'])}`);
  return `${lines.join('\n')}\n`;
}
