"""--x-mode train: /trainings routes next to /predictions."""

from .helpers import ServerTest

TRAIN = '''
from cog import Input


def train(steps: int = Input(default=2, ge=1)) -> str:
    print("training", steps)
    return "trained %d" % steps
'''

PREDICT = '''
from cog import BasePredictor


class Predictor(BasePredictor):
    def predict(self, prompt: str = "p") -> str:
        return prompt
'''


class TrainModeTest(ServerTest):
    FILES = {"cog.yaml": 'predict: "predict.py:Predictor"\ntrain: "train.py:train"\n', "train.py": TRAIN, "predict.py": PREDICT}
    ARGS = ("--x-mode", "train")

    def test_routes(self):
        index = self.get("/").json
        self.assertEqual(index["trainings_url"], "/trainings")
        paths = self.get("/openapi.json").json["paths"]
        self.assertIn("/trainings", paths)
        self.assertIn("/predictions", paths)
        r = self.post("/trainings", {"input": {"steps": 3}})
        self.assertEqual((r.status, r.json["output"], r.json["logs"]), (200, "trained 3", "training 3\n"))
        r = self.put("/trainings/t1", {"input": {}})
        self.assertEqual((r.status, r.json["id"]), (200, "t1"))
        r = self.post("/trainings", {"input": {"steps": 0}})
        self.assertEqual(r.status, 422)
        self.assertEqual(self.post("/trainings/nope/cancel").status, 404)
        r = self.post("/trainings", {"input": {}}, headers={"Accept": "text/event-stream"})
        self.assertEqual(r.status, 406)
