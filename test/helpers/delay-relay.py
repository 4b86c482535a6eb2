#!/usr/bin/env python3
"""
A TCP relay that adds latency, for hosts whose kernel has no sch_netem.

Run inside a sandbox host, with iptables REDIRECT sending that host's peer traffic (both
directions) to PORT. Each accepted connection is relayed to its original destination
(SO_ORIGINAL_DST); every chunk is held DELAY_MS before it is passed on, in order, in both
directions, so a round trip through the relay takes 2 x DELAY_MS longer. Upstream sockets carry
MARK so the REDIRECT rule lets them through.

    delay-relay.py PORT DELAY_MS MARK
"""
import asyncio
import socket
import struct
import sys

PORT, DELAY, MARK = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, int(sys.argv[3], 0)
SO_ORIGINAL_DST = 80


def original_dst(sock):
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port, packed = struct.unpack_from("!2xH4s", raw)
    return socket.inet_ntoa(packed), port


async def pump(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def delayed_writer():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.create_task(delayed_writer())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + DELAY, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((loop.time() + DELAY, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def handle(creader, cwriter):
    host, port = original_dst(cwriter.get_extra_info("socket"))
    up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
    up.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(up, (host, port))
        ureader, uwriter = await asyncio.open_connection(sock=up)
    except OSError:
        cwriter.close()
        up.close()
        return
    await asyncio.gather(pump(creader, uwriter), pump(ureader, cwriter))


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
