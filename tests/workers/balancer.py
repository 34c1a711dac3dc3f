"""A minimal load balancer for the tests: round robin over the workers, failing over.

Each request goes to the next worker in turn, counted per incoming connection: the requests
sent on one connection (one person's, in the tests) alternate between the workers. When a
worker cannot be reached or drops the connection before answering (it died), the same request
goes to the next worker, as nginx's `proxy_next_upstream error timeout non_idempotent` does;
an answer, even an error status, is passed back as it is. `served` keeps which worker
answered each request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

GIVE_UP_AFTER = 60.0


class Balancer:
    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.served: list[tuple[bytes, int]] = []  # (request body, index of the worker)
        self.failovers = 0
        self._next: dict[object, int] = {}
        self.app = Starlette(
            routes=[Route("/{path:path}", self._forward, methods=["GET", "POST"])],
            lifespan=self._lifespan,
        )

    @asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=2.0)) as client:
            self._client = client
            yield

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        deadline = time.monotonic() + GIVE_UP_AFTER
        connection = request.client
        while True:
            index = self._next.get(connection, 0)
            self._next[connection] = (index + 1) % len(self.upstreams)
            try:
                answer = await self._client.request(
                    request.method,
                    self.upstreams[index] + request.url.path,
                    content=body,
                    headers=headers,
                )
            except httpx.TransportError:
                self.failovers += 1
                if time.monotonic() > deadline:
                    return Response("no worker answered", status_code=502)
                await asyncio.sleep(0.05)
                continue
            self.served.append((body, index))
            return Response(answer.content, status_code=answer.status_code)
