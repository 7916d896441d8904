/**
 * Invalid cog.yaml files: every problem is reported at once, each at file:line:col with a hint.
 */
import { describe, expect, it } from 'vitest';
import { checkConfigText, renderDiagnostics, type Diagnostic, type ProjectFacts } from '../../src/config/index.js';

function facts(files: Record<string, string> = {}): ProjectFacts {
  const all: Record<string, string> = { 'predict.py': '', 'run.py': '', 'train.py': '', ...files };
  return { fileExists: (p) => p in all, readFile: (p) => all[p] };
}

/** `file:line:col severity field: message` for each diagnostic, in order. */
function check(yaml: string, files?: Record<string, string>): string[] {
  return checkConfigText(yaml, { file: 'cog.yaml', facts: facts(files) }).diagnostics.map(
    (d: Diagnostic) => `${d.file}:${d.position?.line}:${d.position?.column} ${d.severity} ${d.field}: ${d.message}`,
  );
}

function hints(yaml: string, files?: Record<string, string>): Array<string | undefined> {
  return checkConfigText(yaml, { file: 'cog.yaml', facts: facts(files) }).diagnostics.map((d) => d.hint);
}

describe('config diagnostics', () => {
  it('collects every problem in one pass, in source order', () => {
    const yaml = [
      'build:', //                                          1
      '  gpu: "true"', //                                   2
      '  python_version: "3.7"', //                         3
      '  python_pakages:', //                               4
      '    - numpy==1.26.4', //                             5
      '  python_packages:', //                              6
      '    - torch', //                                     7
      '  python_requirements: requirements.txt', //         8
      '  run:', //                                          9
      '    - command: echo hi', //                          10
      '      mounts:', //                                   11
      '        - type: bind', //                            12
      '          id: x', //                                 13
      '          target: /x', //                            14
      'environment:', //                                    15
      '  - PATH=/bin', //                                   16
      '  - NOEQUALS', //                                    17
      'concurrency:', //                                    18
      '  max: 0', //                                        19
      'predict: predict.py', //                             20
      'run: run.py:Runner', //                              21
    ].join('\n');
    expect(check(yaml, { 'requirements.txt': '' })).toEqual([
      'cog.yaml:2:8 error build.gpu: build.gpu must be true or false (got "true")',
      'cog.yaml:3:19 error build.python_version: build.python_version "3.7" is too old: the minimum supported Python version is 3.10 (edgecog also builds "3.8" and "3.9")',
      'cog.yaml:4:3 warning build.python_pakages: unknown key build.python_pakages is ignored',
      'cog.yaml:6:3 warning build.python_packages: build.python_packages is deprecated: use build.python_requirements',
      'cog.yaml:8:24 error build: only one of python_packages or python_requirements can be set, not both',
      'cog.yaml:12:17 error build.run[0].mounts[0].type: build.run[0].mounts[0].type must be "secret" (got "bind")',
      'cog.yaml:16:5 error environment[0]: environment variable "PATH" is not allowed: reserved for internal use',
      'cog.yaml:17:5 error environment[1]: environment variable "NOEQUALS" is not in the KEY=VALUE format',
      'cog.yaml:19:3 warning concurrency.max: concurrency.max is deprecated: use @cog.concurrent(max=...) on an async run() method',
      'cog.yaml:19:8 error concurrency.max: concurrency.max must be at least 1 (got 0)',
      'cog.yaml:20:1 warning predict: predict is deprecated: use run',
      "cog.yaml:20:10 error predict: predict must be in the form 'predict.py:Predictor' (got 'predict.py')",
      'cog.yaml:21:6 error run: only one of run or predict can be set',
    ]);
    const h = hints(yaml, { 'requirements.txt': '' });
    expect(h[0]).toBe('remove the quotes: gpu: true');
    expect(h[2]).toBe('did you mean build.python_packages?');
    expect(h[7]).toBe('write it as NOEQUALS=value');
  });

  it('renders rustc-style: location, source line, caret, hint', () => {
    const yaml = 'build:\n  python_version: "3.7"\nrun: "run.py:Runner"\n';
    const { diagnostics } = checkConfigText(yaml, { facts: facts() });
    expect(renderDiagnostics(diagnostics, yaml, { color: false })).toBe(
      [
        'cog.yaml:2:19: error: build.python_version "3.7" is too old: the minimum supported Python version is 3.10 (edgecog also builds "3.8" and "3.9")',
        '  2 |   python_version: "3.7"',
        '    |                   ^^^^^',
        '  hint: use python_version: "3.11" or newer',
        '',
      ].join('\n'),
    );
  });

  it('reports YAML syntax errors with their position', () => {
    expect(check('build:\n  python_version: "3.11"\n\tgpu: true\n')).toEqual([
      'cog.yaml:3:1 error (yaml): invalid YAML: Tabs are not allowed as indentation',
    ]);
    expect(hints('build:\n  python_version: "3.11"\n\tgpu: true\n')).toEqual(['YAML indentation must use spaces, not tabs']);
    const [first, ...rest] = check('run: predict.py:Predictor: x\n');
    expect(first).toMatch(/^cog\.yaml:1:6 error \(yaml\): invalid YAML: /);
    expect(rest).toEqual([]);
  });

  it('reports duplicate keys as Cog does, at the second one', () => {
    expect(check('build:\n  python_version: "3.10"\n  gpu: false\n  python_version: "3.11"\nrun: "run.py:R"\n')).toEqual([
      "cog.yaml:4:3 error build.python_version: mapping key 'python_version' already defined at line 2",
    ]);
  });

  it('reports shape errors with the expected form', () => {
    expect(check('concurrency: 32\nenvironment:\n  python_version: "3.8"\nbuild:\n  python_version: "3.11"\n  system_packages: ffmpeg\n')).toEqual([
      'cog.yaml:1:14 error concurrency: concurrency must be a mapping (got 32)',
      'cog.yaml:3:3 error environment: environment must be a list of "KEY=VALUE" strings (got a mapping)',
      'cog.yaml:6:20 error build.system_packages: build.system_packages must be a list of strings (got ffmpeg)',
    ]);
    expect(hints('concurrency: 32\n')).toEqual(['write it as:\nconcurrency:\n  max: 32']);
    expect(check('build:\n  python_version: [3, 11]\n')).toEqual([
      'cog.yaml:2:19 error build.python_version: build.python_version must be a string like "3.11" (got a list)',
    ]);
    expect(check('- build\n')).toEqual(['cog.yaml:1:1 error (root): cog.yaml must be a mapping of keys like build: and run: (got a list)']);
  });

  it('suggests the Python a YAML formatter may have shortened', () => {
    expect(hints('build:\n  python_version: 3.1\n')).toEqual(['did you mean "3.10"? Quote it: python_version: "3.10"']);
  });

  it('keeps the source text of numbers, as Cog reads them', () => {
    const result = checkConfigText('build:\n  python_version: 3.10\nrun: run.py:Runner\n', { facts: facts() });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.build.pythonVersion).toBe('3.10');
  });

  it('requires python_version when build: is present, pointing at build:', () => {
    expect(check('\nbuild:\n  gpu: false\nrun: "run.py:Runner"\n')).toEqual(['cog.yaml:2:1 error build.python_version: build.python_version is required']);
    expect(check('build:\nrun: "run.py:Runner"\n')).toEqual([]);
  });

  it('warns, with a did-you-mean, about keys Cog ignores', () => {
    expect(check('python_version: "3.11"\nbuild:\n  python_version: "3.11"\n  predict: "predict.py:P"\n  fast: true\nrun: "run.py:R"\n')).toEqual([
      'cog.yaml:1:1 warning python_version: unknown key python_version is ignored',
      'cog.yaml:4:3 warning build.predict: unknown key build.predict is ignored',
      'cog.yaml:5:3 warning build.fast: unknown key build.fast is ignored',
    ]);
    expect(hints('python_version: "3.11"\nbuild:\n  python_version: "3.11"\n  predict: "predict.py:P"\n  fast: true\n')).toEqual([
      'did you mean build.python_version? It belongs under build:',
      'did you mean predict? It belongs at the top level, not under build:',
      'Cog ignores keys it does not know; remove it or fix its spelling',
    ]);
  });

  it('needs the predictor file to exist', () => {
    expect(check('run: "src/model.py:Runner"\ntrain: "train.py:train"\n', {})).toEqual([
      'cog.yaml:1:6 error run: run: src/model.py does not exist',
    ]);
  });
});
