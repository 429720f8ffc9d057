//! Touchpoint generation: the visits, form submissions, webinar attendance and email engagement
//! of one person, laid out around the fixed moments of their journey.
//!
//! Holds no state. A person gets their first visit, the form that created them, the download that
//! made them a lead, the touch that triggered their MQL, and then extra touches drawn by weight
//! (page-view sessions most, then email opens and clicks, CTA clicks, downloads, webinars) until
//! their touch count, drawn around a mean that grows with funnel depth, is reached.
//!
//! Webinar attendance: 5% cancel, 38% do not show, 57% attend; of attendees 30% watch 3–25% of
//! the running time, 25% 25–60%, 20% 60–90%, 25% 90–100%. Registrations for a webinar after
//! the anchor stay `REGISTERED`.

use super::catalog::{Catalog, NURTURE_EMAILS, SITE, SITE_PAGES};
use super::channel::Channel;
use super::funnel::{Conversion, Journey, MqlTrigger, offer_for};
use super::sample::{DAY, Draw, HOUR, MINUTE, to_utc};
use crate::scenario::{AttendanceSpec, TouchSpec};

/// What kind of touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `page_view`.
    PageView,
    /// `form_submission`.
    Form,
    /// `webinar`.
    Webinar,
    /// `email_open`.
    EmailOpen,
    /// `email_click`.
    EmailClick,
    /// `cta_click`.
    CtaClick,
}

impl Kind {
    /// The scenario's name for the kind.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::PageView => "page_view",
            Kind::Form => "form_submission",
            Kind::Webinar => "webinar",
            Kind::EmailOpen => "email_open",
            Kind::EmailClick => "email_click",
            Kind::CtaClick => "cta_click",
        }
    }
}

/// Where a touch happened.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place {
    /// A site page by path.
    Page(&'static str),
    /// A content asset's URL (content index).
    Content(usize),
    /// A campaign's landing page (campaign index).
    Landing(usize),
}

/// Which email a touch is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mail {
    /// A list send (index into the catalog's blasts).
    Blast(usize),
    /// A nurture email (index into [`NURTURE_EMAILS`]).
    Nurture(usize),
}

/// Webinar attendance states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attendance {
    /// Registered for a webinar that has not happened yet.
    Registered,
    /// Cancelled the registration.
    Cancelled,
    /// Registered but never joined.
    NoShow,
    /// Joined and watched this many seconds.
    Attended(u32),
}

/// One touch before it is written out.
#[derive(Debug, Clone)]
pub(crate) struct Touch {
    /// Kind.
    pub kind: Kind,
    /// When.
    pub at: i64,
    /// Content index.
    pub content: Option<usize>,
    /// Campaign index.
    pub campaign: Option<usize>,
    /// Page.
    pub place: Option<Place>,
    /// Email.
    pub mail: Option<Mail>,
    /// Webinar attendance, with the registration moment.
    pub attendance: Option<(Attendance, i64)>,
    /// The channel of the visit (email for email touches).
    pub channel: Channel,
}

impl Touch {
    fn new(kind: Kind, at: i64, channel: Channel) -> Touch {
        Touch {
            kind,
            at,
            content: None,
            campaign: None,
            place: None,
            mail: None,
            attendance: None,
            channel,
        }
    }
}

/// The mean number of touches by how far a person got (before scaling by the spec's `touches`).
/// With the default funnel these average about 10 per person.
fn stage_mean(j: &Journey) -> f64 {
    if j.mql_at.is_some() {
        17.0
    } else if j.lead_at.is_some() {
        9.5
    } else {
        5.0
    }
}

/// Generates a person's touches, sorted by time, none after the end of the history.
pub(crate) fn generate(cat: &Catalog, j: &Journey, touches_mean: f64, d: &mut Draw) -> Vec<Touch> {
    let mut out: Vec<Touch> = Vec::new();
    let campaign_of = |content: usize| cat.content[content].campaign;

    if j.conversion != Conversion::Import {
        let mut first = Touch::new(Kind::PageView, j.first_seen, j.channel);
        first.campaign = j.campaign;
        first.place = Some(match j.campaign {
            Some(c) => match cat.campaigns[c].webinar {
                Some(w) => Place::Content(w),
                None => Place::Landing(c),
            },
            None => Place::Page(d.weighted_pick(SITE_PAGES)),
        });
        out.push(first);
    }
    match j.conversion {
        Conversion::Newsletter => out.push(form(cat, cat.newsletter_form, j.created_at, j.channel)),
        Conversion::Offer(o) => out.push(form(cat, o, j.created_at, j.channel)),
        Conversion::Demo => out.push(form(cat, cat.demo_form, j.created_at, j.channel)),
        Conversion::ContactUs => out.push(form(cat, cat.contact_form, j.created_at, j.channel)),
        Conversion::Webinar(w) => {
            let deep = matches!(j.mql_trigger, Some((MqlTrigger::Webinar(tw), _)) if tw == w);
            out.push(webinar(cat, w, j.created_at, deep, d));
        }
        Conversion::Import => {}
    }
    if let (Some(offer), Some(at)) = (j.lead_offer, j.lead_at) {
        out.push(form(cat, offer, at, Channel::Email));
    }
    if let Some((trigger, at)) = j.mql_trigger {
        match trigger {
            MqlTrigger::Demo => {
                let mut pricing = Touch::new(Kind::PageView, at - d.int(2, 9) * MINUTE, Channel::Direct);
                pricing.place = Some(Place::Content(cat.pricing_page));
                pricing.content = Some(cat.pricing_page);
                out.push(pricing);
                out.push(form(cat, cat.demo_form, at, Channel::Direct));
            }
            MqlTrigger::PricingCta => {
                let mut pricing = Touch::new(Kind::PageView, at - d.int(1, 6) * MINUTE, Channel::Direct);
                pricing.place = Some(Place::Content(cat.pricing_page));
                pricing.content = Some(cat.pricing_page);
                out.push(pricing);
                let mut cta = Touch::new(Kind::CtaClick, at, Channel::Direct);
                cta.place = Some(Place::Page("/pricing"));
                out.push(cta);
            }
            MqlTrigger::Download(o) => out.push(form(cat, o, at, Channel::Email)),
            MqlTrigger::Webinar(w) if j.conversion != Conversion::Webinar(w) => {
                let starts = cat.content[w].starts_at.unwrap_or(at);
                let lo = j.lead_at.unwrap_or(j.created_at).max(starts - 14 * DAY);
                let registered = d.between(lo, (starts - HOUR).max(lo));
                out.push(webinar(cat, w, registered, true, d));
            }
            MqlTrigger::Webinar(_) | MqlTrigger::DemoAtConversion | MqlTrigger::Event => {}
        }
    }

    let structural = out.len() as u32;
    let target = d.count(stage_mean(j) * touches_mean / 10.0, structural.max(1));
    let lead_at = j.lead_at;
    let span_lo = j.created_at;
    let span_hi = j.active_until.max(span_lo);
    let mut guard = 0;
    while (out.len() as u32) < target && guard < 10_000 {
        guard += 1;
        let at = d.between(span_lo, span_hi);
        let is_lead = lead_at.is_some_and(|l| at > l);
        match d.weighted(&[48.0, 17.0, 6.0, 7.0, 4.0]) {
            0 => page_session(cat, j, at, d, &mut out),
            1 => email(cat, at, span_lo, span_hi, d, &mut out),
            2 => {
                let mut cta = Touch::new(Kind::CtaClick, at, Channel::Direct);
                cta.place = Some(Place::Page(d.pick(&[
                    "/pricing",
                    "/product",
                    "/blog/what-is-an-mql",
                    "/customers",
                ])));
                out.push(cta);
            }
            // Gated forms and webinar registrations make a lead; before that only reading.
            3 if is_lead => {
                let o = if d.chance(0.1) {
                    cat.contact_form
                } else {
                    offer_for(cat, j.campaign, at, d)
                };
                out.push(form(cat, o, at, Channel::Direct));
            }
            4 if is_lead => match super::funnel::webinar_between(cat, at, at + 21 * DAY, d) {
                Some(w) => out.push(webinar(cat, w, at, false, d)),
                None => page_session(cat, j, at, d, &mut out),
            },
            _ => page_session(cat, j, at, d, &mut out),
        }
    }
    for t in &mut out {
        if t.campaign.is_none()
            && let Some(c) = t.content.and_then(campaign_of)
        {
            t.campaign = Some(c);
        }
    }
    out.retain(|t| t.at <= cat.end);
    out.sort_by_key(|t| t.at);
    out
}

/// A form submission on a content asset's form.
fn form(cat: &Catalog, content: usize, at: i64, channel: Channel) -> Touch {
    let mut t = Touch::new(Kind::Form, at, channel);
    t.content = Some(content);
    t.place = Some(Place::Content(content));
    t.campaign = cat.content[content].campaign;
    t
}

/// A webinar participation: registered at `registered`, final state drawn (deep watching when `deep`).
fn webinar(cat: &Catalog, w: usize, registered: i64, deep: bool, d: &mut Draw) -> Touch {
    let starts = cat.content[w].starts_at.unwrap_or(registered);
    let minutes = cat.content[w].duration_minutes.unwrap_or(60);
    let running = i64::from(minutes) * MINUTE;
    let (state, at) = if starts > cat.end {
        (Attendance::Registered, registered)
    } else if deep {
        let share = 0.6 + 0.4 * d.unit();
        (
            Attendance::Attended((share * running as f64) as u32),
            starts + d.int(0, 3) * MINUTE,
        )
    } else {
        match d.weighted(&[5.0, 38.0, 57.0]) {
            0 => (Attendance::Cancelled, d.between(registered, starts.max(registered))),
            1 => (Attendance::NoShow, starts + running),
            _ => {
                let share = match d.weighted(&[30.0, 25.0, 20.0, 25.0]) {
                    0 => 0.03 + 0.22 * d.unit(),
                    1 => 0.25 + 0.35 * d.unit(),
                    2 => 0.6 + 0.3 * d.unit(),
                    _ => 0.9 + 0.1 * d.unit(),
                };
                let join = if share < 0.9 {
                    d.int(0, 10) * MINUTE
                } else {
                    d.int(0, 2) * MINUTE
                };
                (Attendance::Attended((share * running as f64) as u32), starts + join)
            }
        }
    };
    let mut t = Touch::new(Kind::Webinar, at, Channel::Email);
    t.content = Some(w);
    t.campaign = cat.content[w].campaign;
    t.attendance = Some((state, registered));
    t
}

/// A browsing session of one to four pages from one channel.
fn page_session(cat: &Catalog, j: &Journey, at: i64, d: &mut Draw, out: &mut Vec<Touch>) {
    let channel = d.weighted_pick(&[
        (Channel::Direct, 30.0),
        (Channel::OrganicSearch, 30.0),
        (Channel::Email, 12.0),
        (Channel::OrganicSocial, 10.0),
        (Channel::PaidSearch, 8.0),
        (Channel::Referral, 7.0),
        (Channel::PaidSocial, 3.0),
    ]);
    // Sessions from a paid or email click carry the person's campaign when it runs on that channel.
    let campaign = j.campaign.filter(|c| cat.campaigns[*c].channel == channel);
    let pages = d.weighted(&[45.0, 30.0, 15.0, 10.0]) + 1;
    let mut t = at;
    for _ in 0..pages {
        let mut pv = Touch::new(Kind::PageView, t, channel);
        pv.campaign = campaign;
        if d.chance(0.12) {
            let page = if d.chance(0.7) { cat.pricing_page } else { cat.tour_page };
            pv.place = Some(Place::Content(page));
            pv.content = Some(page);
        } else {
            pv.place = Some(Place::Page(d.weighted_pick(SITE_PAGES)));
        }
        out.push(pv);
        t += d.int(20, 400);
    }
}

/// An email open, and a click on a third of them: a list send from the weeks before `at` (never
/// before the contact existed, `from`), or a nurture email.
fn email(cat: &Catalog, at: i64, from: i64, until: i64, d: &mut Draw, out: &mut Vec<Touch>) {
    let (mail, campaign, sent, place) = if d.chance(0.6) {
        let lo = cat.blasts.partition_point(|b| b.sent_at < (at - 20 * DAY).max(from));
        let hi = cat.blasts.partition_point(|b| b.sent_at <= until);
        if lo >= hi {
            return;
        }
        let i = lo + d.index(hi - lo);
        let b = &cat.blasts[i];
        let place = match cat.campaigns[b.campaign].webinar {
            Some(w) => Place::Content(w),
            None => Place::Page(d.pick(&[
                "/blog/what-is-an-mql",
                "/blog/speed-to-lead-benchmarks",
                "/blog/w-shaped-attribution",
            ])),
        };
        (Mail::Blast(i), Some(b.campaign), b.sent_at, place)
    } else {
        let n = d.index(NURTURE_EMAILS.len());
        let place = if n == 3 {
            Place::Content(cat.demo_form)
        } else {
            Place::Page("/customers")
        };
        (Mail::Nurture(n), cat.nurture, at, place)
    };
    let opened = sent + d.delay(3.0 * HOUR as f64, 1.5);
    let mut open = Touch::new(Kind::EmailOpen, opened, Channel::Email);
    open.mail = Some(mail);
    open.campaign = campaign;
    out.push(open);
    if d.chance(0.35) {
        let mut click = Touch::new(Kind::EmailClick, opened + d.int(10, 1_200), Channel::Email);
        click.mail = Some(mail);
        click.campaign = campaign;
        click.place = Some(place);
        out.push(click);
    }
}

/// Writes touches out in scenario form.
pub(crate) fn to_specs(cat: &Catalog, touches: &[Touch]) -> Vec<TouchSpec> {
    let mut specs = Vec::with_capacity(touches.len());
    for t in touches {
        let url = t.place.map(|p| match p {
            Place::Page(path) => format!("{SITE}{path}"),
            Place::Content(c) => cat.content[c].url.clone(),
            Place::Landing(c) => format!(
                "{SITE}/lp/{slug}?utm_source={src}&utm_campaign={slug}",
                slug = cat.campaigns[c].slug,
                src = cat.campaigns[c].channel.as_str()
            ),
        });
        let email_name = t.mail.map(|m| match m {
            Mail::Blast(i) => cat.blasts[i].name.clone(),
            Mail::Nurture(i) => NURTURE_EMAILS[i].0.to_owned(),
        });
        let attendance = t.attendance.map(|(state, registered)| {
            let duration = t.content.and_then(|c| cat.content[c].duration_minutes).unwrap_or(60);
            let (state, seconds) = match state {
                Attendance::Registered => ("REGISTERED", None),
                Attendance::Cancelled => ("CANCELLED", None),
                Attendance::NoShow => ("NO_SHOW", None),
                Attendance::Attended(s) => ("ATTENDED", Some(s)),
            };
            AttendanceSpec {
                state: state.to_owned(),
                duration_seconds: seconds,
                percentage: seconds.map(|s| format!("{:.1}", f64::from(s) * 100.0 / f64::from(duration * 60))),
                registered_at: Some(to_utc(registered)),
            }
        });
        specs.push(TouchSpec {
            kind: t.kind.as_str().to_owned(),
            at: to_utc(t.at),
            content: t.content.map(|c| cat.content[c].key.clone()),
            campaign: t.campaign.map(|c| cat.campaigns[c].key.clone()),
            url,
            email_name,
            attendance,
        });
    }
    specs
}
