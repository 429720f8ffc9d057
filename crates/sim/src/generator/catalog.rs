//! The fixed reference data of a generated world: owners, campaigns, content, emails sent, and the
//! traits that make campaigns and reps behave differently.
//!
//! State: a [`Catalog`] built once per spec from its own RNG stream, read by every person's
//! generation. Campaigns carry a quality profile on purpose (one brings many leads of poor
//! quality, another few leads that win), and reps a speed profile (one answers in minutes, one
//! in days), so the reports built on a generated world have something worth discussing.

use super::channel::Channel;
use super::names::{COUNTRIES, Territory};
use super::sample::{DAY, Draw, HOUR, MINUTE, to_date, to_utc};
use super::spec::GenerateSpec;
use crate::scenario::{CampaignSpec, ContentSpec, OwnerSpec, PropertySpec};
use chrono::{Datelike, Weekday};

/// Which role a sales user plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Sales development: works leads, books meetings.
    Sdr,
    /// Account executive: owns opportunities.
    Ae,
}

/// A sales user and how they work.
pub(crate) struct Rep {
    /// Owner key.
    pub key: String,
    /// SDR or AE.
    pub role: Role,
    /// The territory they cover.
    pub territory: Territory,
    /// Median working-time delay to the first touch of a new lead, in seconds.
    pub speed_median: f64,
    /// Multiplier of the chance they never follow a lead up.
    pub ignore_factor: f64,
    /// Multiplier of their qualification and win rates.
    pub skill: f64,
}

/// How a campaign's dates are laid out.
#[derive(Debug, Clone, Copy)]
enum Span {
    /// Runs over the whole history.
    Always,
    /// Runs for this many months somewhere in the history.
    Months(u32),
    /// A two-day event whose attendee list is imported afterwards.
    Event,
}

/// A campaign template: its name, channel and behaviour.
struct Template {
    name: &'static str,
    channel: Channel,
    kind: &'static str,
    volume: f64,
    lead_rate: f64,
    mql_mult: f64,
    quality: f64,
    poor_fit: f64,
    in_salesforce: bool,
    country: Option<&'static str>,
    span: Span,
    offer: Option<(&'static str, &'static str)>,
    ignore: f64,
}

/// The campaign set, in the order campaigns are taken; beyond it, regional variants are added.
const TEMPLATES: &[Template] = &[
    Template {
        name: "Google Ads – Brand",
        channel: Channel::PaidSearch,
        kind: "Paid Search",
        volume: 6.0,
        lead_rate: 0.7,
        mql_mult: 1.4,
        quality: 1.3,
        poor_fit: 0.08,
        in_salesforce: false,
        country: None,
        span: Span::Always,
        offer: None,
        ignore: 0.5,
    },
    Template {
        name: "Monthly newsletter",
        channel: Channel::Email,
        kind: "Email",
        volume: 3.0,
        lead_rate: 0.25,
        mql_mult: 0.8,
        quality: 1.0,
        poor_fit: 0.15,
        in_salesforce: false,
        country: None,
        span: Span::Always,
        offer: None,
        ignore: 1.0,
    },
    Template {
        name: "Google Ads – Generic keywords",
        channel: Channel::PaidSearch,
        kind: "Paid Search",
        volume: 14.0,
        lead_rate: 0.8,
        mql_mult: 1.2,
        quality: 0.45,
        poor_fit: 0.45,
        in_salesforce: false,
        country: None,
        span: Span::Months(8),
        offer: Some(("ebook", "The RevOps Starter Kit")),
        ignore: 1.6,
    },
    Template {
        name: "LinkedIn Ads – ABM Enterprise",
        channel: Channel::PaidSocial,
        kind: "Advertisement",
        volume: 3.0,
        lead_rate: 0.8,
        mql_mult: 1.6,
        quality: 2.0,
        poor_fit: 0.04,
        in_salesforce: true,
        country: None,
        span: Span::Months(6),
        offer: Some(("case_study", "How Hartwell cut lead response time by 80%")),
        ignore: 0.3,
    },
    Template {
        name: "Facebook Lead Ads – Free guide",
        channel: Channel::PaidSocial,
        kind: "Advertisement",
        volume: 12.0,
        lead_rate: 0.95,
        mql_mult: 0.9,
        quality: 0.3,
        poor_fit: 0.6,
        in_salesforce: false,
        country: None,
        span: Span::Months(5),
        offer: Some(("ebook", "The Ultimate Guide to Lead Scoring")),
        ignore: 1.8,
    },
    Template {
        name: "Whitepaper – State of Revenue Operations",
        channel: Channel::OrganicSocial,
        kind: "Content",
        volume: 6.0,
        lead_rate: 0.85,
        mql_mult: 1.0,
        quality: 0.9,
        poor_fit: 0.2,
        in_salesforce: false,
        country: None,
        span: Span::Months(9),
        offer: Some(("whitepaper", "State of Revenue Operations")),
        ignore: 1.0,
    },
    Template {
        name: "SaaStr Europa – booth",
        channel: Channel::Offline,
        kind: "Trade Show",
        volume: 5.0,
        lead_rate: 1.0,
        mql_mult: 0.8,
        quality: 0.9,
        poor_fit: 0.25,
        in_salesforce: true,
        country: None,
        span: Span::Event,
        offer: None,
        ignore: 1.4,
    },
    Template {
        name: "Partner referral program",
        channel: Channel::Referral,
        kind: "Referral Program",
        volume: 3.0,
        lead_rate: 0.9,
        mql_mult: 1.5,
        quality: 1.8,
        poor_fit: 0.05,
        in_salesforce: true,
        country: None,
        span: Span::Always,
        offer: None,
        ignore: 0.4,
    },
    Template {
        name: "Nurture – Trial to demo",
        channel: Channel::Email,
        kind: "Email",
        volume: 2.0,
        lead_rate: 0.6,
        mql_mult: 1.2,
        quality: 1.1,
        poor_fit: 0.12,
        in_salesforce: false,
        country: None,
        span: Span::Always,
        offer: None,
        ignore: 0.9,
    },
    Template {
        name: "Google Ads – Germany",
        channel: Channel::PaidSearch,
        kind: "Paid Search",
        volume: 4.0,
        lead_rate: 0.75,
        mql_mult: 1.0,
        quality: 0.6,
        poor_fit: 0.3,
        in_salesforce: false,
        country: Some("Germany"),
        span: Span::Months(6),
        offer: Some(("whitepaper", "Marketing-Sales Alignment in DACH")),
        ignore: 1.2,
    },
    Template {
        name: "Customer stories",
        channel: Channel::OrganicSearch,
        kind: "Content",
        volume: 3.0,
        lead_rate: 0.8,
        mql_mult: 1.2,
        quality: 1.3,
        poor_fit: 0.1,
        in_salesforce: false,
        country: None,
        span: Span::Always,
        offer: Some(("case_study", "Customer story: Polarpoint Logistics")),
        ignore: 0.8,
    },
    Template {
        name: "Roadshow – Nordics",
        channel: Channel::Offline,
        kind: "Event",
        volume: 2.0,
        lead_rate: 1.0,
        mql_mult: 1.0,
        quality: 1.2,
        poor_fit: 0.1,
        in_salesforce: true,
        country: Some("Sweden"),
        span: Span::Event,
        offer: None,
        ignore: 1.0,
    },
];

/// The template index of the newsletter and of the nurture track.
const NEWSLETTER_CAMPAIGN: usize = 1;
/// See [`NEWSLETTER_CAMPAIGN`].
const NURTURE_CAMPAIGN: usize = 8;

/// Records per import batch (Data Loader's default batch size).
const IMPORT_BATCH: f64 = 200.0;

/// Templates regional variants are made from when more campaigns are asked for.
const VARIANT_BASES: [usize; 4] = [2, 4, 5, 6];

/// Webinar titles, cycled.
const WEBINAR_TITLES: &[&str] = &[
    "Closing the loop between marketing and sales",
    "Speed to lead: why the first hour matters",
    "Attribution models explained",
    "Building an SLA between marketing and sales",
    "From MQL to revenue",
    "Lead scoring that sales trusts",
    "RevOps for Series A startups",
    "Forecasting pipeline from marketing data",
    "Webinar attendance is not intent",
    "The B2B funnel benchmark",
];

/// Nurture emails, sent relative to a contact's creation (days after).
pub(crate) const NURTURE_EMAILS: &[(&str, i64)] = &[
    ("Nurture 1 – Welcome", 1),
    ("Nurture 2 – How teams close the loop", 5),
    ("Nurture 3 – Customer story", 12),
    ("Nurture 4 – Book a demo", 21),
    ("Nurture 5 – Pricing explained", 35),
];

/// Pages of the website that are not content offers.
pub(crate) const SITE_PAGES: &[(&str, f64)] = &[
    ("/", 20.0),
    ("/product", 12.0),
    ("/product/attribution", 6.0),
    ("/product/sla-tracking", 5.0),
    ("/pricing", 9.0),
    ("/customers", 5.0),
    ("/blog/what-is-an-mql", 6.0),
    ("/blog/speed-to-lead-benchmarks", 6.0),
    ("/blog/w-shaped-attribution", 4.0),
    ("/blog/hubspot-salesforce-sync-pitfalls", 5.0),
    ("/blog/lead-status-definitions", 3.0),
    ("/blog/revops-hiring-guide", 3.0),
    ("/docs/getting-started", 4.0),
    ("/about", 2.0),
    ("/careers", 2.0),
];

/// The website every URL lives on.
pub(crate) const SITE: &str = "https://www.northwind-analytics.example";

/// A campaign and its behaviour.
pub(crate) struct Campaign {
    /// Scenario key.
    pub key: String,
    /// Name.
    pub name: String,
    /// URL slug (`utm_campaign`).
    pub slug: String,
    /// Channel it brings people through.
    pub channel: Channel,
    /// Campaign type.
    pub kind: &'static str,
    /// First instant it runs.
    pub start: i64,
    /// Last instant it runs.
    pub end: i64,
    /// Relative number of people it acquires.
    pub volume: f64,
    /// Probability an acquired person becomes a lead.
    pub lead_rate: f64,
    /// Multiplier of the MQL rate.
    pub mql_mult: f64,
    /// Multiplier of qualification and win rates.
    pub quality: f64,
    /// Share of acquired people who are a poor fit.
    pub poor_fit: f64,
    /// Also a Salesforce Campaign.
    pub in_salesforce: bool,
    /// Country it targets.
    pub country: Option<&'static str>,
    /// Its gated offer (content index).
    pub offer: Option<usize>,
    /// For events: when the attendee list is imported. The import runs in batches of about 200
    /// records, one second apart, and every record of a batch shares its second.
    pub import_at: Option<i64>,
    /// How many one-second batches the import takes.
    pub import_batches: i64,
    /// Multiplier of the chance sales ignores its leads.
    pub ignore: f64,
    /// Its webinar (content index), for webinar campaigns.
    pub webinar: Option<usize>,
}

/// A content asset.
pub(crate) struct Content {
    /// Scenario key.
    pub key: String,
    /// Content kind (`whitepaper`, `webinar`...).
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// URL.
    pub url: String,
    /// Campaign index.
    pub campaign: Option<usize>,
    /// Webinar running time.
    pub duration_minutes: Option<u32>,
    /// Webinar start.
    pub starts_at: Option<i64>,
}

/// A marketing email sent to a list at one moment.
pub(crate) struct Blast {
    /// Email name.
    pub name: String,
    /// Campaign index.
    pub campaign: usize,
    /// When it was sent.
    pub sent_at: i64,
}

/// Where a person's first visit came from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Acquisition {
    /// A campaign (index).
    Campaign(usize),
    /// A channel with no campaign.
    Organic(Channel),
}

/// Everything fixed about a generated world.
pub(crate) struct Catalog {
    /// First instant of the history.
    pub start: i64,
    /// Last instant of the history.
    pub end: i64,
    /// Sales users.
    pub reps: Vec<Rep>,
    /// Reps by role and territory (see [`teams`]).
    teams: Vec<(Role, Option<Territory>, Vec<usize>)>,
    /// Owners in scenario form, marketers then reps.
    pub owners: Vec<OwnerSpec>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
    /// Content assets.
    pub content: Vec<Content>,
    /// Webinars (content indices), by start.
    pub webinars: Vec<usize>,
    /// Gated offers without a campaign, always available (content indices).
    pub evergreen_offers: Vec<usize>,
    /// Newsletter sign-up form (content index).
    pub newsletter_form: usize,
    /// Contact-us form (content index).
    pub contact_form: usize,
    /// Demo request form (content index).
    pub demo_form: usize,
    /// Pricing page (content index).
    pub pricing_page: usize,
    /// Product tour page (content index).
    pub tour_page: usize,
    /// The nurture campaign (index), when the world has one.
    pub nurture: Option<usize>,
    /// Newsletter issues and webinar invitations, by send time.
    pub blasts: Vec<Blast>,
    /// Instants when operations mass-closes stale open leads (all at the same second).
    pub cleanups: Vec<i64>,
    /// Where people come from, with weights.
    pub acquisition: Vec<(Acquisition, f64)>,
}

impl Catalog {
    /// Builds the catalog of a spec from the catalog's own RNG stream.
    pub(crate) fn build(spec: &GenerateSpec, d: &mut Draw) -> Catalog {
        let start = spec.start_secs();
        let end = spec.end_secs();
        let (marketers, reps) = people_of_the_company(spec, d);
        let mut owners = marketers;
        owners.extend(reps.iter().enumerate().map(|(i, r)| rep_owner(i, r)));

        let mut content = Vec::new();
        let mut add_content = |key: &str, kind: &'static str, title: &str, path: &str, campaign: Option<usize>| {
            content.push(Content {
                key: key.to_owned(),
                kind,
                title: title.to_owned(),
                url: format!("{SITE}{path}"),
                campaign,
                duration_minutes: None,
                starts_at: None,
            });
            content.len() - 1
        };
        let newsletter = (spec.campaigns > NEWSLETTER_CAMPAIGN as u32).then_some(NEWSLETTER_CAMPAIGN);
        let newsletter_form = add_content(
            "form-newsletter",
            "form",
            "Newsletter sign-up",
            "/newsletter",
            newsletter,
        );
        let contact_form = add_content("form-contact", "form", "Contact us", "/contact", None);
        let demo_form = add_content("form-demo", "demo", "Request a demo", "/demo", None);
        let pricing_page = add_content("page-pricing", "page", "Pricing", "/pricing", None);
        let tour_page = add_content("page-tour", "page", "Product tour", "/product/tour", None);
        let evergreen_offers = vec![
            add_content(
                "wp-attribution-models",
                "whitepaper",
                "Attribution models compared",
                "/resources/attribution-models-compared",
                None,
            ),
            add_content(
                "ebook-sla-playbook",
                "ebook",
                "The marketing-sales SLA playbook",
                "/resources/sla-playbook",
                None,
            ),
        ];

        let mut campaigns = Vec::new();
        for i in 0..spec.campaigns as usize {
            let c = campaign_from_template(i, start, end, d);
            campaigns.push(c);
        }
        // Offers belong to their campaign; made after the campaigns so indices are known.
        for (ci, c) in campaigns.iter_mut().enumerate() {
            if let Some((kind, title)) = template_of(ci).offer {
                let title = match c.country {
                    Some(country) if !title.contains("DACH") => format!("{title} ({country})"),
                    _ => title.to_owned(),
                };
                let slug = slugify(&title);
                content.push(Content {
                    key: format!("{}-{}", short_kind(kind), slug),
                    kind,
                    title,
                    url: format!("{SITE}/resources/{slug}"),
                    campaign: Some(ci),
                    duration_minutes: None,
                    starts_at: None,
                });
                c.offer = Some(content.len() - 1);
            }
        }
        // Keys must be unique even when variants repeat a title.
        dedupe_keys(&mut content);

        let mut webinars = Vec::new();
        let span = (end - start).max(DAY);
        let n = spec.webinars as i64;
        for w in 0..n {
            // The last webinar of several is announced but not yet held: only registrations.
            let upcoming = n >= 2 && w == n - 1;
            let at = if upcoming {
                end + 14 * DAY
            } else {
                let slot = span / n.max(1);
                start + slot * w + slot / 2 + d.int(-(slot / 4), slot / 4)
            };
            let at = webinar_slot(at);
            let base = WEBINAR_TITLES[(w as usize) % WEBINAR_TITLES.len()];
            let round = (w as usize) / WEBINAR_TITLES.len();
            let title = if round == 0 {
                base.to_owned()
            } else {
                format!("{base} (part {})", round + 1)
            };
            let slug = slugify(&title);
            let campaign_index = campaigns.len();
            campaigns.push(Campaign {
                key: format!("cmp-webinar-{}", w + 1),
                name: format!("Webinar – {title}"),
                slug: format!("webinar-{slug}"),
                channel: Channel::Email,
                kind: "Webinar",
                start: at - 21 * DAY,
                end: at + 7 * DAY,
                volume: 0.9,
                lead_rate: 1.0,
                mql_mult: 1.3,
                quality: 1.1,
                poor_fit: 0.2,
                in_salesforce: true,
                country: None,
                offer: None,
                import_at: None,
                import_batches: 1,
                ignore: 1.3,
                webinar: Some(content.len()),
            });
            content.push(Content {
                key: format!("webinar-{}", w + 1),
                kind: "webinar",
                title,
                url: format!("{SITE}/webinars/{slug}"),
                campaign: Some(campaign_index),
                duration_minutes: Some(d.pick(&[30, 45, 60, 60, 60, 90])),
                starts_at: Some(at),
            });
            webinars.push(content.len() - 1);
        }

        // Sorted by start so the webinars in a time window are one contiguous run.
        webinars.sort_by_key(|w| content[*w].starts_at);
        let blasts = blasts(start, end, newsletter, &campaigns, &content);
        let cleanups = cleanups(start, end);
        let mut acquisition: Vec<(Acquisition, f64)> = campaigns
            .iter()
            .enumerate()
            .map(|(i, c)| (Acquisition::Campaign(i), c.volume))
            .collect();
        acquisition.extend([
            (Acquisition::Organic(Channel::OrganicSearch), 22.0),
            (Acquisition::Organic(Channel::Direct), 10.0),
            (Acquisition::Organic(Channel::OrganicSocial), 4.0),
            (Acquisition::Organic(Channel::Referral), 5.0),
            (Acquisition::Organic(Channel::OtherCampaigns), 2.0),
        ]);

        // Size each event import to the attendees it will bring: batches of about 200.
        let total: f64 = acquisition.iter().map(|(_, w)| w).sum();
        for c in campaigns.iter_mut().filter(|c| c.import_at.is_some()) {
            let expected = spec.contacts as f64 * 0.955 * c.volume / total;
            c.import_batches = ((expected / IMPORT_BATCH).ceil() as i64).max(1);
        }
        Catalog {
            start,
            end,
            teams: teams(&reps),
            reps,
            owners,
            campaigns,
            content,
            webinars,
            evergreen_offers,
            newsletter_form,
            contact_form,
            demo_form,
            pricing_page,
            tour_page,
            nurture: (spec.campaigns > NURTURE_CAMPAIGN as u32).then_some(NURTURE_CAMPAIGN),
            blasts,
            cleanups,
            acquisition,
        }
    }

    /// Campaigns in scenario form.
    pub(crate) fn campaign_specs(&self) -> Vec<CampaignSpec> {
        self.campaigns
            .iter()
            .map(|c| CampaignSpec {
                key: c.key.clone(),
                name: c.name.clone(),
                channel: Some(c.channel.as_str().to_owned()),
                kind: Some(c.kind.to_owned()),
                starts_on: Some(to_date(c.start)),
                ends_on: Some(to_date(c.end)),
                in_salesforce: c.in_salesforce,
            })
            .collect()
    }

    /// Content in scenario form.
    pub(crate) fn content_specs(&self) -> Vec<ContentSpec> {
        self.content
            .iter()
            .map(|c| ContentSpec {
                key: c.key.clone(),
                kind: c.kind.to_owned(),
                title: c.title.clone(),
                url: Some(c.url.clone()),
                campaign: c.campaign.map(|i| self.campaigns[i].key.clone()),
                duration_minutes: c.duration_minutes,
                starts_at: c.starts_at.map(to_utc),
            })
            .collect()
    }

    /// SDRs covering a territory (all SDRs when none covers it).
    pub(crate) fn sdrs_for(&self, territory: Option<Territory>) -> &[usize] {
        self.team(Role::Sdr, territory)
    }

    /// AEs covering a territory (all AEs when none covers it).
    pub(crate) fn aes_for(&self, territory: Option<Territory>) -> &[usize] {
        self.team(Role::Ae, territory)
    }

    fn team(&self, role: Role, territory: Option<Territory>) -> &[usize] {
        self.teams
            .iter()
            .find(|(r, t, _)| *r == role && *t == territory)
            .map_or(&[], |(_, _, reps)| reps.as_slice())
    }
}

/// The reps of each role covering each territory (and, for people outside every territory, all
/// reps of the role); never empty, since a world has at least one rep of each role.
fn teams(reps: &[Rep]) -> Vec<(Role, Option<Territory>, Vec<usize>)> {
    let mut out = Vec::new();
    for role in [Role::Sdr, Role::Ae] {
        let all: Vec<usize> = reps
            .iter()
            .enumerate()
            .filter(|(_, r)| r.role == role)
            .map(|(i, _)| i)
            .collect();
        for territory in [Territory::NorthAmerica, Territory::Emea] {
            let covering: Vec<usize> = all
                .iter()
                .copied()
                .filter(|i| reps[*i].territory == territory)
                .collect();
            out.push((
                role,
                Some(territory),
                if covering.is_empty() { all.clone() } else { covering },
            ));
        }
        out.push((role, None, all));
    }
    out
}

/// The contact properties a HubSpot-as-CRM world declares for what sales records on contacts.
pub(crate) fn hubspot_crm_properties() -> Vec<PropertySpec> {
    vec![
        PropertySpec {
            name: "disqualification_reason".into(),
            label: "Disqualification reason".into(),
            kind: "enumeration".into(),
            options: super::sales::DISQUALIFICATION_REASONS
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
        },
        PropertySpec {
            name: "first_sales_activity_at".into(),
            label: "First sales activity".into(),
            kind: "datetime".into(),
            options: Vec::new(),
        },
    ]
}

/// Marketers and sales reps with their working styles.
fn people_of_the_company(spec: &GenerateSpec, d: &mut Draw) -> (Vec<OwnerSpec>, Vec<Rep>) {
    const MARKETERS: [(&str, &str); 3] = [("Morgan", "Reyes"), ("Priya", "Natarajan"), ("Tom", "Lindqvist")];
    let marketers = MARKETERS
        .iter()
        .enumerate()
        .map(|(i, (first, last))| OwnerSpec {
            key: format!("mkt-{}", i + 1),
            email: format!(
                "{}.{}@northwind-analytics.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            first_name: (*first).to_owned(),
            last_name: (*last).to_owned(),
            sales: false,
        })
        .collect();
    let n = spec.reps.max(2) as usize;
    // About 60% SDRs; at least one of each role.
    let sdrs = ((n as f64 * 0.6).round() as usize).clamp(1, n - 1);
    let reps = (0..n)
        .map(|i| {
            let role = if i < sdrs { Role::Sdr } else { Role::Ae };
            let territory = if i % 2 == 0 {
                Territory::NorthAmerica
            } else {
                Territory::Emea
            };
            // The first SDR is the fast one, the second the slow one; the rest vary around hours.
            let (speed_median, ignore_factor) = match (role, i) {
                (Role::Sdr, 0) => (12.0 * MINUTE as f64, 0.3),
                (Role::Sdr, 1) => (26.0 * HOUR as f64, 2.5),
                _ => (d.lognormal(2.5 * HOUR as f64, 0.6), d.lognormal(1.0, 0.3)),
            };
            Rep {
                key: format!("rep-{}", i + 1),
                role,
                territory,
                speed_median,
                ignore_factor,
                skill: d.lognormal(1.0, 0.15),
            }
        })
        .collect();
    (marketers, reps)
}

/// A rep in scenario form, with a name drawn from a fixed list by index.
fn rep_owner(i: usize, rep: &Rep) -> OwnerSpec {
    const FIRST: [&str; 12] = [
        "Alex", "Jordan", "Sam", "Casey", "Riley", "Jamie", "Taylor", "Drew", "Avery", "Quinn", "Robin", "Kai",
    ];
    const LAST: [&str; 10] = [
        "Carter", "Nguyen", "Hoffmann", "Okafor", "Bianchi", "Larsen", "Dubois", "Kaur", "Novak", "Walsh",
    ];
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len() + i) % LAST.len()];
    OwnerSpec {
        key: rep.key.clone(),
        email: format!(
            "{}.{}{}@northwind-analytics.example",
            first.to_lowercase(),
            last.to_lowercase(),
            i + 1
        ),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        sales: true,
    }
}

/// The template for the campaign at `index` (variants reuse a base template).
fn template_of(index: usize) -> &'static Template {
    match TEMPLATES.get(index) {
        Some(t) => t,
        None => &TEMPLATES[VARIANT_BASES[(index - TEMPLATES.len()) % VARIANT_BASES.len()]],
    }
}

/// The campaign at `index`: a template as is, or a regional variant with its own quality.
fn campaign_from_template(index: usize, start: i64, end: i64, d: &mut Draw) -> Campaign {
    let t = template_of(index);
    let variant = index >= TEMPLATES.len();
    let (name, country, quality, poor_fit) = if variant {
        let country = &COUNTRIES[(index * 7) % COUNTRIES.len()];
        let round = (index - TEMPLATES.len()) / (VARIANT_BASES.len() * COUNTRIES.len()) + 1;
        let base = t.name.split(" – ").next().unwrap_or(t.name);
        let name = if round == 1 {
            format!("{base} – {}", country.name)
        } else {
            format!("{base} – {} #{round}", country.name)
        };
        let quality = d.lognormal(0.9, 0.5).clamp(0.25, 2.5);
        (name, Some(country.name), quality, (0.5 / quality).clamp(0.03, 0.7))
    } else {
        (t.name.to_owned(), t.country, t.quality, t.poor_fit)
    };
    let history = (end - start).max(DAY);
    let (c_start, c_end, import_at) = match t.span {
        Span::Always => (start, end, None),
        Span::Months(m) => {
            let len = (i64::from(m) * 30 * DAY).min(history);
            let s = d.between(start, end - len);
            (s, s + len, None)
        }
        Span::Event => {
            // Keep the event clear of both ends so its follow-up fits in the history.
            let latest = (end - 30 * DAY).max(start);
            let day = d.between(start, latest);
            let day = day - day.rem_euclid(DAY) + 8 * HOUR;
            // The booth list lands in the CRM two days after the event, in one import at one second.
            let import = (day + 3 * DAY + HOUR + d.int(0, 59) * MINUTE).min(end);
            (day, day + 2 * DAY, Some(import))
        }
    };
    let slug = slugify(&name);
    Campaign {
        key: format!("cmp-{}", index + 1),
        name,
        slug,
        channel: t.channel,
        kind: t.kind,
        start: c_start,
        end: c_end,
        volume: t.volume * if variant { 0.6 } else { 1.0 },
        lead_rate: t.lead_rate,
        mql_mult: t.mql_mult,
        quality,
        poor_fit,
        in_salesforce: t.in_salesforce,
        country,
        offer: None,
        import_at,
        import_batches: 1,
        ignore: t.ignore,
        webinar: None,
    }
}

/// Moves an instant to 15:00 UTC on the nearest Tuesday or Thursday at or after it.
fn webinar_slot(t: i64) -> i64 {
    let mut day = t - t.rem_euclid(DAY);
    loop {
        if matches!(to_utc(day).weekday(), Weekday::Tue | Weekday::Thu) {
            return day + 15 * HOUR;
        }
        day += DAY;
    }
}

/// Newsletter issues (first Tuesday of each month, 10:00 UTC) and webinar invitations (ten days
/// before each webinar), by send time.
fn blasts(start: i64, end: i64, newsletter: Option<usize>, campaigns: &[Campaign], content: &[Content]) -> Vec<Blast> {
    let mut out = Vec::new();
    let Some(newsletter) = newsletter else {
        return webinar_invitations(start, end, campaigns, content, out);
    };
    let mut month = to_date(start).with_day(1).unwrap_or(to_date(start));
    while let Some(first) = month.and_hms_opt(10, 0, 0).map(|t| t.and_utc().timestamp()) {
        if first > end {
            break;
        }
        let mut t = first;
        while to_utc(t).weekday() != Weekday::Tue {
            t += DAY;
        }
        if t >= start && t <= end {
            out.push(Blast {
                name: format!("Newsletter – {}", month.format("%B %Y")),
                campaign: newsletter,
                sent_at: t,
            });
        }
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(m) => month = m,
            None => break,
        }
    }
    webinar_invitations(start, end, campaigns, content, out)
}

/// Adds an invitation ten days before each webinar to `out` and sorts it by send time.
fn webinar_invitations(
    start: i64,
    end: i64,
    campaigns: &[Campaign],
    content: &[Content],
    mut out: Vec<Blast>,
) -> Vec<Blast> {
    for (ci, c) in campaigns.iter().enumerate() {
        if let Some(w) = c.webinar.and_then(|w| content[w].starts_at.map(|s| (w, s))) {
            let sent = w.1 - 10 * DAY - 5 * HOUR;
            if sent >= start && sent <= end {
                out.push(Blast {
                    name: format!("Invitation – {}", content[w.0].title),
                    campaign: ci,
                    sent_at: sent,
                });
            }
        }
    }
    out.sort_by_key(|b| b.sent_at);
    out
}

/// The first Monday of each quarter at 06:00:00 UTC inside the history.
fn cleanups(start: i64, end: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let first = to_date(start);
    let mut year = first.year();
    while year <= to_date(end).year() {
        for month in [1, 4, 7, 10] {
            let Some(mut day) = chrono::NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            while day.weekday() != Weekday::Mon {
                day = day.succ_opt().unwrap_or(day);
            }
            if let Some(t) = day.and_hms_opt(6, 0, 0).map(|t| t.and_utc().timestamp())
                && t > start + 60 * DAY
                && t <= end
            {
                out.push(t);
            }
        }
        year += 1;
    }
    out
}

/// `State of Revenue Operations (Germany)` → `state-of-revenue-operations-germany`.
pub(crate) fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let folded = super::names::fold_word(word);
        if folded.is_empty() {
            continue;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&folded);
    }
    slug
}

/// A short prefix for content keys.
fn short_kind(kind: &str) -> &str {
    match kind {
        "whitepaper" => "wp",
        "case_study" => "cs",
        other => other,
    }
}

/// Appends `-2`, `-3`... to repeated content keys.
fn dedupe_keys(content: &mut [Content]) {
    let mut seen = std::collections::HashMap::<String, u32>::new();
    for c in content.iter_mut() {
        let n = seen.entry(c.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            c.key = format!("{}-{}", c.key, n);
        }
    }
}
