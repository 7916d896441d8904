# setup() that takes weights (COG_WEIGHTS or ./weights).
from typing import Optional

from cog import BasePredictor, Path


class Predictor(BasePredictor):
    def setup(self, weights: Optional[Path] = None):
        self.weights = weights

    def predict(self) -> str:
        return "none" if self.weights is None else self.weights.read_text()
