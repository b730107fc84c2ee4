//! The API use cases, written against [`EdgePorts`] so that they run unchanged in workerd (Durable Object,
//! `fetch`, WebCrypto randomness) and in native tests (in-memory fakes).
//!
//! Device enrolment and rate limits will slot in here as further ports and steps before the card checks.

use onshi_proto::api::{ChallengeResponse, QualificationRequest, SessionRequest, SessionResponse};
use onshi_proto::origin::{
    BY_CERTIFICATE_PATH, CERTIFICATE_STATUS_PATH, CardQualificationQuery, CertificateStatus,
    CertificateStatusAnswer, CertificateStatusQuery,
};
use onshi_proto::qualification::QualificationAnswer;

use crate::cardauth::verify_card_authentication;
use crate::challenge::{
    ChallengeId, ChallengeRandomness, IssuedChallenge, StoredChallenge, judge_consumption,
};
use crate::config::EdgeConfig;
use crate::error::EdgeError;
use crate::http_policy::{parse_json, parse_json_or_default};
use crate::proxy::{NONCE_RANDOM_LEN, OriginOutcome, OriginRequest, interpret_outcome};
use crate::session::{TOKEN_ID_RANDOM_LEN, bearer_token};

/// Longest accepted `arbitrary_identifier`; the national message allows far less.
const MAX_ARBITRARY_IDENTIFIER_LEN: usize = 64;

/// The outside world, as the use cases need it.
#[allow(async_fn_in_trait)] // The worker runs on one thread; its futures are not `Send` and need not be.
pub trait EdgePorts {
    /// Fills `buffer` from a cryptographically secure random source.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), EdgeError>;

    /// Remembers a newly issued challenge until [`IssuedChallenge::forget_after`].
    async fn store_challenge(
        &self,
        challenge: &IssuedChallenge,
        now_unix: i64,
    ) -> Result<(), EdgeError>;

    /// Counts one more use of a challenge, atomically, and returns the record as it is after counting; `None`
    /// when the id is not stored.
    async fn count_challenge_use(
        &self,
        id: &ChallengeId,
        now_unix: i64,
    ) -> Result<Option<StoredChallenge>, EdgeError>;

    /// Sends a request to the origin, giving up after `timeout_ms`.
    async fn send_to_origin(&self, request: OriginRequest, timeout_ms: u32) -> OriginOutcome;
}

/// The edge's API, bound to a configuration and a set of ports.
#[derive(Debug)]
pub struct EdgeApi<'a, P> {
    config: &'a EdgeConfig,
    ports: &'a P,
}

impl<'a, P: EdgePorts> EdgeApi<'a, P> {
    /// Binds the API.
    pub fn new(config: &'a EdgeConfig, ports: &'a P) -> Self {
        Self { config, ports }
    }

    fn random<const N: usize>(&self) -> Result<[u8; N], EdgeError> {
        let mut bytes = [0_u8; N];
        self.ports.fill_random(&mut bytes)?;
        Ok(bytes)
    }

    async fn call_origin<T: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &T,
        forwarded: Vec<(String, String)>,
        now_unix: i64,
    ) -> Result<A, EdgeError> {
        let nonce = self.random::<NONCE_RANDOM_LEN>()?;
        let request = self
            .config
            .origin
            .post_json(path, body, forwarded, now_unix, nonce)?;
        interpret_outcome(
            self.ports
                .send_to_origin(request, self.config.origin_timeout_ms)
                .await,
        )
    }

    /// `POST /api/v1/challenge`: issues and stores a single-use challenge.
    pub async fn issue_challenge(&self, now_unix: i64) -> Result<ChallengeResponse, EdgeError> {
        let randomness = ChallengeRandomness {
            id: self.random()?,
            challenge: self.random()?,
        };
        let issued = IssuedChallenge::issue(&randomness, now_unix);
        self.ports.store_challenge(&issued, now_unix).await?;
        Ok(issued.to_response())
    }

    /// `POST /api/v1/session`: consumes the challenge, verifies the card's answer, asks the origin whether the
    /// certificate is revoked, and mints a session.
    ///
    /// The challenge is consumed before anything else is checked, so a failed attempt burns it too.
    pub async fn open_session(
        &self,
        body: &[u8],
        forwarded: Vec<(String, String)>,
        now_unix: i64,
    ) -> Result<SessionResponse, EdgeError> {
        let request: SessionRequest = parse_json(body)?;
        let id = ChallengeId::parse(&request.challenge_id)?;
        let record = self.ports.count_challenge_use(&id, now_unix).await?;
        let challenge = judge_consumption(record, now_unix)?;
        let certificate = verify_card_authentication(
            request.certificate.as_slice(),
            request.signature.as_slice(),
            &challenge,
            &self.config.trust_anchors,
            now_unix,
        )?;
        // An unknown status is accepted: the certificate chains to a trusted CA, and the origin's answer for an
        // unregistered card is a typed "no qualification" anyway. Only a positive revocation refuses.
        let status: CertificateStatusAnswer = self
            .call_origin(
                CERTIFICATE_STATUS_PATH,
                &CertificateStatusQuery {
                    certificate: certificate.clone(),
                },
                forwarded,
                now_unix,
            )
            .await?;
        if status.status == CertificateStatus::Revoked {
            return Err(EdgeError::CertificateRevoked);
        }
        let (token, claims) = self.config.sessions.mint(
            &certificate,
            now_unix,
            self.random::<TOKEN_ID_RANDOM_LEN>()?,
        )?;
        Ok(SessionResponse {
            session_token: token.expose().to_owned(),
            expires_at: claims.exp,
        })
    }

    /// `POST /api/v1/qualification`: the qualification of the session's card holder. The card comes from the
    /// session only, never from the body.
    pub async fn qualification(
        &self,
        authorization: Option<&str>,
        body: &[u8],
        forwarded: Vec<(String, String)>,
        now_unix: i64,
    ) -> Result<QualificationAnswer, EdgeError> {
        let claims = self
            .config
            .sessions
            .verify(bearer_token(authorization)?, now_unix)?;
        let request: QualificationRequest = parse_json_or_default(body)?;
        if request
            .arbitrary_identifier
            .as_ref()
            .is_some_and(|id| id.chars().count() > MAX_ARBITRARY_IDENTIFIER_LEN)
        {
            return Err(EdgeError::BadRequest);
        }
        let query = CardQualificationQuery {
            certificate: claims.certificate(),
            facility_code: None,
            device_id: None,
            arbitrary_identifier: request.arbitrary_identifier,
        };
        self.call_origin(BY_CERTIFICATE_PATH, &query, forwarded, now_unix)
            .await
    }
}
