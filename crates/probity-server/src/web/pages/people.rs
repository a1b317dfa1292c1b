//! `/people/{pseudonym}`: one person's timeline (server-rendered SVG and a list) of events and
//! alerts, zoomed with `?from=&to=`. Everything is pseudonymised.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Duration;
use maud::{Markup, html};
use serde::Deserialize;

use probity_model::{Event, Timestamp};
use probity_store::{AlertQuery, EventQuery};

use super::super::layout::{self, person};
use super::super::people::accounts_of;
use super::super::{Session, WebError, blocking};
use super::{ALERT_WINDOW, ShownAlert, event_link, parts, present_alerts, present_events};
use crate::http::AppState;

/// Most events on one timeline.
const MAX_EVENTS: usize = 1_000;
/// Most accounts of one person looked up.
const MAX_ACCOUNTS: usize = 10;

/// The zoom window.
#[derive(Debug, Default, Deserialize)]
pub struct Window {
    from: Option<String>,
    to: Option<String>,
}

fn parse(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, WebError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => probity_ingest::timeparse::parse_time(text)
            .map(Some)
            .ok_or_else(|| WebError::BadRequest(format!("{name}: {text:?} is not a time"))),
    }
}

/// `GET /people/{pseudonym}`.
pub async fn timeline(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(pseudonym): Path<String>,
    Query(window): Query<Window>,
) -> Result<Response, WebError> {
    let from = parse("from", window.from.as_deref())?;
    let to = parse("to", window.to.as_deref())?;
    let (web, worker) = parts(&state)?;
    let wanted = pseudonym.clone();
    let (events, alerts) = blocking(move || {
        let stores = worker.stores();
        let reference = &*stores.reference;
        let Some(accounts) = accounts_of(&web, reference, &wanted)? else {
            return Err(WebError::NotFound(
                "No one with this pseudonym has been seen here; open people from an alert or a search."
                    .into(),
            ));
        };
        let mut events: Vec<Event> = Vec::new();
        for account in accounts.iter().take(MAX_ACCOUNTS) {
            events.extend(stores.events.query(&EventQuery {
                since: from,
                until: to,
                user: Some(account.clone()),
                limit: MAX_EVENTS,
                ..EventQuery::default()
            })?);
        }
        events.sort_by_key(|e| e.timestamp);
        if events.len() > MAX_EVENTS {
            events.drain(..events.len() - MAX_EVENTS);
        }
        let lower: Vec<String> = accounts.iter().map(|a| a.to_lowercase()).collect();
        let mut alerts = stores.alerts.alerts(&AlertQuery {
            since: from,
            until: to,
            limit: ALERT_WINDOW,
            ..AlertQuery::default()
        })?;
        alerts.retain(|alert| {
            alert.user.as_ref().is_some_and(|u| {
                let name = u.as_str().to_lowercase();
                let short = name.rsplit('\\').next().unwrap_or(&name).to_owned();
                lower.contains(&name) || lower.contains(&short)
            })
        });
        let events = present_events(&worker, &web, events)?;
        let alerts = present_alerts(&worker, &web, alerts)?;
        Ok((events, alerts))
    })
    .await?;
    let times = events
        .iter()
        .map(|e| e.timestamp)
        .chain(alerts.iter().map(|a| a.alert.timestamp()));
    let (first, last) = times.fold((None::<Timestamp>, None::<Timestamp>), |(lo, hi), t| {
        (
            Some(lo.map_or(t, |l| l.min(t))),
            Some(hi.map_or(t, |h| h.max(t))),
        )
    });
    let start = from.or(first).unwrap_or_else(super::super::now);
    let end = to
        .or(last.map(|l| l + Duration::seconds(1)))
        .unwrap_or(start + Duration::days(1));
    let end = if end <= start {
        start + Duration::hours(1)
    } else {
        end
    };
    let body = html! {
        h1 { "Timeline of " (person(&pseudonym)) }
        p.muted { (layout::time(&start)) " to " (layout::time(&end)) " · " (events.len()) " events · " (alerts.len()) " alerts" }
        (zoom_links(&pseudonym, start, end))
        section.panel { (chart(&events, &alerts, start, end)) }
        section.panel {
            h2 { "Alerts" }
            table {
                @for item in &alerts {
                    tr.alert data-alert-id=(item.alert.id.to_hex()) {
                        td { (layout::time(&item.alert.timestamp())) }
                        td { (layout::level(item.alert.level)) }
                        td { a href={ "/alerts/" (item.alert.id.to_hex()) } { (item.alert.rule.title) } }
                    }
                }
            }
        }
        section.panel #events {
            h2 { "Events" }
            table {
                tr { th { "Time" } th { "Action" } th { "Host" } th { "Source" } }
                @for event in &events {
                    tr.event {
                        td { a href=(event_link(&event.provenance.id, &event.timestamp)) { (layout::time(&event.timestamp)) } }
                        td { (event.action().or(event.record.as_ref().and_then(|r| r.action.as_deref())).unwrap_or("-")) }
                        td { (event.host.as_ref().and_then(|h| h.name.as_deref()).unwrap_or("")) }
                        td { (event.provenance.source) }
                    }
                }
            }
        }
    };
    Ok(layout::page(&session, "Timeline", "", body))
}

fn window_link(pseudonym: &str, from: Timestamp, to: Timestamp) -> String {
    format!(
        "/people/{pseudonym}?from={}&to={}",
        layout::query_value(&from.to_rfc3339()),
        layout::query_value(&to.to_rfc3339())
    )
}

fn zoom_links(pseudonym: &str, start: Timestamp, end: Timestamp) -> Markup {
    let span = end - start;
    let middle = start + span / 2;
    let quarter = span / 4;
    html! {
        p.zoom-links {
            a.zoom href=(window_link(pseudonym, start, middle)) { "First half" } " · "
            a.zoom href=(window_link(pseudonym, middle, end)) { "Second half" } " · "
            a.zoom href=(window_link(pseudonym, start + quarter, end - quarter)) { "Zoom in" } " · "
            a.zoom href=(window_link(pseudonym, start - span / 2, end + span / 2)) { "Zoom out" } " · "
            a.zoom href={ "/people/" (pseudonym) } { "Everything" }
        }
    }
}

fn chart(events: &[Event], alerts: &[ShownAlert], start: Timestamp, end: Timestamp) -> Markup {
    let width = 1000i64;
    let span = (end - start).num_milliseconds().max(1);
    let x = |t: Timestamp| ((t - start).num_milliseconds() * width / span).clamp(0, width);
    html! {
        svg #timeline xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 90" width="100%" role="img" aria-label="Timeline" {
            line x1="0" y1="30" x2="1000" y2="30" stroke="#d8dde5" {}
            line x1="0" y1="65" x2="1000" y2="65" stroke="#d8dde5" {}
            text x="2" y="12" font-size="10" fill="#5b6575" { "events" }
            text x="2" y="50" font-size="10" fill="#5b6575" { "alerts" }
            @for event in events {
                circle cx=(x(event.timestamp)) cy="30" r="3" fill="#2e86c1" {
                    title { (layout::time(&event.timestamp)) " " (event.action().unwrap_or("")) }
                }
            }
            @for item in alerts {
                rect x=(x(item.alert.timestamp()) - 3) y="59" width="6" height="12" fill="#c0392b" {
                    title { (layout::time(&item.alert.timestamp())) " " (item.alert.rule.title) }
                }
            }
            text x="2" y="86" font-size="10" fill="#5b6575" { (layout::time(&start)) }
            text x="998" y="86" font-size="10" fill="#5b6575" text-anchor="end" { (layout::time(&end)) }
        }
    }
}
