//! What an answer means for the patient in front of the desk: the four places validity is carried, read together.
//!
//! A check is good only when the terminal finished (正常終了), processed the request without error (正常), the
//! qualification is 有効, and exactly one qualification came back. Anything else is said as what it is; nothing
//! here defaults a patient to 10割. Pure.

use onshi_proto::qualification::Validity;

use crate::check::{Processing, Segment};
use crate::messages::{AnswerHeader, QualificationAnswer, QualificationAnswerBody, QualificationRecord};

/// The reading of one qualification answer (IF-002, `face`, or one bulk unit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// 正常終了 ∧ 正常 ∧ 有効 ∧ exactly one result.
    Valid(&'a QualificationRecord),
    /// Processed normally, and the validity says why the patient is not simply 有効 (or results are not one).
    NotValid {
        /// The validity code, if it was readable.
        validity: Option<Validity>,
        /// How many results came back.
        results: usize,
    },
    /// The terminal is still working on it (処理中).
    InProgress,
    /// The terminal or the request failed: the error code and message as given.
    Error {
        /// `ErrorCode` or `ProcessingResultCode`.
        code: Option<String>,
        /// `ErrorMessage` or `ProcessingResultMessage`.
        message: Option<String>,
    },
}

/// Reads a body under its header's segment.
pub fn verdict<'a>(header: Option<&AnswerHeader>, body: Option<&'a QualificationAnswerBody>) -> Verdict<'a> {
    let segment = header.and_then(|h| h.segment.as_ref()).and_then(|s| s.value);
    match segment {
        Some(Segment::InProgress) => return Verdict::InProgress,
        Some(Segment::Completed) => {}
        Some(Segment::Aborted) | None => {
            return Verdict::Error {
                code: header.and_then(|h| h.error_code.clone()).or_else(|| body.and_then(|b| b.code.clone())),
                message: header.and_then(|h| h.error_message.clone()).or_else(|| body.and_then(|b| b.message.clone())),
            };
        }
    }
    unit_verdict(body)
}

/// Reads one body alone (a bulk unit, whose header is the file's).
pub fn unit_verdict(body: Option<&QualificationAnswerBody>) -> Verdict<'_> {
    let Some(body) = body else { return Verdict::Error { code: None, message: None } };
    if body.status.as_ref().and_then(|s| s.value) != Some(Processing::Normal) {
        return Verdict::Error { code: body.code.clone(), message: body.message.clone() };
    }
    let results: Vec<&QualificationRecord> = body.results.0.iter().flat_map(|list| list.results.iter()).collect();
    let validity = body.validity.as_ref().and_then(|v| v.value).map(|v| v.0);
    match (validity, results.as_slice()) {
        (Some(Validity::Valid), [only]) => Verdict::Valid(only),
        _ => Verdict::NotValid { validity, results: results.len() },
    }
}

impl QualificationAnswer {
    /// The verdict of this answer.
    pub fn verdict(&self) -> Verdict<'_> {
        verdict(self.header.0.as_ref(), self.body.0.as_ref())
    }
}
