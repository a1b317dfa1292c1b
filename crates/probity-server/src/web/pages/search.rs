//! `/search`: words and `field:value` terms (`user:` a pseudonym, `action:`, `host:`, `source:`,
//! `kind:`). Every search is recorded in the audit log with its text. Results are pseudonymised,
//! and words match only what is shown: a message whose words are found only in text masked on
//! screen (a member of the public's name in its subject) is not a result (`crate::shown_search`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use probity_access::Permission;
use probity_model::Event;
use probity_store::EventQuery;

use super::super::layout::{self, person};
use super::super::people::accounts_of;
use super::super::{Session, WebError, blocking, now, record};
use super::{event_link, parts, present_events};
use crate::http::AppState;

/// Most results shown.
const MAX_RESULTS: usize = 200;
/// Events read when terms are checked after the store's query.
const FILTER_WINDOW: usize = 2_000;
/// Longest query accepted.
const MAX_QUERY: usize = 500;

/// A parsed query.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Terms {
    pub words: Vec<String>,
    pub user: Option<String>,
    pub action: Option<String>,
    pub host: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
}

/// Parses `q`; unknown `field:` prefixes are searched as words.
pub fn parse(q: &str) -> Terms {
    let mut terms = Terms::default();
    for token in q.split_whitespace().take(32) {
        let (field, value) = match token.split_once(':') {
            Some((field, value)) if !value.is_empty() => (field.to_ascii_lowercase(), value),
            _ => {
                terms.words.push(token.to_owned());
                continue;
            }
        };
        let slot = match field.as_str() {
            "user" => &mut terms.user,
            "action" => &mut terms.action,
            "host" => &mut terms.host,
            "source" => &mut terms.source,
            "kind" => &mut terms.kind,
            _ => {
                terms.words.push(token.to_owned());
                continue;
            }
        };
        *slot = Some(value.to_owned());
    }
    terms
}

fn contains(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(&needle.to_lowercase()))
}

fn keep(event: &Event, terms: &Terms) -> bool {
    if let Some(host) = &terms.host
        && !contains(event.host.as_ref().and_then(|h| h.name.as_deref()), host)
    {
        return false;
    }
    if let Some(source) = &terms.source
        && !contains(Some(&event.provenance.source), source)
    {
        return false;
    }
    if let Some(kind) = &terms.kind {
        let format = event.provenance.format.as_str();
        let matches = contains(event.event.kind.as_deref(), kind)
            || event
                .event
                .category
                .iter()
                .any(|c| c.eq_ignore_ascii_case(kind))
            || format.eq_ignore_ascii_case(kind);
        if !matches {
            return false;
        }
    }
    true
}

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /search`.
pub async fn page(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let q: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_QUERY)
        .collect();
    let mut results: Option<Vec<Event>> = None;
    if !q.is_empty() {
        let (web, worker) = parts(&state)?;
        let terms = parse(&q);
        let actor = session.principal.actor();
        let text = q.clone();
        let web = Arc::clone(&web);
        results = Some(
            blocking(move || {
                let stores = worker.stores();
                record(
                    &*stores.audit,
                    probity_audit::Action {
                        time: now(),
                        actor,
                        action: "search".into(),
                        target: "events".into(),
                        details: json!({ "query": text }),
                    },
                )?;
                let accounts = match &terms.user {
                    Some(pseudonym) => {
                        accounts_of(&web, &*stores.reference, pseudonym)?.unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                if terms.user.is_some() && accounts.is_empty() {
                    return Ok(Vec::new());
                }
                let words = crate::shown_search::query_words(&terms.words.join(" "));
                let post_filter = terms.host.is_some()
                    || terms.source.is_some()
                    || terms.kind.is_some()
                    || !words.is_empty();
                let limit = if post_filter {
                    FILTER_WINDOW
                } else {
                    MAX_RESULTS
                };
                let base = EventQuery {
                    action: terms.action.clone(),
                    text: (!terms.words.is_empty()).then(|| terms.words.join(" ")),
                    limit,
                    ..EventQuery::default()
                };
                let mut events = Vec::new();
                if accounts.is_empty() {
                    events = stores.events.query(&base)?;
                } else {
                    for account in accounts.iter().take(10) {
                        let mut one = base.clone();
                        one.user = Some(account.clone());
                        events.extend(stores.events.query(&one)?);
                    }
                }
                events.retain(|event| keep(event, &terms));
                // Words found only in what is masked on screen do not answer: see
                // crate::shown_search.
                if !words.is_empty() {
                    let redactor = worker.redactor().map_err(|error| {
                        tracing::error!(%error, "cannot build the redactor");
                        WebError::Internal
                    })?;
                    events.retain(|event| {
                        crate::shown_search::shown_text_holds(&redactor, event, &words)
                    });
                }
                events.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
                events.truncate(MAX_RESULTS);
                present_events(&worker, &web, events)
            })
            .await?,
        );
    }
    let can_content = session.principal.allows(Permission::ViewContent);
    let body = html! {
        h1 { "Search" }
        form #search.panel method="get" action="/search" {
            input type="search" name="q" size="60" value=(q) placeholder="words, user:P-XXXX-XXXX-XXXX, action:, host:, source:, kind:";
            " " button type="submit" { "Search" }
            p.muted { "Every search is recorded in the audit log." }
        }
        @if let Some(results) = &results {
            p.muted #result-count { (results.len()) " results (at most " (MAX_RESULTS) ", newest first)." }
            table #results {
                tr { th { "Time" } th { "Person" } th { "Action" } th { "Host" } th { "Source" } th { "Summary" } }
                @for event in results {
                    tr.result {
                        td { @if can_content { a href=(event_link(&event.provenance.id, &event.timestamp)) { (layout::time(&event.timestamp)) } } @else { (layout::time(&event.timestamp)) } }
                        td { @if let Some(user) = event.user_name() { (person(user)) } }
                        td { (event.action().or(event.record.as_ref().and_then(|r| r.action.as_deref())).unwrap_or("-")) }
                        td { (event.host.as_ref().and_then(|h| h.name.as_deref()).unwrap_or("")) }
                        td { (event.provenance.source) }
                        td { (event.message.as_deref().map(|m| m.chars().take(120).collect::<String>()).unwrap_or_default()) }
                    }
                }
            }
        }
    };
    Ok(layout::page(&session, "Search", "/search", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_words_are_told_apart() {
        let terms = parse("printed user:P-AAAA-BBBB-CCCC action:Print host:ws-1 misc:x  report");
        assert_eq!(terms.words, vec!["printed", "misc:x", "report"]);
        assert_eq!(terms.user.as_deref(), Some("P-AAAA-BBBB-CCCC"));
        assert_eq!(terms.action.as_deref(), Some("Print"));
        assert_eq!(terms.host.as_deref(), Some("ws-1"));
        assert_eq!(parse(""), Terms::default());
    }
}
