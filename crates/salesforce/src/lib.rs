//! The Salesforce connector: the sales side of the loop.
//!
//! Holds no global state: a [`SalesforceConnector`] owns one org's API client (through
//! `closedloop-outbound`: daily quota from `Sforce-Limit-Info` with a reserve for other
//! integrations, retries, token refresh on `INVALID_SESSION_ID`, a clean stop on
//! `REQUEST_LIMIT_EXCEEDED`) and hands out its streams, its push target and its probe.
//!
//! # Streams
//! Seven `PullStream`s, each with its own versioned cursor ([`cursor`]), all read incrementally
//! by `(SystemModstamp, Id)` with `nextRecordsUrl` paging; deleted and merged rows come through
//! `queryAll`, and a cursor older than the deleted-records window triggers a full resync:
//! `salesforce.leads`, `salesforce.contacts`, `salesforce.opportunities` (with stage history and
//! contact roles), `salesforce.activities` (Tasks and Events), `salesforce.campaigns` (with
//! responses as touchpoints), `salesforce.users` and `salesforce.lead_status_history`.
//!
//! # Push
//! [`SalesforcePush`]: field updates of Leads and Contacts and idempotent Lead creation through
//! `composite/sobjects`, up to 200 records a call, one outcome per record.
//!
//! # Layout
//! - [`connector`]: [`SalesforceConnector`], the stream type aliases, the state streams share.
//! - [`client`]: authentication and the typed API calls (query, deleted, describe, collections).
//! - [`settings`]: the configuration, checked. [`fields`]: which fields are read and written.
//! - [`soql`]: the query builder; every name validated, every value escaped.
//! - [`cursor`]: the cursor types. `reader`: paging one object, deletion window, resync.
//! - `streams`: one file per stream. `convert`: rows → records, with quarantine.
//! - [`push`]: the push target. [`probe`]: `check-config --probe`. [`error`]: [`SalesforceError`].
//! - `wire`: Salesforce's JSON shapes (private).

#![warn(missing_docs)]

pub mod client;
pub mod connector;
mod convert;
pub mod cursor;
pub mod error;
pub mod fields;
pub mod probe;
pub mod push;
mod reader;
pub mod settings;
pub mod soql;
mod streams;
mod wire;

pub use client::{ConnectorOptions, SalesforceSecrets};
pub use connector::{
    ActivitiesStream, CampaignsStream, ContactsStream, LeadStatusStream, LeadsStream, OpportunitiesStream,
    SalesforceConnector, UsersStream,
};
pub use cursor::{
    ActivitiesCursor, CampaignsCursor, ContactsCursor, Key, LeadStatusCursor, LeadsCursor, ObjectCursor,
    OpportunitiesCursor, UsersCursor,
};
pub use error::SalesforceError;
pub use fields::FieldPlan;
pub use probe::{ProbeCheck, ProbeOutcome, ProbeReport};
pub use push::SalesforcePush;
pub use settings::ReadFields;
pub use streams::SalesforceStream;
