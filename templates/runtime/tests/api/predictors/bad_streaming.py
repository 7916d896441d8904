# @streaming on a predict() that does not return an iterator: Cog refuses it.
from cog import BasePredictor, streaming


class Predictor(BasePredictor):
    @streaming
    def predict(self, x: str = "a") -> str:
        return x
