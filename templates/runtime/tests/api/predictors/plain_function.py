# A plain function as the predictor, and a trainer function in the same file.
from cog import BaseModel, Input, Path


def predict(word: str = Input(description="A word")) -> str:
    return word.upper()


class TrainingOutput(BaseModel):
    weights: Path


def train(steps: int = Input(default=1, ge=1)) -> TrainingOutput:
    import tempfile

    path = tempfile.mktemp(suffix=".bin")
    with open(path, "wb") as fh:
        fh.write(b"w" * steps)
    return TrainingOutput(weights=Path(path))
