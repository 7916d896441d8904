"""validate_input() answers what Cog 0.16.12 (pydantic 2) answered in the bench.

Each case: the fixture, the step label in the golden recording, and the
request's `input` (as sent by the bench's cases.py). A 422 golden must give the
same error list; a 200 golden must echo the same validated `input`.
"""

import os
import unittest

from ._util import FIXTURES, cwd, diff, golden_step

CASES = [
    ("constraints", "empty_input", {}),
    ("constraints", "all_bad", {"name": "b", "code": "abc", "color": "pink", "level": 4, "numbers": "x"}),
    ("constraints", "too_long", {"name": "waytoolongname"}),
    ("constraints", "list_given_scalar", {"name": "bob", "numbers": 5}),
    ("constraints", "int_choice_as_string", {"name": "bob", "level": "2"}),
    ("constraints", "list_mixed", {"name": "bob", "numbers": [1, "2", 3.0]}),
    ("constraints", "optional_null", {"name": "bob", "note": None}),
    ("constraints", "empty_list", {"name": "bob", "numbers": []}),
    ("constraints", "minimal", {"name": "bob"}),
    ("constraints", "full", {"name": "alice", "code": "XYZ", "color": "blue", "level": 3, "note": "n", "numbers": [4, 5, 6]}),
    ("scalar_inputs", "empty_input", {}),
    ("scalar_inputs", "explicit", {"word": "hi", "times": 3, "scale": 2.5, "shout": True}),
    ("scalar_inputs", "strings_for_numbers", {"times": "3", "scale": "2", "shout": "true"}),
    ("scalar_inputs", "float_for_int", {"times": 3.7}),
    ("scalar_inputs", "whole_float_for_int", {"times": 3.0}),
    ("scalar_inputs", "int_for_float", {"scale": 2}),
    ("scalar_inputs", "int_for_bool", {"shout": 1}),
    ("scalar_inputs", "number_for_str", {"word": 5}),
    ("scalar_inputs", "above_le_below_ge", {"times": 9, "scale": -1}),
    ("scalar_inputs", "edge_values", {"times": 5, "scale": 0}),
    ("scalar_inputs", "wrong_types", {"times": [1], "shout": "maybe", "word": {"a": 1}}),
    ("scalar_inputs", "null_for_int", {"times": None}),
    ("scalar_inputs", "unknown_field", {"bogus": 1}),
    ("path_input", "ftp_scheme", {"doc": "ftp://example.invalid/x.txt"}),
    ("path_input", "bare_path", {"doc": "/etc/hostname"}),
    ("path_input", "bad_base64", {"doc": "data:text/plain;base64,!!!notbase64"}),
    ("path_input", "missing", {}),
    ("path_input", "base64", {"doc": "data:text/plain;base64,aGVsbG8gd29ybGQ="}),
    ("path_input", "plain_percent", {"doc": "data:,plain%20text"}),
    ("secret_input", "missing", {}),
    ("secret_input", "number", {"token": 5}),
    ("secret_input", "required_only", {"token": "s3cr3t-value"}),
    ("secret_input", "both", {"token": "abc", "extra": "12345"}),
    ("train_basic", "train_bad_input", {"steps": 0}),
    ("train_basic", "train_put", {"steps": 1, "tag": "t"}),
    ("noop", "value", {"value": "abc"}),
    ("noop", "input_not_object", "str"),
]


def _signature(fixture, mode):
    from cog.config import read_config
    from cog.predictor import load_predictor

    fixture_dir = os.path.join(FIXTURES, fixture)
    with cwd(fixture_dir):
        config = read_config("cog.yaml")
        return load_predictor(config[mode], mode=mode).signature


class GoldenValidationTest(unittest.TestCase):
    def test_cases(self):
        for fixture, label, payload in CASES:
            step = golden_step(fixture, label)
            mode = "train" if label.startswith("train_") else "predict"
            sig = _signature(fixture, mode)
            with self.subTest(fixture=fixture, label=label):
                ok, result = sig.validate_input(payload)
                if step["status"] == 422:
                    self.assertFalse(ok, result)
                    self.assertEqual(diff(result, step["body"]["detail"]), [])
                else:
                    self.assertEqual(step["status"], 200)
                    self.assertTrue(ok, result)
                    self.assertEqual(diff(sig.public_input(result), step["body"]["input"]), [])


if __name__ == "__main__":
    unittest.main()
