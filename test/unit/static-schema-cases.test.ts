/**
 * The static reader on signatures the conformance fixtures do not cover: each must give the
 * same document as the runtime's importing generator (`python -m cog.command.openapi_schema`),
 * or fail at the right predict.py line naming what it could not resolve.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { runtimeDir, staticSchema, toolsDir } from '../../src/schema-static/index.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecog-static-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The importing generator on the same project, for comparison. */
function importedSchema(dir: string, ref: string, mode: 'predict' | 'train' = 'predict'): unknown {
  const args = ['-m', 'cog.command.openapi_schema', ...(mode === 'train' ? ['--train'] : ['--predictor', ref])];
  const r = spawnSync('python3', args, { cwd: dir, env: { ...process.env, PYTHONPATH: runtimeDir() }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing generator failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function expectSameAsImport(files: Record<string, string>, ref = 'predict.py:Predictor'): Promise<void> {
  const dir = project(files);
  const result = await staticSchema(dir, ref, 'predict', { fallback: false });
  expect(result.source).toBe('static');
  expect(result.schema).toEqual(importedSchema(dir, ref));
}

async function signatureError(files: Record<string, string>, ref = 'predict.py:Predictor'): Promise<UserError> {
  const err = await staticSchema(project(files), ref, 'predict', { fallback: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).code).toBe('E_SCHEMA_SIGNATURE');
  return err as UserError;
}

describe('static schema: what it resolves like an import would', () => {
  it('PEP 604, postponed annotations, `import cog`, typing aliases, builtin generics, constants', async () => {
    await expectSameAsImport({
      'predict.py': `from __future__ import annotations
import typing as t
import cog

MAX_STEPS = 10
STYLES = ["plain", "fancy"]
SCALE = 2 ** 3 - 1
PALETTE = {"red": 1, "blue": 2, "green": 3}


class Predictor(cog.BasePredictor):
    def predict(
        self,
        steps: int = cog.Input(description=f"steps, at most {MAX_STEPS} ({SCALE:.2f}x, {STYLES!r})", default=2, ge=0, le=MAX_STEPS),
        style: str = cog.Input(default=STYLES[0], choices=STYLES),
        colour: str = cog.Input(default="blue", choices=sorted(PALETTE)),
        shout: str = cog.Input(default="x".upper(), choices=list(("X", "Y"))),
        tags: list[str] = cog.Input(default=["a", "b"]),
        note: str | None = None,
        factor: float = SCALE,
        maybe: t.Optional[int] = cog.Input(default=None, description="an optional int"),
    ) -> t.List[str]:
        return []
`,
    });
  });

  it('aliased `from cog import` names, iterators, async generators', async () => {
    await expectSameAsImport({
      'predict.py': `from typing import AsyncIterator
from cog import BaseRunner as Base, Input as In, Path as CogPath, Secret


class Runner(Base):
    async def run(self, image: CogPath = In(description="an image"), key: Secret = In(default=None)) -> AsyncIterator[str]:
        yield "x"
`,
    }, 'predict.py:Runner');
  });

  it('methods inherited from a base class in the same file; type aliases', async () => {
    await expectSameAsImport({
      'predict.py': `from typing import Optional
from cog import BasePredictor, ConcatenateIterator, Input

Prompt = Optional[str]


class Common(BasePredictor):
    def predict(self, prompt: Prompt = Input(default=None), n: int = 1) -> ConcatenateIterator[str]:
        yield ""


class Predictor(Common):
    def setup(self):
        pass
`,
    });
  });

  it('BaseModel outputs (nested, optional, defaults) and plain-function predictors', async () => {
    await expectSameAsImport(
      {
        'predict.py': `from typing import List, Optional
import cog


class Box(cog.BaseModel):
    x: int
    y: int = 0


class Result(cog.BaseModel):
    """What came out."""
    label: str
    boxes: List[Box]
    mask: Optional[cog.Path] = None


def predict(text: str = cog.Input(description="text", min_length=1)) -> Result:
    return Result(label=text, boxes=[])
`,
      },
      'predict.py:predict',
    );
  });

  it('never imports user code: a module that would fail to import still reads', async () => {
    const dir = project({
      'predict.py': `import torch  # not installed here
raise SystemExit("importing me is a bug")
from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def predict(self, n: int = Input(default=1, ge=1)) -> str:
        return ""
`,
    });
    const result = await staticSchema(dir, 'predict.py:Predictor', 'predict', { fallback: false });
    expect(result.source).toBe('static');
    expect(result.schema?.components?.schemas?.Input?.properties?.n).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
  });

  it('pydantic BaseModel outputs are read as cog.BaseModel (pydantic is never imported)', async () => {
    const dir = project({
      'predict.py': `from pydantic import BaseModel, ConfigDict
from cog import BasePredictor, Path


class Output(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    image: Path
    score: float


class Predictor(BasePredictor):
    def predict(self) -> Output:
        ...
`,
    });
    const result = await staticSchema(dir, 'predict.py:Predictor', 'predict', { fallback: false });
    expect(result.schema?.components?.schemas?.Output).toMatchObject({
      type: 'object',
      properties: { image: { type: 'string', format: 'uri' }, score: { type: 'number' } },
      required: ['image', 'score'],
    });
  });
});

describe('static schema: errors name predict.py:LINE', () => {
  it('an undefined type name', async () => {
    const err = await signatureError({
      'predict.py': `from cog import BasePredictor


class Predictor(BasePredictor):
    def predict(self, image: Imagee) -> str:
        return ""
`,
    });
    expect(err.message).toMatch(/^predict\.py:5:30: cannot resolve type 'Imagee': the name is not defined or imported in predict\.py/);
    expect(err.hint).toContain('"Imagee"');
  });

  it('a predictor class that is not there lists what is', async () => {
    const err = await signatureError({ 'predict.py': 'from cog import BasePredictor\n\n\nclass Runner(BasePredictor):\n    def run(self) -> str:\n        return ""\n' });
    expect(err.message).toBe('predict.py: predictor not found: Predictor is not defined in predict.py; it defines: Runner');
  });

  it('run() and predict() on one class collide', async () => {
    const err = await signatureError({
      'predict.py': 'from cog import BaseRunner\n\n\nclass Predictor(BaseRunner):\n    def run(self) -> str:\n        return ""\n\n    def predict(self) -> str:\n        return ""\n',
    });
    expect(err.message).toMatch(/^predict\.py:4:1: Predictor must define either run\(\) or predict\(\), not both \(run at line 5, predict at line 8\)/);
  });

  it('a misspelt Input() keyword', async () => {
    const err = await signatureError({
      'predict.py': 'from cog import BasePredictor, Input\n\n\nclass Predictor(BasePredictor):\n    def predict(self, n: int = Input(defualt=1)) -> int:\n        return n\n',
    });
    expect(err.message).toMatch(/^predict\.py:5:46: Input\(\) got an unexpected keyword argument 'defualt'/);
  });

  it('a syntax error', async () => {
    const err = await signatureError({ 'predict.py': 'from cog import BasePredictor\n\nclass Predictor(BasePredictor)\n    pass\n' });
    expect(err.message).toMatch(/^predict\.py:3:\d+: invalid Python syntax/);
  });

  it('a local class that is not a BaseModel used as an output', async () => {
    const err = await signatureError({
      'predict.py': 'from cog import BasePredictor\n\n\nclass Thing:\n    pass\n\n\nclass Predictor(BasePredictor):\n    def predict(self) -> Thing:\n        return Thing()\n',
    });
    expect(err.message).toMatch(/^predict\.py:9:26: cannot resolve type 'Thing' - it is not a primitive type/);
  });

  it('the runtime refusing a type points at that parameter', async () => {
    const err = await signatureError({
      'predict.py': 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(\n        self,\n        ok: str,\n        options: dict,\n    ) -> str:\n        return ""\n',
    });
    expect(err.message).toMatch(/^predict\.py:8:1: Unsupported input type dict for parameter `options`/);
  });

  it('the CLI tool itself exits 1 with FILE:LINE:COL on stderr', () => {
    const dir = project({ 'predict.py': 'from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n    def predict(self, x: Nope) -> str:\n        return ""\n' });
    const r = spawnSync('python3', [join(toolsDir(), 'static_schema.py'), '--project', dir, '--ref', 'predict.py:Predictor', '--no-fallback'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^predict\.py:5:26: error: cannot resolve type 'Nope'/);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, kind: 'error', line: 5, name: 'Nope' });
  });
});

describe('static schema: what only an import can tell', () => {
  const external = {
    'predict.py': `from cog import BasePredictor
from helpers import Answer


class Predictor(BasePredictor):
    def predict(self, q: str = "?") -> Answer:
        return Answer(text=q)
`,
    'helpers.py': 'from cog import BaseModel\n\n\nclass Answer(BaseModel):\n    text: str\n',
  };

  it('without the fallback: no schema, and the gap names the type and its line', async () => {
    const result = await staticSchema(project(external), 'predict.py:Predictor', 'predict', { fallback: false });
    expect(result.schema).toBeUndefined();
    expect(result.gap).toMatchObject({ file: 'predict.py', line: 6, name: 'Answer' });
    expect(result.gap?.message).toContain("cannot resolve type 'Answer' (imported from 'helpers')");
  });

  it('with the fallback: the importing generator answers', async () => {
    const dir = project(external);
    const result = await staticSchema(dir, 'predict.py:Predictor', 'predict');
    expect(result.source).toBe('import');
    expect(result.gap?.name).toBe('Answer');
    expect(result.schema).toEqual(importedSchema(dir, 'predict.py:Predictor'));
  });

  it('when the import fails too, the gap says why', async () => {
    const dir = project({
      'predict.py': 'from cog import BasePredictor, Input\nimport not_installed_anywhere\n\nclass Predictor(BasePredictor):\n    def predict(self, n: int = Input(default=not_installed_anywhere.N)) -> int:\n        return n\n',
    });
    const result = await staticSchema(dir, 'predict.py:Predictor', 'predict');
    expect(result.schema).toBeUndefined();
    expect(result.gap).toMatchObject({ line: 5 });
    expect(result.gap?.importError).toMatch(/ModuleNotFoundError: No module named 'not_installed_anywhere'/);
  });
});
