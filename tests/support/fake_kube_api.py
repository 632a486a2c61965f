#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# fake_kube_api.py: the one Kubernetes API stand-in of the tests: TokenReview and
# SubjectAccessReview over HTTPS, answered as the apiserver answers them, and GET of ConfigMap
# kube-system/extension-apiserver-authentication; every request recorded.
# Does not: implement RBAC, JWTs or any other API; answers come from the --tokens / --sar-rules
# files, and the ConfigMap from --configmap (re-read on every GET, so a test can rotate it; a
# file holding a Status document is answered with that Status and its code).
# Threads: one thread per connection (ThreadingHTTPServer); the record file is under one lock.
#
# fake_kube_api.py --cert C --key K --client-ca CA --port-file F --record R.jsonl
#     [--tokens T.json] [--sar-rules R.json] [--caller-token T] [--delay-ms N] [--fail-status CODE]
#     [--configmap CM.json]
# Listens on 127.0.0.1, port 0; writes the port to F (atomically) once listening.

import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
AUTHN_CM_PATH = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"
MAX_BODY = 3 * 1024 * 1024  # the apiserver's request body limit

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType",
           429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}


def status_doc(code, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": REASONS.get(code, "Unknown"), "code": code}


class State:
    def __init__(self, args):
        self.args = args
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
        state.write_record({"method": method, "path": path, "content_type": ctype,
                            "authorization": authz, "client_cn": cn, "body": body})

        caller = state.args.caller_token
        if not cn and not (caller and authz == "Bearer " + caller):
            self.send_json(401, status_doc(401, "Unauthorized"))
            return
        if method == "GET" and path == "/version":
            self.send_json(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0",
                                 "platform": "linux/amd64"})
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
        if state.args.delay_ms > 0:
            time.sleep(state.args.delay_ms / 1000.0)
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
