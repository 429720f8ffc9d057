//! Control of a running simulator: the Rust handle tests hold, and the `/__sim/` HTTP routes.
//!
//! Holds no state of its own: [`HubSpotAdmin`] is a handle on the server's [`Hub`]. The HTTP
//! routes need no token and are never faulted or rate-limited. Besides the shared
//! `/__sim/faults` and `/__sim/stats` (see `faults.rs`):
//!
//! | route | effect |
//! |---|---|
//! | `POST /__sim/quota/exhaust` | every API call gets 429 `DAILY` until restored |
//! | `POST /__sim/quota/restore` | gives the day's quota back |
//! | `POST /__sim/tokens/expire` | every integration token expires now (refresh to continue) |
//! | `GET`/`PUT /__sim/limits` | the hard edges in force ([`Edges`]) |
//! | `GET /__sim/clock` | `{nowMs, frozen}` |
//! | `POST /__sim/clock/freeze`, `/__sim/clock/unfreeze` | stop or restart the clock |
//! | `POST /__sim/clock/advance` `{"ms": N}` | move the clock forward |
//! | `GET /__sim/summary` | record counts |

use super::record::{ObjectKind, Version};
use super::render::value_of;
use super::state::{Edges, Hub, UI_USER_ID, World};
use super::writes;
use crate::faults::{FaultConfig, Stats};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A copy of one record for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSnapshot {
    /// The id.
    pub id: u64,
    /// Every property with a value (computed ones included), by name.
    pub properties: BTreeMap<String, String>,
    /// `createdAt`, epoch ms.
    pub created_ms: i64,
    /// `updatedAt`, epoch ms.
    pub updated_ms: i64,
    /// `archivedAt`, when archived.
    pub archived_ms: Option<i64>,
}

/// One value in a property's history, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The value.
    pub value: String,
    /// When, epoch ms.
    pub timestamp_ms: i64,
    /// `sourceType`.
    pub source_type: String,
    /// The user or app id behind it (0: none).
    pub actor: u64,
}

impl From<&Version> for HistoryEntry {
    fn from(v: &Version) -> Self {
        HistoryEntry {
            value: v.value.to_string(),
            timestamp_ms: v.at_ms,
            source_type: v.author.source.as_str().to_owned(),
            actor: v.author.actor,
        }
    }
}

/// The handle tests use to steer and inspect a running simulator.
#[derive(Clone)]
pub struct HubSpotAdmin {
    pub(crate) hub: Hub,
}

impl HubSpotAdmin {
    /// Expires every integration token now; the client must refresh (`POST /oauth/v1/token`).
    pub fn expire_tokens(&self) {
        let now = self.hub.clock.now_ms();
        self.hub.token_store().expire_all(now);
    }

    /// Mints a fresh integration token, as the token endpoint would.
    pub fn issue_token(&self) -> String {
        let now = self.hub.clock.now_ms();
        self.hub.token_store().issue(now).0
    }

    /// Spends the day's quota: every call gets 429 `DAILY` until [`HubSpotAdmin::restore_daily_quota`].
    pub fn exhaust_daily_quota(&self) {
        let now = self.hub.clock.now_ms();
        self.hub.limit_state().exhaust_daily(now);
    }

    /// Gives the day's quota back.
    pub fn restore_daily_quota(&self) {
        let now = self.hub.clock.now_ms();
        self.hub.limit_state().restore_daily(now);
    }

    /// API calls counted today.
    pub fn calls_today(&self) -> u64 {
        self.hub.limit_state().used_today()
    }

    /// Replaces the fault configuration.
    pub fn set_faults(&self, config: FaultConfig) {
        self.hub.faults.set_config(config);
    }

    /// The request counters.
    pub fn stats(&self) -> Stats {
        self.hub.faults.stats()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        self.hub.faults.reset_stats();
    }

    /// The hard edges in force.
    pub fn edges(&self) -> Edges {
        self.hub.edges()
    }

    /// Replaces the hard edges in force.
    pub fn set_edges(&self, edges: Edges) {
        self.hub.set_edges(edges);
    }

    /// The simulated time, epoch ms.
    pub fn now_ms(&self) -> i64 {
        self.hub.clock.now_ms()
    }

    /// Stops the clock (rate windows, token expiry, search lag and write times stand still).
    pub fn freeze_clock(&self) {
        self.hub.clock.freeze();
    }

    /// Restarts the clock from where it stood.
    pub fn unfreeze_clock(&self) {
        self.hub.clock.unfreeze();
    }

    /// Moves the clock forward.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.hub.clock.advance(by.as_millis().min(i64::MAX as u128) as i64);
    }

    /// Reads the world directly.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.hub.read())
    }

    /// A copy of a live record (or an archived one), with every property that has a value.
    pub fn object(&self, kind: ObjectKind, id: u64) -> Option<ObjectSnapshot> {
        let world = self.hub.read();
        let store = world.store(kind);
        let record = store.get(id).or_else(|| store.get_archived(id))?;
        let schema = world.schema(kind);
        let properties = schema
            .iter()
            .filter_map(|(prop, def)| value_of(&world, kind, record, prop).map(|v| (def.name.clone(), v.into_owned())))
            .collect();
        Some(ObjectSnapshot {
            id: record.id,
            properties,
            created_ms: record.created_ms,
            updated_ms: record.updated_ms,
            archived_ms: record.archived_ms,
        })
    }

    /// The history of a stored property of a live record, newest first.
    pub fn history(&self, kind: ObjectKind, id: u64, property: &str) -> Vec<HistoryEntry> {
        let world = self.hub.read();
        let (Some(record), Some(prop)) = (world.store(kind).get(id), world.schema(kind).id(property)) else {
            return Vec::new();
        };
        record.history(prop).into_iter().map(HistoryEntry::from).collect()
    }

    /// The live contact holding an email (following merges).
    pub fn contact_by_email(&self, email: &str) -> Option<u64> {
        let world = self.hub.read();
        world
            .contacts
            .find_unique(email)
            .and_then(|id| world.contacts.resolve(id))
    }

    /// Edits a record as a human in HubSpot's UI would (`sourceType: CRM_UI`), with the API's
    /// validation; the error names the refused properties.
    pub fn update_as_user(&self, kind: ObjectKind, id: u64, properties: &[(&str, &str)]) -> Result<(), String> {
        let input: serde_json::Map<String, Value> =
            properties.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let lag = self.hub.edges().lag();
        let now = self.hub.clock.now_ms();
        let mut world = self.hub.write();
        let changes = writes::validate(&world, kind, &input).map_err(|errs| {
            errs.iter()
                .map(|e| format!("{}: {} ({})", e.name, e.message, e.code))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let author = super::record::Author {
            source: super::record::SourceType::CrmUi,
            actor: UI_USER_ID,
        };
        if writes::update(&mut world, kind, id, &changes, author, now, lag) {
            Ok(())
        } else {
            Err(format!("no live {} {id}", kind.singular()))
        }
    }
}

#[derive(Debug, Deserialize)]
struct Advance {
    ms: i64,
}

/// The HubSpot-specific `/__sim/` routes.
pub fn routes(hub: Hub) -> Router {
    let admin = HubSpotAdmin { hub: hub.clone() };
    Router::new()
        .route(
            "/__sim/quota/exhaust",
            post(|State(a): State<HubSpotAdmin>| async move {
                a.exhaust_daily_quota();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/quota/restore",
            post(|State(a): State<HubSpotAdmin>| async move {
                a.restore_daily_quota();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/tokens/expire",
            post(|State(a): State<HubSpotAdmin>| async move {
                a.expire_tokens();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/limits",
            get(|State(a): State<HubSpotAdmin>| async move { Json(a.edges()) }).put(
                |State(a): State<HubSpotAdmin>, Json(edges): Json<Edges>| async move {
                    a.set_edges(edges);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/__sim/clock",
            get(|State(a): State<HubSpotAdmin>| async move {
                Json(json!({ "nowMs": a.now_ms(), "frozen": a.hub.clock.is_frozen() }))
            }),
        )
        .route(
            "/__sim/clock/freeze",
            post(|State(a): State<HubSpotAdmin>| async move {
                a.freeze_clock();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/clock/unfreeze",
            post(|State(a): State<HubSpotAdmin>| async move {
                a.unfreeze_clock();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/clock/advance",
            post(|State(a): State<HubSpotAdmin>, Json(body): Json<Advance>| async move {
                a.hub.clock.advance(body.ms);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__sim/summary",
            get(|State(a): State<HubSpotAdmin>| async move {
                Json(a.read(|w| {
                    json!({
                        "contacts": w.contacts.live_count(),
                        "archivedContacts": w.contacts.archived_count(),
                        "companies": w.companies.live_count(),
                        "deals": w.deals.live_count(),
                        "owners": w.owners.len(),
                        "campaigns": w.campaigns.len(),
                        "forms": w.forms.len(),
                        "formSubmissions": w.forms.iter().map(|f| f.submissions.len()).sum::<usize>(),
                        "marketingEvents": w.marketing_events.len(),
                        "participations": w.marketing_events.iter().map(|e| e.participations.len()).sum::<usize>(),
                        "webEvents": w.web.rows.len(),
                        "emailEvents": w.email.rows.len(),
                        "callsToday": a.calls_today(),
                    })
                }))
            }),
        )
        .with_state(admin)
}
