#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# redis_rooms_client.py: drives test_server_redis.sh: two running wsscale-servers share a room
#   through a redis-server this script starts, kills, restarts, freezes and thaws, while four
#   WebSocket members (two per server) check that every message arrives exactly once, in each
#   sender's order, text and binary of every length encoding up to 1.5 MB, that local delivery
#   goes on while Redis is away, that /metrics says so, and that cross-server delivery resumes
#   within the reconnect backoff bound. Every failure names the step and what was seen.
# Does not: start the wsscale-servers (the script does), or sleep to synchronise: every wait polls
#   a condition against a deadline; checking that nothing extra arrived uses a barrier message
#   that Redis orders after anything that could have been duplicated.
# Threads: one asyncio loop; redis-server is a child process with a pidfile the script also kills.
import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections import Counter

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import server_ws_client  # noqa: E402

HOST = "127.0.0.1"
ROOM = "lobby"
# How long a message may take to cross (generous: two cores shared with other work).
CROSS_S = 20
# The heartbeat notices a frozen Redis within REDIS_BUS_HEARTBEAT_TIMEOUT_MS (5 s) plus one
# heartbeat period; allow for a loaded machine.
FROZEN_S = 15
# Connecting takes at most REDIS_BUS_CONNECT_TIMEOUT_MS per attempt (3 s) on top of the backoff.
CONNECT_SLACK_S = 4
POLL_S = 0.02
# The step running, named in every failure.
STEP = "start-up"


class Failed(Exception):
    """A check failed. Raised, not sys.exit(), so that a failure inside asyncio.gather() ends
    the run once, with one FAIL line, instead of burying it under tracebacks of the other
    tasks and of the event loop."""


def fail(msg):
    raise Failed(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def metric(port, name):
    """One value from a server's /metrics."""
    try:
        return server_ws_client.metric(port, name)
    except SystemExit:  # it printed why
        fail(f"server {port}: cannot read {name} from /metrics")
    except OSError as e:
        fail(f"server {port}: GET /metrics failed: {e}")


class Redis:
    """A redis-server on a loopback port, started and stopped by the test. While it is down the
    port stays reserved: a bound socket that does not listen (connections are refused as with
    no server) keeps the kernel from handing the port out as the source port of some other
    loopback connection, which would make the restart fail to bind; redis-server binds beside it
    (both use SO_REUSEADDR)."""

    def __init__(self, port, tmp):
        self.port = port
        self.tmp = tmp
        self.proc = None
        self.hold = socket.socket()
        self.hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.hold.bind((HOST, port))
        except OSError as e:
            fail(f"cannot reserve the Redis port {port}: {e} (taken since the script chose it)")

    def start(self):
        pidfile = os.path.join(self.tmp, "redis.pid")
        log = open(os.path.join(self.tmp, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", HOST, "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--pidfile", pidfile],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def log_tail(self, n=5):
        try:
            with open(os.path.join(self.tmp, "redis.log"), errors="replace") as f:
                return " | ".join(l.strip() for l in f.readlines()[-n:])
        except OSError as e:
            return f"no redis.log: {e}"

    def ping(self):
        if self.proc.poll() is not None:
            fail(f"redis-server exited {self.proc.returncode}; its log ends: {self.log_tail()}")
        r = subprocess.run(["redis-cli", "-h", HOST, "-p", str(self.port), "ping"],
                           capture_output=True, timeout=5)
        return r.returncode == 0 and r.stdout.strip() == b"PONG"

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-h", HOST, "-p", str(self.port), *args],
                           capture_output=True, timeout=5)
        check(r.returncode == 0, f"redis-cli {args[0]} failed: {r.stderr!r}")
        return r.stdout.decode().strip()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)
        # A stale pidfile would make the script's cleanup signal whatever reuses the pid.
        try:
            os.unlink(os.path.join(self.tmp, "redis.pid"))
        except FileNotFoundError:
            pass

    def release(self):
        self.hold.close()


class Member:
    """One WebSocket client in the room, recording everything it receives."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.got = []
        self.closed = None  # why the reader stopped, once it has

    async def open(self):
        self.ws = await websockets.connect(f"ws://{HOST}:{self.port}/ws/rooms/{ROOM}",
                                           max_size=None, ping_interval=None)
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for m in self.ws:
                self.got.append(m)
            self.closed = f"closed by the server: {self.ws.close_code} {self.ws.close_reason!r}"
        except websockets.ConnectionClosed as e:
            self.closed = f"connection lost: {e}"
        except Exception as e:  # noqa: BLE001: kept for the failure message
            self.closed = f"reader failed: {type(e).__name__}: {e}"

    async def send(self, m):
        await self.ws.send(m)

    def has(self, m):
        return m in self.got

    def state(self):
        return f"{self.name}: {len(self.got)} received, " + (self.closed or "open")

    async def close(self):
        await self.ws.close()
        await self.task


def is_control(m):
    return isinstance(m, str) and (m.startswith("probe:") or m.startswith("end:"))


def short(m):
    return repr(m)[:48]


async def until(cond, timeout_s, what, seen=None):
    """Polls cond until it holds; on timeout fails naming what, and what seen() reports."""
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout_s}s waiting for {what}"
                 + (f"; saw: {seen()}" if seen else ""))
        await asyncio.sleep(POLL_S)


def metric_until(port, name, cond, timeout_s, what):
    """until() for one /metrics value, reporting the last value read."""
    last = []

    def ok():
        last[:] = [metric(port, name)]
        return cond(last[0])

    return until(ok, timeout_s, what, lambda: f"{name} = {last[0] if last else '?'}")


async def sync(members, tag, timeout_s=CROSS_S):
    """Sends probes until every member has heard one from each other server: then every thread
    with members is subscribed. Probes may keep arriving later; the checks ignore them."""
    by_port = {}
    for m in members:
        by_port.setdefault(m.port, []).append(m)
    deadline = time.monotonic() + timeout_s
    k = 0
    while True:
        probes = {}
        for port, group in by_port.items():
            probe = f"probe:{tag}:{port}:{k}"
            probes[port] = probe
            await group[0].send(probe)
        ok_by = time.monotonic() + 0.3
        while time.monotonic() < ok_by:
            if all(m.has(probes[p]) for m in members for p in by_port):
                return time.monotonic()
            await asyncio.sleep(0.01)
        if time.monotonic() > deadline:
            missing = {m.name: [probes[p] for p in by_port if not m.has(probes[p])]
                       for m in members}
            ups = {p: metric(p, "wsscale_server_redis_up") for p in by_port}
            fail(f"{tag}: members never heard each other's server within {timeout_s}s; last "
                 f"probes missed: {missing}; redis_up by port: {ups}; "
                 f"{'; '.join(m.state() for m in members)}")
        k += 1


def payload(tag, sender, i, size, is_binary):
    """A message that names its sender and number, padded to size bytes."""
    head = f"m:{tag}:{sender}:{i}:".encode()
    check(size >= len(head), "message too small for its id")
    if is_binary:
        pad = bytes(range(256)) * (size // 256 + 1)
        return head + pad[i % 256:][:size - len(head)]
    # Text with multibyte characters, cut on a character boundary and padded with ASCII.
    text = (head + ("é€😀x" * (size // 10 + 1)).encode())[:size].decode(errors="ignore")
    return text + "x" * (size - len(text.encode()))


async def exchange(members, plan, tag, stale=()):
    """Each member sends its planned messages; every member must receive every message exactly
    once, each sender's in order. plan: member name -> list of messages. stale: messages of an
    earlier step that may still arrive, at most once each (see step 5), and are otherwise
    ignored."""
    for m in members:
        m.got = []
    stale = Counter(stale)

    def data_of(m):
        return [x for x in m.got if not is_control(x) and x not in stale]

    expected = [p for name in plan for p in plan[name]]
    owner = {}
    for name, msgs in plan.items():
        for i, p in enumerate(msgs):
            owner[p if isinstance(p, str) else bytes(p)] = (name, i)
    by_name = {m.name: m for m in members}
    for name, msgs in plan.items():
        for p in msgs:
            await by_name[name].send(p)
    want = Counter(expected)

    def missing(m):
        gone = want - Counter(data_of(m))
        ids = sorted(f"{owner[x][0]}#{owner[x][1]}" for x in gone)
        return f"{sum(gone.values())} missing ({', '.join(ids[:8])}); {m.state()}"

    async def finish(m):
        await until(lambda: not (want - Counter(data_of(m))), CROSS_S,
                    f"{tag}: {m.name} receiving all {len(expected)} messages", lambda: missing(m))
        await m.send(f"end:{tag}:{m.name}")

    await asyncio.gather(*(finish(m) for m in members))
    ends = {f"end:{tag}:{m.name}" for m in members}
    for m in members:
        await until(lambda: ends <= set(m.got), CROSS_S, f"{tag}: {m.name} hearing every end",
                    lambda: f"missing {sorted(ends - set(m.got))}; {m.state()}")
    for m in members:
        twice = Counter(x for x in m.got if x in stale) - stale
        check(not twice, f"{tag}: {m.name} got a stale message twice: {list(twice)}")
        data = data_of(m)
        extra = Counter(data) - want
        if extra:
            fail(f"{tag}: {m.name} got {sum(extra.values())} extra (duplicated or foreign) "
                 f"messages, e.g. {short(next(iter(extra)))}")
        check(Counter(data) == want, f"{tag}: {m.name} missed messages: {missing(m)}")
        for name in plan:
            seq = [owner[x][1] for x in data if owner[x][0] == name]
            check(seq == sorted(seq), f"{tag}: {m.name} got {name}'s messages out of order: {seq}")
        ctrl = Counter(x for x in m.got if isinstance(x, str) and x.startswith("end:"))
        twice = [x for x, v in ctrl.items() if v > 1]
        check(not twice, f"{tag}: {m.name} got an end twice: {twice}")


def sizes_plan(tag, names_a, names_b, big_a):
    """Every length encoding and more than the read buffers; A's members also send a message
    larger than server B's --max-message-bytes (a limit on what clients send, not on delivery)."""
    sizes = [24, 125, 126, 1000, 65535, 65536, 200000]
    plan = {}
    for n, name in enumerate(names_a + names_b):
        msgs = []
        for i, size in enumerate(sizes):
            msgs.append(payload(tag, name, 2 * i, size, False))
            msgs.append(payload(tag, name, 2 * i + 1, size, True))
        top = big_a if name in names_a else 1 << 20
        msgs.append(payload(tag, name, 100, top, n % 2 == 0))
        plan[name] = msgs
    plan[names_a[0]].append("")        # an empty text message
    plan[names_b[0]].append(b"")       # and an empty binary one
    return plan


def metrics_of(port):
    return {k: metric(port, "wsscale_server_redis_" + k)
            for k in ("up", "published_total", "publish_errors_total", "received_total",
                      "invalid_messages_total", "reconnects_total", "subscriptions")}


def step(name):
    global STEP
    STEP = name


async def main_async(a):
    ports = (a.port_a, a.port_b)
    redis = Redis(a.redis_port, a.tmp)
    members = []
    try:
        # The servers started first, with no Redis: they retry until it comes.
        for p in ports:
            check(metric(p, "wsscale_server_redis_up") == 0, f"server {p} up without Redis")
        redis.start()
        await until(redis.ping, 10, "redis-server answering PING", redis.log_tail)
        for p in ports:
            await metric_until(p, "wsscale_server_redis_up", lambda v: v == 1, 10,
                               f"server {p} connecting to Redis")

        a1, a2 = Member("a1", a.port_a), Member("a2", a.port_a)
        b1, b2 = Member("b1", a.port_b), Member("b2", a.port_b)
        members = [a1, a2, b1, b2]
        step("start: members joining")
        for m in members:
            await m.open()
        await sync(members, "start")
        for p in ports:
            mt = metrics_of(p)
            check(mt["subscriptions"] >= 1,
                  f"server {p} reports no subscription while it has members: {mt}")
        print("both servers subscribed")

        # 1. Exactly once, both ways, every size, text and binary.
        step("1 sizes")
        await exchange(members, sizes_plan("sizes", ["a1", "a2"], ["b1", "b2"], a.big), "sizes")
        for p in ports:
            # 2 members x (7 sizes x text and binary + 1 big) + 1 empty message per server
            await until(lambda: metrics_of(p)["published_total"] >= 31, CROSS_S,
                        f"server {p}: Redis acknowledging every publish", lambda: metrics_of(p))
            mt = metrics_of(p)
            check(mt["publish_errors_total"] == 0, f"server {p}: publish errors while up: {mt}")
            check(mt["received_total"] >= 31, f"server {p}: too few receptions: {mt}")
            check(mt["invalid_messages_total"] == 0, f"server {p}: invalid envelopes: {mt}")
        print("sizes: every message exactly once on all four members")

        # 2. Another publisher: an envelope with the reserved origin reaches everyone; garbage on
        #    the channel, published just before it (Redis keeps the order), is counted and
        #    reaches nobody.
        step("2 outside publisher")
        before = [metric(p, "wsscale_server_redis_invalid_messages_total") for p in ports]
        redis.cli("PUBLISH", f"wsscale:room:{ROOM}", "not an envelope")
        redis.cli("PUBLISH", f"wsscale:room:{ROOM}", "wss1 0000000000000000 t from outside")
        for m in members:
            await until(lambda: m.has("from outside"), CROSS_S, f"{m.name} hearing outside",
                        m.state)
            check(not any("not an envelope" in str(x) for x in m.got),
                  f"{m.name} was handed a message that is not an envelope")
        for p, b in zip(ports, before):
            await metric_until(p, "wsscale_server_redis_invalid_messages_total", lambda v: v > b,
                               CROSS_S, f"server {p} counting the invalid message (was {b})")
        print("outside publisher delivered; garbage counted and dropped")

        # 3. Redis killed: /metrics shows it, local delivery goes on, publishes count as errors.
        step("3 Redis killed")
        redis.kill()
        for p in ports:
            await metric_until(p, "wsscale_server_redis_up", lambda v: v == 0, 10,
                               f"server {p} noticing Redis is gone")
        errors_before = metric(a.port_a, "wsscale_server_redis_publish_errors_total")
        await exchange([b1, b2], {"b2": ["local-b-1"]}, "down-b")
        await exchange([a1, a2], {"a1": ["local-a-1"], "a2": ["local-a-2"]}, "down-a")
        check(not any(m.has("local-a-1") or m.has("local-a-2") for m in (b1, b2)),
              f"a message crossed servers without Redis: {b1.got[:4]} {b2.got[:4]}")
        errors = metric(a.port_a, "wsscale_server_redis_publish_errors_total")
        check(errors >= errors_before + 2,
              f"publishes while Redis was down were not counted as errors: {errors_before} -> "
              f"{errors}")
        print("Redis down: local delivery only, and /metrics shows it")

        # 4. Redis restarted: cross-server delivery resumes within the backoff bound.
        step("4 Redis restarted")
        t0 = time.monotonic()
        redis.start()
        await until(redis.ping, 10, "redis-server answering PING again", redis.log_tail)
        bound = a.reconnect_max + CONNECT_SLACK_S
        t1 = await sync(members, "resume", timeout_s=bound + 5)
        took = t1 - t0
        print(f"cross-server delivery resumed {took:.2f}s after the restart (bound {bound}s)")
        check(took <= bound, f"delivery resumed after {took:.2f}s, more than {bound}s")
        for p in ports:
            # Delivery shows only the threads with members; a thread without any may still be
            # waiting out its backoff, bounded by the same bound.
            await metric_until(p, "wsscale_server_redis_up", lambda v: v == 1, bound,
                               f"server {p}: every thread up after resuming")
            mt = metrics_of(p)
            check(mt["reconnects_total"] >= 1, f"server {p} counted no reconnect: {mt}")
        await exchange(members, {"a2": ["again-a"], "b1": [b"again-b"]}, "resumed")

        # 5. Redis frozen (SIGSTOP): connections stay open but nothing answers; the heartbeat
        #    notices, local delivery goes on, and delivery resumes once it thaws.
        #    /metrics shows 0 once one thread has noticed: another may still be up, and what its
        #    members send then goes into the frozen Redis's socket and reaches the other server
        #    when it thaws, possibly after the next step's sync. The thawed exchange allows those
        #    messages once each.
        step("5 Redis frozen")
        redis.signal(signal.SIGSTOP)
        for p in ports:
            await metric_until(p, "wsscale_server_redis_up", lambda v: v == 0, FROZEN_S,
                               f"server {p} noticing a frozen Redis")
        await exchange([a1, a2], {"a2": ["frozen-a"]}, "frozen")
        redis.signal(signal.SIGCONT)
        step("5 Redis thawed")
        await sync(members, "thawed", timeout_s=a.reconnect_max + CONNECT_SLACK_S + 5)
        await exchange(members, {"b2": ["thawed-b"], "a1": ["thawed-a"]}, "thawed",
                       stale=["frozen-a"])
        print("frozen Redis detected by the heartbeat; delivery resumed after it thawed")

        step("6 members leaving")
        for m in members:
            await m.close()
        for p in ports:
            await metric_until(p, "wsscale_server_redis_subscriptions", lambda v: v == 0, 10,
                               f"server {p} unsubscribing after its last member left")
        numsub = redis.cli("PUBSUB", "NUMSUB", f"wsscale:room:{ROOM}")
        check(numsub.split()[-1] == "0", f"Redis still has subscribers for the room: {numsub!r}")
        print("redis rooms ok")
    finally:
        for m in members:  # after a failure: end the readers quietly
            if getattr(m, "ws", None):
                m.ws.transport.abort()
        redis.kill()
        redis.release()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-a", type=int, required=True)
    p.add_argument("--port-b", type=int, required=True)
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--reconnect-max", type=float, required=True, help="seconds")
    p.add_argument("--big", type=int, required=True, help="largest message A's members send")
    try:
        asyncio.run(main_async(p.parse_args()))
    except Failed as e:
        print(f"FAIL: step {STEP}: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001: anything else also names the step
        traceback.print_exc()
        print(f"FAIL: step {STEP}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
