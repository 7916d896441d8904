# choices on a float input: Cog refuses the signature.
from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def predict(self, x: float = Input(default=1.0, choices=[1.0, 2.0])) -> str:
        return str(x)
