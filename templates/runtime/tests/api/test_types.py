"""cog.types and prepare_input(): Path from data:/http(s) URLs, Secret, File."""

import http.server
import os
import pathlib
import pickle
import re
import tempfile
import threading
import unittest

from ._util import FIXTURES, cwd


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        if self.path.startswith("/files/hello.txt"):
            body = b"hello over http"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


class TypesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]
        from cog.predictor import load_predictor

        with cwd(os.path.join(FIXTURES, "path_input")):
            cls.sig = load_predictor("predict.py:Predictor").signature

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def _prepare(self, url, tmp):
        ok, values = self.sig.validate_input({"doc": url})
        self.assertTrue(ok, values)
        self.assertEqual(values, {"doc": url})
        return self.sig.prepare_input(values, tmp)["doc"]

    def test_data_uris_become_files(self):
        from cog import Path

        with tempfile.TemporaryDirectory() as tmp:
            doc = self._prepare("data:text/plain;base64,aGVsbG8gd29ybGQ=", tmp)
            self.assertIsInstance(doc, Path)
            self.assertTrue(re.match(r"^tmp\w{8}file\.txt$", doc.name), doc.name)
            self.assertEqual(doc.read_bytes(), b"hello world")
            self.assertEqual(os.path.dirname(str(doc)), tmp)
            self.assertEqual(self._prepare("data:,plain%20text", tmp).read_bytes(), b"plain text")
            png = self._prepare("data:image/png;base64,iVBORw0KGgo=", tmp)
            self.assertTrue(png.name.endswith("file.png"))

    def test_http_download_and_404(self):
        from cog._files import DownloadError

        with tempfile.TemporaryDirectory() as tmp:
            doc = self._prepare(self.base + "/files/hello.txt?x=1", tmp)
            self.assertTrue(doc.name.endswith("hello.txt"), doc.name)
            self.assertEqual(doc.read_bytes(), b"hello over http")
            with self.assertRaises(DownloadError) as ctx:
                self._prepare(self.base + "/files/missing.txt", tmp)
            self.assertIsInstance(ctx.exception, ValueError)
            self.assertEqual(str(ctx.exception), "404 Client Error: Not Found for url: %s/files/missing.txt" % self.base)

    def test_non_string_path_is_a_422_not_a_crash(self):
        ok, errors = self.sig.validate_input({"doc": 7})
        self.assertFalse(ok)
        self.assertEqual([e["type"] for e in errors], ["is_instance_of", "value_error"])

    def test_secret(self):
        from cog import Secret

        secret = Secret("hunter2")
        self.assertEqual(secret.get_secret_value(), "hunter2")
        self.assertEqual(str(secret), "**********")
        self.assertNotIn("hunter2", repr(secret))
        self.assertEqual(str(Secret("")), "")

    def test_secret_fixture_input(self):
        from cog import Secret
        from cog.predictor import load_predictor

        with cwd(os.path.join(FIXTURES, "secret_input")):
            p = load_predictor("predict.py:Predictor")
        ok, values = p.signature.validate_input({"token": "abc", "extra": "12345"})
        self.assertTrue(ok)
        self.assertEqual(p.signature.public_input(values), {"token": "**********", "extra": "**********"})
        kwargs = p.signature.prepare_input(values)
        self.assertIsInstance(kwargs["token"], Secret)
        self.assertEqual(p.predict(**kwargs), "len=3 tail=bc extra=5 type=Secret")

    def test_path_is_a_posix_path(self):
        from cog import Path, URLPath

        self.assertTrue(issubclass(Path, pathlib.PosixPath))
        self.assertEqual(Path("/tmp/x.txt").name, "x.txt")
        self.assertIsInstance(Path("/tmp") / "y", pathlib.Path)
        url = Path.validate("https://example.com/a%20b.png?x=1")
        self.assertIsInstance(url, URLPath)
        self.assertEqual(str(url), "https://example.com/a%20b.png?x=1")
        self.assertEqual(url.filename, "a b.png")
        again = pickle.loads(pickle.dumps(url))
        self.assertEqual(again.source, url.source)
        with self.assertRaises(ValueError) as ctx:
            Path.validate("ftp://x/y")
        self.assertIn("'ftp' is not a valid URL scheme", str(ctx.exception))

    def test_long_filenames_are_truncated(self):
        from cog.types import get_filename

        name = get_filename("https://example.com/" + "a" * 300 + ".txt")
        self.assertEqual(len(name.encode()), 200)
        self.assertTrue(name.endswith("~.txt"))

    def test_file_input(self):
        from cog import File

        handle = File.validate("data:text/plain;base64,aGk=")
        self.assertEqual(handle.read(), b"hi")

    def test_defaults_are_not_validated(self):
        from cog import Input, Path
        from cog.schema import build_signature

        def predict(
            model: Path = Input(default="./local-weights"),
            n: int = Input(default=0, ge=1),
        ) -> str:
            return ""

        sig = build_signature(predict)
        ok, values = sig.validate_input({})
        self.assertTrue(ok)
        self.assertEqual(values, {"model": "./local-weights", "n": 0})
        kwargs = sig.prepare_input(values)
        self.assertEqual(kwargs, {"model": Path("./local-weights"), "n": 0})
        self.assertIsInstance(kwargs["model"], Path)

    def test_concatenate_iterator_alias(self):
        import typing

        from cog import AsyncConcatenateIterator, ConcatenateIterator

        self.assertIs(typing.get_origin(ConcatenateIterator[str]), ConcatenateIterator)
        self.assertEqual(typing.get_args(AsyncConcatenateIterator[str]), (str,))


if __name__ == "__main__":
    unittest.main()
