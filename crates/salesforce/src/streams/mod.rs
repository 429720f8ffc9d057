//! The streams: one `PullStream` per kind of data, each reading one or more objects in turn.
//!
//! State: each [`SalesforceStream`] keeps, in memory only, where its current pass is: which of its
//! objects it reads now and that object's open query (`nextRecordsUrl`). Nothing else: the
//! positions are in the cursor the store commits with every page, so a process killed after any
//! page starts a new pass from the committed positions and loses or repeats nothing but re-reads.
//!
//! A pass reads each object of the stream in order until it has caught up; a page holds rows of
//! one object. `more` is true until the last object of the pass has caught up.
//!
//! | stream | objects |
//! |--------|---------|
//! | `salesforce.leads` | Lead ([`leads`]) |
//! | `salesforce.contacts` | Contact ([`contacts`]) |
//! | `salesforce.opportunities` | Opportunity, OpportunityHistory, OpportunityContactRole ([`opportunities`]) |
//! | `salesforce.activities` | Task, Event ([`activities`]) |
//! | `salesforce.campaigns` | Campaign, CampaignMember ([`campaigns`]) |
//! | `salesforce.users` | User ([`users`]) |
//! | `salesforce.lead_status_history` | LeadHistory ([`lead_status`]) |

pub(crate) mod activities;
pub(crate) mod campaigns;
pub(crate) mod contacts;
pub(crate) mod lead_status;
pub(crate) mod leads;
pub(crate) mod opportunities;
pub(crate) mod users;

use crate::connector::Shared;
use crate::convert::Page;
use crate::cursor::StreamCursor;
use crate::error::SalesforceError;
use crate::reader::{self, ObjectRead, OpenQuery};
use crate::wire::Row;
use closedloop_core::cursor::StreamName;
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// One object a stream reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Leads,
    Contacts,
    Opportunities,
    OpportunityHistory,
    ContactRoles,
    Tasks,
    Events,
    Campaigns,
    CampaignMembers,
    Users,
    LeadHistory,
}

/// Every object of every stream, with its stream's short name.
pub(crate) const ALL_PARTS: &[(&str, Part)] = &[
    ("leads", Part::Leads),
    ("contacts", Part::Contacts),
    ("opportunities", Part::Opportunities),
    ("opportunities", Part::OpportunityHistory),
    ("opportunities", Part::ContactRoles),
    ("activities", Part::Tasks),
    ("activities", Part::Events),
    ("campaigns", Part::Campaigns),
    ("campaigns", Part::CampaignMembers),
    ("users", Part::Users),
    ("lead_status_history", Part::LeadHistory),
];

impl Part {
    /// How the object is read.
    pub(crate) async fn read(self, shared: &Shared, stream: &str) -> Result<ObjectRead, SalesforceError> {
        let lookback = shared.settings.lookback(stream);
        match self {
            Part::Leads => Ok(leads::read(shared, lookback)),
            Part::Contacts => Ok(contacts::read(shared, lookback)),
            Part::Opportunities => opportunities::read_opportunities(shared, lookback).await,
            Part::OpportunityHistory => Ok(opportunities::read_history(lookback)),
            Part::ContactRoles => Ok(opportunities::read_contact_roles(lookback)),
            Part::Tasks => Ok(activities::read("Task", lookback)),
            Part::Events => Ok(activities::read("Event", lookback)),
            Part::Campaigns => Ok(campaigns::read_campaigns(lookback)),
            Part::CampaignMembers => Ok(campaigns::read_members(lookback)),
            Part::Users => Ok(users::read(lookback)),
            Part::LeadHistory => Ok(lead_status::read(shared, lookback)),
        }
    }

    /// Converts a page of rows into `page`.
    async fn convert(self, shared: &Shared, rows: &[Row], page: &mut Page) -> Result<(), SalesforceError> {
        match self {
            Part::Leads => leads::convert(shared, rows, page),
            Part::Contacts => contacts::convert(shared, rows, page),
            Part::Opportunities => opportunities::convert_opportunities(shared, rows, page),
            Part::OpportunityHistory => opportunities::convert_history(shared, rows, page).await?,
            Part::ContactRoles => opportunities::convert_contact_roles(rows, page),
            Part::Tasks => activities::convert(shared, rows, page, "Task"),
            Part::Events => activities::convert(shared, rows, page, "Event"),
            Part::Campaigns => campaigns::convert_campaigns(shared, rows, page),
            Part::CampaignMembers => campaigns::convert_members(shared, rows, page),
            Part::Users => users::convert(rows, page),
            Part::LeadHistory => lead_status::convert(shared, rows, page).await?,
        }
        Ok(())
    }
}

/// Where the current pass of a stream is.
#[derive(Debug, Default)]
struct Pass {
    /// The object read now.
    part: usize,
    /// Its open query.
    open: Option<OpenQuery>,
}

/// A stream of the Salesforce connector. `C` is its cursor type, which also says how many
/// objects it reads: `SalesforceStream<LeadsCursor>` is `salesforce.leads`, and so on (see the
/// aliases [`crate::LeadsStream`] and friends).
pub struct SalesforceStream<C: StreamCursor> {
    shared: Arc<Shared>,
    /// The stream's short name (`leads`).
    short: &'static str,
    name: StreamName,
    parts: &'static [Part],
    pass: Mutex<Pass>,
    _cursor: PhantomData<fn() -> C>,
}

impl<C: StreamCursor> SalesforceStream<C> {
    pub(crate) fn new(
        shared: Arc<Shared>,
        short: &'static str,
        parts: &'static [Part],
    ) -> Result<Self, SalesforceError> {
        if parts.len() != C::PARTS {
            return Err(SalesforceError::Config(format!(
                "stream {short} reads {} objects but its cursor holds {}",
                parts.len(),
                C::PARTS
            )));
        }
        let name =
            StreamName::new(&format!("salesforce.{short}")).map_err(|e| SalesforceError::Config(e.to_string()))?;
        Ok(SalesforceStream {
            shared,
            short,
            name,
            parts,
            pass: Mutex::new(Pass::default()),
            _cursor: PhantomData,
        })
    }

    fn pass(&self) -> std::sync::MutexGuard<'_, Pass> {
        self.pass.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: StreamCursor> PullStream for SalesforceStream<C> {
    type Cursor = C;
    type Error = SalesforceError;

    fn name(&self) -> StreamName {
        self.name.clone()
    }

    async fn next_page(&self, cursor: Option<&C>, mode: PullMode) -> Result<PulledPage<C>, SalesforceError> {
        let current = cursor.cloned().unwrap_or_else(C::start);
        let (index, open) = {
            let mut pass = self.pass();
            if pass.part >= self.parts.len() {
                *pass = Pass::default();
            }
            (pass.part, pass.open.take())
        };
        let part = self.parts[index];
        let read = part.read(&self.shared, self.short).await?;
        let object_page = reader::read_page(
            &self.shared.api,
            &read,
            current.part(index),
            mode,
            open,
            self.shared.as_ref(),
        )
        .await?;
        let mut page = Page::new(self.name.as_str());
        part.convert(&self.shared, &object_page.rows, &mut page).await?;
        page.batch.records.extend(object_page.tombstones);
        let mut next = current;
        *next.part_mut(index) = object_page.cursor;
        let part_more = object_page.open.is_some();
        let more = part_more || index + 1 < self.parts.len();
        {
            let mut pass = self.pass();
            if part_more {
                pass.part = index;
                pass.open = object_page.open;
            } else if more {
                pass.part = index + 1;
                pass.open = None;
            } else {
                *pass = Pass::default();
            }
        }
        tracing::debug!(
            stream = %self.name, object = %read.object, rows = object_page.rows.len(),
            records = page.batch.records.len(), rejected = page.batch.rejected.len(), more,
            "page read"
        );
        Ok(PulledPage {
            batch: page.batch,
            cursor: next,
            more,
        })
    }
}
