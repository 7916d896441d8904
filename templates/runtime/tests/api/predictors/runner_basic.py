# BaseRunner with run(), every scalar type, Input constraints and a Secret.
from typing import List, Literal, Optional, Union

from cog import BaseRunner, Input, Path, Secret


class Runner(BaseRunner):
    def setup(self):
        self.ready = True

    def run(
        self,
        text: str = Input(description="Some text", min_length=1),
        count: int = Input(default=2, ge=1, le=10),
        ratio: float = 0.5,
        flag: bool = False,
        mode: Literal["fast", "slow"] = "fast",
        tags: List[str] = Input(default=["a"], description="Tags"),
        maybe: Optional[int] = None,
        either: Union[int, str] = 1,
        token: Secret = Input(default=None, description="API token"),
        image: Optional[Path] = Input(default=None, description="An image"),
        old: str = Input(default="x", deprecated=True),
    ) -> str:
        return "%s:%d" % (text, count)
