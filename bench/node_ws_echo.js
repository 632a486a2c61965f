// SPDX-License-Identifier: Apache-2.0
// node_ws_echo.js: the peer of the benchmarks: a Node `ws` (tests/js/node_modules) echo server
//   that sends every message back as it came (text or binary), on any path.
// Does not: serve HTTP, rooms, pings or metrics; it is only the baseline wsscale-server is
//   measured against in bench/echo_throughput.sh and bench/idle_memory.sh.
// Threads: Node's one event loop; prints "listening PORT" once bound, exits 0 on SIGTERM or
//   SIGINT, and on SIGUSR2 runs a full GC first when started with --expose-gc.
//
// usage: node [--expose-gc] bench/node_ws_echo.js HOST PORT
'use strict';

const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, '..', 'tests', 'js', 'node_modules', 'ws'));

const host = process.argv[2] || '127.0.0.1';
const port = Number(process.argv[3] || 0);

// Defaults as a user would have them (no permessage-deflate, which is also ws's default);
// a large backlog so that 10,000 connects in a burst are not dropped.
const wss = new WebSocketServer({ host, port, backlog: 4096, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => console.log(`listening ${wss.address().port}`));
wss.on('error', (err) => {
  console.error(`node_ws_echo: ${err.message}`);
  process.exit(1);
});

process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
  console.log('gc done');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
