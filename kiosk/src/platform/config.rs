//! Where the edge is. The plain page talks to its own origin (`/api/…`). Packaged as an Isolated Web App, the page's
//! origin is `isolated-app://…`, so `cargo xtask iwa --edge-url https://…` bakes the edge's origin into the start
//! page as `<meta name="onshi-edge-url" content="https://…">`, and every call goes there instead.
//!
//! The check of the baked value is pure and tested natively; only [`edge_url`] reads the page. Must not: accept a
//! baked value that is anything but an `https://` origin.

pub use onshi_proto::edge_url::{EDGE_URL_META, parse_edge_url};

/// The URL of an edge `path` (`/api/…`): on the baked edge origin inside the Isolated Web App, else on the page's
/// own origin. A malformed baked value is ignored, so the calls fail visibly as "service unavailable".
#[cfg(target_arch = "wasm32")]
pub fn edge_url(path: &str) -> String {
    let baked = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector(&format!("meta[name=\"{EDGE_URL_META}\"]")).ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .and_then(|content| parse_edge_url(&content));
    match baked {
        Some(base) => format!("{base}{path}"),
        None => path.to_owned(),
    }
}
