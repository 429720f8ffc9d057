//! Marketing records outside the CRM object stores: owners, pipelines, campaigns, forms with
//! their submissions, marketing events (webinars) with their participations.
//!
//! State: plain vectors in id order (they are small next to contacts), except submissions and
//! participations, which are kept per form and per event in time order so their endpoints page
//! without sorting.

use super::clock::Millis;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A HubSpot user who owns records.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Owner id (what `hubspot_owner_id` holds).
    pub id: u64,
    /// The user id behind it (`updatedByUserId`, `userId:N` source ids).
    pub user_id: u64,
    /// Email.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// The scenario's key.
    pub key: String,
    /// Created.
    pub created_ms: Millis,
    /// Updated.
    pub updated_ms: Millis,
}

/// A deal pipeline stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Stage id (`dealstage` value).
    pub id: String,
    /// Label.
    pub label: String,
    /// Order.
    pub display_order: i32,
    /// Win probability 0..1.
    pub probability: f64,
    /// Closed stage.
    pub is_closed: bool,
    /// Won stage.
    pub is_won: bool,
}

/// A deal pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Pipeline id (`pipeline` value).
    pub id: String,
    /// Label.
    pub label: String,
    /// Order.
    pub display_order: i32,
    /// Stages in order.
    pub stages: Vec<Stage>,
    /// Created.
    pub created_ms: Millis,
    /// Updated.
    pub updated_ms: Millis,
}

impl Pipeline {
    /// A stage of this pipeline.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

/// A marketing campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The campaign GUID (its id in the campaigns API).
    pub guid: Uuid,
    /// The scenario's key.
    pub key: String,
    /// `hs_name`.
    pub name: String,
    /// closedloop's channel for it (`paid_search`, `email`...), behind the UTM medium and source.
    pub channel: Option<String>,
    /// `hs_start_date`.
    pub starts_on: Option<NaiveDate>,
    /// `hs_end_date`.
    pub ends_on: Option<NaiveDate>,
    /// `hs_utm`: the `utm_campaign` value HubSpot attributes traffic with.
    pub utm: String,
    /// Created.
    pub created_ms: Millis,
    /// Updated.
    pub updated_ms: Millis,
}

/// The contact fields a form submission carried, shared by all of one person's submissions.
pub type FormValues = Arc<[(Box<str>, Box<str>)]>;

/// One form submission.
#[derive(Debug, Clone)]
pub struct Submission {
    /// When.
    pub at_ms: Millis,
    /// The contact it created or updated.
    pub contact_id: u64,
    /// The fields submitted.
    pub values: FormValues,
    /// The page it was submitted on.
    pub page_url: Arc<str>,
    /// A sequence number, unique across forms, behind the `conversionId`.
    pub seq: u64,
}

/// A form (one per form-kind content asset).
#[derive(Debug, Clone)]
pub struct Form {
    /// The form GUID.
    pub guid: Uuid,
    /// The scenario's content key.
    pub key: String,
    /// Name.
    pub name: String,
    /// The content kind behind it (`whitepaper`, `demo`...).
    pub content_kind: String,
    /// The page it is on.
    pub url: Option<String>,
    /// Index into the campaigns, when it belongs to one.
    pub campaign: Option<usize>,
    /// Created.
    pub created_ms: Millis,
    /// Updated.
    pub updated_ms: Millis,
    /// Submissions, oldest first.
    pub submissions: Vec<Submission>,
}

/// A webinar participant's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceState {
    /// Registered.
    Registered,
    /// Attended.
    Attended,
    /// Cancelled the registration.
    Cancelled,
    /// Registered and did not attend.
    NoShow,
    /// No state.
    Empty,
}

impl AttendanceState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceState::Registered => "REGISTERED",
            AttendanceState::Attended => "ATTENDED",
            AttendanceState::Cancelled => "CANCELLED",
            AttendanceState::NoShow => "NO_SHOW",
            AttendanceState::Empty => "EMPTY",
        }
    }

    /// Parses a wire name (any case).
    pub fn parse(text: &str) -> Option<AttendanceState> {
        Some(match text.to_ascii_uppercase().as_str() {
            "REGISTERED" => AttendanceState::Registered,
            "ATTENDED" => AttendanceState::Attended,
            "CANCELLED" => AttendanceState::Cancelled,
            "NO_SHOW" => AttendanceState::NoShow,
            "EMPTY" => AttendanceState::Empty,
            _ => return None,
        })
    }

    /// The state a `subscriberState` path segment of the attendance endpoints sets.
    pub fn from_subscriber_state(text: &str) -> Option<AttendanceState> {
        Some(match text.to_ascii_lowercase().as_str() {
            "register" | "registered" => AttendanceState::Registered,
            "attend" | "attended" => AttendanceState::Attended,
            "cancel" | "cancelled" => AttendanceState::Cancelled,
            "no_show" | "noshow" | "no-show" => AttendanceState::NoShow,
            _ => return None,
        })
    }
}

/// One contact's participation in a marketing event (its latest state).
#[derive(Debug, Clone)]
pub struct Participation {
    /// Participation id.
    pub id: u64,
    /// The contact (resolve through merges when rendering).
    pub contact_id: u64,
    /// The contact's email when it took part.
    pub email: Arc<str>,
    /// Current state.
    pub state: AttendanceState,
    /// When the current state was reached (epoch ms on the wire).
    pub occurred_ms: Millis,
    /// When the participation was first recorded.
    pub created_ms: Millis,
    /// Seconds attended.
    pub duration_s: Option<u64>,
    /// Share of the event attended, as HubSpot sends it (a string).
    pub percentage: Option<Box<str>>,
}

/// A marketing event (a webinar).
#[derive(Debug, Clone)]
pub struct MarketingEvent {
    /// HubSpot's object id.
    pub object_id: u64,
    /// The scenario's content key.
    pub key: String,
    /// `eventName`.
    pub name: String,
    /// `externalEventId` (the webinar tool's id).
    pub external_event_id: String,
    /// `eventUrl`.
    pub url: Option<String>,
    /// `startDateTime`.
    pub start_ms: Option<Millis>,
    /// `endDateTime`.
    pub end_ms: Option<Millis>,
    /// Index into the campaigns, when it belongs to one.
    pub campaign: Option<usize>,
    /// Created.
    pub created_ms: Millis,
    /// Updated.
    pub updated_ms: Millis,
    /// Participations in the order they were first recorded.
    pub participations: Vec<Participation>,
    /// Contact id → index into `participations`.
    pub by_contact: HashMap<u64, usize>,
}

impl MarketingEvent {
    /// The event's running time in seconds, when known.
    pub fn duration_s(&self) -> Option<u64> {
        match (self.start_ms, self.end_ms) {
            (Some(s), Some(e)) if e > s => Some(((e - s) / 1000) as u64),
            _ => None,
        }
    }

    /// Records a state for a contact: a new participation, or the existing one moved on.
    pub fn record(&mut self, next_id: &mut u64, p: Participation) {
        match self.by_contact.get(&p.contact_id) {
            Some(&i) => {
                let existing = &mut self.participations[i];
                if p.occurred_ms >= existing.occurred_ms {
                    existing.state = p.state;
                    existing.occurred_ms = p.occurred_ms;
                    if p.duration_s.is_some() {
                        existing.duration_s = p.duration_s;
                    }
                    if p.percentage.is_some() {
                        existing.percentage = p.percentage;
                    }
                }
                existing.created_ms = existing.created_ms.min(p.created_ms);
            }
            None => {
                let mut p = p;
                p.id = *next_id;
                *next_id += 1;
                self.by_contact.insert(p.contact_id, self.participations.len());
                self.participations.push(p);
            }
        }
    }

    /// Counts per state: (registered, attended, cancelled, no-shows). Everyone who attended,
    /// cancelled or did not show had registered.
    pub fn counters(&self) -> (u64, u64, u64, u64) {
        let mut c = (0, 0, 0, 0);
        for p in &self.participations {
            match p.state {
                AttendanceState::Registered => c.0 += 1,
                AttendanceState::Attended => {
                    c.0 += 1;
                    c.1 += 1
                }
                AttendanceState::Cancelled => {
                    c.0 += 1;
                    c.2 += 1
                }
                AttendanceState::NoShow => {
                    c.0 += 1;
                    c.3 += 1
                }
                AttendanceState::Empty => {}
            }
        }
        c
    }
}

/// HubSpot's attendance percentage for seconds watched of a running time, as a string with at
/// most two decimals (`"20"`, `"33.33"`).
pub fn percentage_of(watched_s: u64, running_s: u64) -> Option<String> {
    if running_s == 0 {
        return None;
    }
    let pct = (watched_s as f64 * 100.0 / running_s as f64).min(100.0);
    let text = format!("{pct:.2}");
    Some(text.trim_end_matches('0').trim_end_matches('.').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_like_hubspots() {
        assert_eq!(percentage_of(720, 3600).as_deref(), Some("20"));
        assert_eq!(percentage_of(1200, 3600).as_deref(), Some("33.33"));
        assert_eq!(percentage_of(9999, 3600).as_deref(), Some("100"));
        assert_eq!(percentage_of(10, 0), None);
    }

    #[test]
    fn a_later_state_replaces_an_earlier_one() {
        let mut e = MarketingEvent {
            object_id: 1,
            key: "w".into(),
            name: "W".into(),
            external_event_id: "x".into(),
            url: None,
            start_ms: None,
            end_ms: None,
            campaign: None,
            created_ms: 0,
            updated_ms: 0,
            participations: Vec::new(),
            by_contact: HashMap::new(),
        };
        let p = |state, at| Participation {
            id: 0,
            contact_id: 7,
            email: "a@b.c".into(),
            state,
            occurred_ms: at,
            created_ms: at,
            duration_s: None,
            percentage: None,
        };
        let mut next = 100;
        e.record(&mut next, p(AttendanceState::Registered, 10));
        e.record(&mut next, p(AttendanceState::Attended, 20));
        assert_eq!(e.participations.len(), 1);
        assert_eq!(e.participations[0].state, AttendanceState::Attended);
        assert_eq!(e.participations[0].created_ms, 10);
        assert_eq!(e.counters(), (1, 1, 0, 0));
    }
}
