//! How a request's target is shown in logs and errors: path kept, query values redacted.
//!
//! Holds no state. Query strings can hold secrets (`hapikey=`, `access_token=`) and personal data
//! (a SOQL `q=... WHERE Email = 'x@y.z'`), so only values of parameters known to be harmless
//! paging and shaping controls are shown; every other value becomes `[redacted]`. Parameter names
//! stay, so a reader still sees what kind of request it was.

use url::Url;

/// Query parameters whose values are shown: paging and shaping only, never data or credentials.
const SHOWN: &[&str] = &[
    "limit",
    "after",
    "archived",
    "start",
    "end",
    "objectType",
    "eventType",
    "state",
    "idProperty",
];

/// The path and query of `url`, with query values redacted unless known harmless.
pub(crate) fn target(url: &Url) -> String {
    let mut out = url.path().to_owned();
    let mut first = true;
    for (name, value) in url.query_pairs() {
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(&name);
        out.push('=');
        if SHOWN.contains(&name.as_ref()) {
            out.push_str(&value);
        } else {
            out.push_str("[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_personal_data_are_redacted_paging_is_kept() {
        let url = Url::parse(
            "https://api.hubapi.com/crm/v3/objects/contacts?limit=100&after=NTI1&hapikey=abc123&properties=email",
        )
        .expect("url");
        assert_eq!(
            target(&url),
            "/crm/v3/objects/contacts?limit=100&after=NTI1&hapikey=[redacted]&properties=[redacted]"
        );
        let soql = Url::parse(
            "https://x.my.salesforce.com/services/data/v59.0/query?q=SELECT+Id+FROM+Lead+WHERE+Email%3D%27a%40b.c%27",
        )
        .expect("url");
        assert_eq!(target(&soql), "/services/data/v59.0/query?q=[redacted]");
        assert_eq!(target(&Url::parse("http://127.0.0.1:1/x").expect("url")), "/x");
    }
}
