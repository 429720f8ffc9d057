//! Behavioural events (page views, CTA clicks, form submissions) and email events (opens, clicks).
//!
//! State: two append-only logs. Each event is a compact fixed-size row pointing into interned
//! tables (pages, email campaigns), because a benchmark world holds ten million of them. The
//! web log keeps positions sorted by time (overall and per event type) and per contact; the email
//! log keeps positions per recipient. Event ids are derived from the row number, so they are
//! stable for a given scenario.

use super::clock::Millis;
use std::collections::HashMap;
use std::sync::Arc;

/// The behavioural event types served by the Events API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebEventKind {
    /// `e_visited_page`.
    VisitedPage = 0,
    /// `e_clicked_cta`.
    ClickedCta = 1,
    /// `e_submitted_form`.
    SubmittedForm = 2,
}

impl WebEventKind {
    /// All kinds, in index order.
    pub const ALL: [WebEventKind; 3] = [
        WebEventKind::VisitedPage,
        WebEventKind::ClickedCta,
        WebEventKind::SubmittedForm,
    ];

    /// The event type name.
    pub fn name(self) -> &'static str {
        match self {
            WebEventKind::VisitedPage => "e_visited_page",
            WebEventKind::ClickedCta => "e_clicked_cta",
            WebEventKind::SubmittedForm => "e_submitted_form",
        }
    }

    /// Parses an event type name.
    pub fn parse(name: &str) -> Option<WebEventKind> {
        WebEventKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// "None" in the u32 references of a row.
pub const NONE: u32 = u32::MAX;

/// A page (URL and title), interned.
#[derive(Debug, Clone)]
pub struct Page {
    /// The URL.
    pub url: Arc<str>,
    /// The title, when known.
    pub title: Option<Arc<str>>,
    /// The content key it belongs to, when it is a content asset's page.
    pub content: Option<Arc<str>>,
}

/// One behavioural event.
#[derive(Debug, Clone, Copy)]
pub struct WebEvent {
    /// The contact.
    pub object_id: u64,
    /// When.
    pub at_ms: Millis,
    /// The type.
    pub kind: WebEventKind,
    /// Index into the pages.
    pub page: u32,
    /// Index into the campaigns, or [`NONE`].
    pub campaign: u32,
    /// Index into the forms, or [`NONE`].
    pub form: u32,
}

/// The Events API's log.
#[derive(Debug, Default)]
pub struct WebLog {
    /// Rows in insertion order (the row number is the event's sequence number).
    pub rows: Vec<WebEvent>,
    /// Row numbers sorted by (time, row).
    pub by_time: Vec<u32>,
    /// Per event type, row numbers sorted by (time, row).
    pub by_kind_time: [Vec<u32>; 3],
    /// Per contact, row numbers sorted by (time, row).
    pub by_object: HashMap<u64, Vec<u32>>,
    /// Interned pages.
    pub pages: Vec<Page>,
    page_index: HashMap<Arc<str>, u32>,
}

impl WebLog {
    /// Interns a page and returns its index (the first title seen for a URL wins).
    pub fn page(&mut self, url: &str, title: Option<&str>, content: Option<&str>) -> u32 {
        if let Some(&i) = self.page_index.get(url) {
            return i;
        }
        let i = self.pages.len() as u32;
        let url: Arc<str> = url.into();
        self.pages.push(Page {
            url: url.clone(),
            title: title.map(Into::into),
            content: content.map(Into::into),
        });
        self.page_index.insert(url, i);
        i
    }

    /// Appends rows without indexing them (loading); call [`WebLog::reindex`] afterwards.
    pub fn push_unindexed(&mut self, event: WebEvent) {
        self.rows.push(event);
    }

    /// Builds the time and contact indexes from the rows.
    pub fn reindex(&mut self) {
        let rows = &self.rows;
        let key = |i: &u32| (rows[*i as usize].at_ms, *i);
        let mut by_time: Vec<u32> = (0..rows.len() as u32).collect();
        by_time.sort_unstable_by_key(key);
        let mut by_kind: [Vec<u32>; 3] = Default::default();
        let mut by_object: HashMap<u64, Vec<u32>> = HashMap::new();
        for &i in &by_time {
            let row = &rows[i as usize];
            by_kind[row.kind as usize].push(i);
            by_object.entry(row.object_id).or_default().push(i);
        }
        self.by_time = by_time;
        self.by_kind_time = by_kind;
        self.by_object = by_object;
    }

    /// Appends one event and indexes it (an event at run time).
    pub fn push(&mut self, event: WebEvent) {
        let i = self.rows.len() as u32;
        self.rows.push(event);
        let rows = &self.rows;
        let key = |j: &u32| (rows[*j as usize].at_ms, *j);
        for list in [&mut self.by_time, &mut self.by_kind_time[event.kind as usize]] {
            let at = list.partition_point(|j| key(j) < (event.at_ms, i));
            list.insert(at, i);
        }
        let list = self.by_object.entry(event.object_id).or_default();
        let at = list.partition_point(|j| key(j) < (event.at_ms, i));
        list.insert(at, i);
    }
}

/// Legacy email event types served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailEventKind {
    /// `OPEN`.
    Open,
    /// `CLICK`.
    Click,
}

impl EmailEventKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailEventKind::Open => "OPEN",
            EmailEventKind::Click => "CLICK",
        }
    }
}

/// A marketing email as the legacy API knows it: an email campaign.
#[derive(Debug, Clone)]
pub struct EmailCampaign {
    /// `emailCampaignId`.
    pub id: u64,
    /// The marketing email's content id.
    pub content_id: u64,
    /// The email's name (also its subject here).
    pub name: String,
    /// Index into the campaigns, when the email belongs to one.
    pub campaign: Option<usize>,
}

/// One email open or click.
#[derive(Debug, Clone)]
pub struct EmailEvent {
    /// The recipient's address.
    pub recipient: Arc<str>,
    /// When.
    pub at_ms: Millis,
    /// Open or click.
    pub kind: EmailEventKind,
    /// Index into the email campaigns.
    pub email: u32,
    /// Clicks: index into the web log's pages, or [`NONE`].
    pub url: u32,
}

/// The legacy email events log.
#[derive(Debug, Default)]
pub struct EmailLog {
    /// Rows sorted by (time, insertion).
    pub rows: Vec<EmailEvent>,
    /// Lower-cased recipient → row numbers in time order.
    pub by_recipient: HashMap<String, Vec<u32>>,
    /// The email campaigns.
    pub campaigns: Vec<EmailCampaign>,
    campaign_index: HashMap<String, u32>,
}

impl EmailLog {
    /// The email campaign for an email name, created on first sight.
    pub fn campaign(&mut self, name: &str, campaign: Option<usize>, first_id: u64) -> u32 {
        if let Some(&i) = self.campaign_index.get(name) {
            return i;
        }
        let i = self.campaigns.len() as u32;
        self.campaigns.push(EmailCampaign {
            id: first_id + u64::from(i),
            content_id: first_id + 500_000_000 + u64::from(i),
            name: name.to_owned(),
            campaign,
        });
        self.campaign_index.insert(name.to_owned(), i);
        i
    }

    /// Sorts the rows by time and builds the recipient index (after loading).
    pub fn reindex(&mut self) {
        self.rows.sort_by_key(|r| r.at_ms);
        let mut by_recipient: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            by_recipient
                .entry(row.recipient.to_lowercase())
                .or_default()
                .push(i as u32);
        }
        self.by_recipient = by_recipient;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(object_id: u64, at_ms: Millis, kind: WebEventKind) -> WebEvent {
        WebEvent {
            object_id,
            at_ms,
            kind,
            page: 0,
            campaign: NONE,
            form: NONE,
        }
    }

    #[test]
    fn indexes_stay_in_time_order() {
        let mut log = WebLog::default();
        log.page("https://x.test/a", None, None);
        log.push_unindexed(ev(1, 30, WebEventKind::VisitedPage));
        log.push_unindexed(ev(2, 10, WebEventKind::ClickedCta));
        log.push_unindexed(ev(1, 20, WebEventKind::VisitedPage));
        log.reindex();
        assert_eq!(log.by_time, [1, 2, 0]);
        assert_eq!(log.by_object[&1], [2, 0]);
        log.push(ev(1, 25, WebEventKind::SubmittedForm));
        assert_eq!(log.by_time, [1, 2, 3, 0]);
        assert_eq!(log.by_object[&1], [2, 3, 0]);
        assert_eq!(log.by_kind_time[2], [3]);
    }
}
