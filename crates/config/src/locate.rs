//! Finding the line of a dotted field path (`salesforce.streams.leads.extra_fields`) in the file.
//!
//! Holds the parsed document (with spans) for the duration of a validation.

use crate::error::Location;

/// A parsed TOML document that keeps source spans.
pub struct Doc<'a> {
    text: &'a str,
    doc: Option<toml_edit::Document<&'a str>>,
}

impl<'a> Doc<'a> {
    /// Parses `text`; an unparsable text simply locates nothing.
    pub fn parse(text: &'a str) -> Self {
        Doc {
            text,
            doc: toml_edit::Document::parse(text).ok(),
        }
    }

    /// The 1-based line of the last key of `path`, if the file sets it.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let mut item = doc.as_item();
        let mut span = None;
        for segment in path.split('.') {
            // Array indices such as `extra_fields[2]` locate the array.
            let name = segment.split('[').next().unwrap_or(segment);
            let table = item.as_table_like()?;
            let (key, next) = table.get_key_value(name)?;
            span = key.span().or_else(|| next.span());
            item = next;
        }
        span.map(|s| Location::of_offset(self.text, s.start))
            .and_then(|l| l.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_in_tables_and_inline_tables() {
        let text = "[store]\npath = \"x.db\"\n\n[hubspot]\ntier = \"free\"\nauth = { kind = \"private_app\", token = { env = \"T\" } }\n\n[hubspot.streams.contacts]\ninterval_secs = 0\n";
        let doc = Doc::parse(text);
        assert_eq!(doc.line_of("store.path"), Some(2));
        assert_eq!(doc.line_of("hubspot.auth.token"), Some(6));
        assert_eq!(doc.line_of("hubspot.streams.contacts.interval_secs"), Some(9));
        assert_eq!(doc.line_of("hubspot.base_url"), None);
    }
}
