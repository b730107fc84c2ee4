//! The pure auth rules: who may call, with what proof, how often, and what the edge's own tokens say.
//!
//! Layer: below the use cases of [`crate::api`] and above [`crate::secret`] and [`crate::error`]. Card
//! authentication ([`cardauth`]: chain, dates, key usage, the card's signature over a [`challenge`], each signature
//! checked through the [`rsa_signature`] port), the 目視 assist's card-presence proof ([`card_face`]: the issuer's
//! signature over the card face, the card's over a challenge), enrolled devices and their request proofs
//! ([`device`]), one-time codes ([`enrolment_code`]), the bearer tokens ([`session`] for card sessions,
//! [`staff_session`] for the staff console, [`insurer_session`] for an insurer's console, all on one `token`
//! codec), the admin credential ([`admin`]) and the rate limits ([`ratelimit`]). Must not: do I/O, read a clock or
//! a random source (time and randomness are passed in), or know the use cases or the configuration above it.

pub mod admin;
pub mod card_face;
pub mod cardauth;
pub mod challenge;
pub mod device;
pub mod enrolment_code;
pub mod insurer_session;
pub mod ratelimit;
pub mod rsa_signature;
pub mod session;
pub mod staff_session;
pub(crate) mod token;
