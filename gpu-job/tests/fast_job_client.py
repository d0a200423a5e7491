"""One attempt of the fast test job (fast_job.py), run by the warm `fast_job.py --serve SOCKET`:

    python gpu-job/tests/fast_job_client.py SOCKET --shard-dir … --output-dir … (the job's arguments)

It sends its arguments and GOLDPIPE_* environment to the server and exits with the attempt's exit
code. It imports only the standard library, so it starts in a few hundredths of a second.
"""

from __future__ import annotations

import json
import os
import socket
import sys


def main(socket_path: str, argv: list[str]) -> int:
    env = {name: value for name, value in os.environ.items() if name.startswith("GOLDPIPE_")}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(socket_path)
        connection.sendall((json.dumps({"argv": argv, "env": env}) + "\n").encode())
        with connection.makefile("r") as reply:
            return int(reply.readline())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
