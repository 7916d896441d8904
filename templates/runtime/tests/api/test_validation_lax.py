"""validate_input() coerces and rejects values exactly as pydantic 2's lax mode does.

data/pydantic_lax.json was recorded from pydantic 2.13 (the stack of a Cog
0.16 image); the runtime itself never imports pydantic.
"""

import json
import os
import typing
import unittest
from typing import List, Literal, Optional, Union  # noqa: F401 - used by eval() of the recorded type names

from . import _util  # noqa: F401 - puts the runtime on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))


def _signature(annotation):
    from cog.schema import build_signature

    def predict(x) -> str:  # noqa: ANN001
        return ""

    predict.__annotations__["x"] = annotation
    return build_signature(predict)


class LaxValidationTest(unittest.TestCase):
    def test_recorded_cases(self):
        with open(os.path.join(HERE, "data", "pydantic_lax.json"), encoding="utf-8") as fh:
            cases = json.load(fh)["cases"]
        self.assertGreater(len(cases), 200)
        signatures = {}
        for case in cases:
            name = case["type"]
            if name not in signatures:
                signatures[name] = _signature(eval(name, vars(typing)))  # noqa: S307 - test data
            with self.subTest(type=name, value=case["value"]):
                ok, got = signatures[name].validate_input({"x": case["value"]})
                if case["ok"]:
                    self.assertTrue(ok, got)
                    self.assertEqual(got["x"], case["result"])
                    self.assertIs(type(got["x"]), type(case["result"]))
                else:
                    self.assertFalse(ok, got)
                    for err in case["errors"]:
                        err["loc"] = ["body", "input", "x"] + err["loc"]
                    self.assertEqual(got, case["errors"])


if __name__ == "__main__":
    unittest.main()
