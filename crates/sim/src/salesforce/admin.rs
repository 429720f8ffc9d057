//! The simulator's own controls: a Rust handle for tests and `/__sim/` HTTP routes for the CLI
//! and scripts. Neither needs a session, counts against the quota, or is ever faulted.
//!
//! State: none of its own; both act on the shared state. Routes (besides `/__sim/faults` and
//! `/__sim/stats` from [`crate::faults::admin_routes`]):
//!
//! | route | body | effect |
//! |---|---|---|
//! | `POST /__sim/quota/exhaust` | – | every API call now gets 403 `REQUEST_LIMIT_EXCEEDED` |
//! | `POST /__sim/quota/restore` | – | usage back to 0 |
//! | `POST /__sim/tokens/expire` (or `/__sim/sessions/expire`) | – | every session gets 401 |
//! | `POST /__sim/clock/advance` | `{"seconds": n}` | moves the simulated clock forward |
//! | `POST /__sim/salesforce/convert-lead` | [`ConvertRequest`] | converts a lead |
//! | `POST /__sim/salesforce/merge` | [`MergeRequest`] | merges records into a master |
//! | `POST /__sim/salesforce/lock` | `{"ids": [..], "writes": n?}` | writes fail with `UNABLE_TO_LOCK_ROW` (n times, or until unlocked) |
//! | `POST /__sim/salesforce/unlock` | `{"ids": [..]}` | lifts locks |
//! | `GET`/`PUT /__sim/salesforce/validation-rules` | `[ValidationRuleSpec]` | the org's validation rules |
//! | `GET /__sim/salesforce/records/{Type}/{id}` | – | a record with every field, deleted ones too |
//! | `GET /__sim/salesforce/summary` | – | record counts, API usage, open cursors |

use super::convert::{self, ConvertRequest, ConvertResult, MergeRequest};
use super::errors::{RecordError, json_response};
use super::ids::SfId;
use super::render;
use super::shared::Shared;
use super::soql::{self, exec};
use super::state::LockState;
use crate::faults::{FaultConfig, Stats};
use crate::scenario::ValidationRuleSpec;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Why an admin action was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AdminError {
    /// Salesforce-style code (`ENTITY_IS_DELETED`, `MALFORMED_QUERY`...).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

impl From<RecordError> for AdminError {
    fn from(e: RecordError) -> Self {
        AdminError {
            code: e.code.to_owned(),
            message: e.message,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({"errorCode": self.code, "message": self.message}),
        )
    }
}

/// Controls and inspection of a running Salesforce simulator.
#[derive(Clone)]
pub struct SalesforceAdmin {
    shared: Arc<Shared>,
}

impl SalesforceAdmin {
    /// A handle on shared state.
    pub(crate) fn new(shared: Arc<Shared>) -> SalesforceAdmin {
        SalesforceAdmin { shared }
    }

    /// The session id valid from the start (the scenario's `access_token`).
    pub fn access_token(&self) -> String {
        self.shared.settings.access_token.clone()
    }

    /// Ends every session: the next call with any token gets 401 `INVALID_SESSION_ID`.
    pub fn expire_sessions(&self) {
        self.shared.sessions.expire_all();
    }

    /// Spends the daily API allocation.
    pub fn exhaust_daily_quota(&self) {
        self.shared.quota.exhaust();
    }

    /// Resets API usage to zero.
    pub fn restore_daily_quota(&self) {
        self.shared.quota.restore();
    }

    /// API requests used and the daily allocation.
    pub fn api_usage(&self) -> (u64, u64) {
        (self.shared.quota.used(), self.shared.quota.max())
    }

    /// Replaces the fault configuration.
    pub fn set_faults(&self, config: FaultConfig) {
        self.shared.faults.set_config(config);
    }

    /// Request counters.
    pub fn stats(&self) -> Stats {
        self.shared.faults.stats()
    }

    /// Moves the simulated clock forward.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.clock.advance(seconds);
    }

    /// Converts a lead as a sales rep would.
    pub fn convert_lead(&self, request: &ConvertRequest) -> Result<ConvertResult, AdminError> {
        self.shared
            .transact(|w| convert::convert(w, request))
            .map_err(AdminError::from)
    }

    /// Merges `merged` (one or two ids) into `master`.
    pub fn merge(&self, master: &str, merged: &[&str]) -> Result<(), AdminError> {
        let request = MergeRequest {
            master_id: master.to_owned(),
            merged_ids: merged.iter().map(|s| (*s).to_owned()).collect(),
        };
        self.shared
            .transact(|w| convert::merge(w, &request))
            .map(|_| ())
            .map_err(AdminError::from)
    }

    /// Makes writes to these records fail with `UNABLE_TO_LOCK_ROW`: the next `writes` attempts,
    /// or all until unlocked.
    pub fn lock_records(&self, ids: &[&str], writes: Option<u32>) -> Result<(), AdminError> {
        let ids = parse_ids(ids)?;
        let mut org = self.shared.write();
        for id in ids {
            org.locks
                .insert(id, writes.map_or(LockState::UntilUnlocked, LockState::Writes));
        }
        Ok(())
    }

    /// Lifts locks.
    pub fn unlock_records(&self, ids: &[&str]) -> Result<(), AdminError> {
        let ids = parse_ids(ids)?;
        let mut org = self.shared.write();
        for id in ids {
            org.locks.remove(&id);
        }
        Ok(())
    }

    /// Replaces the org's validation rules.
    pub fn set_validation_rules(&self, rules: Vec<ValidationRuleSpec>) -> Result<(), AdminError> {
        let mut org = self.shared.write();
        for rule in &rules {
            let object = org.schema.object(&rule.object).ok_or_else(|| AdminError {
                code: "INVALID_TYPE".into(),
                message: format!(
                    "validation rule {:?} is on unknown sObject {:?}",
                    rule.name, rule.object
                ),
            })?;
            if let Some(bad) = rule
                .when
                .iter()
                .map(|c| &c.field)
                .chain(rule.error_field.iter())
                .find(|f| object.column(f).is_none())
            {
                return Err(AdminError {
                    code: "INVALID_FIELD".into(),
                    message: format!("validation rule {:?} names unknown field {bad}", rule.name),
                });
            }
        }
        org.rules = rules;
        Ok(())
    }

    /// The validation rules in force.
    pub fn validation_rules(&self) -> Vec<ValidationRuleSpec> {
        self.shared.read().rules.clone()
    }

    /// One record with every field (deleted records too), as the API renders it.
    pub fn record(&self, object: &str, id: &str) -> Option<Value> {
        let org = self.shared.read();
        let table = org.table_index(object)?;
        let row = org.tables[table].find(SfId::parse(id)?)?;
        Some(render::record_value(
            &org,
            table,
            row,
            None,
            &self.shared.settings.api_version,
        ))
    }

    /// Every record of an object (deleted ones too), in id order.
    pub fn records(&self, object: &str) -> Vec<Value> {
        let org = self.shared.read();
        let Some(table) = org.table_index(object) else {
            return Vec::new();
        };
        (0..org.tables[table].len() as u32)
            .map(|r| render::record_value(&org, table, r, None, &self.shared.settings.api_version))
            .collect()
    }

    /// How many records an object has (deleted ones included).
    pub fn count(&self, object: &str) -> usize {
        self.shared.read().table(object).map_or(0, |t| t.len())
    }

    /// Runs SOQL directly (no session, no quota, no paging); `all` includes deleted rows like
    /// `queryAll`.
    pub fn query(&self, soql_text: &str, all: bool) -> Result<Vec<Value>, AdminError> {
        let org = self.shared.read();
        let compiled = soql::prepare(soql_text, &org.schema, self.shared.clock.today()).map_err(|e| AdminError {
            code: e.code.to_owned(),
            message: e.message(soql_text),
        })?;
        let visibility = if all {
            exec::Visibility::All {
                horizon: org.horizon(self.shared.clock.now_ms()),
            }
        } else {
            exec::Visibility::Live
        };
        let rows = exec::run(&org, &compiled, visibility);
        let version = &self.shared.settings.api_version;
        Ok(rows
            .into_iter()
            .map(|r| render::record_value(&org, compiled.table, r, Some(&compiled.select), version))
            .collect())
    }

    /// Open query cursors.
    pub fn open_cursors(&self) -> usize {
        self.shared.cursors().len()
    }

    fn summary(&self) -> Value {
        let org = self.shared.read();
        let counts: serde_json::Map<String, Value> = org
            .tables
            .iter()
            .map(|t| (t.schema.name.clone(), json!(t.len())))
            .collect();
        let (used, max) = self.api_usage();
        json!({"records": counts, "apiUsage": {"used": used, "max": max}, "openCursors": self.shared.cursors().len()})
    }
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn parse_ids(ids: &[&str]) -> Result<Vec<SfId>, AdminError> {
    ids.iter()
        .map(|i| {
            SfId::parse(i).ok_or_else(|| AdminError {
                code: "MALFORMED_ID".into(),
                message: format!("malformed id {i}"),
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Lock {
    ids: Vec<String>,
    #[serde(default)]
    writes: Option<u32>,
}

/// The `/__sim/` routes specific to Salesforce.
pub fn routes(admin: SalesforceAdmin) -> Router {
    Router::new()
        .route(
            "/__sim/quota/exhaust",
            post(|State(a): State<SalesforceAdmin>| async move {
                a.exhaust_daily_quota();
                no_content()
            }),
        )
        .route(
            "/__sim/quota/restore",
            post(|State(a): State<SalesforceAdmin>| async move {
                a.restore_daily_quota();
                no_content()
            }),
        )
        .route(
            "/__sim/tokens/expire",
            post(|State(a): State<SalesforceAdmin>| async move {
                a.expire_sessions();
                no_content()
            }),
        )
        .route(
            "/__sim/sessions/expire",
            post(|State(a): State<SalesforceAdmin>| async move {
                a.expire_sessions();
                no_content()
            }),
        )
        .route(
            "/__sim/clock/advance",
            post(
                |State(a): State<SalesforceAdmin>, Json(body): Json<Advance>| async move {
                    a.advance_clock(body.seconds);
                    no_content()
                },
            ),
        )
        .route(
            "/__sim/salesforce/convert-lead",
            post(
                |State(a): State<SalesforceAdmin>, Json(body): Json<ConvertRequest>| async move {
                    match a.convert_lead(&body) {
                        Ok(result) => Json(result).into_response(),
                        Err(e) => e.into_response(),
                    }
                },
            ),
        )
        .route(
            "/__sim/salesforce/merge",
            post(
                |State(a): State<SalesforceAdmin>, Json(body): Json<MergeRequest>| async move {
                    match a.shared.transact(|w| convert::merge(w, &body)) {
                        Ok(result) => Json(result).into_response(),
                        Err(e) => AdminError::from(e).into_response(),
                    }
                },
            ),
        )
        .route(
            "/__sim/salesforce/lock",
            post(|State(a): State<SalesforceAdmin>, Json(body): Json<Lock>| async move {
                let ids: Vec<&str> = body.ids.iter().map(String::as_str).collect();
                a.lock_records(&ids, body.writes)
                    .map(|_| no_content())
                    .unwrap_or_else(IntoResponse::into_response)
            }),
        )
        .route(
            "/__sim/salesforce/unlock",
            post(|State(a): State<SalesforceAdmin>, Json(body): Json<Lock>| async move {
                let ids: Vec<&str> = body.ids.iter().map(String::as_str).collect();
                a.unlock_records(&ids)
                    .map(|_| no_content())
                    .unwrap_or_else(IntoResponse::into_response)
            }),
        )
        .route(
            "/__sim/salesforce/validation-rules",
            get(|State(a): State<SalesforceAdmin>| async move { Json(a.validation_rules()) }).put(
                |State(a): State<SalesforceAdmin>, Json(rules): Json<Vec<ValidationRuleSpec>>| async move {
                    a.set_validation_rules(rules)
                        .map(|_| no_content())
                        .unwrap_or_else(IntoResponse::into_response)
                },
            ),
        )
        .route(
            "/__sim/salesforce/records/{object}/{id}",
            get(
                |State(a): State<SalesforceAdmin>, Path((object, id)): Path<(String, String)>| async move {
                    match a.record(&object, &id) {
                        Some(record) => Json(record).into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                },
            ),
        )
        .route(
            "/__sim/salesforce/summary",
            get(|State(a): State<SalesforceAdmin>| async move { Json(a.summary()) }),
        )
        .with_state(admin)
}
