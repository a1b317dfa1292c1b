//! `/`: the dashboard. Open alerts by severity and kind, the trend, the top risks (pseudonymised),
//! and source health, each shown only to the roles that may see it. The counts come from a small
//! aggregate recomputed at most every few seconds ([`super::super::caches::DASHBOARD_TTL`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chrono::{Duration, Timelike};
use http::HeaderMap;
use maud::{Markup, html};

use probity_access::Permission;
use probity_model::{Level, Timestamp};
use probity_store::{AlertQuery, EventQuery, StoreCounts};

use super::super::caches::{Current, DASHBOARD_TTL};
use super::super::layout::{self, person};
use super::super::{Session, Web, WebError, blocking};
use super::{ALERT_WINDOW, parts, present_alerts};
use crate::http::AppState;

/// Alerts the dashboard counts (the most recent).
const DASHBOARD_ALERTS: usize = 5 * ALERT_WINDOW;
/// Events read for source health (the most recent).
const HEALTH_EVENTS: usize = 20_000;
/// Days in the trend.
const TREND_DAYS: i64 = 30;

/// One source's last day.
#[derive(Debug, Clone, Default)]
pub struct SourceHealth {
    pub events_per_hour: [u64; 24],
    pub last_seen: Option<Timestamp>,
    pub dead_letters: u64,
}

/// What the dashboard shows, computed together.
#[derive(Debug, Default)]
pub struct Aggregate {
    pub by_level: BTreeMap<Level, u64>,
    pub by_kind: BTreeMap<String, u64>,
    pub per_day: Vec<(String, u64)>,
    pub top: Vec<(String, u64, u64)>,
    pub sources: BTreeMap<String, SourceHealth>,
    pub counts: StoreCounts,
    pub newest: Option<Timestamp>,
}

fn weight(level: Level) -> u64 {
    match level {
        Level::Informational => 0,
        Level::Low => 1,
        Level::Medium => 3,
        Level::High => 7,
        Level::Critical => 12,
    }
}

/// Computes the dashboard's first aggregate in the background as the server starts (counting a
/// large journal takes a moment), so that the first person to open the dashboard does not wait.
pub(crate) fn warm(state: &AppState) {
    let Ok((web, worker)) = parts(state) else {
        return;
    };
    tokio::task::spawn_blocking(move || {
        if matches!(
            web.caches.dashboard.current(DASHBOARD_TTL),
            Current::Missing
        ) && let Ok(aggregate) = compute(&worker, &web)
        {
            web.caches.dashboard.store(Arc::new(aggregate));
        }
    });
}

fn compute(state: &AppState, web: &Web) -> Result<Aggregate, WebError> {
    let stores = state.stores();
    let alerts = stores.alerts.alerts(&AlertQuery {
        limit: DASHBOARD_ALERTS,
        ..AlertQuery::default()
    })?;
    let triage = super::cases::triage_states(web, &alerts);
    let open: Vec<_> = alerts
        .into_iter()
        .filter(|alert| triage.get(&alert.id.to_hex()).is_none_or(|s| s == "open"))
        .collect();
    let mut aggregate = Aggregate {
        counts: stores.events.counts()?,
        newest: open.iter().map(|a| a.timestamp()).max(),
        ..Aggregate::default()
    };
    let end = aggregate.newest.unwrap_or_else(super::super::now);
    let mut days: BTreeMap<String, u64> = BTreeMap::new();
    for offset in (0..TREND_DAYS).rev() {
        days.insert(
            (end - Duration::days(offset)).format("%m-%d").to_string(),
            0,
        );
    }
    for alert in &open {
        *aggregate.by_level.entry(alert.level).or_default() += 1;
        *aggregate
            .by_kind
            .entry(alert.rule.kind.clone())
            .or_default() += 1;
        if end - alert.timestamp() < Duration::days(TREND_DAYS)
            && let Some(count) = days.get_mut(&alert.timestamp().format("%m-%d").to_string())
        {
            *count += 1;
        }
    }
    aggregate.per_day = days.into_iter().collect();
    let shown = present_alerts(state, web, open)?;
    let mut risk: HashMap<String, (u64, u64)> = HashMap::new();
    for item in &shown {
        if let Some(pseudonym) = &item.pseudonym {
            let entry = risk.entry(pseudonym.clone()).or_default();
            entry.0 += weight(item.alert.level);
            entry.1 += 1;
        }
    }
    let mut top: Vec<(String, u64, u64)> = risk
        .into_iter()
        .map(|(pseudonym, (score, count))| (pseudonym, score, count))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    aggregate.top = top;
    aggregate.sources = source_health(state)?;
    Ok(aggregate)
}

fn source_health(state: &AppState) -> Result<BTreeMap<String, SourceHealth>, WebError> {
    let stores = state.stores();
    let events = stores.events.query(&EventQuery {
        limit: HEALTH_EVENTS,
        ..EventQuery::default()
    })?;
    let mut sources: BTreeMap<String, SourceHealth> = BTreeMap::new();
    let newest = events.iter().map(|e| e.provenance.ingested).max();
    for event in &events {
        let source = source_name(&event.provenance.source);
        let health = sources.entry(source).or_default();
        let at = event.provenance.ingested;
        health.last_seen = health.last_seen.max(Some(at));
        if let Some(newest) = newest
            && newest - at < Duration::hours(24)
        {
            health.events_per_hour[at.hour() as usize] += 1;
        }
    }
    for letter in stores.events.dead_letters(ALERT_WINDOW)? {
        let source = source_name(&letter.letter.source);
        sources.entry(source).or_default().dead_letters += 1;
    }
    Ok(sources)
}

/// A source without its per-file or per-peer detail (`file:/x/y.csv` → `file`).
fn source_name(source: &str) -> String {
    match source.split_once(':') {
        Some(("file", rest)) => {
            let name = rest.rsplit('/').next().unwrap_or(rest);
            format!("file:{name}")
        }
        _ => source.chars().take(80).collect(),
    }
}

/// `GET /` (and the Elasticsearch API's `GET /` for requests with a token).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Option<axum::Extension<Session>>,
) -> Result<Response, WebError> {
    let Some(axum::Extension(session)) = session else {
        return Ok(crate::http::elastic::info(State(state), headers).await);
    };
    let (web, worker) = parts(&state)?;
    let aggregate = match web.caches.dashboard.current(DASHBOARD_TTL) {
        Current::Fresh(aggregate) => aggregate,
        Current::Stale { value, refresh } => {
            if refresh {
                let cache = Arc::clone(&web);
                tokio::task::spawn_blocking(move || match compute(&worker, &cache) {
                    Ok(aggregate) => cache.caches.dashboard.store(Arc::new(aggregate)),
                    Err(_) => cache.caches.dashboard.abandon(),
                });
            }
            value
        }
        Current::Missing => {
            let cache = Arc::clone(&web);
            let aggregate = Arc::new(blocking(move || compute(&worker, &cache)).await?);
            web.caches.dashboard.store(Arc::clone(&aggregate));
            aggregate
        }
    };
    let principal = &session.principal;
    let sees_counts =
        principal.allows(Permission::ViewAlerts) || principal.allows(Permission::OversightReports);
    let body = html! {
        h1 { "Dashboard" }
        div.grid {
            @if sees_counts {
                (open_alerts(&aggregate))
                (trend(&aggregate))
            }
            @if principal.allows(Permission::ViewAlerts) {
                (top_risks(&aggregate))
            }
            @if principal.allows(Permission::ManageSources) {
                (source_health_panel(&aggregate))
            }
            @if principal.allows(Permission::ApproveReveal) {
                section.panel {
                    h2 { "Waiting for you" }
                    p { a href="/reveals" { "Reveal requests" } " · " a href="/cases" { "Cases to authorise" } }
                }
            }
        }
    };
    Ok(layout::page(&session, "Dashboard", "/", body))
}

fn open_alerts(aggregate: &Aggregate) -> Markup {
    html! {
        section.panel #open-alerts {
            h2 { "Open alerts" }
            table {
                tr { th { "Severity" } th { "Open" } }
                @for level in Level::ALL.iter().rev() {
                    tr {
                        td { (layout::level(*level)) }
                        td.count data-level=(level.as_str()) { (aggregate.by_level.get(level).copied().unwrap_or(0)) }
                    }
                }
            }
            table {
                tr { th { "Kind" } th { "Open" } }
                @for (kind, count) in &aggregate.by_kind {
                    tr { td { (kind) } td.count data-kind=(kind) { (count) } }
                }
            }
        }
    }
}

fn trend(aggregate: &Aggregate) -> Markup {
    let max = aggregate
        .per_day
        .iter()
        .map(|(_, count)| *count)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = 600u64;
    let height = 140u64;
    let bar = width / (aggregate.per_day.len().max(1) as u64);
    html! {
        section.panel #trend-panel {
            h2 { "Alerts per day" }
            svg #trend xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (width) " " (height + 20) } width="100%" role="img" aria-label="Alerts per day" {
                @for (i, (day, count)) in aggregate.per_day.iter().enumerate() {
                    @let h = count * height / max;
                    @let x = i as u64 * bar;
                    rect x=(x) y=(height - h) width=(bar.saturating_sub(2).max(1)) height=(h) fill="#1f4e8c" {
                        title { (day) ": " (count) }
                    }
                    @if i % 5 == 0 {
                        text x=(x) y=(height + 14) font-size="10" fill="#5b6575" { (day) }
                    }
                }
            }
        }
    }
}

fn top_risks(aggregate: &Aggregate) -> Markup {
    html! {
        section.panel #top-risks {
            h2 { "Top risks" }
            @if aggregate.top.is_empty() {
                p.muted { "No open alerts name a person." }
            } @else {
                table {
                    tr { th { "Person" } th { "Score" } th { "Open alerts" } }
                    @for (pseudonym, score, count) in &aggregate.top {
                        tr.risk { td { (person(pseudonym)) } td { (score) } td { (count) } }
                    }
                }
            }
        }
    }
}

fn source_health_panel(aggregate: &Aggregate) -> Markup {
    html! {
        section.panel #source-health {
            h2 { "Source health" }
            p.muted { (aggregate.counts.events) " events stored, " (aggregate.counts.dead_letters) " dead letters, " (aggregate.counts.alerts) " alerts." }
            table {
                tr { th { "Source" } th { "Events per hour (last 24 h)" } th { "Last seen" } th { "Dead letters" } }
                @for (source, health) in &aggregate.sources {
                    tr.source {
                        td { (source) }
                        td { (sparkline(&health.events_per_hour)) }
                        td { (health.last_seen.as_ref().map(layout::time).unwrap_or_else(|| "-".into())) }
                        td { (health.dead_letters) }
                    }
                }
            }
        }
    }
}

fn sparkline(hours: &[u64; 24]) -> Markup {
    let max = hours.iter().copied().max().unwrap_or(0).max(1);
    html! {
        svg.spark xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 20" width="96" height="20" {
            @for (i, count) in hours.iter().enumerate() {
                @let h = count * 20 / max;
                rect x=(i * 4) y=(20 - h) width="3" height=(h) fill="#2e86c1" {
                    title { (format!("{i:02}:00 {count}")) }
                }
            }
        }
    }
}
