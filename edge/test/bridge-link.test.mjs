// The bridge's WebSocket link in workerd: the built edge worker, its facility store (a Durable Object that accepts the
// link with the hibernation API) and a bridge played by this test over a real WebSocket. Only an enrolled bridge's
// fresh proof opens its facility's link (a kiosk's, a replayed one and a plain GET are refused); staff's by-number
// check for the terminal goes to their own facility's bridge and answers with what the bridge said; without a link
// staff are told so and nothing is sent; a newer link replaces the older one; and a request the bridge did not
// acknowledge before its link broke is handed to its next link, with the same id. A bulk pre-check goes the same
// way without a waiting call: staff read 送信済, 端末処理中 and then the rows, once; another facility finds nothing.
// A bridge that floods its link is cut off once it passes what the link may carry in a minute.
// Run: node --test edge/test/bridge-link.test.mjs (after `cargo xtask build`).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import {
  ADMIN_TOKEN, FACILITY_CODE, callEdge, enrolDevice, issueEnrolmentCode, startEdge, startFakeOrigin,
  staffSessionOf,
} from "./helpers.mjs";

const LINK_PATH = "/api/v1/bridge/link";
const TERMINAL_PATH = "/api/v1/staff/qualification/by-number/terminal";
const OTHER_FACILITY = "1312345679";
const QUERY = { insurer_number: "06130017", number: "00001", branch: "01", birth_date: "1980-01-15" };
/** What a link may carry in a minute: an acknowledgement and an outcome for each staff call a facility may make. */
const LINK_MESSAGES_PER_MINUTE = 1200;

let origin;
let edge;

const call = (path, options) => callEdge(edge.url, path, options);

/** A staff session of `facilityCode` on a staff console enrolled for it, asking its terminal. */
async function staffOf(facilityCode) {
  const { signer, headers } = await staffSessionOf(edge.url, facilityCode);
  return (body) => call(TERMINAL_PATH, { signer, body, headers });
}

async function bridgeOf(facilityCode) {
  const code = await issueEnrolmentCode(edge.url, facilityCode, ADMIN_TOKEN, { staffed: false, role: "bridge" });
  return enrolDevice(edge.url, { code });
}

/**
 * Opens a link with `headers`: resolves `{ socket, messages, next(), closed }` once open, or `{ status }` when the
 * edge refused the upgrade. `next()` waits for the next message the edge sends.
 */
function link(headers) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${edge.url.replace(/^http/, "ws")}${LINK_PATH}`, { headers });
    const messages = [];
    const waiters = [];
    let closed;
    const closing = new Promise((done) => (closed = done));
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString());
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    socket.on("close", (code) => closed(code));
    socket.on("open", () =>
      resolve({
        socket,
        closed: closing,
        next: () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((done) => waiters.push(done))),
        send: (message) => socket.send(JSON.stringify(message)),
      }),
    );
    socket.on("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode });
      socket.terminate();
    });
    socket.on("error", reject);
  });
}

async function openLink(bridge) {
  const opened = await link(await bridge.headers("GET", LINK_PATH, ""));
  assert.ok(opened.socket, `the link opened (status ${opened.status})`);
  return opened;
}

before(async () => {
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url });
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
});

describe("the bridge link", () => {
  test("only an enrolled bridge's fresh proof opens its facility's link", async () => {
    const bridge = await bridgeOf(FACILITY_CODE);
    const kiosk = await enrolDevice(edge.url);
    assert.equal((await link(await kiosk.headers("GET", LINK_PATH, ""))).status, 403, "a kiosk may not");
    const headers = await bridge.headers("GET", LINK_PATH, "");
    const opened = await link(headers);
    assert.ok(opened.socket);
    assert.equal((await link(headers)).status, 401, "a replayed proof opens nothing");
    assert.equal((await link({})).status, 401, "no proof, no link");
    const plain = await call(LINK_PATH, { method: "GET", signer: bridge });
    assert.equal(plain.status, 400, "a GET that is not an upgrade");
    opened.socket.close();
  });

  test("a staff check goes to the facility's own bridge, and without a link nothing is sent", async () => {
    const ask = await staffOf(FACILITY_CODE);
    const refused = await ask(QUERY);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "bridge_not_connected");

    // Another facility's bridge is not this facility's terminal.
    const elsewhere = await openLink(await bridgeOf(OTHER_FACILITY));
    assert.equal((await ask(QUERY)).body.error, "bridge_not_connected");

    const bridge = await openLink(await bridgeOf(FACILITY_CODE));
    const asked = ask(QUERY);
    const request = await bridge.next();
    assert.equal(request.type, "request");
    assert.deepEqual(request.ask, { kind: "by_number", ...QUERY });
    bridge.send({ type: "ack", id: request.id });
    // What the store does not read, or does not wait for, changes nothing: a message that is not a link message,
    // one with a value that does not check, and an outcome of a request nobody asked.
    bridge.socket.send("not json");
    bridge.send({ type: "outcome", id: request.id, outcome: { state: "answered", answer: { validity: "valid", contribution_percent: 130 } } });
    bridge.send({ type: "outcome", id: "someone-else", outcome: { state: "answered", answer: { validity: "invalid" } } });
    bridge.send({
      type: "outcome",
      id: request.id,
      outcome: { state: "answered", answer: { validity: "valid", name: "診療　太郎", contribution_percent: 30 } },
    });
    const answered = await asked;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.deepEqual(answered.body, { validity: "valid", name: "診療　太郎", contribution_percent: 30 });

    // A failure at the terminal is said as one.
    const failing = ask({ ...QUERY, number: "00002" });
    const second = await bridge.next();
    assert.notEqual(second.id, request.id, "each check has its own id");
    bridge.send({ type: "outcome", id: second.id, outcome: { state: "failed", code: "terminal_error" } });
    assert.equal((await failing).body.error, "terminal_failed");
    elsewhere.socket.close();
    bridge.socket.close();
  });

  test("a newer link replaces the older, and an unacknowledged request is handed to the next link", async () => {
    const device = await bridgeOf(FACILITY_CODE);
    const ask = await staffOf(FACILITY_CODE);
    const first = await openLink(device);
    const second = await openLink(device);
    assert.equal(await first.closed, 1012, "the older link is closed as replaced");

    const asked = ask({ ...QUERY, number: "00003" });
    const request = await second.next();
    // The bridge dies before journalling it: no acknowledgement.
    second.socket.terminate();
    const third = await openLink(device);
    const again = await third.next();
    assert.deepEqual(again, request, "the same request, with the same id");
    third.send({ type: "ack", id: again.id });
    third.send({ type: "outcome", id: again.id, outcome: { state: "uncertain" } });
    const answered = await asked;
    assert.equal(answered.status, 504, JSON.stringify(answered.body));
    assert.equal(answered.body.error, "terminal_timeout");
    third.socket.close();
  });

  test("a bulk pre-check is handed to the bridge until acknowledged, and staff read its progress and its rows once", async () => {
    const BULK = "/api/v1/staff/terminal/bulk";
    const STATUS = "/api/v1/staff/terminal/bulk/status";
    const caller = async (facilityCode) => {
      const signer = await enrolDevice(edge.url, { facilityCode, role: "staff_console" });
      const code = await call("/api/v1/admin/staff-codes", {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        body: { facility_code: facilityCode },
      });
      const login = await call("/api/v1/staff/login", { signer, body: { code: code.body.code } });
      const headers = { authorization: `Bearer ${login.body.staff_token}` };
      return (path, body) => call(path, { signer, body, headers });
    };
    const staff = await caller(FACILITY_CODE);
    const elsewhere = await caller(OTHER_FACILITY);
    const rows = [QUERY, { ...QUERY, number: "00002", branch: undefined }].map((row) => JSON.parse(JSON.stringify(row)));
    /** Asks for the status until it leaves `state` (each ask is a staff call, as the console polls). */
    const statusAfter = async (id, state) => {
      for (;;) {
        const read = await staff(STATUS, { id });
        if (read.status !== 200 || read.body.state !== state) return read;
      }
    };

    const tooMany = await staff(BULK, { rows: Array.from({ length: 1001 }, () => QUERY) });
    assert.equal(tooMany.status, 413, JSON.stringify(tooMany.body));
    assert.equal(tooMany.body.error, "too_many_rows");

    const device = await bridgeOf(FACILITY_CODE);
    const first = await openLink(device);
    const sent = await staff(BULK, { rows });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const request = await first.next();
    assert.equal(request.id, sent.body.id);
    assert.deepEqual(request.ask, { kind: "bulk", rows });
    assert.deepEqual((await staff(STATUS, { id: sent.body.id })).body, { state: "sent" });

    // The bridge dies before journalling it: its next link is handed the same request.
    first.socket.terminate();
    const second = await openLink(device);
    assert.deepEqual(await second.next(), request, "the same request, with the same id");
    second.send({ type: "ack", id: request.id });
    assert.deepEqual((await statusAfter(request.id, "sent")).body, { state: "terminal_processing" });

    const outcome = { state: "bulk_answered", rows: [{ state: "answered", validity: "valid", contribution_percent: 30, limit_category: "A03" }, { state: "failed" }] };
    second.send({ type: "outcome", id: request.id, outcome });
    const done = await statusAfter(request.id, "terminal_processing");
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body, { state: "done", rows: outcome.rows });
    assert.equal((await staff(STATUS, { id: request.id })).status, 404, "the rows are handed over once");
    assert.equal((await elsewhere(STATUS, { id: request.id })).status, 404, "another facility finds nothing");
    second.socket.close();
  });

  test("a bridge that sends more than its link may carry in a minute is cut off, after every message within it was read", async () => {
    const ask = await staffOf(OTHER_FACILITY);
    const bridge = await openLink(await bridgeOf(OTHER_FACILITY));
    const asked = ask(QUERY);
    const request = await bridge.next();
    // Messages about nothing the store holds, then the answer as the last two messages the minute allows: each was
    // read, since the answer reached staff.
    for (let i = 0; i < LINK_MESSAGES_PER_MINUTE - 2; i += 1) bridge.send({ type: "ack", id: `noise-${i}` });
    bridge.send({ type: "ack", id: request.id });
    bridge.send({ type: "outcome", id: request.id, outcome: { state: "answered", answer: { validity: "valid" } } });
    const answered = await asked;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.deepEqual(answered.body, { validity: "valid" });
    bridge.send({ type: "ack", id: "one-too-many" });
    // A bound, not a wait: a link left open fails here instead of hanging the suite.
    let bound;
    const stillOpen = new Promise((done) => (bound = setTimeout(() => done("still open after 10 s"), 10_000)));
    assert.equal(await Promise.race([bridge.closed, stillOpen]), 1008, "closed as a policy violation");
    clearTimeout(bound);
  });
});
