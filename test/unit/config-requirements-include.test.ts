/**
 * python_requirements with `-r`/`-c` includes: only the generated requirements file reaches pip
 * in the build, so included files are read in (requirements) or passed apart (constraints).
 */
import { describe, expect, it } from 'vitest';
import { checkConfigText, type ProjectFacts } from '../../src/config/index.js';
import { readRequirementsTree } from '../../src/config/requirements.js';
import { planBuild, renderDockerfile } from '../../src/dockerfile/index.js';

function facts(files: Record<string, string>): ProjectFacts {
  const all: Record<string, string> = { 'run.py': '', ...files };
  return { fileExists: (p) => p in all, readFile: (p) => all[p] };
}

const yaml = (reqs = 'requirements.txt') => `build:\n  python_version: "3.11"\n  python_requirements: ${reqs}\nrun: "run.py:Runner"\n`;

function load(files: Record<string, string>, reqs?: string) {
  return checkConfigText(yaml(reqs), { facts: facts(files) });
}

describe('requirements includes', () => {
  it('reads -r files in, in place, resolved from the including file', () => {
    const r = load({
      'requirements.txt': 'numpy==1.26.0\n-r extra.txt\n--requirement=sub/more.txt\npillow\n',
      'extra.txt': '# extras\nrequests>=2\n',
      'sub/more.txt': '-rdeep.txt\n',
      'sub/deep.txt': 'tqdm\n',
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.build.pythonPackages).toEqual(['numpy==1.26.0', 'requests>=2', 'tqdm', 'pillow']);
    expect(r.config?.build.pythonConstraints).toBeUndefined();
    expect(r.config?.build.pythonRequirements).toBe('requirements.txt');
  });

  it('keeps -c files apart as constraints, with what they include', () => {
    const r = load({
      'reqs/requirements.txt': 'numpy\n-c ../constraints.txt\n--constraint more-constraints.txt\n',
      'constraints.txt': 'numpy==1.26.0\n-r pinned.txt\n',
      'pinned.txt': 'pillow==10.0.0\n',
      'reqs/more-constraints.txt': 'tqdm<5\n',
    }, 'reqs/requirements.txt');
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.build.pythonPackages).toEqual(['numpy']);
    expect(r.config?.build.pythonConstraints).toEqual(['numpy==1.26.0', 'pillow==10.0.0', 'tqdm<5']);
  });

  it('stops at include cycles and reads a file included twice once', () => {
    const r = load({
      'requirements.txt': 'a\n-r b.txt\n-r ./b.txt\n',
      'b.txt': 'b\n-r requirements.txt\n-r c.txt\n',
      'c.txt': 'c\n-r b.txt\n',
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.build.pythonPackages).toEqual(['a', 'b', 'c']);
  });

  it('leaves URL includes to pip', () => {
    const r = load({ 'requirements.txt': '-r https://example.com/reqs.txt\nnumpy\n' });
    expect(r.config?.build.pythonPackages).toEqual(['-r https://example.com/reqs.txt', 'numpy']);
  });

  it('names a missing included file, at python_requirements in cog.yaml', () => {
    const r = load({ 'requirements.txt': 'numpy\n\n-r sub/missing.txt\n' });
    expect(r.config).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d).toMatchObject({ severity: 'error', code: 'E_CONFIG_FILE', field: 'build.python_requirements', position: { line: 3, column: 24 } });
    expect(d?.message).toContain('sub/missing.txt does not exist (included by requirements.txt line 3 with -r)');
    const nested = load({ 'requirements.txt': '-c c.txt\n', 'c.txt': 'x==1\n--requirement gone.txt\n' });
    expect(nested.diagnostics[0]?.message).toContain('gone.txt does not exist (included by c.txt line 2 with --requirement)');
  });

  it('names the file and line of a torch pin that came from an include', () => {
    const r = checkConfigText('build:\n  gpu: true\n  python_version: "3.11"\n  python_requirements: requirements.txt\nrun: "run.py:Runner"\n', {
      facts: facts({ 'requirements.txt': '-r gpu.txt\n', 'gpu.txt': 'numpy\ntorch\n' }),
    });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['torch version must be specified when using CUDA (gpu.txt line 2)']);
  });

  it('reports the top file itself missing as before', () => {
    expect(readRequirementsTree('./nope.txt', () => undefined).missing).toEqual({ path: 'nope.txt', from: '', line: 0, option: '' });
  });
});

describe('constraints in the build', () => {
  const opts = { buildKit: true, edgecogVersion: '0.1.0', rawConfigJson: '{}' };
  const config = (pythonPackages: string[], pythonConstraints?: string[]) => ({
    build: { gpu: false, pythonVersion: '3.11', pythonPackages, ...(pythonConstraints ? { pythonConstraints } : {}), systemPackages: [], run: [] },
    environment: {},
    weights: [],
  });

  it('bind-mounts a constraints file and passes it to pip with -c', () => {
    const plan = planBuild(config(['numpy'], ['numpy==1.26.0']), opts);
    expect(plan.constraintsTxt).toBe('numpy==1.26.0\n');
    const text = renderDockerfile(plan);
    expect(text).toContain('--mount=type=bind,source=.edgecog/constraints.txt,target=/tmp/edgecog-constraints.txt');
    expect(text).toContain('-r /tmp/edgecog-requirements.txt -c /tmp/edgecog-constraints.txt');
    const classic = renderDockerfile(planBuild(config(['numpy'], ['numpy==1.26.0']), { ...opts, buildKit: false }));
    expect(classic).toContain('COPY .edgecog/constraints.txt /tmp/edgecog-constraints.txt');
  });

  it('has no constraints step without constraints or without requirements', () => {
    expect(renderDockerfile(planBuild(config(['numpy']), opts))).not.toContain('constraints');
    expect(planBuild(config([], ['numpy==1']), opts).constraintsTxt).toBeUndefined();
  });

  it('refuses credentials in constraints without BuildKit', () => {
    expect(() => planBuild(config(['numpy'], ['--extra-index-url https://u:t@host/simple']), { ...opts, buildKit: false })).toThrow(/BuildKit/);
  });
});
