//! The edge's origin as the kiosk packaged as an Isolated Web App reaches it. Inside the app the page's own origin is
//! `isolated-app://…`, which serves no API, so `cargo xtask iwa --edge-url https://…` bakes the edge's origin into
//! the start page and the kiosk reads it back. Both sides accept exactly the same values through [`parse_edge_url`].

/// The `name` of the `<meta>` element that carries the edge's origin.
pub const EDGE_URL_META: &str = "onshi-edge-url";

/// The edge origin in `content` when it is one the kiosk may call: `https://host` or `https://host:port`, with at
/// most a trailing slash, and no credentials, path, query or fragment (the device proof signs the path alone, so
/// the base must not add one). Answers it without the trailing slash; `None` for anything else.
pub fn parse_edge_url(content: &str) -> Option<String> {
    let rest = content.trim().strip_prefix("https://")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = port.is_none_or(|port| {
        !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok()
    });
    (host_ok && port_ok).then(|| format!("https://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_origin_is_taken_without_its_trailing_slash() {
        assert_eq!(parse_edge_url("https://edge.example.jp").as_deref(), Some("https://edge.example.jp"));
        assert_eq!(parse_edge_url(" https://edge.example.jp/ ").as_deref(), Some("https://edge.example.jp"));
        assert_eq!(parse_edge_url("https://edge.example.jp:8443").as_deref(), Some("https://edge.example.jp:8443"));
    }

    #[test]
    fn anything_but_a_bare_https_origin_is_refused() {
        for bad in [
            "",
            "edge.example.jp",
            "http://edge.example.jp",
            "https://",
            "https://edge.example.jp/api",
            "https://edge.example.jp?x=1",
            "https://edge.example.jp#x",
            "https://user@edge.example.jp",
            "https://edge.example.jp:99999",
            "https://edge.example.jp:",
            "https://.example.jp",
            "https://edge.example.jp\" onload=\"x",
            "javascript:alert(1)",
        ] {
            assert_eq!(parse_edge_url(bad), None, "{bad}");
        }
    }
}
