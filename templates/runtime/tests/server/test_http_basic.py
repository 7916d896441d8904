"""Endpoints, envelope validation and malformed requests on a simple model."""

import json
import socket

from .helpers import COG_YAML, ServerTest

PREDICT = '''
from cog import BasePredictor, Input, Path


class Predictor(BasePredictor):
    def predict(self, text: str = Input(default="x"), times: int = Input(default=1, ge=1, le=5),
                doc: Path = Input(default=None)) -> str:
        if doc is not None:
            return "file:" + str(doc.parent != doc) + ":" + doc.name + ":" + doc.read_text()
        return text * times
'''


class BasicEndpointsTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML, "predict.py": PREDICT}
    ENV = {"COG_MAX_BODY_BYTES": "200000"}

    def test_index_health_openapi(self):
        r = self.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["predictions_url"], "/predictions")
        self.assertNotIn("trainings_url", r.json)
        h = self.get("/health-check")
        self.assertEqual(h.status, 200)
        self.assertEqual(h.json["status"], "READY")
        self.assertEqual(set(h.json["setup"]), {"started_at", "completed_at", "logs", "status"})
        o = self.get("/openapi.json")
        self.assertEqual(o.status, 200)
        self.assertIn("/predictions", o.json["paths"])
        self.assertIn("text", o.json["components"]["schemas"]["Input"]["properties"])

    def test_sync_prediction_shape(self):
        r = self.post("/predictions", {"input": {"text": "ab", "times": 2}, "bogus": 1})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["output"], "abab")
        self.assertEqual(set(r.json), {"input", "output", "id", "version", "created_at", "started_at", "completed_at",
                                       "logs", "error", "status", "metrics"})
        self.assertEqual(r.json["status"], "succeeded")
        self.assertIsInstance(r.json["metrics"]["predict_time"], float)
        self.assertEqual(r.json["input"], {"text": "ab", "times": 2, "doc": None})

    def test_no_body_and_unknown_inputs(self):
        r = self.post("/predictions")
        self.assertEqual((r.status, r.json["output"]), (200, "x"))
        r = self.post("/predictions", {"input": {"nope": 1}})
        self.assertEqual(r.status, 200)
        self.assertNotIn("nope", r.json["input"])

    def test_idempotent_put(self):
        r = self.put("/predictions/abc", {"input": {"text": "p"}})
        self.assertEqual((r.status, r.json["id"], r.json["output"]), (200, "abc", "p"))
        r = self.put("/predictions/abc", {"input": {"text": "q"}})
        self.assertEqual((r.status, r.json["output"]), (200, "q"))
        r = self.put("/predictions/abc", {"id": "other", "input": {}})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["detail"][0]["loc"], ["body", "id"])
        r = self.put("/predictions/abc")
        self.assertEqual((r.status, r.json["detail"][0]["type"]), (422, "missing"))

    def test_validation_errors(self):
        r = self.post("/predictions", {"input": {"times": 9, "text": 5}})
        self.assertEqual(r.status, 422)
        types = sorted(d["type"] for d in r.json["detail"])
        self.assertEqual(types, ["less_than_equal", "string_type"])
        for d in r.json["detail"]:
            self.assertEqual(d["loc"][:2], ["body", "input"])

    def test_envelope_errors(self):
        cases = [
            ({"raw": b"not json", "headers": {"Content-Type": "application/json"}}, "json_invalid"),
            ({"body": [1, 2]}, "model_attributes_type"),
            ({"body": {"input": "str"}}, "model_attributes_type"),
            ({"body": {"webhook": "not a url"}}, "url_parsing"),
            ({"body": {"webhook": "ftp://x/y"}}, "url_scheme"),
            ({"body": {"webhook_events_filter": ["bogus"]}}, "enum"),
            ({"body": {"id": 5}}, "string_type"),
            ({"raw": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, "json_invalid"),
        ]
        for kwargs, kind in cases:
            r = self.server.request("POST", "/predictions", **kwargs)
            self.assertEqual(r.status, 422, kwargs)
            self.assertEqual(r.json["detail"][0]["type"], kind, kwargs)

    def test_routing(self):
        self.assertEqual(self.get("/nope").status, 404)
        self.assertEqual(self.get("/nope").json, {"detail": "Not Found"})
        self.assertEqual(self.get("/predictions").status, 405)
        self.assertEqual(self.get("/predictions/abc").json, {"detail": "Method Not Allowed"})
        self.assertEqual(self.post("/predictions/unknown/cancel").status, 404)
        self.assertEqual(self.post("/trainings", {"input": {}}).status, 404)
        self.assertEqual(self.get("/docs").status, 200)
        r = self.server.request("HEAD", "/health-check")
        self.assertEqual((r.status, r.raw), (200, b""))
        self.assertGreater(int(r.headers["content-length"]), 0)

    def test_huge_body_is_413(self):
        r = self.post("/predictions", {"input": {"text": "x" * 300000}})
        self.assertEqual(r.status, 413)
        self.assertEqual(self.health()["status"], "READY")

    def health(self):
        return self.server.health()

    def raw_exchange(self, payload):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(payload)
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks)

    def test_malformed_http(self):
        out = self.raw_exchange(b"GARBAGE\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)
        out = self.raw_exchange(b"POST /predictions HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)
        out = self.raw_exchange(b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431 "), out)

    def test_keep_alive_pipelining_and_chunked(self):
        body = b'{"input":{"text":"k"}}'
        req = (b"POST /predictions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
               % (len(body), body))
        chunked = (b"POST /predictions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\n{\"inp\r\n11\r\nut\":{\"text\":\"c\"}}\r\n0\r\n\r\n")
        last = b"GET /health-check HTTP/1.1\r\nConnection: close\r\n\r\n"
        out = self.raw_exchange(req + req + chunked + last)
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 4, out)
        self.assertEqual(out.count(b'"output":"k"'), 2)
        self.assertEqual(out.count(b'"output":"c"'), 1)

    def test_http10(self):
        out = self.raw_exchange(b"GET /health-check HTTP/1.0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK"), out)
        self.assertIn(b"connection: close", out)
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"GET /health-check HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            data = s.recv(65536)
            self.assertIn(b"connection: keep-alive", data)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")  # same connection still served
            rest = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            self.assertIn(b"predictions_url", data + rest)

    def test_chunked_body_in_many_pieces(self):
        body = json.dumps({"input": {"text": "y" * 5000}}).encode()
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"POST /predictions HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            for i in range(0, len(body), 7):
                piece = body[i:i + 7]
                s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            s.sendall(b"0\r\n\r\n")
            out = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                out += data
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK"), out[:200])
        self.assertIn(b'"output":"' + b"y" * 5000 + b'"', out)

    def test_expect_continue(self):
        body = b'{"input":{"text":"e"}}'
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"POST /predictions HTTP/1.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                      b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
            first = s.recv(100)
            self.assertTrue(first.startswith(b"HTTP/1.1 100 Continue"), first)
            s.sendall(body)
            rest = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                rest += data
        self.assertIn(b'"output":"e"', rest)

    def test_file_input_names_cannot_escape(self):
        r = self.post("/predictions", {"input": {"doc": "data:text/plain;base64,aGk="}})
        self.assertEqual(r.status, 200, r.json)
        self.assertTrue(r.json["output"].startswith("file:True:"), r.json)
        self.assertTrue(r.json["output"].endswith(":hi"))
        r = self.post("/predictions", {"input": {"doc": "/etc/passwd"}})
        self.assertEqual(r.status, 422)
        # an id with encoded slashes does not route anywhere (as with Cog): nothing reaches the disk
        r = self.put("/predictions/..%2F..%2Fetc", {"input": {"text": "t"}})
        self.assertEqual(r.status, 404)
        r = self.put("/predictions/..", {"input": {"text": "t"}})
        self.assertEqual((r.status, r.json["id"]), (200, ".."))
