// SPDX-License-Identifier: Apache-2.0
// browser.test.js: headless Chromium (Debian's /usr/bin/chromium through playwright-core, with a
//   fresh user-data dir) opens wsscale-server's `/` chat page, joins a room and chats with a Node
//   `ws` client through the server: each side sees the other's message, the page shows messages
//   as text (never as HTML), and the page logs no error. With WSS_SCREENSHOT=FILE it also saves a
//   screenshot there, for a person to look at.
// Does not: start the server (run.sh does) or test the page's layout beyond what a user sees in
//   the DOM.
// Threads: Node's event loop; the browser is a child process.
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { test } = require("node:test");
const { chromium } = require("playwright-core");
const { Client } = require("./client.js");

const PORT = Number(process.env.WSS_PORT);
const CHROMIUM = "/usr/bin/chromium";
// The flags that work on this kind of machine (running as root, no GPU, no network).
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run"];
const LAUNCH_TIMEOUT_MS = 30000;
const PAGE_TIMEOUT_MS = 10000;

assert.ok(PORT > 0, "WSS_PORT must name the running server's port (run through run.sh)");

/** The #log lines as [class, text] pairs. */
function logLines(page) {
  return page.$$eval("#log p", (ps) => ps.map((p) => [p.className, p.textContent]));
}

/** Waits until the page's log has a plain (non-system) line with exactly this text. */
function waitForLine(page, text) {
  return page.waitForFunction(
    (t) => [...document.querySelectorAll("#log p")]
      .some((p) => p.className === "" && p.textContent === t),
    text, { timeout: PAGE_TIMEOUT_MS });
}

test("the chat page and a Node client talk through a room in both directions", async () => {
  assert.ok(fs.existsSync(CHROMIUM),
    `missing ${CHROMIUM}: install Debian's chromium (scripts/install-deps.sh --tests)`);
  const room = `browser-${crypto.randomBytes(4).toString("hex")}`;
  const tmp = process.env.WSS_TMP || os.tmpdir();
  const profile = fs.mkdtempSync(path.join(tmp, "chromium-profile-")); // fresh user-data dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS,
  });
  const node = new Client(PORT, `/ws/rooms/${room}`);
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const errors = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      // The browser's own favicon request gets a 404; the page itself asks for nothing else.
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) {
        errors.push(`console error: ${m.text()} (${m.location().url})`);
      }
    });

    const resp = await page.goto(`http://127.0.0.1:${PORT}/#${room}`, { waitUntil: "load" });
    assert.equal(resp.status(), 200);
    assert.equal(await page.title(), "wsscale chat");
    await page.waitForFunction(
      (r) => document.getElementById("status").textContent === `in ${r}`, room);
    assert.equal(await page.inputValue("#room"), room, "the page ignored the room in the URL");
    assert.ok(await page.isEnabled("#text"), "the message box is still disabled after joining");

    await node.open();
    // The page speaks first: the Node member and the page (its own echo) both get it.
    await page.fill("#text", "hello from chromium");
    await page.click("#send-button");
    assert.equal(await node.nextText(), "hello from chromium");
    await waitForLine(page, "hello from chromium");
    assert.equal(await page.inputValue("#text"), "", "the message box was not cleared");

    // Node answers, once with markup that must stay text.
    const markup = "<b>not bold</b> <img src=x onerror=alert(1)>";
    for (const text of ["hello from node", markup]) {
      node.ws.send(text);
      assert.equal(await node.nextText(), text); // a member hears its own message too
      await waitForLine(page, text);
    }
    assert.equal(await page.locator("#log b, #log img").count(), 0,
      "a message was rendered as HTML");
    assert.deepEqual(await logLines(page), [
      ["sys", `joined ${room}`],
      ["", "hello from chromium"],
      ["", "hello from node"],
      ["", markup],
    ]);

    if (process.env.WSS_SCREENSHOT) {
      await page.screenshot({ path: process.env.WSS_SCREENSHOT, fullPage: true });
    }

    // The Node client leaving does not disturb the page's connection.
    await node.close();
    await page.fill("#text", "still here");
    await page.click("#send-button");
    await waitForLine(page, "still here");
    assert.equal(await page.textContent("#status"), `in ${room}`);
    assert.deepEqual(errors, []);
  } finally {
    if (!node.closed) node.ws.terminate();
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
