//! Semantic checks on a parsed configuration: every problem, with its field and line.
//!
//! Holds no state. These are the mistakes serde cannot see: values out of range, a CRM chosen
//! without its section, a field name that could not be used safely in a query, a token about to
//! be sent in clear text over the network.

use crate::Config;
use crate::error::Problem;
use crate::locate::Doc;
use crate::secret::SecretRef;
use closedloop_core::System;

struct Checker<'a> {
    doc: &'a Doc<'a>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.to_owned(),
            line: self.doc.line_of(field),
            message: message.into(),
        });
    }

    fn positive(&mut self, field: &str, value: u64) {
        if value == 0 {
            self.fail(field, "must be greater than 0");
        }
    }

    fn percent(&mut self, field: &str, value: u8, max: u8) {
        if value > max {
            self.fail(field, format!("must be at most {max}"));
        }
    }

    /// An API base URL: https, or plain http only to this machine (simulators, proxies on loopback).
    fn base_url(&mut self, field: &str, value: &str) {
        match url::Url::parse(value) {
            Err(e) => self.fail(field, format!("is not a URL: {e}")),
            Ok(u) if u.scheme() == "https" => {}
            Ok(u) if u.scheme() == "http" => {
                let local = matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]" | "::1"));
                if !local {
                    self.fail(field, "plain http is only allowed to 127.0.0.1/localhost: tokens must not cross a network in clear text");
                }
            }
            Ok(u) => self.fail(field, format!("scheme {:?} is not http or https", u.scheme())),
        }
    }

    /// A Salesforce API name: it is put into SOQL, so only the characters API names may hold.
    fn api_name(&mut self, field: &str, value: &str) {
        let ok = value.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !value.contains("__c__")
            && value.len() <= 80;
        if !ok {
            self.fail(
                field,
                format!("{value:?} is not a Salesforce API name (letters, digits, underscores)"),
            );
        }
    }

    /// A HubSpot internal property name.
    fn property_name(&mut self, field: &str, value: &str) {
        let ok = !value.is_empty()
            && value.len() <= 100
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            self.fail(
                field,
                format!("{value:?} is not a HubSpot property name (lower-case letters, digits, underscores)"),
            );
        }
    }
}

/// Runs every check; an empty result means the configuration is usable.
pub fn validate(config: &Config, doc: &Doc<'_>) -> Vec<Problem> {
    let mut c = Checker {
        doc,
        problems: Vec::new(),
    };

    if config.store.path.as_os_str().is_empty() {
        c.fail("store.path", "must not be empty");
    }
    if config.service.listen_addr.parse::<std::net::SocketAddr>().is_err() {
        c.fail(
            "service.listen_addr",
            format!(
                "{:?} is not an address such as 127.0.0.1:9464",
                config.service.listen_addr
            ),
        );
    }
    c.positive("service.shutdown_grace_secs", config.service.shutdown_grace_secs);
    c.positive("service.watchdog_secs", config.service.watchdog_secs);
    c.positive("sync.push_interval_secs", config.sync.push_interval_secs);
    c.positive("sync.push_max_attempts", u64::from(config.sync.push_max_attempts));
    c.positive("sync.push_retry_secs", config.sync.push_retry_secs);

    if config.hubspot.is_none() && config.salesforce.is_none() {
        c.fail(
            "hubspot",
            "configure [hubspot], [salesforce] or both: there is nothing to sync",
        );
    }
    let roles = config.reconcile.systems;
    for (role, system) in [("marketing", roles.marketing), ("crm", roles.crm)] {
        let field = format!("reconcile.systems.{role}");
        match system {
            System::Salesforce if config.salesforce.is_none() => {
                c.fail(&field, "is \"salesforce\" but there is no [salesforce] section")
            }
            System::HubSpot if config.hubspot.is_none() => {
                c.fail(&field, "is \"hubspot\" but there is no [hubspot] section")
            }
            System::Pipedrive => c.fail(&field, "pipedrive is not supported yet"),
            _ => {}
        }
    }
    if roles.crm == System::HubSpot && config.hubspot.as_ref().is_some_and(|h| !h.streams.deals.enabled) {
        c.fail(
            "hubspot.streams.deals.enabled",
            "must be true when HubSpot is the CRM (reconcile.systems.crm = \"hubspot\")",
        );
    }
    if let Err(errors) = config.reconcile.validate() {
        for e in errors {
            // Rules errors lead with their TOML path: "reconcile.mapping[3] (Field__c): message".
            let text = e.to_string();
            let (head, message) = text.split_once(": ").unwrap_or(("reconcile", text.as_str()));
            let field = head.split(" (").next().unwrap_or(head).to_owned();
            c.problems.push(Problem {
                line: c.doc.line_of(&field),
                field,
                message: message.to_owned(),
            });
        }
    }

    if let Some(h) = &config.hubspot {
        c.base_url("hubspot.base_url", &h.base_url);
        c.positive("hubspot.request_timeout_secs", h.request_timeout_secs);
        c.positive("hubspot.connect_timeout_secs", h.connect_timeout_secs);
        c.percent("hubspot.reserve_percent", h.reserve_percent, 90);
        c.property_name("hubspot.property_group", &h.property_group);
        if h.daily_limit == Some(0) {
            c.fail("hubspot.daily_limit", "must be greater than 0");
        }
        let s = &h.streams;
        c.positive("hubspot.streams.contacts.interval_secs", s.contacts.interval_secs);
        for (i, p) in s.contacts.extra_properties.iter().enumerate() {
            c.property_name(&format!("hubspot.streams.contacts.extra_properties[{i}]"), p);
        }
        for (name, stream) in [
            ("deals", &s.deals),
            ("form_submissions", &s.form_submissions),
            ("marketing_events", &s.marketing_events),
            ("web_events", &s.web_events),
            ("email_events", &s.email_events),
            ("catalog", &s.catalog),
            ("archived", &s.archived),
        ] {
            c.positive(&format!("hubspot.streams.{name}.interval_secs"), stream.interval_secs);
        }
        if let Some(w) = &h.webhook {
            if !w.path.starts_with('/') {
                c.fail("hubspot.webhook.path", "must start with /");
            }
            c.positive("hubspot.webhook.max_age_secs", w.max_age_secs);
            let not_https = |u: &String| url::Url::parse(u).map(|u| u.scheme() != "https").unwrap_or(true);
            if w.public_url.as_ref().is_some_and(not_https) {
                c.fail(
                    "hubspot.webhook.public_url",
                    "must be an https URL (HubSpot only posts to https)",
                );
            }
        }
    }

    if let Some(s) = &config.salesforce {
        c.base_url("salesforce.instance_url", &s.instance_url);
        c.base_url("salesforce.login_url", &s.login_url);
        let version_ok = s
            .api_version
            .strip_suffix(".0")
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|v| (52..=99).contains(&v));
        if !version_ok {
            c.fail(
                "salesforce.api_version",
                format!("{:?} is not a REST API version from 52.0 on", s.api_version),
            );
        }
        c.positive("salesforce.request_timeout_secs", s.request_timeout_secs);
        c.positive("salesforce.connect_timeout_secs", s.connect_timeout_secs);
        c.percent("salesforce.reserve_percent", s.reserve_percent, 90);
        if !(200..=2000).contains(&s.query_batch_size) {
            c.fail(
                "salesforce.query_batch_size",
                "must be between 200 and 2000 (Salesforce's bounds)",
            );
        }
        if s.lead_status_map.is_empty() {
            c.fail("salesforce.lead_status_map", "must map at least one Lead Status value");
        }
        if let Some(f) = &s.disqualification_reason_field {
            c.api_name("salesforce.disqualification_reason_field", f);
        }
        if let Some(f) = &s.close_reason_field {
            c.api_name("salesforce.close_reason_field", f);
        }
        c.api_name("salesforce.person_id_field", &s.person_id_field);
        for (stream, r) in [("leads", &s.streams.leads), ("contacts", &s.streams.contacts)] {
            c.positive(&format!("salesforce.streams.{stream}.interval_secs"), r.interval_secs);
            for (i, f) in r.extra_fields.iter().enumerate() {
                c.api_name(&format!("salesforce.streams.{stream}.extra_fields[{i}]"), f);
            }
        }
        for (name, stream) in [
            ("opportunities", &s.streams.opportunities),
            ("activities", &s.streams.activities),
            ("campaigns", &s.streams.campaigns),
            ("users", &s.streams.users),
        ] {
            c.positive(
                &format!("salesforce.streams.{name}.interval_secs"),
                stream.interval_secs,
            );
        }
    }
    c.positive("report.top_campaigns", u64::from(config.report.top_campaigns));
    let computed = &config.reconcile.attribution.models;
    if !computed.iter().any(|m| m.as_str() == config.report.default_model) {
        let names: Vec<&str> = computed.iter().map(|m| m.as_str()).collect();
        c.fail(
            "report.default_model",
            format!(
                "{:?} is not one of the models reconcile computes (reconcile.attribution.models: {})",
                config.report.default_model,
                names.join(", ")
            ),
        );
    }
    c.problems
}

/// Every secret reference in the config, with its field path.
pub fn secret_refs(config: &Config) -> Vec<(String, &SecretRef)> {
    use crate::hubspot::HubSpotAuth;
    use crate::salesforce::SalesforceAuth;
    let mut refs = Vec::new();
    if let Some(h) = &config.hubspot {
        match &h.auth {
            HubSpotAuth::PrivateApp { token } => refs.push(("hubspot.auth.token".to_owned(), token)),
            HubSpotAuth::Oauth {
                client_secret,
                refresh_token,
                ..
            } => {
                refs.push(("hubspot.auth.client_secret".to_owned(), client_secret));
                refs.push(("hubspot.auth.refresh_token".to_owned(), refresh_token));
            }
        }
        if let Some(w) = &h.webhook {
            refs.push(("hubspot.webhook.client_secret".to_owned(), &w.client_secret));
        }
    }
    if let Some(s) = &config.salesforce {
        match &s.auth {
            SalesforceAuth::RefreshToken {
                client_secret,
                refresh_token,
                ..
            } => {
                refs.push(("salesforce.auth.client_secret".to_owned(), client_secret));
                refs.push(("salesforce.auth.refresh_token".to_owned(), refresh_token));
            }
            SalesforceAuth::ClientCredentials { client_secret, .. } => {
                refs.push(("salesforce.auth.client_secret".to_owned(), client_secret));
            }
        }
    }
    refs
}
