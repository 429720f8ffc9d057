//! The simulator's whole state: the world of records and everything the server shares between requests.
//!
//! State: [`World`] holds the portal's data (object stores with their schemas, associations,
//! owners, pipelines, campaigns, forms, marketing events, behavioural and email events) behind
//! one `RwLock`: reads (list, get, search) share it, writes take it briefly. [`Hub`] adds what is
//! not data: the clock, the hard edges in force ([`Edges`], changeable at run time), the rate-limit
//! counters, the tokens, and the fault injector.

use super::auth::TokenStore;
use super::clock::{Millis, SimClock};
use super::content::{Campaign, Form, MarketingEvent, Owner, Pipeline};
use super::limits::{LimitConfig, LimitState};
use super::links::Links;
use super::record::{Author, ObjectKind, SourceType};
use super::schema::Schema;
use super::store::ObjectStore;
use super::timeline::{EmailLog, WebLog};
use crate::faults::FaultState;
use crate::scenario::HubSpotSettings;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// First ids handed out per kind of record. Ranges are disjoint so an id used with the wrong
/// object type fails loudly instead of hitting another record.
pub mod first_id {
    /// Contacts.
    pub const CONTACT: u64 = 1_000_001;
    /// Companies.
    pub const COMPANY: u64 = 5_000_000_001;
    /// Deals.
    pub const DEAL: u64 = 9_000_000_001;
    /// Owners.
    pub const OWNER: u64 = 30_000_001;
    /// Users behind owners.
    pub const USER: u64 = 40_000_001;
    /// Marketing events.
    pub const MARKETING_EVENT: u64 = 60_000_001;
    /// Email campaigns.
    pub const EMAIL_CAMPAIGN: u64 = 70_000_001;
    /// Participations.
    pub const PARTICIPATION: u64 = 80_000_000_001;
}

/// The user the UI token acts as (a super admin, not an owner).
pub const UI_USER_ID: u64 = 40_000_000;

/// The portal's data.
#[derive(Debug)]
pub struct World {
    /// The portal (account) id.
    pub portal_id: u64,
    /// The private app's id.
    pub app_id: u64,
    /// Contacts.
    pub contacts: ObjectStore,
    /// Companies.
    pub companies: ObjectStore,
    /// Deals.
    pub deals: ObjectStore,
    /// Contact properties.
    pub contact_schema: Schema,
    /// Company properties.
    pub company_schema: Schema,
    /// Deal properties.
    pub deal_schema: Schema,
    /// Associations.
    pub links: Links,
    /// Owners, by id.
    pub owners: Vec<Owner>,
    /// Deal pipelines.
    pub pipelines: Vec<Pipeline>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
    /// Forms.
    pub forms: Vec<Form>,
    /// Marketing events.
    pub marketing_events: Vec<MarketingEvent>,
    /// Behavioural events.
    pub web: WebLog,
    /// Email events.
    pub email: EmailLog,
    /// Next participation id.
    pub next_participation_id: u64,
    /// Next form-submission sequence number.
    pub next_submission_seq: u64,
}

impl World {
    /// The store of an object type.
    pub fn store(&self, kind: ObjectKind) -> &ObjectStore {
        match kind {
            ObjectKind::Contact => &self.contacts,
            ObjectKind::Company => &self.companies,
            ObjectKind::Deal => &self.deals,
        }
    }

    /// The store of an object type, mutably.
    pub fn store_mut(&mut self, kind: ObjectKind) -> &mut ObjectStore {
        match kind {
            ObjectKind::Contact => &mut self.contacts,
            ObjectKind::Company => &mut self.companies,
            ObjectKind::Deal => &mut self.deals,
        }
    }

    /// The schema of an object type.
    pub fn schema(&self, kind: ObjectKind) -> &Schema {
        match kind {
            ObjectKind::Contact => &self.contact_schema,
            ObjectKind::Company => &self.company_schema,
            ObjectKind::Deal => &self.deal_schema,
        }
    }

    /// The schema of an object type, mutably.
    pub fn schema_mut(&mut self, kind: ObjectKind) -> &mut Schema {
        match kind {
            ObjectKind::Contact => &mut self.contact_schema,
            ObjectKind::Company => &mut self.company_schema,
            ObjectKind::Deal => &mut self.deal_schema,
        }
    }

    /// A pipeline by id.
    pub fn pipeline(&self, id: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.id == id)
    }

    /// An owner by id.
    pub fn owner(&self, id: u64) -> Option<&Owner> {
        self.owners.iter().find(|o| o.id == id)
    }

    /// The author recorded for the integration's writes.
    pub fn integration(&self) -> Author {
        Author {
            source: SourceType::Integration,
            actor: self.app_id,
        }
    }
}

/// The hard edges in force, switchable per scenario and at run time (`/__sim/limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edges {
    /// Inputs per batch call (`null`: no limit).
    pub batch_max_inputs: Option<usize>,
    /// Results one search query may page through (`null`: no cap).
    pub search_result_cap: Option<usize>,
    /// Requests per rolling 10 seconds.
    pub ten_second_limit: Option<u32>,
    /// Search requests per second.
    pub search_per_second: Option<u32>,
    /// Requests per day.
    pub daily_limit: Option<u64>,
    /// Milliseconds before a write shows in search.
    pub search_lag_ms: u64,
    /// Access-token lifetime for tokens issued from now on (`null`: never expire).
    pub token_ttl_secs: Option<u64>,
}

impl Edges {
    /// The edges a scenario asks for.
    pub fn from_settings(s: &HubSpotSettings) -> Edges {
        Edges {
            batch_max_inputs: s.batch_max_inputs,
            search_result_cap: s.search_result_cap,
            ten_second_limit: s.ten_second_limit,
            search_per_second: s.search_per_second,
            daily_limit: s.daily_limit,
            search_lag_ms: s.search_lag_ms,
            token_ttl_secs: s.token_ttl_secs,
        }
    }

    /// The rate limits among them.
    pub fn limits(&self) -> LimitConfig {
        LimitConfig {
            ten_second: self.ten_second_limit,
            search_per_second: self.search_per_second,
            daily: self.daily_limit,
        }
    }

    /// The search lag in milliseconds.
    pub fn lag(&self) -> Millis {
        self.search_lag_ms.min(i64::MAX as u64) as Millis
    }
}

/// Credentials the token endpoint checks.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
    /// The refresh token it accepts.
    pub refresh_token: String,
}

/// Everything the server shares between requests.
pub struct HubInner {
    /// The data.
    pub world: RwLock<World>,
    /// The clock.
    pub clock: SimClock,
    /// The hard edges in force.
    pub edges: RwLock<Edges>,
    /// Rate-limit counters.
    pub limits: Mutex<LimitState>,
    /// Access tokens.
    pub tokens: Mutex<TokenStore>,
    /// The OAuth client.
    pub oauth: OAuthClient,
    /// The private app's id (the `sourceId` of its writes).
    pub app_id: u64,
    /// Fault injection and request counters.
    pub faults: FaultState,
}

/// A cheap handle on the shared state.
#[derive(Clone)]
pub struct Hub(pub Arc<HubInner>);

impl std::ops::Deref for Hub {
    type Target = HubInner;
    fn deref(&self) -> &HubInner {
        &self.0
    }
}

// A panic in one request must not take the simulator down with a poisoned lock: the state is
// only ever changed through complete, validated operations, so what a panic leaves is usable.
impl HubInner {
    /// Shared access to the world.
    pub fn read(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Exclusive access to the world.
    pub fn write(&self) -> RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The edges in force.
    pub fn edges(&self) -> Edges {
        *self.edges.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the edges in force; switching the lag off makes every pending write visible.
    pub fn set_edges(&self, edges: Edges) {
        *self.edges.write().unwrap_or_else(|p| p.into_inner()) = edges;
        if edges.search_lag_ms == 0 {
            let mut world = self.write();
            for kind in ObjectKind::ALL {
                world.store_mut(kind).shadow.clear();
            }
        }
        self.token_store().set_ttl(edges.token_ttl_secs);
    }

    /// The rate-limit counters.
    pub fn limit_state(&self) -> MutexGuard<'_, LimitState> {
        self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The tokens.
    pub fn token_store(&self) -> MutexGuard<'_, TokenStore> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}
