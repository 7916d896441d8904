# Async generator output with @cog.concurrent and @cog.streaming, plus a healthcheck.
import asyncio

import cog
from cog import AsyncConcatenateIterator, BaseRunner, Input


class Runner(BaseRunner):
    async def setup(self):
        await asyncio.sleep(0)
        self.healthy = True

    @cog.streaming
    @cog.concurrent(max=4)
    async def run(self, words: int = Input(default=3, ge=0)) -> AsyncConcatenateIterator[str]:
        for i in range(words):
            yield "w%d " % i

    def healthcheck(self) -> bool:
        return self.healthy
