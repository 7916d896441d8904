/** The ast scanner (templates/tools/doctor_scan.py) through its TypeScript bridge: checks and rewrites. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanPythonFile, type ScanRequest } from '../../src/doctor/python-scan.js';

function scan(source: string, extra: Partial<ScanRequest> = {}, targets: ScanRequest['targets'] = [{ name: 'Predictor', mode: 'predict' }]) {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-scan-'));
  writeFileSync(join(dir, 'predict.py'), source);
  return scanPythonFile({ projectDir: dir, file: 'predict.py', targets, python: 'python3', ...extra });
}

const pydanticOutput = `from pydantic import BaseModel, ConfigDict
from cog import BasePredictor, Path


class Output(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    image: Path
    score: float


class Predictor(BasePredictor):
    def predict(self) -> Output:
        ...
`;

describe('doctor scanner: findings', () => {
  it('pydantic BaseModel with arbitrary_types_allowed is an error at the class line', async () => {
    const r = await scan(pydanticOutput);
    expect(r.findings.filter((f) => f.check === 'python-pydantic-basemodel')).toEqual([
      {
        check: 'python-pydantic-basemodel',
        severity: 'error',
        message: 'Output inherits from pydantic.BaseModel with arbitrary_types_allowed; use cog.BaseModel instead',
        file: 'predict.py',
        line: 5,
        column: 1,
        hint: 'Replace pydantic.BaseModel with cog.BaseModel and remove ConfigDict(arbitrary_types_allowed=True)',
        fixable: true,
      },
    ]);
    // arbitrary_types_allowed=False, or a cog BaseModel: nothing to say
    const clean = await scan(pydanticOutput.replace('=True', '=False'));
    expect(clean.findings.filter((f) => f.check === 'python-pydantic-basemodel')).toEqual([]);
  });

  it('run() and predict() on one class collide; a missing return annotation; cog.File', async () => {
    const r = await scan(`import cog
from cog import BaseRunner, File


class Predictor(BaseRunner):
    def run(self, f: File):
        return 1

    def predict(self, f: cog.File) -> int:
        return 2
`);
    const by = (check: string) => r.findings.filter((f) => f.check === check).map((f) => `${f.line}:${f.column} ${f.severity} ${f.message}`);
    expect(by('run-predict-collision')).toEqual(['9:5 error Predictor defines both run() (line 6) and predict() (line 9); Cog 0.17+ refuses it and edgecog runs run()']);
    expect(by('python-type-annotations')).toEqual(['6:5 warning Predictor.run() is missing a return type annotation']);
    expect(by('python-deprecated-types')).toEqual(['6:22 warning cog.File is deprecated; use cog.Path (a path on disk instead of an open file)']);
  });

  it('facts: classes, functions and whether each target exists; syntax errors with a line', async () => {
    const r = await scan('from cog import BasePredictor\n\nclass Other(BasePredictor):\n    pass\n\ndef helper():\n    pass\n');
    expect(r.classes).toEqual(['Other']);
    expect(r.functions).toEqual(['helper']);
    expect(r.targets).toEqual({ Predictor: null });
    const bad = await scan('class Predictor(:\n');
    expect(bad.syntaxError).toMatchObject({ line: 1 });
  });
});

describe('doctor scanner: rewrites', () => {
  it('pydantic → cog.BaseModel: base, model_config and imports', async () => {
    const r = await scan(pydanticOutput, { fix: ['python-pydantic-basemodel'] });
    expect(r.fix?.applied).toEqual(['python-pydantic-basemodel']);
    expect(r.fix?.source).toBe(`from cog import BasePredictor, Path, BaseModel


class Output(BaseModel):

    image: Path
    score: float


class Predictor(BasePredictor):
    def predict(self) -> Output:
        ...
`);
  });

  it('pydantic: other ConfigDict options stay; a class still on pydantic keeps it and cog comes aliased', async () => {
    const source = `import pydantic
from pydantic import BaseModel
from cog import Path


class Output(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True, frozen=True)
    image: Path


class Settings(BaseModel):
    name: str
`;
    const r = await scan(source, { fix: ['python-pydantic-basemodel'] }, []);
    expect(r.fix?.source).toBe(`import pydantic
from pydantic import BaseModel
from cog import Path, BaseModel as CogBaseModel


class Output(CogBaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    image: Path


class Settings(BaseModel):
    name: str
`);
  });

  it('removes ExperimentalFeatureWarning, the statements using it and an orphaned import warnings', async () => {
    const r = await scan(
      `import warnings
from cog import BasePredictor
from cog.types import ExperimentalFeatureWarning, Path

warnings.filterwarnings("ignore", category=ExperimentalFeatureWarning)


class Predictor(BasePredictor):
    def predict(self) -> Path:
        ...
`,
      { fix: ['python-deprecated-imports'] },
    );
    expect(r.findings.find((f) => f.check === 'python-deprecated-imports')).toMatchObject({ line: 3, severity: 'error', fixable: true });
    expect(r.fix?.source).toBe(`from cog import BasePredictor
from cog.types import Path



class Predictor(BasePredictor):
    def predict(self) -> Path:
        ...
`);
  });

  it('refuses when the removed name is still used inside code', async () => {
    const r = await scan(
      'from cog.types import ExperimentalFeatureWarning\nfrom cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return str(ExperimentalFeatureWarning)\n',
      { fix: ['python-deprecated-imports'] },
    );
    expect(r.fix?.applied).toEqual([]);
    expect(r.fix?.refused['python-deprecated-imports']).toBe('ExperimentalFeatureWarning is still used at line 7');
  });

  it('predict → run migration in the starter shape; BasePredictor still used elsewhere keeps its import', async () => {
    const r = await scan(
      `from cog import BasePredictor, Input


class Predictor(BasePredictor):
    async def predict(self, x: int = Input(default=1)) -> int:
        return x


assert issubclass(Predictor, BasePredictor)
`,
      { fix: ['predict-to-run'], migrateClass: 'Predictor' },
    );
    expect(r.findings.filter((f) => f.check === 'predict-to-run').every((f) => f.fixable)).toBe(true);
    expect(r.fix?.source).toBe(`from cog import BasePredictor, BaseRunner, Input


class Runner(BaseRunner):
    async def run(self, x: int = Input(default=1)) -> int:
        return x


assert issubclass(Predictor, BasePredictor)
`);
  });

  it('no migration for aliased BasePredictor, several predict methods, or BasePredictor from elsewhere', async () => {
    const aliased = await scan('from cog import BasePredictor as BP\n\nclass Predictor(BP):\n    def predict(self) -> str:\n        return ""\n', { migrateClass: 'Predictor' });
    expect(aliased.migrationRefused).toBe('automatic migration does not support aliased BasePredictor inheritance');
    expect(aliased.findings.filter((f) => f.check === 'predict-to-run').every((f) => !f.fixable)).toBe(true);
    const twice = await scan('from cog import BasePredictor\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return ""\n    def predict(self) -> int:\n        return 1\n', { migrateClass: 'Predictor' });
    expect(twice.migrationRefused).toBe('automatic migration only supports a Predictor class with a single predict method');
    const foreign = await scan('from mylib import BasePredictor\n\nclass Predictor(BasePredictor):\n    def predict(self) -> str:\n        return ""\n', { migrateClass: 'Predictor' });
    expect(foreign.migrationRefused).toBe('automatic migration only supports BasePredictor imported from cog');
  });
});
