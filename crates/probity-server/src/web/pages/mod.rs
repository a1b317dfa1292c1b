//! The workbench's pages, one file per area.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod cases;
pub mod dashboard;
pub mod events;
pub mod people;
pub mod search;

use std::sync::Arc;

use probity_model::{Alert, Event, Identity};

use super::people::{pseudonyms, scrub};
use super::{Web, WebError};
use crate::http::AppState;

/// Most alerts any page reads at once.
pub const ALERT_WINDOW: usize = 2_000;
/// Rows shown on one page of a list.
pub const PAGE_ROWS: usize = 100;

/// An alert as shown: content masked, the person as a pseudonym.
#[derive(Debug, Clone)]
pub struct ShownAlert {
    pub alert: Alert,
    pub pseudonym: Option<String>,
}

/// Matched fields whose values identify a person: shown as pseudonyms.
const IDENTITY_FIELDS: &[&str] = &[
    "staff_id",
    "user",
    "user.name",
    "user.id",
    "user.email",
    "user.full_name",
    "user.target.name",
    "user.target.id",
    "record.subject.id",
    "record.subject.name",
    "email.from",
    "email.to",
    "email.cc",
    "email.bcc",
    "email.display_names",
    "account",
];

/// Masks and pseudonymises alerts for display (blocking): the subject, matched values that name
/// people, and those names (and the subject's staff id and full name) wherever the explanation
/// quotes them.
pub fn present_alerts(
    state: &AppState,
    web: &Web,
    alerts: Vec<Alert>,
) -> Result<Vec<ShownAlert>, WebError> {
    let redactor = state.redactor().map_err(|error| {
        tracing::error!(%error, "cannot build the redactor");
        WebError::Internal
    })?;
    let reference = &*state.stores().reference;
    let directory = web.people.directory(web, reference)?;
    let mut identifiers: Vec<String> = Vec::new();
    for alert in &alerts {
        if let Some(user) = &alert.user {
            identifiers.push(user.as_str().to_owned());
        }
        for matched in &alert.matched {
            if IDENTITY_FIELDS.contains(&matched.field.as_str()) {
                identifiers.push(matched.value.clone());
            }
        }
    }
    let borrowed: Vec<&str> = identifiers.iter().map(String::as_str).collect();
    let map = pseudonyms(web, reference, &borrowed)?;
    let mut shown = Vec::with_capacity(alerts.len());
    for mut alert in alerts {
        redactor.alert(&mut alert);
        let mut replaced: Vec<(String, String)> = Vec::new();
        let pseudonym = alert.user.take().and_then(|user| {
            let account = user.as_str().to_owned();
            let pseudonym = map.get(&account).cloned()?;
            if let Some(person) = directory.person_of(&account) {
                replaced.push((person.staff_id.clone(), pseudonym.clone()));
                replaced.push((person.full_name.clone(), pseudonym.clone()));
            }
            replaced.push((account, pseudonym.clone()));
            alert.user = Some(Identity::new(pseudonym.clone()));
            Some(pseudonym)
        });
        for matched in &mut alert.matched {
            if IDENTITY_FIELDS.contains(&matched.field.as_str())
                && let Some(p) = map.get(&matched.value)
            {
                replaced.push((matched.value.clone(), p.clone()));
                matched.value = p.clone();
            }
        }
        replaced.sort_by_key(|pair| std::cmp::Reverse(pair.0.len()));
        for (before, after) in &replaced {
            alert.explanation = scrub(&alert.explanation, before, after);
            for matched in &mut alert.matched {
                matched.value = scrub(&matched.value, before, after);
            }
        }
        shown.push(ShownAlert { alert, pseudonym });
    }
    Ok(shown)
}

/// Replaces every identity in an event's typed fields with a pseudonym, masks its content, and
/// drops the decoder's raw copy (which holds names as received) (blocking).
pub fn present_events(
    state: &AppState,
    web: &Web,
    mut events: Vec<Event>,
) -> Result<Vec<Event>, WebError> {
    let redactor = state.redactor().map_err(|error| {
        tracing::error!(%error, "cannot build the redactor");
        WebError::Internal
    })?;
    let mut identities: Vec<String> = Vec::new();
    for event in &mut events {
        for (_, identity) in event.identities_mut() {
            identities.push(identity.as_str().to_owned());
        }
    }
    let borrowed: Vec<&str> = identities.iter().map(String::as_str).collect();
    let map = pseudonyms(web, &*state.stores().reference, &borrowed)?;
    for event in &mut events {
        redactor.event(event);
        let originals: Vec<(String, String)> = event
            .identities_mut()
            .into_iter()
            .filter_map(|(_, identity)| {
                let before = identity.as_str().to_owned();
                let after = map.get(&before)?.clone();
                identity.replace(after.clone());
                Some((before, after))
            })
            .collect();
        if let Some(message) = event.message.as_mut() {
            for (before, after) in &originals {
                *message = scrub(message, before, after);
            }
        }
        event.original.clear();
    }
    Ok(events)
}

/// The workbench and a clone of the state, for blocking work.
pub fn parts(state: &AppState) -> Result<(Arc<Web>, AppState), WebError> {
    Ok((super::web_of(state)?, state.clone()))
}

/// The link to an event: its id and time (the store finds events by both).
pub fn event_link(id: &probity_model::EventId, at: &probity_model::Timestamp) -> String {
    format!("/events/{}?at={}", id.to_hex(), at.timestamp_micros())
}
