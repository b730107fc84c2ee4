// The origin request signature of onshi-proto `signing.rs`, written once in JavaScript: HMAC-SHA-256 under the
// key derived from the shared origin secret for the origin's audience, over
// "METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA-256(body))", sent as hex in x-onshi-signature beside
// x-onshi-timestamp and x-onshi-nonce. The launcher signs its direct origin calls with it, the edge's workerd
// tests check the edge's signatures (and forge replays) with it, and the edge bench signs its baseline.
// Beside it, the origin's answer signature of `answer_signing.rs`, which the workerd tests' stand-in origin signs
// its answers with (the edge keeps no answer without it).

import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** The audience both sides use when a deployment names none (`Audience::DEFAULT`). */
export const DEFAULT_AUDIENCE = 'onshi';

/**
 * The key requests for `audience` are signed with, derived from the configured secret as `signing::request_key`
 * derives it: HKDF-SHA-256, no salt, info "onshi-origin-request-v1:" + audience, 32 bytes. Every function here takes
 * the secret and derives.
 */
export function originRequestKey(secret, audience = DEFAULT_AUDIENCE) {
  return Buffer.from(hkdfSync('sha256', secret, '', `onshi-origin-request-v1:${audience}`, 32));
}

/** The signature bytes of one request signed with the secret `key` for `audience`. */
export function originSignature(key, method, pathAndQuery, timestamp, nonce, body, audience = DEFAULT_AUDIENCE) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', originRequestKey(key, audience))
    .update([method, pathAndQuery, timestamp, nonce, bodyHash].join('\n'))
    .digest();
}

/**
 * The three signature headers for one request, signed now with a fresh nonce unless `timestamp` or `nonce` is
 * given (a test re-signing a forwarded request keeps its timestamp).
 */
export function originSignatureHeaders(
  key,
  method,
  pathAndQuery,
  body,
  { timestamp = String(Math.floor(Date.now() / 1000)), nonce = randomBytes(16).toString('hex') } = {},
) {
  return {
    'x-onshi-timestamp': timestamp,
    'x-onshi-nonce': nonce,
    'x-onshi-signature': originSignature(key, method, pathAndQuery, timestamp, nonce, body).toString('hex'),
  };
}

/** Header carrying the origin's signature over its answer. */
export const ANSWER_SIGNATURE_HEADER = 'x-onshi-answer-signature';

/**
 * The origin's signature over one answer (`status`, `body`) to the request that presented `requestSignature` (hex):
 * HMAC-SHA-256 over "onshi-answer-v1\nREQUEST_SIGNATURE\nSTATUS\nhex(SHA-256(body))", as hex.
 */
export function answerSignature(key, requestSignature, status, body, audience = DEFAULT_AUDIENCE) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', originRequestKey(key, audience))
    .update(['onshi-answer-v1', requestSignature, String(status), bodyHash].join('\n'))
    .digest('hex');
}
