// The whole stack (origin binary + edge in workerd, as `startStack` runs them for the demo) driven over HTTP the
// way an enrolled kiosk does, without a browser: the stack's admin token issues the code, a WebCrypto P-256 key
// enrols, the test card signs, and the edge's log carries audit events but nothing personal.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_FACILITY_CODE, startStack } from '../../xtask/stack.mjs';
import { enrolDevice, testCard } from '../../edge/test/helpers.mjs';

let stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

async function call(path, device, { body = '', headers = {} } = {}) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await device.headers('POST', path, body)), ...headers },
    body: body === '' ? undefined : body,
  });
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return { status: response.status, body: await response.json() };
}

test('a kiosk enrolled with a code from the stack checks a card in', async () => {
  const code = await stack.issueEnrolmentCode();
  const device = await enrolDevice(stack.url, { code });
  assert.equal(device.facilityCode, DEMO_FACILITY_CODE);
  await assert.rejects(enrolDevice(stack.url, { code }), /401/, 'a code enrols once');

  const card = testCard(0);
  const challenge = await call('/api/v1/challenge', device);
  assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
  const sessionBody = JSON.stringify({
    challenge_id: challenge.body.challenge_id,
    certificate: card.certificate.toString('base64'),
    signature: card.sign(Buffer.from(challenge.body.challenge, 'base64'), device.id).toString('base64'),
  });
  const session = await call('/api/v1/session', device, { body: sessionBody });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const answer = await call('/api/v1/qualification', device, {
    body: '{}',
    headers: { authorization: `Bearer ${session.body.session_token}` },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.validity, 'valid');

  // The audit line travels through the edge launcher's pipe and may arrive after the answer it goes with.
  await stack.waitForLog((line) => line.startsWith('[edge]') && line.includes('"action":"qualification"')
    && line.includes(device.id));
  const edgeLines = stack.logs.filter((line) => line.startsWith('[edge]'));
  const audit = edgeLines.filter((line) => line.includes('"kind":"onshi.edge.audit"'));
  const outcomes = audit.map((line) => JSON.parse(line.slice(line.indexOf('{'))))
    .filter((event) => event.device === device.id)
    .map((event) => `${event.action}:${event.outcome}`);
  assert.deepEqual(outcomes, ['enrol:ok', 'challenge:ok', 'session:ok', 'qualification:ok']);
  const everything = edgeLines.join('\n');
  assert.ok(!everything.includes(card.serial), 'no certificate serial in the edge log');
  assert.ok(!everything.includes(session.body.session_token), 'no session token in the edge log');
});
