// The device proof of onshi-proto `api::device_proof_message`, written once in JavaScript: an enrolled device signs
// "onshi-device-proof-v2\nMETHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA-256(body))" with its ECDSA P-256 key and sends
// the signature (base64url) beside its id, the time and the nonce. The workerd tests' kiosks, the stack's staff
// consoles that tests and benches drive from Node, and the end-to-end tests' calls outside the browser all sign
// with it, as the browser apps do with WebCrypto (`shared/web/src/device.rs`).

import { createHash } from 'node:crypto';

/** The message a device signs for one request. */
export function deviceProofMessage(method, path, timestamp, nonce, body) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return Buffer.from(['onshi-device-proof-v2', method, path, timestamp, nonce, bodyHash].join('\n'), 'utf8');
}

/**
 * A device identity that signs with `privateKey` (a WebCrypto ECDSA P-256 key): `headers(method, path, body)` gives
 * the proof headers for one request (fresh time and nonce unless given).
 */
export function deviceWithKey(id, facilityCode, privateKey) {
  return {
    id,
    facilityCode,
    privateKey,
    async headers(method, path, body = '', timestamp = Math.floor(Date.now() / 1000), nonce = crypto.randomUUID()) {
      const message = deviceProofMessage(method, path, String(timestamp), nonce, body);
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message);
      return {
        'x-onshi-device-id': id,
        'x-onshi-device-time': String(timestamp),
        'x-onshi-device-nonce': nonce,
        'x-onshi-device-signature': Buffer.from(signature).toString('base64url'),
      };
    },
  };
}

/**
 * Enrols a device at the edge `edgeUrl` as a browser app does: a non-extractable ECDSA P-256 key made with
 * WebCrypto, its SPKI public key registered with the one-time `code`; `role` (e.g. 'staff_console'), when given,
 * is what the app says it is, and the edge refuses a code of another role. Returns [`deviceWithKey`]'s identity.
 */
export async function enrolWithCode(edgeUrl, code, role) {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const spki = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey));
  const response = await fetch(`${edgeUrl}/api/v1/devices/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, public_key: spki.toString('base64'), ...(role === undefined ? {} : { role }) }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`enrolment refused: ${response.status} ${JSON.stringify(body)}`);
  return deviceWithKey(body.device_id, body.facility_code, keys.privateKey);
}

/**
 * Sends one request from `device` to the edge at `edgeUrl`: its proof over exactly the body sent (`body` as JSON
 * when given), and `token` as the bearer when given. Answers the `fetch` response.
 */
export async function signedCall(edgeUrl, device, path, { body, token, method = body === undefined ? 'GET' : 'POST' } = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = await device.headers(method, path, text);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${edgeUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: text }) });
}
