# SPDX-License-Identifier: Apache-2.0
# socktable_peers.py: opens listeners and holds established connections to them, for the socket
# source's tests. Does not: speak any protocol on them; the bytes never move.
# Threads: one; SIGUSR1 closes every connection (listeners stay), SIGTERM exits.
#
# usage: socktable_peers.py --ready FILE GROUP...
#   GROUP = name,listen_addr,v6only,client_addr,count[,port]   (port 0 or absent: any free one)
#   e.g. v4,127.0.0.1,0,127.0.0.1,5   v6,::1,1,::1,4   mapped,::ffff:127.0.0.1,0,127.0.0.1,3
# Writes "name port" lines to FILE once every connection is accepted (written whole, by rename),
# and "closed" to FILE.closed once SIGUSR1 has closed them.
import argparse
import os
import signal
import socket
import sys

BACKLOG = 1024


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def open_group(spec):
    parts = spec.split(",")
    if len(parts) not in (5, 6):
        sys.exit(f"bad group {spec!r}")
    name, addr, v6only, client_addr, count = parts[:5]
    port = int(parts[5]) if len(parts) == 6 else 0
    lst = socket.socket(family_of(addr), socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(addr) == socket.AF_INET6:
        lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
    lst.bind((addr, port))
    lst.listen(BACKLOG)
    port = lst.getsockname()[1]
    conns = []
    # Connect and accept in turn so the accept queue never fills, whatever the count.
    for _ in range(int(count)):
        c = socket.socket(family_of(client_addr), socket.SOCK_STREAM)
        c.connect((client_addr, port))
        s, _ = lst.accept()
        conns += [c, s]
    return name, port, lst, conns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready", required=True)
    ap.add_argument("groups", nargs="+")
    args = ap.parse_args()

    groups = [open_group(g) for g in args.groups]

    def close_all(signum, frame):
        for _, _, _, conns in groups:
            for c in conns:
                c.close()
            conns.clear()
        with open(args.ready + ".closed", "w") as f:
            f.write("closed\n")

    signal.signal(signal.SIGUSR1, close_all)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        for name, port, _, _ in groups:
            f.write(f"{name} {port}\n")
    os.rename(tmp, args.ready)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
