# A trainer class with train(), returning a non-Output model (wrapped like Cog).
from typing import Iterator

from cog import BaseModel, Input, streaming


class Result(BaseModel):
    loss: float
    steps: int = 1


class Trainer:
    def setup(self):
        pass

    def train(self, lr: float = Input(default=0.1)) -> Result:
        return Result(loss=lr / 2)


class Predictor:
    def setup(self, weights=None):
        self.weights = weights

    @streaming()
    def predict(self, n: int = 2) -> Iterator[int]:
        for i in range(n):
            yield i
