// SPDX-License-Identifier: Apache-2.0
// client.js: a Node `ws` client wrapped for tests: await the open, the next message, a pong or
//   the close, each with a deadline, woken by the client's own events (no polling, no sleeps).
// Does not: start servers (run.sh does) or retry anything: a miss fails the test with what it saw.
// Threads: Node's event loop; one wait at a time per client.
"use strict";

const WebSocket = require("ws");

const DEFAULT_TIMEOUT_MS = 10000;

class Client {
  /** Connects to ws://127.0.0.1:port + path; await open() before sending. */
  constructor(port, path, options = {}) {
    this.url = `ws://127.0.0.1:${port}${path}`;
    this.ws = new WebSocket(this.url, { perMessageDeflate: false, ...options });
    this.queue = [];
    this.pongs = [];
    this.closed = null;
    this.error = null;
    this.wake = () => {};
    this.ws.on("open", () => this.wake());
    this.ws.on("message", (data, isBinary) => {
      this.queue.push({ data: Buffer.from(data), isBinary });
      this.wake();
    });
    this.ws.on("pong", (data) => {
      this.pongs.push(Buffer.from(data));
      this.wake();
    });
    this.ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    this.ws.on("error", (err) => {
      this.error = err;
      this.wake();
    });
  }

  fail(what) {
    return new Error(`${this.url}: ${what}`);
  }

  /** Waits until one of the client's events fires; false if the deadline passed first. */
  async changed(deadline) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = () => {};
    return true;
  }

  async open(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (this.ws.readyState === WebSocket.CONNECTING) {
      if (this.error) throw this.fail(this.error.message);
      if (!(await this.changed(deadline))) throw this.fail(`not open after ${timeoutMs} ms`);
    }
    if (this.ws.readyState !== WebSocket.OPEN) {
      throw this.fail(this.error ? this.error.message : "closed before opening");
    }
    return this;
  }

  /** The next message ({data: Buffer, isBinary}); fails if the connection closes first. */
  async next(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.closed) throw this.fail(`closed (${this.closed.code}) while awaiting a message`);
      if (!(await this.changed(deadline))) throw this.fail(`no message within ${timeoutMs} ms`);
    }
    return this.queue.shift();
  }

  /** The next message, which must be text; returns the string. */
  async nextText(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const m = await this.next(timeoutMs);
    if (m.isBinary) throw this.fail(`expected text, got ${m.data.length} binary bytes`);
    return m.data.toString("utf8");
  }

  /** Sends a ping with payload and returns the pong's payload. */
  async pong(payload, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.ws.ping(payload);
    const deadline = Date.now() + timeoutMs;
    while (this.pongs.length === 0) {
      if (!(await this.changed(deadline))) throw this.fail(`no pong within ${timeoutMs} ms`);
    }
    return this.pongs.shift();
  }

  /** Waits for the close; returns {code, reason}. */
  async closedWith(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (!(await this.changed(deadline))) throw this.fail(`still open after ${timeoutMs} ms`);
    }
    return this.closed;
  }

  /** Closes with code and reason; returns the server's answer as {code, reason}. */
  async close(code = 1000, reason = "", timeoutMs = DEFAULT_TIMEOUT_MS) {
    if (!this.closed) this.ws.close(code, reason);
    return this.closedWith(timeoutMs);
  }
}

module.exports = { Client };
