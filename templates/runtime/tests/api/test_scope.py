"""current_scope()/emit_metric/record_metric: modes, nesting, name and type rules."""

import asyncio
import unittest


class ScopeTest(unittest.TestCase):
    def test_modes_and_nesting(self):
        from cog.scope import current_scope, new_scope, use_scope

        scope = new_scope({"k": "v"})
        with use_scope(scope):
            current = current_scope()
            self.assertIs(current, scope)
            current.record_metric("temperature", 0.7)
            current.record_metric("tokens", 1, mode="incr")
            current.record_metric("tokens", 2, mode="incr")
            current.record_metric("steps", "a", mode="append")
            current.record_metric("steps", "b", mode="append")
            current.record_metric("timing.inference", 0.85)
            current.record_metric("timing.preprocess", 0.12)
            current.metrics["status"] = "done"
            current.record_metric("gone", 1)
            current.record_metric("gone", None)
        self.assertEqual(
            scope.metrics,
            {
                "temperature": 0.7,
                "tokens": 3,
                "steps": ["a", "b"],
                "timing": {"inference": 0.85, "preprocess": 0.12},
                "status": "done",
            },
        )
        self.assertEqual(scope.context, {"k": "v"})

    def test_emit_metric_and_runner_helpers(self):
        import cog
        from cog.scope import new_scope, use_scope

        class Runner(cog.BaseRunner):
            def run(self) -> str:
                self.record_metric("count", 1)
                self.scope.metrics["other"] = True
                cog.emit_metric("via_emit", 2)
                return "x"

        scope = new_scope()
        with use_scope(scope):
            Runner().run()
        self.assertEqual(scope.metrics, {"count": 1, "other": True, "via_emit": 2})

    def test_invalid_names_and_values(self):
        from cog.scope import new_scope

        scope = new_scope()
        for name in ("_token", "token_", "foo__bar", ".foo", "foo..bar", "foo bar", "cog.system", "predict_time",
                     "a.b.c.d.e", "x" * 129, "", "1abc"):
            with self.subTest(name=name), self.assertRaises(ValueError):
                scope.record_metric(name, 1)
        for name in ("temperature", "token_count", "TTFT", "T2I_latency", "timing.preprocess", "a"):
            scope.record_metric(name, 1)
        with self.assertRaises(TypeError):
            scope.record_metric("obj", object())
        with self.assertRaises(ValueError):
            scope.record_metric("nan", float("nan"))
        with self.assertRaises(ValueError):
            scope.record_metric("m", 1, mode="bogus")
        scope.record_metric("count", 1)
        with self.assertRaises(TypeError):
            scope.record_metric("count", "oops")
        del scope.metrics["count"]
        scope.record_metric("count", "now a string")
        with self.assertRaises(TypeError):
            scope.record_metric("count", 1, mode="incr")
        with self.assertRaises(TypeError):
            scope.record_metric("label", "x", mode="incr")

    def test_outside_a_prediction_is_a_no_op(self):
        from cog import current_scope

        current_scope().record_metric("anything", 1)
        self.assertEqual(dict(current_scope().metrics), {})

    def test_async_tasks_have_their_own_scope(self):
        from cog.scope import current_scope, new_scope, set_scope

        async def one(name):
            scope = new_scope()
            set_scope(scope)
            await asyncio.sleep(0)
            current_scope().record_metric("who", name)
            await asyncio.sleep(0)
            return scope.metrics

        async def both():
            return await asyncio.gather(one("a"), one("b"))

        self.assertEqual(asyncio.run(both()), [{"who": "a"}, {"who": "b"}])


class ErrorsTest(unittest.TestCase):
    def test_cancelation_exception(self):
        import cog

        self.assertIs(cog.CancelationException, cog.CancellationException)
        self.assertTrue(issubclass(cog.CancelationException, Exception))


if __name__ == "__main__":
    unittest.main()
