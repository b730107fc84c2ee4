//! The tolerant reader and the writer of typed records, built from one field list per record.
//!
//! A record is declared once with [`crate::record!`]: each field names the element spellings it accepts (the first
//! is the one written). Reading never fails: a field that does not check is kept raw and reported, a repeated
//! field that should be single keeps the first and reports the rest, a list takes one or many, and an element the
//! record does not know is kept (and written back) and reported with its path. Pure: no I/O.

use std::fmt;

use crate::Element;

/// What the reader noticed about one element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// The element is not one this record knows; it is kept in the record's `unknown` list.
    Unknown,
    /// The text did not pass the field's check; the raw text is kept.
    Invalid(String),
    /// A single-valued element appeared more than once; the first is kept.
    Repeated,
    /// An element the message needs is absent.
    Missing,
    /// The file had bytes its encoding could not decode (replaced by U+FFFD).
    Undecodable,
}

/// One observation, with the element path it concerns (`XmlMsg/MessageBody/ResultList/…`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Issue {
    /// Slash-separated element path.
    pub path: String,
    /// What was seen.
    pub kind: IssueKind,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            IssueKind::Unknown => write!(f, "{}: unknown element kept", self.path),
            IssueKind::Invalid(why) => write!(f, "{}: {why}; raw text kept", self.path),
            IssueKind::Repeated => write!(f, "{}: repeated; the first is kept", self.path),
            IssueKind::Missing => write!(f, "{}: missing", self.path),
            IssueKind::Undecodable => write!(f, "{}: undecodable bytes replaced", self.path),
        }
    }
}

/// A value whose text is kept exactly as read (leading zeros, padding spaces, `●`), beside the result of its check.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Checked<T> {
    /// The element's text as it stood.
    pub raw: String,
    /// The checked value, when the text passed.
    pub value: Option<T>,
}

/// A field type that checks its text: the validated types of `onshi-proto`, dates, codes.
pub trait Check: Sized {
    /// Checks the text (already stripped of the padding the interface allows), or says why not.
    fn check(text: &str) -> Result<Self, String>;
}

impl<T: Check> Checked<T> {
    /// Checks `raw`; the raw text is kept either way.
    pub fn new(raw: &str) -> Self {
        Self { raw: raw.to_owned(), value: T::check(raw).ok() }
    }
}

impl<T: Check + Clone> Checked<T> {
    /// The checked value, if the text passed.
    pub fn get(&self) -> Option<T> {
        self.value.clone()
    }
}

/// One field's share of reading and writing a record.
pub trait Slot: Default {
    /// Takes one matching child element.
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>);
    /// Appends this field's elements, named `name`, to `out`.
    fn put(&self, name: &str, out: &mut Vec<Element>);
    /// True when nothing was read into the field.
    fn is_empty(&self) -> bool;
}

impl Slot for Option<String> {
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>) {
        if self.is_some() {
            issues.push(Issue { path: path.to_owned(), kind: IssueKind::Repeated });
        } else {
            *self = Some(element.text.clone());
        }
    }
    fn put(&self, name: &str, out: &mut Vec<Element>) {
        if let Some(text) = self {
            out.push(Element::leaf(name, text));
        }
    }
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

impl<T: Check> Slot for Option<Checked<T>> {
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>) {
        if self.is_some() {
            issues.push(Issue { path: path.to_owned(), kind: IssueKind::Repeated });
            return;
        }
        match T::check(&element.text) {
            Ok(value) => *self = Some(Checked { raw: element.text.clone(), value: Some(value) }),
            Err(why) => {
                issues.push(Issue { path: path.to_owned(), kind: IssueKind::Invalid(why) });
                *self = Some(Checked { raw: element.text.clone(), value: None });
            }
        }
    }
    fn put(&self, name: &str, out: &mut Vec<Element>) {
        if let Some(checked) = self {
            out.push(Element::leaf(name, &checked.raw));
        }
    }
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

/// A record nested in another: read with its own field list.
pub trait Record: Default {
    /// Reads the record from its element; `path` is the element's own path.
    fn read(element: &Element, path: &str, issues: &mut Vec<Issue>) -> Self;
    /// Writes the record as an element named `name`.
    fn write(&self, name: &str) -> Element;
}

/// A record that occurs at most once. (A one-or-many list is a `Vec<R>`.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct One<R>(pub Option<R>);

impl<R: Record> Slot for One<R> {
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>) {
        if self.0.is_some() {
            issues.push(Issue { path: path.to_owned(), kind: IssueKind::Repeated });
        } else {
            self.0 = Some(R::read(element, path, issues));
        }
    }
    fn put(&self, name: &str, out: &mut Vec<Element>) {
        if let Some(record) = &self.0 {
            out.push(record.write(name));
        }
    }
    fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl<R: Record> Slot for Vec<R> {
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>) {
        // One element or many: a single entry is a list of one, never an object of another shape.
        let index_path = format!("{path}[{}]", self.len());
        self.push(R::read(element, &index_path, issues));
    }
    fn put(&self, name: &str, out: &mut Vec<Element>) {
        out.extend(self.iter().map(|record| record.write(name)));
    }
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// Declares a record: its fields, the element spellings each accepts (first = written), and its reader and writer.
/// Every record also keeps the elements it does not know, in `unknown`, and writes them back after its own.
#[macro_export]
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = [$($spelling:literal),+ $(,)?] ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Elements this record does not know, kept as read (and reported when read).
            pub unknown: Vec<$crate::Element>,
        }

        impl $crate::record::Record for $name {
            fn read(element: &$crate::Element, path: &str, issues: &mut Vec<$crate::Issue>) -> Self {
                let mut record = Self::default();
                for child in &element.children {
                    let child_path = format!("{path}/{}", child.name);
                    $(
                        if [$($spelling),+].contains(&child.name.as_str()) {
                            $crate::record::Slot::take(&mut record.$field, child, &child_path, issues);
                            continue;
                        }
                    )*
                    issues.push($crate::Issue { path: child_path, kind: $crate::IssueKind::Unknown });
                    record.unknown.push(child.clone());
                }
                record
            }

            fn write(&self, name: &str) -> $crate::Element {
                let mut children = Vec::new();
                $( $crate::record::Slot::put(&self.$field, [$($spelling),+][0], &mut children); )*
                children.extend(self.unknown.iter().cloned());
                $crate::Element::branch(name, children)
            }
        }
    };
}

/// A subtree kept verbatim and written back as read, for parts whose inner layout is not modelled (the 薬剤/健診
/// bodies). Unlike an unknown element it is expected, so it is not reported.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Raw(pub Option<Element>);

impl Slot for Raw {
    fn take(&mut self, element: &Element, path: &str, issues: &mut Vec<Issue>) {
        if self.0.is_some() {
            issues.push(Issue { path: path.to_owned(), kind: IssueKind::Repeated });
        } else {
            self.0 = Some(element.clone());
        }
    }
    fn put(&self, name: &str, out: &mut Vec<Element>) {
        if let Some(element) = &self.0 {
            out.push(Element { name: name.to_owned(), ..element.clone() });
        }
    }
    fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}
