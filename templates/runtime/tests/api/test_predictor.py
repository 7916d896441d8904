"""load_predictor(): classes, functions, async, decorators, weights, healthcheck."""

import asyncio
import inspect
import os
import tempfile
import unittest

from ._util import PREDICTORS, cwd, load


class LoadPredictorTest(unittest.TestCase):
    def test_runner_with_run(self):
        p = load("runner_basic.py:Runner")
        self.assertFalse(p.is_async)
        self.assertEqual(p.max_concurrency, 1)
        self.assertFalse(p.streaming)
        self.assertFalse(p.has_healthcheck)
        p.setup()
        self.assertEqual(p.predict(text="a", count=3), "a:3")
        names = [f.name for f in p.signature.fields]
        self.assertEqual(names[:3], ["text", "count", "ratio"])

    def test_default_class_name(self):
        p = load("runner_basic.py")
        self.assertEqual(p.predict(text="x", count=1), "x:1")

    def test_future_annotations_and_pep604(self):
        p = load("future_annotations.py:Predictor")
        doc = p.signature.openapi()
        props = doc["components"]["schemas"]["Input"]["properties"]
        self.assertEqual(props["n"], {"nullable": True, "title": "N", "type": "integer", "x-order": 1})
        self.assertEqual(props["sizes"]["items"], {"type": "integer"})
        output = doc["components"]["schemas"]["Output"]
        self.assertEqual(output["required"], ["text"])
        self.assertEqual(output["properties"]["score"], {"nullable": True, "title": "Score", "type": "number"})
        self.assertEqual(
            output["properties"]["files"],
            {"default": [], "items": {"format": "uri", "type": "string"}, "title": "Files", "type": "array"},
        )
        value = p.signature.encode_output(p.predict(prompt="a", n=2, sizes=[1]))
        self.assertEqual(value, {"text": "aa", "score": 0.5, "files": []})

    def test_plain_functions_predict_and_train(self):
        p = load("plain_function.py:predict")
        self.assertEqual(p.predict(word="hey"), "HEY")
        p.setup()  # no setup: a no-op
        t = load("plain_function.py:train", mode="train", other_ref=os.path.join(PREDICTORS, "plain_function.py:predict"))
        doc = t.signature.openapi()
        schemas = doc["components"]["schemas"]
        self.assertIn("/trainings", doc["paths"])
        self.assertEqual(schemas["TrainingOutput"]["required"], ["weights"])
        self.assertEqual(schemas["Input"]["required"], ["word"])
        out = t.signature.encode_output(t.predict(steps=2), lambda path: "file:" + os.path.basename(str(path)))
        self.assertTrue(out["weights"].startswith("file:"))

    def test_async_generator_concurrent_streaming(self):
        p = load("async_streaming.py:Runner")
        self.assertTrue(p.is_async)
        self.assertTrue(p.is_async_generator)
        self.assertEqual(p.max_concurrency, 4)
        self.assertTrue(p.streaming)
        self.assertTrue(p.has_healthcheck)
        self.assertTrue(p.signature.output_is_iterator)

        async def drive():
            setup = p.setup()
            if inspect.isawaitable(setup):
                await setup
            return [p.signature.encode_output_item(item) async for item in p.predict(words=2)]

        self.assertEqual(asyncio.run(drive()), ["w0 ", "w1 "])
        self.assertTrue(p.healthcheck())
        doc = p.signature.openapi()
        self.assertEqual(doc["components"]["schemas"]["Output"]["x-cog-array-display"], "concatenate")
        self.assertIs(doc["paths"]["/predictions"]["post"]["x-cog-streaming"], True)
        self.assertNotIn("x-cog-streaming", load("runner_basic.py").signature.openapi()["paths"]["/predictions"]["post"])

    def test_streaming_needs_an_iterator_output(self):
        with self.assertRaises(TypeError) as ctx:
            load("bad_streaming.py:Predictor")
        self.assertIn("@streaming requires Iterator[...]", str(ctx.exception))

    def test_trainer_class_and_wrapped_output(self):
        t = load("trainer_class.py:Trainer", mode="train")
        schemas = t.signature.openapi(predict=load("trainer_class.py:Predictor").signature)["components"]["schemas"]
        self.assertEqual(schemas["TrainingOutput"], {"$ref": "#/components/schemas/Result", "title": "TrainingOutput"})
        self.assertEqual(schemas["Result"]["required"], ["loss"])
        self.assertEqual(schemas["Output"]["x-cog-array-type"], "iterator")
        self.assertEqual(t.signature.encode_output(t.predict(lr=0.5)), {"loss": 0.25, "steps": 1})

    def test_streaming_with_parentheses_on_plain_class(self):
        p = load("trainer_class.py:Predictor")
        self.assertTrue(p.streaming)
        self.assertTrue(p.is_generator)
        self.assertEqual(list(p.predict(n=3)), [0, 1, 2])

    def test_weights_from_file_and_env(self):
        with tempfile.TemporaryDirectory() as tmp, cwd(tmp):
            p = load("weights_setup.py:Predictor")
            p.setup()
            self.assertEqual(p.predict(), "none")
            with open("weights", "w", encoding="utf-8") as fh:
                fh.write("local")
            p.setup()
            self.assertEqual(p.predict(), "local")
            os.environ["COG_WEIGHTS"] = "data:text/plain;base64,cmVtb3Rl"
            try:
                p.setup()
            finally:
                del os.environ["COG_WEIGHTS"]
            self.assertEqual(p.predict(), "remote")

    def test_signature_errors(self):
        with self.assertRaises(TypeError) as ctx:
            load("bad_choices.py:Predictor")
        self.assertEqual(
            str(ctx.exception),
            "The input x uses the option choices. Choices can only be used with str or int types.",
        )
        with self.assertRaises(TypeError) as ctx:
            load("no_return.py:Predictor")
        self.assertIn("You must set an output type", str(ctx.exception))

    def test_missing_class(self):
        with self.assertRaises(AttributeError):
            load("runner_basic.py:Nope")

    def test_concurrent_rejects_sync_and_bad_values(self):
        import cog

        with self.assertRaises(TypeError):
            cog.concurrent(max=2)(lambda: None)
        with self.assertRaises(ValueError):
            cog.concurrent(max=0)
        with self.assertRaises(TypeError):
            cog.concurrent(max=True)

        @cog.concurrent
        def one():
            return 1

        self.assertEqual(one.__cog_concurrent_max__, 1)


if __name__ == "__main__":
    unittest.main()
