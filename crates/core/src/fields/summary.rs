//! Human-readable text for sales: how deeply someone engaged with one piece of content, and how
//! they were nurtured overall.
//!
//! Holds no state. The wording is stable (it lands in CRM fields, and a changed wording would be
//! a change to push for every person).

use crate::catalog::{ContentAsset, ContentKind};
use crate::touchpoint::{Depth, Touchpoint, TouchpointKind};
use std::fmt::Write;

fn minutes(seconds: u32) -> u32 {
    (seconds + 30) / 60
}

fn percent(hundredths: u16) -> String {
    if hundredths.is_multiple_of(100) {
        format!("{}%", hundredths / 100)
    } else {
        format!("{:.1}%", f64::from(hundredths) / 100.0)
    }
}

/// How deeply a touch engaged with its content: "watched 12 of 60 min", "watched 12 min (20%)",
/// "read 40%", "3 pages", "downloaded". `None` when the touch says nothing about depth.
pub fn depth_text(touch: &Touchpoint, asset: Option<&ContentAsset>) -> Option<String> {
    match touch.depth {
        Some(Depth::Watched {
            seconds,
            percent: share,
        }) => {
            let watched = minutes(seconds);
            Some(
                match (asset.and_then(|a| a.duration_seconds).filter(|&d| d > 0), share) {
                    (Some(total), _) => format!("watched {watched} of {} min", minutes(total)),
                    (None, Some(p)) => format!("watched {watched} min ({})", percent(p.hundredths())),
                    (None, None) => format!("watched {watched} min"),
                },
            )
        }
        Some(Depth::Share { percent: p }) => Some(format!("read {}", percent(p.hundredths()))),
        Some(Depth::Count { count }) => {
            let page = touch.kind == TouchpointKind::PageView || asset.is_some_and(|a| a.kind == ContentKind::Page);
            Some(if page {
                format!("{count} pages")
            } else {
                format!("{count} items")
            })
        }
        None => match touch.kind {
            TouchpointKind::ContentDownload => Some("downloaded".to_owned()),
            TouchpointKind::WebinarRegistration => Some("registered".to_owned()),
            TouchpointKind::WebinarAttendance => Some("attended".to_owned()),
            TouchpointKind::FormSubmission => Some("submitted a form".to_owned()),
            _ => None,
        },
    }
}

fn label(kind: TouchpointKind, n: usize) -> &'static str {
    let one = n == 1;
    match kind {
        TouchpointKind::FormSubmission => {
            if one {
                "form submission"
            } else {
                "form submissions"
            }
        }
        TouchpointKind::ContentDownload => {
            if one {
                "download"
            } else {
                "downloads"
            }
        }
        TouchpointKind::WebinarRegistration => {
            if one {
                "webinar registration"
            } else {
                "webinar registrations"
            }
        }
        TouchpointKind::WebinarAttendance => {
            if one {
                "webinar attended"
            } else {
                "webinars attended"
            }
        }
        TouchpointKind::EmailClick => {
            if one {
                "email click"
            } else {
                "email clicks"
            }
        }
        TouchpointKind::EmailOpen => {
            if one {
                "email open"
            } else {
                "email opens"
            }
        }
        TouchpointKind::PageView => {
            if one {
                "page view"
            } else {
                "page views"
            }
        }
        TouchpointKind::CtaClick => {
            if one {
                "CTA click"
            } else {
                "CTA clicks"
            }
        }
        TouchpointKind::CampaignResponse => {
            if one {
                "campaign response"
            } else {
                "campaign responses"
            }
        }
    }
}

/// One line on how a person was nurtured, from their touches in time order:
/// `7 touches since 2024-01-03: 2 downloads, 1 webinar attended, 4 email clicks; last: webinar attended "Pricing deep dive" on 2024-03-02 (watched 12 of 60 min)`.
/// `None` without touches. `title` names a touch's content.
pub fn engagement_summary<'a>(
    touches: &[&'a Touchpoint],
    title: impl Fn(&'a Touchpoint) -> Option<(&'a str, Option<&'a ContentAsset>)>,
) -> Option<String> {
    let (first, last) = (touches.first()?, touches.last()?);
    let mut counts = [0usize; TouchpointKind::ALL.len()];
    for t in touches {
        if let Some(i) = TouchpointKind::ALL.iter().position(|k| *k == t.kind) {
            counts[i] += 1;
        }
    }
    let n = touches.len();
    let mut out = format!(
        "{n} {} since {}: ",
        if n == 1 { "touch" } else { "touches" },
        first.occurred_at.format("%Y-%m-%d")
    );
    let mut sep = "";
    for (kind, count) in TouchpointKind::ALL.iter().zip(counts).filter(|(_, c)| *c > 0) {
        let _ = write!(out, "{sep}{count} {}", label(*kind, count));
        sep = ", ";
    }
    let _ = write!(out, "; last: {}", label(last.kind, 1));
    let named = title(last);
    if let Some((name, _)) = named {
        let _ = write!(out, " \"{name}\"");
    }
    let _ = write!(out, " on {}", last.occurred_at.format("%Y-%m-%d"));
    if let Some(depth) = last.depth.and(depth_text(last, named.and_then(|(_, a)| a))) {
        let _ = write!(out, " ({depth})");
    }
    Some(out)
}
