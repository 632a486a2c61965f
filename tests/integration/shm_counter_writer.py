# SPDX-License-Identifier: Apache-2.0
# shm_counter_writer.py: writes one shared-memory counter object from docs/shm-counter.md alone
#   (not counter.h), so the integration test proves an app in another language can write it.
# Does not: heartbeat or update afterwards; it exits once the object is in place, which outlives it.
# Threads: one. Run with /usr/bin/python3.
import argparse
import mmap
import os
import struct
import time

# From the layout tables in docs/shm-counter.md.
MAGIC = 0x544E554F43535357
VERSION = 1
HEADER_SIZE = 128
SLOT_SIZE = 64
STATES = {"starting": 0, "serving": 1, "draining": 2, "stopped": 3}
OFF_MAGIC, OFF_VERSION, OFF_HEADER_SIZE, OFF_SLOT_SIZE, OFF_SLOT_COUNT = 0, 8, 12, 16, 20
OFF_INSTANCE_ID, OFF_START_REALTIME_NS, OFF_WRITER_PID, OFF_LISTEN_PORT = 24, 32, 40, 44
OFF_HEARTBEAT_MONO_NS, OFF_STATE = 64, 72
SLOT_OFF_ACTIVE, SLOT_OFF_OPENED_TOTAL, SLOT_OFF_CLOSED_TOTAL = 0, 8, 16
U64_MOD = 1 << 64


def object_path(name):
    """A shm name ("/x", no other slash) lives in /dev/shm; any other absolute path is a file."""
    if not name.startswith("/") or len(name) < 2:
        raise SystemExit("name must be absolute: " + name)
    return "/dev/shm" + name if "/" not in name[1:] else name


def parse_slots(text):
    """"3:1,5:0" -> [(opened, closed), ...], one pair per slot."""
    slots = []
    for pair in text.split(","):
        opened, closed = pair.split(":")
        slots.append((int(opened), int(closed)))
    return slots


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--slots", required=True, help="opened:closed per slot, comma-separated")
    p.add_argument("--state", choices=sorted(STATES), default="serving")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--instance-id", type=int, default=0, help="0: a random one")
    p.add_argument("--heartbeat-age-ms", type=int, default=0)
    p.add_argument("--magic", type=lambda s: int(s, 0), default=MAGIC)
    args = p.parse_args()

    slots = parse_slots(args.slots)
    size = HEADER_SIZE + len(slots) * SLOT_SIZE
    instance_id = args.instance_id
    while instance_id == 0:
        instance_id = int.from_bytes(os.getrandom(8), "little")
    path = object_path(args.name)
    directory, base = os.path.split(path)
    tmp = os.path.join(directory, ".%s.tmp.%d" % (base, os.getpid()))

    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.fchmod(fd, 0o644)
        os.ftruncate(fd, size)
        m = mmap.mmap(fd, size)
        u64 = memoryview(m).cast("Q")  # one aligned 8-byte store per u64 field
        struct.pack_into("<I", m, OFF_VERSION, VERSION)
        struct.pack_into("<I", m, OFF_HEADER_SIZE, HEADER_SIZE)
        struct.pack_into("<I", m, OFF_SLOT_SIZE, SLOT_SIZE)
        struct.pack_into("<I", m, OFF_SLOT_COUNT, len(slots))
        u64[OFF_INSTANCE_ID // 8] = instance_id
        u64[OFF_START_REALTIME_NS // 8] = time.clock_gettime_ns(time.CLOCK_REALTIME)
        struct.pack_into("<I", m, OFF_WRITER_PID, os.getpid())
        struct.pack_into("<I", m, OFF_LISTEN_PORT, args.port)
        beat = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - args.heartbeat_age_ms * 1000000
        u64[OFF_HEARTBEAT_MONO_NS // 8] = max(beat, 0)
        struct.pack_into("<I", m, OFF_STATE, STATES[args.state])
        for i, (opened, closed) in enumerate(slots):
            base_off = HEADER_SIZE + i * SLOT_SIZE
            u64[(base_off + SLOT_OFF_OPENED_TOTAL) // 8] = opened % U64_MOD
            u64[(base_off + SLOT_OFF_CLOSED_TOTAL) // 8] = closed % U64_MOD
            u64[(base_off + SLOT_OFF_ACTIVE) // 8] = (opened - closed) % U64_MOD
        u64[OFF_MAGIC // 8] = args.magic  # last
        u64.release()
        m.close()
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    print("instance_id=%d" % instance_id)


if __name__ == "__main__":
    main()
