//! Whose request a spool id is: the edge's (its link id under [`EDGE_ID_PREFIX`]) or a folder caller's (its own
//! id), and the one id staff see for it in the health report and close it by.
//!
//! The spool's ids are shared by every caller, so an edge request's spool id is its link id under the prefix: a
//! folder caller cannot answer for it, and an outcome that is not the edge's is not sent there. Pure: no I/O.

use onshi_proto::bridge_link::LinkRequestId;

/// The spool id of an edge request is its link id under this prefix.
pub const EDGE_ID_PREFIX: &str = "edge-";

/// The spool id of the edge's request `id`.
pub fn spool_id(id: &LinkRequestId) -> String {
    format!("{EDGE_ID_PREFIX}{}", id.as_str())
}

/// The link id behind a spool id, when the request is the edge's.
pub fn link_id(spool_id: &str) -> Option<LinkRequestId> {
    LinkRequestId::parse(spool_id.strip_prefix(EDGE_ID_PREFIX)?).ok()
}

/// The id staff see for the caller's request `spool_id`: an edge request's link id, a folder caller's own id (when
/// it fits a link id; a longer one is counted but not listed, and its caller closes it on the terminal's side).
pub fn listed_id(spool_id: &str) -> Option<LinkRequestId> {
    link_id(spool_id).or_else(|| LinkRequestId::parse(spool_id).ok().filter(|_| !spool_id.starts_with(EDGE_ID_PREFIX)))
}

/// The spool ids a listed id may stand for, the edge's first: staff close the edge's requests, which are theirs,
/// and a folder caller's id that only an edge id would also spell is taken second.
pub fn spool_ids_listed_as(id: &LinkRequestId) -> Vec<String> {
    let mut ids = vec![spool_id(id)];
    if !id.as_str().starts_with(EDGE_ID_PREFIX) {
        ids.push(id.as_str().to_owned());
    }
    ids
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn an_edge_request_is_listed_by_its_link_id_and_a_folder_request_by_its_own() {
        let id = LinkRequestId::parse("1a2b").unwrap();
        assert_eq!(spool_id(&id), "edge-1a2b");
        assert_eq!(listed_id("edge-1a2b"), Some(id.clone()));
        assert_eq!(listed_id("a1"), Some(LinkRequestId::parse("a1").unwrap()));
        assert_eq!(listed_id(&"a".repeat(60)), None, "longer than a link id");
        assert_eq!(listed_id("edge-"), None, "an edge prefix with no link id is nobody's");
        assert_eq!(spool_ids_listed_as(&id), ["edge-1a2b", "1a2b"]);
        assert_eq!(spool_ids_listed_as(&LinkRequestId::parse("edge-x").unwrap()), ["edge-edge-x"]);
    }
}
