#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# fake_kube_api.py: the one Kubernetes API stand-in of the tests: TokenReview and
# SubjectAccessReview over HTTPS, answered as the apiserver answers them, and GET of ConfigMap
# kube-system/extension-apiserver-authentication, and pod LIST and WATCH (/api/v1/pods) in the
# apiserver's wire format; every request recorded.
# Does not: implement RBAC, JWTs or any other API; answers come from the --tokens / --sar-rules
# files, the ConfigMap from --configmap (re-read on every GET, so a test can rotate it; a
# file holding a Status document is answered with that Status and its code), and the pods from
# --pods: a file {"pods": [{"namespace", "name", "uid", "phase"[, "annotation_bytes"]}...],
# "expire": N} re-read every
# 50 ms; a pod added, changed or gone becomes an ADDED / MODIFIED / DELETED event with the next
# resourceVersion, and raising "expire" compacts history: open watches get the 410 ERROR event,
# as do new ones from an older resourceVersion; a non-zero "watch_status" N refuses every new
# WATCH outright with a Status of code N (an etcd-backed 410, a 500, RBAC's 403).
# Threads: one thread per connection (ThreadingHTTPServer); the record file is under one lock.
#
# fake_kube_api.py --cert C --key K --client-ca CA --port-file F --record R.jsonl
#     [--tokens T.json] [--sar-rules R.json] [--caller-token T] [--delay-ms N] [--fail-status CODE]
#     [--configmap CM.json] [--pods PODS.json]
# Listens on 127.0.0.1, port 0; writes the port to F (atomically) once listening.

import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
AUTHN_CM_PATH = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"
PODS_PATH = "/api/v1/pods"
MAX_BODY = 3 * 1024 * 1024  # the apiserver's request body limit
PODS_POLL_S = 0.05          # how often --pods is re-read (and a watch looks for news)
BOOKMARK_EVERY_S = 2.0      # a watch with allowWatchBookmarks gets one this often when idle
MAX_WATCH_S = 300           # the longest timeoutSeconds honoured

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
           410: "Expired", 429: "TooManyRequests", 500: "InternalError",
           503: "ServiceUnavailable"}


def status_doc(code, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": REASONS.get(code, "Unknown"), "code": code}


class Pods:
    """The pods of --pods as the apiserver's watch cache holds them: objects, a resourceVersion
    counter, the event history since the last compaction."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.rv = 1
        self.compacted = 0   # a watch from an older resourceVersion gets 410
        self.expire = 0      # the last "expire" seen in the file
        self.watch_status = 0  # non-zero: new watches are refused with this code
        self.objects = {}    # uid -> pod object
        self.events = []     # (rv, type, object)
        self.last_text = None

    def _obj(self, p, rv, deleting=False):
        meta = {"name": p.get("name", ""), "namespace": p.get("namespace", "default"),
                "uid": p["uid"], "resourceVersion": str(rv),
                "creationTimestamp": "2026-11-28T00:00:00Z",
                "labels": p.get("labels") or {}}
        if p.get("annotation_bytes"):  # a large pod, as injected sidecars make them
            meta["annotations"] = {"example.com/pad": "x" * int(p["annotation_bytes"])}
        if deleting or p.get("deleting"):
            meta["deletionTimestamp"] = "2026-11-28T00:10:00Z"
            meta["deletionGracePeriodSeconds"] = 0
        return {"kind": "Pod", "apiVersion": "v1", "metadata": meta,
                "spec": {"containers": [{"name": "ws", "image": "wsscale-server"}]},
                "status": {"phase": p.get("phase", "Running")}}

    def sync(self):
        """Re-reads the file and turns what changed into events."""
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
            doc = json.loads(text)
        except (OSError, ValueError):
            return
        with self.lock:
            if text == self.last_text:
                return
            self.last_text = text
            want = {p["uid"]: p for p in doc.get("pods") or []}
            for uid, p in want.items():
                old = self.objects.get(uid)
                if old is not None and old["status"]["phase"] == p.get("phase", "Running") and \
                        ("deletionTimestamp" in old["metadata"]) == bool(p.get("deleting")):
                    continue
                self.rv += 1
                obj = self._obj(p, self.rv)
                self.objects[uid] = obj
                self.events.append((self.rv, "ADDED" if old is None else "MODIFIED", obj))
            for uid in [u for u in self.objects if u not in want]:
                old = self.objects.pop(uid)
                self.rv += 1
                obj = json.loads(json.dumps(old))
                obj["metadata"]["resourceVersion"] = str(self.rv)
                obj["metadata"].setdefault("deletionTimestamp", "2026-11-28T00:10:00Z")
                self.events.append((self.rv, "DELETED", obj))
            self.watch_status = int(doc.get("watch_status", 0))
            expire = int(doc.get("expire", 0))
            if expire != self.expire:
                self.expire = expire
                self.rv += 1
                self.compacted = self.rv
                self.events = []

    def page(self, limit, offset):
        with self.lock:
            items = sorted(self.objects.values(), key=lambda o: o["metadata"]["uid"])
            out = []
            for o in items[offset:offset + limit if limit > 0 else None]:
                o = dict(o)
                o.pop("kind", None)
                o.pop("apiVersion", None)
                out.append(o)
            more = limit > 0 and offset + limit < len(items)
            return self.rv, out, more

    def since(self, rv):
        """(events after rv, current rv, is too old)."""
        with self.lock:
            if rv < self.compacted:
                return [], self.rv, True
            return [e for e in self.events if e[0] > rv], self.rv, False


class State:
    def __init__(self, args):
        self.args = args
        self.pods = Pods(args.pods) if args.pods else None
        self.tokens = load_json(args.tokens, {})
        self.rules = load_json(args.sar_rules, [])
        self.record_lock = threading.Lock()
        self.record = open(args.record, "a", encoding="utf-8")

    def write_record(self, entry):
        with self.record_lock:
            self.record.write(json.dumps(entry, sort_keys=True) + "\n")
            self.record.flush()
            os.fsync(self.record.fileno())


def load_json(path, default):
    if not path:
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def review_reply(body, status):
    """The apiserver echoes the object it was given, with its status filled in."""
    reply = dict(body)
    meta = dict(reply.get("metadata") or {})
    meta.setdefault("creationTimestamp", None)
    reply["metadata"] = meta
    reply["status"] = status
    return reply


def token_review(state, body):
    spec = body.get("spec") or {}
    token = spec.get("token")
    if not isinstance(token, str) or token == "":
        return 400, status_doc(400, "TokenReview.authentication.k8s.io \"\" is invalid: "
                                    "spec.token: Required value")
    wanted = spec.get("audiences") or []
    user = state.tokens.get(token)
    if user is None:
        return 201, review_reply(body, {"user": {}, "error": "[invalid bearer token, "
                                                             "token not known]"})
    token_auds = user.get("audiences") or []
    if wanted:
        common = [a for a in wanted if a in token_auds]
        if not common:
            return 201, review_reply(body, {"user": {}, "error": (
                "[invalid bearer token, token audiences %s is invalid for the target "
                "audiences %s]" % (json.dumps(token_auds), json.dumps(wanted)))})
        auds = common
    else:
        auds = token_auds
    out_user = {"username": user.get("username", "")}
    for key in ("uid", "groups", "extra"):
        if user.get(key):
            out_user[key] = user[key]
    status = {"authenticated": True, "user": out_user}
    if auds:
        status["audiences"] = auds
    return 201, review_reply(body, status)


def rule_matches(rule, spec):
    res = spec.get("resourceAttributes")
    nonres = spec.get("nonResourceAttributes")
    attrs = res if res is not None else (nonres or {})
    if "user" in rule and rule["user"] != spec.get("user"):
        return False
    if "group" in rule and rule["group"] not in (spec.get("groups") or []):
        return False
    if "path" in rule and (nonres is None or rule["path"] != nonres.get("path")):
        return False
    for key in ("verb", "resource", "subresource", "namespace", "name"):
        if key in rule:
            if res is None and key != "verb":
                return False
            if rule[key] != attrs.get(key):
                return False
    return True


def access_review(state, body):
    spec = body.get("spec") or {}
    has_res = isinstance(spec.get("resourceAttributes"), dict)
    has_nonres = isinstance(spec.get("nonResourceAttributes"), dict)
    if has_res == has_nonres:
        return 400, status_doc(400, "SubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                                    "spec.resourceAttributes: Invalid value: exactly one of "
                                    "nonResourceAttributes or resourceAttributes must be specified")
    if not spec.get("user") and not spec.get("groups"):
        return 400, status_doc(400, "SubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                                    "spec.user: Invalid value: \"\": at least one of user or "
                                    "group must be specified")
    for rule in state.rules:
        if rule_matches(rule, spec):
            if rule.get("allowed"):
                st = {"allowed": True}
                if rule.get("reason"):
                    st["reason"] = rule["reason"]
            else:
                st = {"allowed": False, "denied": True, "reason": rule.get("reason", "")}
            return 201, review_reply(body, st)
    return 201, review_reply(body, {"allowed": False, "reason": "no RBAC policy matched"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-api"

    def setup(self):
        # The TLS handshake runs here, on the connection's own thread, not in the accept loop.
        self.request.settimeout(30)
        self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_kube_api: " + (fmt % args) + "\n")

    def client_cn(self):
        cert = self.request.getpeercert()
        if not cert:
            return ""
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return ""

    def send_json(self, code, doc):
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_configmap(self):
        name = self.server.state.args.configmap
        try:
            with open(name or "", encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            self.send_json(404, status_doc(404, 'configmaps "extension-apiserver-authentication" '
                                                'not found'))
            return
        if isinstance(doc, dict) and doc.get("kind") == "Status":
            self.send_json(int(doc.get("code", 500)), doc)
            return
        self.send_json(200, doc)

    def send_chunk(self, doc):
        data = (json.dumps(doc) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def gone_event(self, rv, now):
        return {"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "too old resource version: %d (%d)" % (rv, now),
            "reason": "Expired", "code": 410}}

    def serve_pods(self, query):
        pods = self.server.state.pods
        pods.sync()
        q = {k: v[-1] for k, v in parse_qs(query).items()}
        if q.get("watch") not in ("1", "true"):
            limit = int(q.get("limit") or 0)
            offset = int(q["continue"].split("-", 1)[0]) if q.get("continue") else 0
            rv, items, more = pods.page(limit, offset)
            meta = {"resourceVersion": str(rv)}
            if more:
                meta["continue"] = "%d-%d" % (offset + limit, rv)
            self.send_json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": meta,
                                 "items": items})
            return
        rv = int(q.get("resourceVersion") or 0)
        if pods.watch_status:
            code = pods.watch_status
            self.send_json(code, status_doc(code, "too old resource version: %d (%d)" % (rv, pods.rv)
                                            if code == 410 else "fake watch refusal %d" % code))
            return
        deadline = time.monotonic() + min(int(q.get("timeoutSeconds") or MAX_WATCH_S),
                                          MAX_WATCH_S)
        bookmarks = q.get("allowWatchBookmarks") == "true"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        last_sent = time.monotonic()
        try:
            while time.monotonic() < deadline:
                pods.sync()
                events, now, too_old = pods.since(rv)
                if too_old:
                    self.send_chunk(self.gone_event(rv, now))
                    break
                for erv, etype, obj in events:
                    self.send_chunk({"type": etype, "object": obj})
                    rv = erv
                    last_sent = time.monotonic()
                if bookmarks and time.monotonic() - last_sent >= BOOKMARK_EVERY_S:
                    rv = max(rv, now)
                    self.send_chunk({"type": "BOOKMARK", "object": {
                        "kind": "Pod", "apiVersion": "v1",
                        "metadata": {"resourceVersion": str(rv), "creationTimestamp": None},
                        "spec": {"containers": None}, "status": {}}})
                    last_sent = time.monotonic()
                time.sleep(PODS_POLL_S)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def handle_any(self, method):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self.send_json(413, status_doc(413, "request entity too large"))
            return
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        ctype = self.headers.get("Content-Type") or ""
        authz = self.headers.get("Authorization") or ""
        cn = self.client_cn()
        path = self.path.split("?", 1)[0]
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        state.write_record({"method": method, "path": path, "query": query,
                            "content_type": ctype,
                            "authorization": authz, "client_cn": cn, "body": body})

        caller = state.args.caller_token
        if not cn and not (caller and authz == "Bearer " + caller):
            self.send_json(401, status_doc(401, "Unauthorized"))
            return
        if state.args.delay_ms > 0:
            time.sleep(state.args.delay_ms / 1000.0)
        if method == "GET" and path == "/version":
            self.send_json(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0",
                                 "platform": "linux/amd64"})
            return
        if method == "GET" and path == PODS_PATH and state.pods is not None:
            self.serve_pods(query)
            return
        if method == "GET" and path == AUTHN_CM_PATH:
            self.send_configmap()
            return
        if path not in (TOKEN_REVIEW_PATH, SAR_PATH):
            self.send_json(404, status_doc(404, "the server could not find the requested "
                                                "resource"))
            return
        if method != "POST":
            self.send_json(405, status_doc(405, "the server does not allow this method on the "
                                                "requested resource"))
            return
        if state.args.fail_status:
            code = state.args.fail_status
            self.send_json(code, status_doc(code, "fake failure %d" % code))
            return
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            self.send_json(415, status_doc(415, "the body of the request was in an unknown "
                                                "format - accepted media types include: "
                                                "application/json"))
            return
        if path == TOKEN_REVIEW_PATH:
            want = ("authentication.k8s.io/v1", "TokenReview")
            handler = token_review
        else:
            want = ("authorization.k8s.io/v1", "SubjectAccessReview")
            handler = access_review
        if not isinstance(body, dict):
            self.send_json(400, status_doc(400, "the request body is not a JSON object"))
            return
        if (body.get("apiVersion"), body.get("kind")) != want:
            self.send_json(400, status_doc(400, "the object is not a %s %s (got %s %s)" % (
                want[0], want[1], body.get("apiVersion"), body.get("kind"))))
            return
        code, doc = handler(state, body)
        self.send_json(code, doc)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = self.socket.accept()
        conn = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        # A client that gives up (timeout tests) or fails TLS is expected; one line, no trace.
        sys.stderr.write("fake_kube_api: connection from %s: %s\n"
                         % (client_address, sys.exc_info()[1]))


def main():
    p = argparse.ArgumentParser(description="Kubernetes API stand-in for tests")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--client-ca", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--tokens")
    p.add_argument("--sar-rules")
    p.add_argument("--caller-token")
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=0)
    p.add_argument("--configmap")
    p.add_argument("--pods")
    args = p.parse_args()

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    tls.load_verify_locations(args.client_ca)
    tls.verify_mode = ssl.CERT_OPTIONAL

    server = Server(("127.0.0.1", 0), Handler)
    server.tls = tls
    server.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
