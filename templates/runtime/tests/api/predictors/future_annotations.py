# PEP 563 postponed annotations, PEP 604 unions and builtin generics.
from __future__ import annotations

from cog import BaseModel, BasePredictor, Input, Path


class Output(BaseModel):
    text: str
    score: float | None = None
    files: list[Path] = []


class Predictor(BasePredictor):
    def predict(self, prompt: str = Input(default="hi"), n: int | None = None, sizes: list[int] = [1]) -> Output:
        return Output(text=prompt * (n or 1), score=0.5)
