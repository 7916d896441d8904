/** Cog's load-time rules, one at a time, and edgecog's deliberate differences. */
import { describe, expect, it } from 'vitest';
import { checkConfigText, type ProjectFacts } from '../../src/config/index.js';

function facts(files: Record<string, string> = {}): ProjectFacts {
  const all: Record<string, string> = { 'predict.py': '', 'run.py': '', 'train.py': '', ...files };
  return { fileExists: (p) => p in all, readFile: (p) => all[p] };
}

function problems(yaml: string, files?: Record<string, string>): string[] {
  return checkConfigText(yaml, { facts: facts(files) }).diagnostics.map(
    (d) => `${d.position?.line}:${d.position?.column} ${d.severity === 'error' ? 'E' : 'W'} ${d.code} ${d.field}`,
  );
}

const py = (version: string, extra = '') => `build:\n  python_version: "${version}"\n${extra}run: "run.py:Runner"\n`;

describe('python_version', () => {
  it.each([
    ['3.10', []],
    ['3.13', []],
    ['3.13.1', []],
    ['3.14', []],
    ['3.8', ['2:19 W W_PYTHON_VERSION build.python_version']],
    ['3.9', ['2:19 W W_PYTHON_VERSION build.python_version']],
    ['3.8.10', ['2:19 E E_CONFIG_PYTHON build.python_version']],
    ['3.7', ['2:19 E E_CONFIG_PYTHON build.python_version']],
    ['2.7', ['2:19 E E_CONFIG_PYTHON build.python_version']],
    ['3', ['2:19 E E_CONFIG_PYTHON build.python_version']],
    ['3.x', ['2:19 E E_CONFIG_PYTHON build.python_version']],
  ])('%s', (version, expected) => {
    expect(problems(py(version))).toEqual(expected);
  });

  it('defaults to 3.13 without build:', () => {
    expect(checkConfigText('run: "run.py:Runner"\n', { facts: facts() }).config?.build.pythonVersion).toBe('3.13');
  });
});

describe('gpu, cuda and framework pins', () => {
  const gpu = (extra: string, reqs?: string) =>
    checkConfigText(`build:\n  gpu: true\n  python_version: "3.11"\n${extra}run: "run.py:Runner"\n`, {
      facts: facts(reqs === undefined ? {} : { 'requirements.txt': reqs }),
    });
  const codes = (r: ReturnType<typeof gpu>) => r.diagnostics.map((d) => `${d.position?.line}:${d.position?.column} ${d.code} ${d.field}`);

  it('picks the newest CUDA Cog knows for a torch pin', () => {
    const r = gpu('  python_requirements: requirements.txt\n', 'torch==2.1.0\n');
    expect(codes(r)).toEqual([]);
    expect(r.config?.build).toMatchObject({ gpu: true, cuda: '12.1', cudnn: '8', pythonPackages: ['torch==2.1.0'], pythonRequirements: 'requirements.txt' });
  });

  it("uses Cog's default CUDA without framework pins", () => {
    expect(gpu('').config?.build).toMatchObject({ cuda: '11.8', cudnn: '8' });
  });

  it('refuses unpinned torch, pointing at the entry', () => {
    expect(codes(gpu('  python_packages:\n    - numpy\n    - torch\n'))).toEqual([
      '4:3 W_DEPRECATED build.python_packages',
      '6:7 E_CONFIG_TORCH build.python_packages[torch]',
    ]);
    const r = gpu('  python_requirements: requirements.txt\n', '# deps\nnumpy\ntorch \\\n  # cuda\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual(['torch version must be specified when using CUDA (requirements.txt line 3)']);
  });

  it('refuses a torch pin its tables cannot place, unless cuda is given', () => {
    expect(codes(gpu('  python_packages:\n    - torch==1.8.0\n'))).toEqual(['4:3 W_DEPRECATED build.python_packages', '5:7 E_CONFIG_CUDA build.python_packages[torch]']);
    const r = gpu('  cuda: "11.8"\n  python_packages:\n    - torch==1.8.0\n');
    expect(codes(r)).toEqual(['4:9 W_CUDA_COMPAT build.cuda', '5:3 W_DEPRECATED build.python_packages']);
    expect(r.config?.build.cuda).toBe('11.8');
  });

  it('knows which CUDA base images exist', () => {
    expect(codes(gpu('  cuda: "11.5.1"\n'))).toEqual(['4:9 E_CONFIG_CUDA build.cuda']);
    expect(gpu('  cuda: "11.5"\n').config?.build).toMatchObject({ cuda: '11.5', cudnn: '8' });
    expect(codes(gpu('  cuda: "10.2"\n'))).toEqual(['4:9 E_CONFIG_CUDA build.cuda']);
    expect(codes(gpu('  cuda: "12"\n'))).toEqual(['4:9 E_CONFIG_CUDA build.cuda']);
    expect(codes(gpu('  cuda: "11.8"\n  cudnn: "9"\n'))).toEqual(['5:10 E_CONFIG_CUDNN build.cudnn']);
  });

  it('follows tensorflow pins', () => {
    const r = gpu('  python_requirements: requirements.txt\n', 'tensorflow==2.11.0\n');
    expect(r.config?.build).toMatchObject({ cuda: '11.2', cudnn: '8' });
    expect(codes(gpu('  python_requirements: requirements.txt\n  cuda: "12.1"\n', 'tensorflow==2.11.0\n'))).toEqual(['5:9 E_CONFIG_CUDA build.cuda']);
    expect(codes(gpu('  python_requirements: requirements.txt\n', 'tensorflow==0.1.0\n'))).toEqual(['4:24 E_CONFIG_CUDA build.python_requirements']);
  });

  it('ignores cuda without gpu, with a warning', () => {
    const r = checkConfigText(py('3.11', '  cuda: "11.8"\n'), { facts: facts() });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['W_CUDA_IGNORED']);
    expect(r.config?.build.cuda).toBeUndefined();
  });

  it('needs the requirements file', () => {
    expect(problems(py('3.11', '  python_requirements: reqs/missing.txt\n'))).toEqual(['3:24 E E_CONFIG_FILE build.python_requirements']);
  });
});

describe('other keys', () => {
  it('concurrency above 1 needs Python 3.11', () => {
    expect(problems(py('3.10', '') + 'concurrency:\n  max: 4\n')).toEqual(['5:3 W W_DEPRECATED concurrency.max', '5:8 E E_CONFIG_CONCURRENCY concurrency.max']);
    expect(problems(py('3.11', '') + 'concurrency:\n  max: 4\n')).toEqual(['5:3 W W_DEPRECATED concurrency.max']);
    expect(problems('concurrency:\n  default_target: 2\n')).toEqual(['1:1 E E_CONFIG_REQUIRED concurrency.max']);
  });

  it('build.run items: string or {command, mounts} with secret mounts', () => {
    const yaml = py('3.11', '  run:\n    - echo one\n    - command: pip install x\n      mounts:\n        - type: secret\n          id: pip\n          target: /etc/pip.conf\n    - mounts: []\n    - true\n');
    expect(problems(yaml)).toEqual(['10:7 E E_CONFIG_REQUIRED build.run[2].command', '11:7 E E_CONFIG_TYPE build.run[3]']);
  });

  it('environment: KEY=VALUE, no duplicates, no reserved names', () => {
    expect(problems('environment:\n  - A=1\n  - A=2\n  - CUDA_HOME=/x\n  - 1X=2\n  - B==c\n')).toEqual([
      '3:5 E E_CONFIG_ENV environment[1]',
      '4:5 E E_CONFIG_ENV environment[2]',
      '5:5 E E_CONFIG_ENV environment[3]',
    ]);
    expect(checkConfigText('environment:\n  - B==c\n  - EMPTY=\n', { facts: facts() }).config?.environment).toEqual({ B: '=c', EMPTY: '' });
  });

  it('model: a bare repository, exclusive with image', () => {
    expect(problems('model: registry.example.com:5000/team/model\n')).toEqual([]);
    expect(problems('model: team/model:v1\n')).toEqual(['1:8 E E_CONFIG_MODEL model']);
    expect(problems('model: Team/Model\n')).toEqual(['1:8 E E_CONFIG_MODEL model']);
    expect(problems('model: a/b\nimage: a/b\n')).toEqual(['1:8 E E_CONFIG_CONFLICT model']);
  });

  it('weights: name, source, absolute disjoint targets, and model', () => {
    const yaml = 'weights:\n  - name: base\n    target: /src/w\n    source:\n      uri: hf://org/m\n  - name: base\n    target: /src/w/sub\n    source:\n      - uri: hf://org/n\n        exclude: ["a\\\\b"]\n';
    expect(problems(yaml)).toEqual([
      '1:1 E E_CONFIG_WEIGHTS model',
      '6:11 E E_CONFIG_WEIGHTS weights[1].name',
      '7:13 E E_CONFIG_WEIGHTS weights[1].target',
      '10:19 E E_CONFIG_WEIGHTS weights[1].source[0].exclude[0]',
    ]);
  });

  it('train and run refer to existing files', () => {
    expect(problems('run: "run.py:Runner"\ntrain: "training/train.py:train"\n')).toEqual(['2:8 E E_CONFIG_REF_FILE train']);
    expect(problems('train: train\n')).toEqual(['1:8 E E_CONFIG_REF train']);
    expect(problems('run: "../run.py:Runner"\n', { '../run.py': '' })).toEqual(['1:6 E E_CONFIG_REF_FILE run']);
    expect(problems('run: "./run.py:Runner"\n', { './run.py': '' })).toEqual([]);
  });

  it('reads empty files, comment-only files and only the first document', () => {
    expect(problems('')).toEqual([]);
    expect(problems('# nothing yet\n')).toEqual([]);
    expect(problems('run: "run.py:Runner"\n---\nthis: [is, not, read\n')).toEqual([]);
  });

  it('follows anchors and merge keys', () => {
    const yaml = 'x-base: &base\n  python_version: "3.11"\nbuild:\n  <<: *base\n  gpu: false\nrun: "run.py:Runner"\n';
    const r = checkConfigText(yaml, { facts: facts() });
    expect(r.diagnostics.map((d) => d.field)).toEqual(['x-base']);
    expect(r.config?.build.pythonVersion).toBe('3.11');
  });

  it('counts columns correctly with CRLF line endings and a BOM', () => {
    expect(problems('\ufeffbuild:\r\n  python_version: "3.7"\r\n')).toEqual(['2:19 E E_CONFIG_PYTHON build.python_version']);
  });
});
