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

/// Masks and pseudonymises alerts for display (blocking).
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
    let accounts: Vec<String> = alerts
        .iter()
        .filter_map(|alert| alert.user.as_ref().map(|u| u.as_str().to_owned()))
        .collect();
    let borrowed: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let map = pseudonyms(web, reference, &borrowed)?;
    let mut shown = Vec::with_capacity(alerts.len());
    for mut alert in alerts {
        redactor.alert(&mut alert);
        let pseudonym = match alert.user.take() {
            Some(user) => {
                let account = user.as_str().to_owned();
                let pseudonym = map.get(&account).cloned();
                if let Some(p) = &pseudonym {
                    alert.explanation = scrub(&alert.explanation, &account, p);
                    for matched in &mut alert.matched {
                        matched.value = scrub(&matched.value, &account, p);
                    }
                    alert.user = Some(Identity::new(p.clone()));
                }
                pseudonym
            }
            None => None,
        };
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
