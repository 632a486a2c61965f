# SPDX-License-Identifier: Apache-2.0
# socktable_hold.py: holds COUNT established loopback connections to LISTEN_ADDR:PORT, both ends in
# this process, for bench/socktable_cost.sh. Does not: move any bytes, or exceed one process's fd
# cap (2 fds per connection: keep COUNT under half of `ulimit -n`).
# Threads: one; writes READY once every connection is accepted, exits on SIGTERM.
#
# usage: socktable_hold.py LISTEN_ADDR PORT COUNT READY
import os
import signal
import socket
import sys

BACKLOG = 4096
BATCH = 512  # connects before the accepts that drain them; stays under BACKLOG


def main():
    addr, port, count, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, port))
    lst.listen(BACKLOG)
    held = []
    left = count
    while left > 0:
        n = min(BATCH, left)
        for _ in range(n):
            c = socket.socket()
            c.connect((addr, port))
            held.append(c)
        for _ in range(n):
            held.append(lst.accept()[0])
        left -= n
    with open(ready + ".tmp", "w") as f:
        f.write(f"{count}\n")
    os.rename(ready + ".tmp", ready)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
