//! The HubSpot simulator: a local, in-memory HubSpot portal faithful to `../shared/api-contracts.md`.
//!
//! Start it with [`start`]; steer and inspect it with the [`HubSpotAdmin`] handle or the
//! `/__sim/` routes. It is an independent oracle of HubSpot's behaviour: it shares no code with
//! closedloop's HubSpot connector.
//!
//! # Layout
//! - [`server`]: [`start`], [`HubSpotServer`], [`SimError`].
//! - [`routes`]: every path and its layers; [`gate`]: token check, rate limits, headers;
//!   [`auth`]: tokens and `POST /oauth/v1/token`; [`limits`]: the 10-second, per-second and daily
//!   limits; [`clock`]: the freezable clock; [`errors`]: HubSpot's error bodies.
//! - Data: [`state`] (the [`World`](state::World) and what the server shares), [`record`] (one
//!   CRM object and its value history), [`store`] (one object type's records and indexes),
//!   [`lag`] (what search sees while it lags), [`schema`] (property definitions and value
//!   validation), [`links`] (associations), [`content`] (owners, pipelines, campaigns, forms,
//!   marketing events), [`timeline`] (behavioural and email events), [`load`] (scenario → world).
//! - Endpoints: [`objects`] (list/get/create/update/archive/merge), [`batch`], [`search`],
//!   [`properties`], [`pipelines`], [`owners`], [`associations`] (v4), [`events`] (Events API),
//!   [`marketing_events`], [`forms`], [`email_events`], [`campaigns`], [`custom_schemas`].
//! - Helpers: [`writes`] (validated writes), [`render`] (objects as JSON), [`request`] (context,
//!   query, body), [`ids`] (stable ids and cursors), [`timefmt`] (HubSpot's time formats);
//!   [`admin`]: the test handle and `/__sim/` routes.

pub mod admin;
pub mod associations;
pub mod auth;
pub mod batch;
pub mod campaigns;
pub mod clock;
pub mod content;
pub mod custom_schemas;
pub mod email_events;
pub mod errors;
pub mod events;
pub mod forms;
pub mod gate;
pub mod ids;
pub mod lag;
pub mod limits;
pub mod links;
pub mod load;
pub mod marketing_events;
pub mod objects;
pub mod owners;
pub mod pipelines;
pub mod properties;
pub mod ranked;
pub mod record;
pub mod render;
pub mod request;
pub mod routes;
pub mod schema;
pub mod search;
pub mod server;
pub mod state;
pub mod store;
pub mod timefmt;
pub mod timeline;
pub mod writes;

pub use admin::{HistoryEntry, HubSpotAdmin, ObjectSnapshot};
pub use record::ObjectKind;
pub use server::{HubSpotServer, SimError, start};
pub use state::Edges;
