//! Deterministic generation of realistic scenarios of any size, and the named example scenarios.
//!
//! State: a [`Generator`] holds a validated [`GenerateSpec`], the world's fixed reference data
//! (owners, campaigns, content, emails sent) and the seeded RNG every draw derives from. Output
//! depends on the spec only: the same spec gives the same scenario, byte for byte once
//! serialized, on the same build. Nothing reads the clock or the thread RNG.
//!
//! ```
//! use closedloop_sim::generator::{generate, GenerateSpec};
//! let spec: GenerateSpec = "contacts=200,seed=7".parse().unwrap();
//! let world = generate(&spec);
//! assert_eq!(world.people.len(), 200);
//! world.check_references().unwrap();
//! ```
//!
//! Large worlds need not be held twice: [`Generator::people`] yields people one at a time, so a
//! simulator can compile each into its own state as it comes.
//!
//! # Layout
//! - [`spec`]: the spec and its parser (`contacts=100000,seed=7,...`).
//! - `sample`: the seeded random draws and time arithmetic.
//! - `names`: names, companies, countries, job titles, email addresses.
//! - `channel`: marketing channels and their vendor spellings.
//! - `catalog`: owners, campaigns with quality profiles, content, email sends, clean-up days.
//! - `funnel`: the marketing funnel model (acquisition, conversion, lead and MQL dates).
//! - `touches`: touchpoints around a journey (visits, forms, webinars, emails, CTAs).
//! - `sales`: how sales works a lead (follow-up delay, attempts, outcome, reasons).
//! - `deals`: opportunity stages, amounts, wins and losses.
//! - `crm`: a person's CRM records, written for Salesforce or for HubSpot as the CRM.
//! - `hostile`: deliberately malformed records.
//! - `people`: the iterator that assembles people, with duplicates and archived contacts.
//! - `named`: the named example scenarios (`tiny`, `hostile`, `demo`).
//!
//! The distributions are documented in `docs/scenario-format.md` and in each module.

mod catalog;
mod channel;
mod crm;
mod deals;
mod funnel;
mod hostile;
mod named;
mod names;
mod people;
mod sales;
mod sample;
pub mod spec;
mod touches;

pub use named::{NAMED, named};
pub use people::People;
pub use spec::{GenerateSpec, SPEC_KEYS, SpecError};

use crate::scenario::{HubSpotSettings, SalesforceSettings, Scenario, SystemTouchSpec};
use catalog::Catalog;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sample::Draw;

/// The RNG stream the catalog draws from; people use streams `0..contacts`.
const CATALOG_STREAM: u64 = u64::MAX;

/// A world being generated: the spec, its catalog and the seeded RNG.
pub struct Generator {
    spec: GenerateSpec,
    catalog: Catalog,
    rng: ChaCha8Rng,
}

impl Generator {
    /// Prepares the world of `spec` (owners, campaigns, content); people come from [`Generator::people`].
    pub fn new(spec: &GenerateSpec) -> Generator {
        let rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut catalog_rng = rng.clone();
        catalog_rng.set_stream(CATALOG_STREAM);
        let catalog = Catalog::build(spec, &mut Draw::new(catalog_rng));
        Generator {
            spec: spec.clone(),
            catalog,
            rng,
        }
    }

    /// The spec.
    pub fn spec(&self) -> &GenerateSpec {
        &self.spec
    }

    /// The scenario with everything but its people: settings, owners, campaigns and content.
    pub fn scenario_without_people(&self) -> Scenario {
        let mut hubspot = HubSpotSettings::default();
        if self.spec.hubspot_crm {
            hubspot.contact_properties = catalog::hubspot_crm_properties();
        }
        let mut salesforce = SalesforceSettings::default();
        if !self.spec.hubspot_crm {
            salesforce.system_touches = self.system_touches();
        }
        Scenario {
            name: "generated".to_owned(),
            description: Some(format!("generated world: {}", self.spec)),
            hubspot,
            salesforce,
            faults: Default::default(),
            owners: self.catalog.owners.clone(),
            campaigns: self.catalog.campaign_specs(),
            content: self.catalog.content_specs(),
            people: Vec::new(),
        }
    }

    /// Background jobs of the org: the night after each quarterly lead clean-up a territory
    /// realignment touches the stalest leads and contacts, bumping their `SystemModstamp` to one instant.
    fn system_touches(&self) -> Vec<SystemTouchSpec> {
        let limit = (self.spec.contacts / 50).max(20);
        self.catalog
            .cleanups
            .iter()
            .flat_map(|t| {
                let at = sample::to_utc(t + 20 * sample::HOUR);
                ["Lead", "Contact"].map(|object| SystemTouchSpec {
                    object: object.to_owned(),
                    at,
                    limit,
                })
            })
            .filter(|s| s.at.timestamp() <= self.catalog.end)
            .collect()
    }

    /// The people, one at a time, in key order (`p-000001`, `p-000002`...).
    pub fn people(&self) -> People<'_> {
        People::new(self)
    }

    /// The draw for one RNG stream.
    fn draw(&self, stream: u64) -> Draw {
        let mut rng = self.rng.clone();
        rng.set_stream(stream);
        Draw::new(rng)
    }
}

/// Generates the whole world of `spec`.
pub fn generate(spec: &GenerateSpec) -> Scenario {
    let generator = Generator::new(spec);
    let mut scenario = generator.scenario_without_people();
    scenario.people = generator.people().collect();
    scenario
}
