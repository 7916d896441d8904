"""encode_output(): coercion like Cog's response model, files, models, errors."""

import io
import os
import tempfile
import unittest

from ._util import FIXTURES, cwd, golden_step


def _sig(annotation):
    from cog.schema import build_signature

    def predict() -> annotation:  # noqa: ANN202
        return None

    predict.__annotations__["return"] = annotation
    return build_signature(predict)


class EncodeOutputTest(unittest.TestCase):
    def test_bad_output_message_matches_cog(self):
        from cog.predictor import load_predictor
        from cog.schema import OutputTypeError

        expected = golden_step("predict_fails", "bad_output")
        self.assertEqual(expected["status"], 500)
        with cwd(os.path.join(FIXTURES, "predict_fails")):
            sig = load_predictor("predict.py:Predictor").signature
        with self.assertRaises(OutputTypeError) as ctx:
            sig.encode_output("not an integer")
        self.assertEqual(str(ctx.exception), expected["body"]["detail"])
        self.assertEqual(sig.encode_output(42), 42)
        self.assertEqual(sig.encode_output("7"), 7)  # lax, as pydantic

    def test_scalars_and_lists(self):
        from typing import Any, Dict, List, Optional

        self.assertEqual(_sig(float).encode_output(2), 2.0)
        self.assertEqual(_sig(bool).encode_output(1), True)
        self.assertEqual(_sig(str).encode_output(""), "")
        self.assertEqual(_sig(List[str]).encode_output(("a", "b")), ["a", "b"])
        self.assertEqual(_sig(Optional[int]).encode_output(None), None)
        self.assertEqual(_sig(Any).encode_output({"a": (1, 2)}), {"a": [1, 2]})
        self.assertEqual(_sig(dict).encode_output({"k": None}), {"k": None})
        self.assertEqual(_sig(Dict[str, int]).encode_output({"k": 1}), {"k": 1})

    def test_list_item_error_location(self):
        from typing import List

        from cog.schema import OutputTypeError

        with self.assertRaises(OutputTypeError) as ctx:
            _sig(List[int]).encode_output([1, "x"])
        self.assertIn("\noutput.1\n  Input should be a valid integer", str(ctx.exception))

    def test_files_go_through_the_encoder(self):
        from typing import List

        from cog import Path
        from cog.schema import data_uri_encoder

        with tempfile.TemporaryDirectory() as tmp:
            target = os.path.join(tmp, "out.txt")
            with open(target, "w", encoding="utf-8") as fh:
                fh.write("hello file")
            self.assertEqual(_sig(Path).encode_output(Path(target)), "data:text/plain;base64,aGVsbG8gZmlsZQ==")
            seen = []
            encoded = _sig(List[Path]).encode_output([Path(target), target], lambda p: seen.append(p) or "u")
            self.assertEqual(encoded, ["u", "u"])
            self.assertEqual(data_uri_encoder(io.BytesIO(b"ab")), "data:application/octet-stream;base64,YWI=")

    def test_structured_output_fixture(self):
        from cog.predictor import load_predictor

        with cwd(os.path.join(FIXTURES, "structured_output")):
            p = load_predictor("predict.py:Predictor")
        for label, kwargs in (("no_attachment", {}), ("with_attachment", {"phrase": "x y", "attach": True})):
            expected = golden_step("structured_output", label)["body"]["output"]
            values = p.signature.validate_input(kwargs)[1]
            output = p.signature.encode_output(p.predict(**p.signature.prepare_input(values)))
            self.assertEqual(output, expected)

    def test_iterator_items(self):
        from typing import Iterator

        from cog.schema import OutputTypeError

        sig = _sig(Iterator[int])
        self.assertTrue(sig.output_is_iterator)
        self.assertEqual(sig.encode_output_item("3"), 3)
        with self.assertRaises(OutputTypeError):
            sig.encode_output_item("x")

    def test_model_errors(self):
        from cog import BaseModel
        from cog.schema import OutputTypeError

        class Output(BaseModel):
            a: int
            b: str = "x"

        sig = _sig(Output)
        self.assertEqual(sig.encode_output(Output(a=1)), {"a": 1, "b": "x"})
        self.assertEqual(sig.encode_output({"a": "2"}), {"a": 2, "b": "x"})
        with self.assertRaises(OutputTypeError):
            sig.encode_output({"b": "y"})
        with self.assertRaises(TypeError):
            Output(b="only")


if __name__ == "__main__":
    unittest.main()
