// A staff session on the real facility store, in workerd: a staff console signs in with a one-time code, makes a
// staff call, and its token is refused with the stable code once it logs out; and a session left without a call
// longer than the edge's idle limit (`STAFF_IDLE_SECS`, set short here) is refused as expired. The native suite
// proves the same rules on in-memory ports (`edge/tests/staff_flow.rs`); this proves the Durable Object keeps them.
// Run: node --test edge/test/staff-session.test.mjs (after `cargo xtask build`).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { ADMIN_TOKEN, FACILITY_CODE, callEdge, enrolDevice, startEdge, startFakeOrigin } from "./helpers.mjs";

/** The shortest idle limit the edge accepts: a session is over once a call comes more than a second after the last. */
const IDLE_SECS = 1;
/** The longest the idle test waits for the edge to refuse the session before it fails. */
const IDLE_DEADLINE_MS = 30_000;
const STAFF_CALL = "/api/v1/staff/bridge";

let origin;
let edge;

before(async () => {
  origin = await startFakeOrigin();
  edge = await startEdge({ originUrl: origin.url, staffIdleSecs: IDLE_SECS });
});

after(async () => {
  await edge?.dispose();
  await origin?.close();
});

const call = (path, options) => callEdge(edge.url, path, options);

/** Signs a staff console in as staff do: enrolled for the facility, then a one-time staff code from the admin. */
async function signIn() {
  const signer = await enrolDevice(edge.url, { role: "staff_console" });
  const code = await call("/api/v1/admin/staff-codes", {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { facility_code: FACILITY_CODE },
  });
  assert.equal(code.status, 200, JSON.stringify(code.body));
  const login = await call("/api/v1/staff/login", { signer, body: { code: code.body.code } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const authorization = { authorization: `Bearer ${login.body.staff_token}` };
  return {
    staffCall: () => call(STAFF_CALL, { signer, method: "GET", headers: authorization }),
    logout: () => call("/api/v1/staff/logout", { signer, headers: authorization }),
  };
}

describe("a staff session on the facility's Durable Object", () => {
  test("ends at logout: the same token is then refused with session_invalid", async () => {
    const staff = await signIn();
    const open = await staff.staffCall();
    assert.equal(open.status, 200, JSON.stringify(open.body));

    const logout = await staff.logout();
    assert.equal(logout.status, 204, JSON.stringify(logout.body));

    const after = await staff.staffCall();
    assert.equal(after.status, 401, JSON.stringify(after.body));
    assert.equal(after.body.error, "session_invalid");
    // A second logout finds no session to end.
    assert.equal((await staff.logout()).body.error, "session_invalid");
  });

  test("ends when left idle past the configured limit, refused with session_expired", async () => {
    const staff = await signIn();
    const open = await staff.staffCall();
    assert.equal(open.status, 200, JSON.stringify(open.body));

    // Every accepted call marks the session seen again, so the test polls with growing gaps: a gap shorter than
    // the limit is answered (the session is in use), and the first gap past it must be refused. Nothing here
    // waits for a fixed time to have passed; it waits, up to a deadline, for the refusal itself.
    const deadline = Date.now() + IDLE_DEADLINE_MS;
    let gapMs = 250;
    let answers = 0;
    let last;
    for (;;) {
      await delay(gapMs);
      last = await staff.staffCall();
      if (last.status !== 200) break;
      answers += 1;
      assert.ok(Date.now() < deadline, `still open after ${IDLE_DEADLINE_MS} ms with a ${IDLE_SECS} s idle limit`);
      gapMs *= 2;
    }
    assert.equal(last.status, 401, JSON.stringify(last.body));
    assert.equal(last.body.error, "session_expired");
    // A gap of a quarter second is within the limit, so the session answered at least once while in use.
    assert.ok(answers >= 1, `refused at the first call, ${gapMs} ms after the last`);
    // Refused for good: calling again at once does not bring it back.
    assert.equal((await staff.staffCall()).body.error, "session_expired");
  });
});
