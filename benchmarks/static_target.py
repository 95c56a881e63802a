"""wrk's own ceiling: a fixed 200 answer to every GET, from a raw uvloop protocol (no HTTP framework, no ASGI).
Whatever wrk drives here is the most it can offer from its core; every service figure must sit well below it.

    python benchmarks/static_target.py PORT
"""

import asyncio
import sys

import uvloop

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}"


class Static(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.pending = transport, b""

    def data_received(self, data):
        self.pending += data
        n = self.pending.count(b"\r\n\r\n")  # GETs only: one request per blank line
        if n:
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4:]
            self.transport.write(ANSWER * n)


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Static, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
