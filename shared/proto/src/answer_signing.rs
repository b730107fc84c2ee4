//! The origin's answer signature: how the edge knows an answer really comes from the origin, and answers the very
//! request the edge sent.
//!
//! `answer_signature = hex(HMAC-SHA256(key, "onshi-answer-v1" "\n" REQUEST_SIGNATURE "\n" STATUS "\n"
//! hex(SHA-256(body))))`, sent in [`ANSWER_SIGNATURE_HEADER`].
//!
//! The request signature ([`crate::signing`]) already covers the method, path, time, nonce and body of the request,
//! and the origin refuses a nonce it has seen; binding the answer to it means an answer cannot be moved to another
//! request, replayed for a later one, or rewritten on the way (a certificate status turned `good`, another
//! person's qualification put in). The origin signs the answer to every request that presents a request signature,
//! whether or not that signature verified: an answer bound to a signature the edge did not send is worthless to
//! anyone who asked for it. The key is the one both sides already share; a request message has five lines and an
//! answer message four, none of which can hold a line break, so neither can be passed off as the other.
//!
//! Pure: no clock (the request's own time window covers freshness), no I/O.

use hmac::{KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};

/// Header carrying the hex HMAC of an answer.
pub const ANSWER_SIGNATURE_HEADER: &str = "x-onshi-answer-signature";
/// First line of every signed answer message.
const ANSWER_CONTEXT: &str = "onshi-answer-v1";
/// Longest request signature an answer is bound to, in characters: a hex HMAC-SHA256 is 64.
const MAX_REQUEST_SIGNATURE_LEN: usize = 128;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Why an answer signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerSignatureError {
    /// The answer carries no signature.
    #[error("the answer is not signed")]
    Missing,
    /// The signature, or the request signature it should be bound to, is not well formed.
    #[error("the answer signature is malformed")]
    Malformed,
    /// The HMAC does not match: the answer was changed, or answers another request.
    #[error("the answer signature does not match")]
    Mismatch,
    /// The key is empty.
    #[error("the answer signing key is empty")]
    EmptyKey,
}

fn mac(key: &[u8], request_signature: &str, status: u16, body: &[u8]) -> Result<HmacSha256, AnswerSignatureError> {
    if key.is_empty() {
        return Err(AnswerSignatureError::EmptyKey);
    }
    let well_formed = !request_signature.is_empty()
        && request_signature.len() <= MAX_REQUEST_SIGNATURE_LEN
        && request_signature.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(AnswerSignatureError::Malformed);
    }
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| AnswerSignatureError::EmptyKey)?;
    let status = status.to_string();
    let body_hash = hex::encode(Sha256::digest(body));
    for (index, part) in [ANSWER_CONTEXT, request_signature, status.as_str(), body_hash.as_str()].iter().enumerate() {
        if index > 0 {
            mac.update(b"\n");
        }
        mac.update(part.as_bytes());
    }
    Ok(mac)
}

/// Signs one answer to the request that presented `request_signature`.
pub fn sign_answer(
    key: &[u8],
    request_signature: &str,
    status: u16,
    body: &[u8],
) -> Result<String, AnswerSignatureError> {
    Ok(hex::encode(mac(key, request_signature, status, body)?.finalize().into_bytes()))
}

/// Checks that `presented` signs this answer (`status`, `body`) to the request the caller signed with
/// `request_signature`; the comparison takes the same time wherever the first difference lies.
pub fn verify_answer(
    key: &[u8],
    request_signature: &str,
    status: u16,
    body: &[u8],
    presented: Option<&str>,
) -> Result<(), AnswerSignatureError> {
    let presented = presented.ok_or(AnswerSignatureError::Missing)?;
    let tag = hex::decode(presented).map_err(|_| AnswerSignatureError::Malformed)?;
    mac(key, request_signature, status, body)?.verify_slice(&tag).map_err(|_| AnswerSignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"origin-signing-key-for-tests";
    const REQUEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const GOOD: &[u8] = br#"{"status":"good"}"#;

    #[test]
    fn an_answer_verifies_only_unchanged_and_for_its_own_request() {
        let signature = sign_answer(KEY, REQUEST, 200, GOOD).unwrap();
        assert_eq!(verify_answer(KEY, REQUEST, 200, GOOD, Some(&signature)), Ok(()));
        // Rewritten on the way: another body, another status.
        let revoked = br#"{"status":"revoked"}"#;
        assert_eq!(verify_answer(KEY, REQUEST, 200, revoked, Some(&signature)), Err(AnswerSignatureError::Mismatch));
        assert_eq!(verify_answer(KEY, REQUEST, 404, GOOD, Some(&signature)), Err(AnswerSignatureError::Mismatch));
        // Moved to another request, or signed under another key.
        let other_request = REQUEST.replace('9', "8");
        assert_eq!(
            verify_answer(KEY, &other_request, 200, GOOD, Some(&signature)),
            Err(AnswerSignatureError::Mismatch)
        );
        assert_eq!(
            verify_answer(b"another-key-entirely", REQUEST, 200, GOOD, Some(&signature)),
            Err(AnswerSignatureError::Mismatch)
        );
    }

    #[test]
    fn an_unsigned_or_garbled_answer_is_a_typed_refusal() {
        assert_eq!(verify_answer(KEY, REQUEST, 200, GOOD, None), Err(AnswerSignatureError::Missing));
        assert_eq!(verify_answer(KEY, REQUEST, 200, GOOD, Some("zz")), Err(AnswerSignatureError::Malformed));
        assert_eq!(verify_answer(KEY, REQUEST, 200, GOOD, Some("")), Err(AnswerSignatureError::Mismatch));
        let signature = sign_answer(KEY, REQUEST, 200, GOOD).unwrap();
        assert_eq!(verify_answer(KEY, "", 200, GOOD, Some(&signature)), Err(AnswerSignatureError::Malformed));
        assert_eq!(verify_answer(KEY, "a\nb", 200, GOOD, Some(&signature)), Err(AnswerSignatureError::Malformed));
        assert_eq!(sign_answer(b"", REQUEST, 200, GOOD), Err(AnswerSignatureError::EmptyKey));
    }

    #[test]
    fn a_request_signature_is_never_an_answer_signature() {
        // The same key signs both; the answer's context line keeps the two apart.
        let headers = crate::signing::sign(KEY, "POST", "/v1/certificate-status", 1_000, "nonce", GOOD).unwrap();
        let answer = sign_answer(KEY, REQUEST, 200, GOOD).unwrap();
        assert_ne!(headers.signature, answer);
        assert_eq!(
            verify_answer(KEY, REQUEST, 200, GOOD, Some(&headers.signature)),
            Err(AnswerSignatureError::Mismatch)
        );
    }
}
