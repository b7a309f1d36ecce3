"""The floor of a served call for ``bench_crypto_overhead``: a server that does nothing but
answer every request on a keep-alive connection with the same canned bytes (the size of a
GenerateDataKeyPairWithoutPlaintext answer), on uvloop as ``serve`` runs. What the bare
signed client measures against it is the client's own work (signing, ``http.client``,
JSON) and the loopback round trip; what it measures against ``serve`` beyond that is the
server's.

    python benchmarks/_canned_server.py      # prints "listening on http://127.0.0.1:PORT"
    python benchmarks/_canned_server.py --ciphertext   # the answer also holds a CiphertextBlob

With ``--ciphertext`` (bench_vs_moto's ceiling), the answer also carries a CiphertextBlob,
so a client that encrypts first and decrypts what it got back runs its mix against it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import cast

FIELDS = {
    "KeyId": "arn:aws:kms:us-east-1:111122223333:key/" + "0" * 36,
    "KeyPairSpec": "ECC_NIST_P256",
    "PrivateKeyCiphertextBlob": "A" * 400,
    "PublicKey": "B" * 120,
    "KeyMaterialId": "c" * 64,
}
if "--ciphertext" in sys.argv[1:]:
    FIELDS["CiphertextBlob"] = "C" * 204
BODY = json.dumps(FIELDS).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nx-amzn-RequestId: 00000000-0000-4000-8000-000000000000\r\n"
    b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n" % len(BODY)
) + BODY


class Canned(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(ANSWER)


async def main() -> None:
    server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
