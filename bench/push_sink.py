# SPDX-License-Identifier: Apache-2.0
# push_sink.py: a tiny stand-in adapter for bench/sidecar_cost.sh: accepts POST /ingest/v1/reports
#   over HTTPS keep-alive, answers 204, and appends one line per Report ("POD ACTIVE_CONNECTIONS")
#   to OUT so the bench can check the pushes arrived.
# Does not: check the token, keep state, or decode more of wsscale.v1.Report than fields 2 (pod)
#   and 7 (active_connections).
# Threads: one per client connection (ThreadingHTTPServer); writes "listening" once bound.
#
# usage: /usr/bin/python3 push_sink.py PORT CERT KEY OUT
import http.server
import ssl
import sys
import threading

LOCK = threading.Lock()


def varint(buf, i):
    """Decodes a protobuf varint at buf[i]; returns (value, next index)."""
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def report_fields(buf):
    """(pod, active_connections) of a serialized Report; walks every field, skips the others."""
    pod, active, i = "", 0, 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
            if field == 7:
                active = value
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = varint(buf, i)
            if field == 2:
                pod = buf[i:i + n].decode()
            i += n
        else:
            raise ValueError(f"wire type {wire}")
    return pod, active


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            pod, active = report_fields(body)
        except (IndexError, ValueError, UnicodeDecodeError):
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with LOCK, open(self.server.out, "a") as f:
            f.write(f"{pod} {active}\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    port, cert, key, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.out = out
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
