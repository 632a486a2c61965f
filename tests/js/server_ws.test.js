// SPDX-License-Identifier: Apache-2.0
// server_ws.test.js: wsscale-server against the Node `ws` client: echo of text, binary, empty and
//   64 KiB messages with their type kept, pipelined order, ping/pong, the close code echoed, 1009
//   past --max-message-bytes, and rooms between two Node clients (both get every message, a third
//   room hears nothing).
// Does not: start the server (run.sh starts it and passes WSS_PORT) or test the browser page
//   (browser.test.js).
// Threads: Node's event loop; node:test runs the tests one after another.
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { test } = require("node:test");
const { Client } = require("./client.js");

const PORT = Number(process.env.WSS_PORT);
const MAX_MESSAGE = Number(process.env.WSS_MAX_MESSAGE_BYTES);
const KIB64 = 64 * 1024;

assert.ok(PORT > 0, "WSS_PORT must name the running server's port (run through run.sh)");
assert.ok(MAX_MESSAGE > KIB64, "WSS_MAX_MESSAGE_BYTES must be the server's --max-message-bytes");

function roomName(prefix) {
  return `${prefix}-${crypto.randomBytes(4).toString("hex")}`;
}

test("echoes text, binary, empty and 64 KiB messages and keeps their type", async () => {
  const c = await new Client(PORT, "/ws").open();
  const cases = [
    ["hello", false],
    ["Grüße, 世界 🌍", false],
    ["", false],
    [Buffer.alloc(0), true],
    [Buffer.from([0x00, 0xff, 0x80, 0x7f]), true],
    ["é".repeat(KIB64 / 2), false], // 64 KiB of 2-byte code points
    [crypto.randomBytes(KIB64), true],
    [crypto.randomBytes(KIB64 + 1), true], // past the 16-bit length encoding
  ];
  for (const [payload, isBinary] of cases) {
    c.ws.send(payload, { binary: isBinary });
    const m = await c.next();
    assert.equal(m.isBinary, isBinary, `type of a ${Buffer.byteLength(payload)}-byte echo`);
    assert.ok(m.data.equals(Buffer.from(payload)),
      `echo of ${Buffer.byteLength(payload)} bytes differs`);
  }
  assert.equal((await c.close(1000, "done")).code, 1000);
});

test("keeps the order of 500 pipelined messages", async () => {
  const c = await new Client(PORT, "/ws").open();
  for (let i = 0; i < 500; i++) c.ws.send(`m${i}`);
  for (let i = 0; i < 500; i++) assert.equal(await c.nextText(), `m${i}`);
  await c.close();
});

test("answers a ping with the same payload", async () => {
  const c = await new Client(PORT, "/ws").open();
  const payload = crypto.randomBytes(125);
  assert.ok((await c.pong(payload)).equals(payload));
  await c.close();
});

test("echoes the client's close code", async () => {
  const c = await new Client(PORT, "/ws").open();
  assert.equal((await c.close(4321, "app reason")).code, 4321);
});

test("closes a message over --max-message-bytes with 1009", async () => {
  const c = await new Client(PORT, "/ws").open();
  c.ws.send(Buffer.alloc(MAX_MESSAGE + 1));
  assert.equal((await c.closedWith()).code, 1009);
});

test("delivers room messages to every member, sender included, and to no other room", async () => {
  const room = roomName("node");
  const a = await new Client(PORT, `/ws/rooms/${room}`).open();
  const b = await new Client(PORT, `/ws/rooms/${room}`).open();
  const other = await new Client(PORT, `/ws/rooms/${roomName("other")}`).open();

  a.ws.send("from a");
  assert.equal(await a.nextText(), "from a");
  assert.equal(await b.nextText(), "from a");
  const blob = crypto.randomBytes(KIB64);
  b.ws.send(blob);
  for (const member of [a, b]) {
    const m = await member.next();
    assert.ok(m.isBinary && m.data.equals(blob), "the binary room message differs");
  }
  // The other room's first message is its own: nothing from this room came before it.
  other.ws.send("only here");
  assert.equal(await other.nextText(), "only here");

  await a.close();
  b.ws.send("after a left");
  assert.equal(await b.nextText(), "after a left");
  await b.close();
  await other.close();
});
