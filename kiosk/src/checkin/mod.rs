//! The check-in itself: [`task`] runs one check-in from the reader to the answer, and [`visual_check`] is its
//! staff visual check (目視), the way through when the PIN cannot be used; [`petition`] is the 申立書 capture an
//! outage offers on the card still in the reader; [`command`] is what the UI tells them.
//!
//! Must not: render anything (the task reports [`crate::state::Action`]s) or keep the PIN after VERIFY.

pub mod command;
pub mod petition;
pub mod task;
pub mod visual_check;
