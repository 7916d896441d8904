# The prediction interface. Reference: https://cog.run/python
#
# Try it:  edgecog run -i text="hello" -i repeat=2

from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def setup(self) -> None:
        """Runs once when the container starts: load weights here, not in predict()."""
        # import torch
        # self.model = torch.load("./weights.pth", map_location="cpu")
        self.separator = " "

    def predict(
        self,
        text: str = Input(description="Text to echo back"),
        repeat: int = Input(description="How many times to repeat it", default=1, ge=1, le=10),
    ) -> str:
        """Runs once per prediction, with validated inputs."""
        # output = self.model(preprocess(text))
        return self.separator.join([text] * repeat)
