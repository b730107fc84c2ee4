//! Single-use challenges: issuing them and judging an attempt to consume one.
//!
//! A challenge belongs to the device that asked for it and to one [`ChallengePurpose`]: both are stored with it and
//! both are in the message the card signs ([`onshi_proto::api::card_challenge_message`]), so a challenge is
//! consumed only by its own device, for its own purpose.
//!
//! Pure: the random bytes and the clock are passed in. Storage lives in the `EdgeStore` Durable Object of the
//! facility of the device it was issued to, which only counts uses atomically (in the same call as the device
//! check of the request that answers it) and hands the record to [`judge_consumption`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onshi_proto::api::{CHALLENGE_LEN, ChallengePurpose, ChallengeResponse};
use serde::{Deserialize, Serialize};

use crate::error::EdgeError;

/// How long a challenge may be answered, in seconds.
pub const CHALLENGE_LIFETIME_SECS: i64 = 120;
/// How long after expiry a challenge is still remembered, so that a late or repeated answer gets the precise
/// `challenge_expired` / `challenge_replayed` instead of `challenge_unknown`.
pub const CHALLENGE_RETENTION_SECS: i64 = 600;
/// Random bytes behind a challenge id.
pub const CHALLENGE_ID_RANDOM_LEN: usize = 16;

/// The random input of one challenge, drawn by the caller from a cryptographic source.
#[derive(Clone)]
pub struct ChallengeRandomness {
    /// Becomes the challenge id.
    pub id: [u8; CHALLENGE_ID_RANDOM_LEN],
    /// The bytes the card signs.
    pub challenge: [u8; CHALLENGE_LEN],
}

impl std::fmt::Debug for ChallengeRandomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeRandomness(..)")
    }
}

/// A challenge identifier: base64url (no padding) of [`CHALLENGE_ID_RANDOM_LEN`] random bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChallengeId(String);

impl ChallengeId {
    fn from_random(random: &[u8; CHALLENGE_ID_RANDOM_LEN]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(random))
    }

    /// Accepts only ids this edge could have issued; anything else is unknown by definition.
    pub fn parse(text: &str) -> Result<Self, EdgeError> {
        let decoded = URL_SAFE_NO_PAD.decode(text).map_err(|_| EdgeError::ChallengeUnknown)?;
        if decoded.len() == CHALLENGE_ID_RANDOM_LEN {
            Ok(Self(text.to_owned()))
        } else {
            Err(EdgeError::ChallengeUnknown)
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A freshly issued challenge, as it is stored and sent to the kiosk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedChallenge {
    /// Its id.
    pub id: ChallengeId,
    /// The bytes the card signs.
    pub challenge: [u8; CHALLENGE_LEN],
    /// Unix seconds after which it is refused.
    pub expires_at: i64,
    /// The id of the device that asked for it, the only one that may consume it.
    pub device: String,
    /// What its answer is for.
    pub purpose: ChallengePurpose,
}

impl IssuedChallenge {
    /// Issues a challenge at `now_unix` from the given randomness, for `device` and `purpose`.
    pub fn issue(random: &ChallengeRandomness, device: &str, purpose: ChallengePurpose, now_unix: i64) -> Self {
        Self {
            id: ChallengeId::from_random(&random.id),
            challenge: random.challenge,
            expires_at: now_unix.saturating_add(CHALLENGE_LIFETIME_SECS),
            device: device.to_owned(),
            purpose,
        }
    }

    /// The answer to `POST /api/v1/challenge`.
    pub fn to_response(&self) -> ChallengeResponse {
        ChallengeResponse {
            challenge_id: self.id.as_str().to_owned(),
            challenge: self.challenge.to_vec().into(),
            expires_at: self.expires_at,
        }
    }

    /// Unix seconds after which the store may forget this challenge.
    pub fn forget_after(&self) -> i64 {
        self.expires_at.saturating_add(CHALLENGE_RETENTION_SECS)
    }
}

/// What the store knows about a challenge at the moment it counted one more use of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChallenge {
    /// The challenge bytes.
    pub challenge: Vec<u8>,
    /// Unix seconds after which it is refused.
    pub expires_at: i64,
    /// Uses counted so far, including the current one.
    pub uses: u32,
    /// The id of the device it was issued to.
    pub device: String,
    /// The tag of the purpose it was issued for ([`ChallengePurpose::as_str`]).
    pub purpose: String,
}

/// Decides whether `device` consuming a challenge for `purpose` succeeds. `record` is `None` when the store has no
/// such id. A challenge issued to another device or for another purpose is unknown to this caller: it learns
/// nothing about challenges that are not its own.
pub fn judge_consumption(
    record: Option<StoredChallenge>,
    device: &str,
    purpose: ChallengePurpose,
    now_unix: i64,
) -> Result<[u8; CHALLENGE_LEN], EdgeError> {
    let record = record.ok_or(EdgeError::ChallengeUnknown)?;
    if record.device != device || record.purpose != purpose.as_str() {
        return Err(EdgeError::ChallengeUnknown);
    }
    if record.uses > 1 {
        return Err(EdgeError::ChallengeReplayed);
    }
    if now_unix > record.expires_at {
        return Err(EdgeError::ChallengeExpired);
    }
    record.challenge.as_slice().try_into().map_err(|_| EdgeError::Runtime("stored challenge has the wrong length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICE: &str = "0110113719.BAQEBAQEBAQEBAQEBAQEBA";
    const OTHER_DEVICE: &str = "0110113719.BQUFBQUFBQUFBQUFBQUFBQ";

    fn randomness(seed: u8) -> ChallengeRandomness {
        ChallengeRandomness { id: [seed; CHALLENGE_ID_RANDOM_LEN], challenge: [seed.wrapping_add(1); CHALLENGE_LEN] }
    }

    #[test]
    fn an_issued_challenge_lives_120_seconds_and_round_trips_its_id() {
        let issued = IssuedChallenge::issue(&randomness(7), DEVICE, ChallengePurpose::CardSession, 1_000);
        assert_eq!(issued.expires_at, 1_120);
        assert_eq!(issued.challenge, [8; CHALLENGE_LEN]);
        assert_eq!(ChallengeId::parse(issued.id.as_str()), Ok(issued.id.clone()));
        let response = issued.to_response();
        assert_eq!(response.challenge.as_slice(), &[8; CHALLENGE_LEN]);
        assert_eq!(response.challenge_id, issued.id.as_str());
        assert_eq!(issued.forget_after(), 1_120 + CHALLENGE_RETENTION_SECS);
    }

    #[test]
    fn different_randomness_gives_different_ids() {
        let first = IssuedChallenge::issue(&randomness(1), DEVICE, ChallengePurpose::CardSession, 0).id;
        let second = IssuedChallenge::issue(&randomness(2), DEVICE, ChallengePurpose::CardSession, 0).id;
        assert_ne!(first, second);
    }

    #[test]
    fn ids_this_edge_cannot_have_issued_are_unknown() {
        for text in ["", "short", "not base64 at all!", "AAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA=="] {
            assert_eq!(ChallengeId::parse(text), Err(EdgeError::ChallengeUnknown), "{text:?}");
        }
    }

    #[test]
    fn consumption_is_judged_by_presence_use_count_and_clock() {
        let stored = |uses| StoredChallenge {
            challenge: vec![9; CHALLENGE_LEN],
            expires_at: 100,
            uses,
            device: DEVICE.into(),
            purpose: "card-session".into(),
        };
        let judge = |record, now| judge_consumption(record, DEVICE, ChallengePurpose::CardSession, now);
        assert_eq!(judge(Some(stored(1)), 100), Ok([9; CHALLENGE_LEN]));
        assert_eq!(judge(Some(stored(2)), 50), Err(EdgeError::ChallengeReplayed));
        assert_eq!(judge(Some(stored(1)), 101), Err(EdgeError::ChallengeExpired));
        assert_eq!(judge(None, 50), Err(EdgeError::ChallengeUnknown));
        let corrupt = StoredChallenge { challenge: vec![1, 2, 3], ..stored(1) };
        assert!(matches!(judge(Some(corrupt), 50), Err(EdgeError::Runtime(_))));
    }

    #[test]
    fn a_challenge_is_consumed_only_by_its_device_for_its_purpose() {
        let stored = StoredChallenge {
            challenge: vec![9; CHALLENGE_LEN],
            expires_at: 100,
            uses: 1,
            device: DEVICE.into(),
            purpose: "card-session".into(),
        };
        let by_other_device = judge_consumption(Some(stored.clone()), OTHER_DEVICE, ChallengePurpose::CardSession, 50);
        assert_eq!(by_other_device, Err(EdgeError::ChallengeUnknown));
        let for_other_purpose = StoredChallenge { purpose: "visual-check".into(), ..stored };
        let refused = judge_consumption(Some(for_other_purpose), DEVICE, ChallengePurpose::CardSession, 50);
        assert_eq!(refused, Err(EdgeError::ChallengeUnknown));
    }
}
