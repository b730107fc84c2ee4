//! A plain element tree: the form every interface file takes between its bytes and its typed message.
//!
//! XmlMsg files use elements and text only (no attributes, no namespaces, no mixed content), so a tree of
//! name + text + children holds all of it. Parsing is bounded in depth and never panics; writing escapes text and
//! always emits the same bytes for the same tree, so files compare byte for byte.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::OnsfileError;

/// Deepest nesting accepted; real messages nest about six levels.
pub const MAX_DEPTH: usize = 32;

/// One XML element: its name, its text (concatenated, untrimmed) and its child elements in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Element {
    /// The element's name as written (a namespace prefix, if any, is dropped).
    pub name: String,
    /// The element's own text, exactly as it stood: leading zeros and padding spaces are kept.
    pub text: String,
    /// Child elements, in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// An element holding only text.
    pub fn leaf(name: &str, text: &str) -> Self {
        Self { name: name.to_owned(), text: text.to_owned(), children: Vec::new() }
    }

    /// An element holding only children.
    pub fn branch(name: &str, children: Vec<Element>) -> Self {
        Self { name: name.to_owned(), text: String::new(), children }
    }

    /// The first child of that name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Parses decoded text into its root element. Whitespace-only text between elements is dropped; any other text is
/// kept exactly.
pub fn parse(text: &str) -> Result<Element, OnsfileError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let failed = |reader: &Reader<&[u8]>| OnsfileError::Xml { position: reader.buffer_position() };
    loop {
        let event = reader.read_event().map_err(|_| failed(&reader))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(failed(&reader));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(OnsfileError::TooDeep(MAX_DEPTH));
                }
                stack.push(Element { name: local_name(start.local_name().as_ref()), ..Element::default() });
            }
            Event::Empty(start) => {
                let element = Element { name: local_name(start.local_name().as_ref()), ..Element::default() };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let mut element = stack.pop().ok_or_else(|| failed(&reader))?;
                if !element.children.is_empty() && element.text.trim().is_empty() {
                    element.text.clear();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(content) => push_text(&mut stack, &content.xml10_content()),
            Event::CData(content) => push_text(&mut stack, &content.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match reference.xml10_content().as_ref() {
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "amp" => "&".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        _ => return Err(failed(&reader)),
                    },
                    Err(_) => return Err(failed(&reader)),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(failed(&reader)),
    }
}

fn local_name(name: &str) -> String {
    name.to_owned()
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text outside the root element is only whitespace in a well-formed file; quick-xml refuses anything else.
    if let Some(top) = stack.last_mut() {
        top.text.push_str(text);
    }
}

/// Writes a tree as a complete document with the interface's declaration line for `charset` (the text is still a
/// Rust string; [`crate::encoding::encode`] turns it into the file's bytes).
pub fn write(root: &Element, charset: crate::Charset) -> String {
    let mut out = format!("<?xml version=\"1.0\" encoding=\"{}\" standalone=\"no\"?>\n", charset.xml_name());
    write_element(root, 0, &mut out);
    out
}

fn write_element(element: &Element, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&element.name);
    out.push('>');
    if element.children.is_empty() {
        out.push_str(&escape(&element.text));
    } else {
        out.push_str(&escape(&element.text));
        out.push('\n');
        for child in &element.children {
            write_element(child, depth + 1, out);
        }
        out.push_str(&indent);
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push_str(">\n");
}

/// Escapes the three characters text may not hold literally, and carriage returns (which XML would otherwise
/// normalise away).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_exactly_and_entities_resolve() {
        let root = parse("<a><b>  012345</b><c>A&amp;B&#x41;</c><d/></a>").unwrap();
        assert_eq!(root.child("b").unwrap().text, "  012345");
        assert_eq!(root.child("c").unwrap().text, "A&BA");
        assert_eq!(root.child("d").unwrap().text, "");
    }

    #[test]
    fn write_then_parse_is_identity() {
        let tree = Element::branch("a", vec![Element::leaf("b", " <x> & \r\n y "), Element::leaf("c", "")]);
        assert_eq!(parse(&write(&tree, crate::Charset::Utf8)).unwrap(), tree);
    }

    #[test]
    fn malformed_and_deep_documents_are_refused() {
        assert!(matches!(parse("<a><b></a>"), Err(OnsfileError::Xml { .. })));
        assert!(matches!(parse("<a>"), Err(OnsfileError::Xml { .. })));
        assert!(matches!(parse(""), Err(OnsfileError::Xml { .. })));
        assert!(matches!(parse("<a/><b/>"), Err(OnsfileError::Xml { .. })));
        assert!(matches!(parse("<a>&bogus;</a>"), Err(OnsfileError::Xml { .. })));
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep), Err(OnsfileError::TooDeep(MAX_DEPTH)));
    }
}
