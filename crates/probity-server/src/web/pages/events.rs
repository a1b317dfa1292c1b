//! `/events/{id}?at=`: one event, readable. Message content is masked by the privacy layer;
//! sealed content (privileged or medical) is withheld. Every view is audited.
//!
//! `POST /events/{id}/unseal`: sealed content is opened only for an investigator (the
//! `unseal-content` permission) working a case that an authorising officer has authorised and that
//! links the message (directly, or through a linked alert resting on it), with a stated reason.
//! The opening is audited (case, message, fields and reason; never the content), and what is
//! shown is still masked for members of the public, unless the investigator also holds
//! `unmask-content` and asks for both at once (`also_unmask`): then the opening is audited as
//! `content.unmask` too.
//!
//! `POST /events/{id}/unmask`: the same checks (permission `unmask-content`, an authorised case
//! that links the message, a reason) show a message's content with members of the public as
//! written: they are masked in analysts' views unless a case needs them. Audited as
//! `content.unmask`; sealed content stays sealed.
//!
//! A refused request to open (the case not authorised, not linking the message, or not found;
//! `also_unmask` without `unmask-content`) is audited too, as `content.unseal.refused` or
//! `content.unmask.refused`, with the case and reason given and why it was refused. A request the
//! guard refuses for want of the permission itself is audited there, as `access.refused`.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use serde_json::json;

use probity_model::{EventId, EventRef, from_micros};

use super::super::form::Fields;
use super::super::layout::{self, person};
use super::super::{Session, WebError, blocking, now, record};
use super::{parts, present_events};
use crate::http::AppState;

/// Longest message content shown.
const MAX_CONTENT: usize = 100_000;

/// The event's time (the store finds events by id and time).
#[derive(Debug, Default, Deserialize)]
pub struct At {
    at: Option<i64>,
}

/// `GET /events/{id}`.
pub async fn page(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Result<Response, WebError> {
    let missing = || {
        WebError::NotFound(
            "There is no such event. Open events from an alert, a search or a timeline.".into(),
        )
    };
    let event_id: EventId = id.parse().map_err(|_| missing())?;
    let micros = at.at.ok_or_else(missing)?;
    let id = event_id.to_hex();
    let reference = EventRef {
        id: event_id,
        timestamp: from_micros(micros),
    };
    let (web, worker) = parts(&state)?;
    let actor = session.principal.actor();
    let event = blocking(move || {
        let stores = worker.stores();
        let found = stores.events.events_by_ref(&[reference])?;
        let Some(event) = found.into_iter().next() else {
            return Err(missing());
        };
        record(
            &*stores.audit,
            probity_audit::Action {
                time: now(),
                actor,
                action: "event.view".into(),
                target: event_id.to_hex(),
                details: json!({ "at": micros, "message": event.email.is_some() }),
            },
        )?;
        let mut shown = present_events(&worker, &web, vec![event])?;
        shown.pop().ok_or(WebError::Internal)
    })
    .await?;
    let sealed = event.tags.iter().any(|t| t == "content-sealed");
    let sealed_why = event.labels.get("privacy.sealed").cloned();
    let excluded = event
        .tags
        .iter()
        .any(|t| t == probity_privacy::exclusions::EXCLUDED_TAG);
    let excluded_as = event
        .labels
        .get(probity_privacy::exclusions::EXCLUDED_LABEL)
        .cloned();
    let withheld_why = event.labels.get(probity_comms::WITHHELD_LABEL).cloned();
    let body = html! {
        h1 { "Event" }
        div.panel #event {
            table {
                tr { th { "Time" } td { (layout::time(&event.timestamp)) } }
                tr { th { "Source" } td { (event.provenance.source) " (" (event.provenance.format.as_str()) ")" } }
                tr { th { "Received" } td { (layout::time(&event.provenance.ingested)) } }
                @if let Some(action) = event.action() { tr { th { "Action" } td { (action) } } }
                @if let Some(outcome) = &event.event.outcome { tr { th { "Outcome" } td { (outcome) } } }
                @if let Some(user) = event.user_name() { tr { th { "Person" } td { (person(user)) } } }
                @if let Some(host) = event.host.as_ref().and_then(|h| h.name.as_deref()) { tr { th { "Host" } td { (host) } } }
                @if let Some(record) = &event.record {
                    @if let Some(system) = &record.system { tr { th { "System" } td { (system) } } }
                    @if let Some(action) = &record.action { tr { th { "Record action" } td { (action) } } }
                    @if let Some(kind) = &record.subject.kind { tr { th { "Subject kind" } td { (kind) } } }
                    @if let Some(subject) = &record.subject.id { tr { th { "Subject" } td { (person(subject.as_str())) } } }
                    @if let Some(reason) = &record.reason { tr { th { "Reason given" } td { (reason) } } }
                    @if let Some(incident) = &record.incident_ref { tr { th { "Incident" } td { (incident) } } }
                }
                @if let Some(file) = &event.file { @if let Some(path) = &file.path { tr { th { "File" } td { (path) } } } }
                @if let Some(url) = &event.url { @if let Some(full) = &url.full { tr { th { "URL" } td { (full) } } } }
                @if !event.tags.is_empty() { tr { th { "Tags" } td { (event.tags.join(", ")) } } }
            }
        }
        @if let Some(email) = &event.email {
            div.panel #message {
                h2 { "Message" }
                p { "From " @for a in &email.from { (person(a.as_str())) " " } }
                p { "To " @for a in email.to.iter().chain(&email.cc) { (person(a.as_str())) " " } }
                @if excluded {
                    div #content {
                        p.notice { "This message is to or from a protected party"
                            @if let Some(class) = &excluded_as { " (" (class) ")" }
                            ": only its metadata is kept; its content was neither stored nor inspected." }
                    }
                } @else if let Some(why) = &withheld_why {
                    div #content {
                        p.notice { "The content of this message was withheld (" (why) ") and is not stored." }
                    }
                } @else if sealed {
                    div #content {
                        p.notice { "The content of this message is sealed"
                            @if let Some(why) = &sealed_why { " (" (why) ")" }
                            " and is withheld." }
                    }
                    @if session.principal.allows(probity_access::Permission::UnsealContent) {
                        (opening_form(&session, &id, micros, "unseal", "Why the sealed content is needed", "Open sealed content",
                            session.principal.allows(probity_access::Permission::UnmaskContent)))
                    }
                } @else {
                    @if session.principal.allows(probity_access::Permission::UnmaskContent) {
                        details #unmask-request {
                            summary { "Show members of the public (within an authorised case)" }
                            (opening_form(&session, &id, micros, "unmask", "Why the names and details are needed", "Show unmasked", false))
                        }
                    }
                    @if let Some(subject) = &email.subject { p { strong { "Subject: " } (subject) } }
                    pre #content { (email.body.as_deref().map(|b| b.chars().take(MAX_CONTENT).collect::<String>()).unwrap_or_default()) }
                    @for attachment in &email.attachments {
                        h2 { "Attachment " (attachment.file.name.as_deref().unwrap_or("(unnamed)")) }
                        @if let Some(text) = &attachment.text { pre.attachment { (text.chars().take(MAX_CONTENT).collect::<String>()) } }
                    }
                }
            }
        } @else if let Some(message) = &event.message {
            div.panel { h2 { "Message" } pre #content { (message.chars().take(MAX_CONTENT).collect::<String>()) } }
        }
        p.muted { "Names of members of the public are masked; people are shown as pseudonyms. This view is recorded in the audit log." }
    };
    Ok(layout::page(&session, "Event", "", body))
}

/// The form that asks to open a message within a case: `POST /events/{id}/{action}`, with the
/// form's id `action`; with `also_unmask`, a box to ask for members of the public as written too.
fn opening_form(
    session: &Session,
    id: &str,
    micros: i64,
    action: &str,
    why: &str,
    button: &str,
    also_unmask: bool,
) -> maud::Markup {
    html! {
        form.stack id=(action) method="post" action=(format!("/events/{id}/{action}")) {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="at" value=(micros);
            label for=(format!("{action}-case")) { "Authorised case that links this message" }
            input id=(format!("{action}-case")) type="text" name="case_id" placeholder="C-000123" required;
            label for=(format!("{action}-reason")) { (why) }
            textarea id=(format!("{action}-reason")) name="reason" required {}
            @if also_unmask {
                p { label { input type="checkbox" name="also_unmask" value="on"; " Show members of the public as written too" } }
            }
            p { button type="submit" { (button) } }
        }
    }
}

/// Whether `case` links the event `event` directly or through a linked alert resting on it.
fn case_links_event(
    state: &AppState,
    web: &super::super::Web,
    case: &str,
    event: &EventId,
) -> Result<bool, WebError> {
    let hex = event.to_hex();
    for link in web.workbench.links(case)? {
        match link.kind {
            probity_case::LinkKind::Event if link.target == hex => return Ok(true),
            probity_case::LinkKind::Alert => {
                let Ok(parsed) = link.target.parse::<EventId>() else {
                    continue;
                };
                let alert = state
                    .stores()
                    .alerts
                    .alert(&probity_model::AlertId::from_bytes(*parsed.as_bytes()))?;
                if alert.is_some_and(|a| a.events.iter().any(|e| e.id == *event)) {
                    return Ok(true);
                }
            }
            probity_case::LinkKind::Event => {}
        }
    }
    Ok(false)
}

/// `POST /events/{id}/unseal`: sealed content, within an authorised case. See the module
/// documentation.
pub async fn unseal(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let Opening {
        event_id,
        reference,
        case_id,
        reason,
    } = opening(&id, &form, "Say why the sealed content is needed.")?;
    let also_unmask = form.get("also_unmask") == Some("on");
    let (web, worker) = parts(&state)?;
    let actor = session.principal.actor();
    let may_unmask = session
        .principal
        .allows(probity_access::Permission::UnmaskContent);
    let shown_case = case_id.clone();
    let opened = blocking(move || {
        let stores = worker.stores();
        let asking = Asking {
            audit: &*stores.audit,
            actor: &actor,
            refused_as: "content.unseal.refused",
            case_id: &case_id,
            reason: &reason,
        };
        if also_unmask && !may_unmask {
            return Err(asking.refused(
                &event_id,
                WebError::Forbidden(
                    "Showing members of the public as written needs the unmask-content permission."
                        .into(),
                ),
            ));
        }
        let event = case_message(&worker, &web, &asking, reference, "sealed content opens")?;
        let items = probity_privacy::sealing::sealed_items(&event);
        if items.is_empty() {
            return Err(WebError::BadRequest(
                "This message holds no sealed content.".into(),
            ));
        }
        let key =
            probity_privacy::sealing::SealKey::load(&web.config.data_dir).map_err(|error| {
                tracing::error!(%error, "cannot load the seal key");
                WebError::Internal
            })?;
        let redactor = worker.redactor().map_err(|error| {
            tracing::error!(%error, "cannot build the redactor");
            WebError::Internal
        })?;
        let mut opened = Vec::with_capacity(items.len());
        for item in &items {
            let text = probity_privacy::sealing::unseal(&key, item).map_err(|error| {
                tracing::error!(%error, "cannot unseal");
                WebError::Internal
            })?;
            let (field, shown) = if also_unmask {
                (item.field.clone(), text)
            } else {
                (redactor.field(&item.field), redactor.text(&text))
            };
            opened.push((field, shown));
        }
        let fields: Vec<&str> = items.iter().map(|i| i.field.as_str()).collect();
        record_opening(
            &*stores.audit,
            actor.clone(),
            "content.unseal",
            &event_id,
            (&case_id, &reason),
            fields.clone(),
            Some(("sealed_as", json!(items.first().map(|i| i.reason.name())))),
        )?;
        if also_unmask {
            record_opening(
                &*stores.audit,
                actor,
                "content.unmask",
                &event_id,
                (&case_id, &reason),
                fields,
                Some(("with", json!("content.unseal"))),
            )?;
        }
        Ok(opened)
    })
    .await?;
    let public = if also_unmask {
        "members of the public are shown as written"
    } else {
        "members of the public remain masked"
    };
    Ok(opened_page(
        &session,
        "Sealed content",
        &format!(
            "Opened within case {shown_case}. This opening is recorded in the audit log; {public}."
        ),
        "unsealed-content",
        &opened,
    ))
}

/// The page that shows a message's texts opened within a case: `(field, text)` pairs in a panel
/// with the id `panel`.
fn opened_page(
    session: &Session,
    title: &str,
    notice: &str,
    panel: &str,
    texts: &[(String, String)],
) -> Response {
    let body = html! {
        h1 { (title) }
        p.notice { (notice) }
        div.panel id=(panel) {
            @for (field, text) in texts {
                h2 { (field) }
                pre { (text.chars().take(MAX_CONTENT).collect::<String>()) }
            }
        }
    };
    layout::page(session, title, "", body)
}

/// Records that `actor` opened `fields` of a message within `case` (`action`: `content.unseal`
/// or `content.unmask`), with anything else worth keeping in `extra`; never the content.
fn record_opening(
    audit: &dyn probity_store::AuditStore,
    actor: String,
    action: &str,
    event_id: &EventId,
    opening: (&str, &str),
    fields: Vec<&str>,
    extra: Option<(&str, serde_json::Value)>,
) -> Result<(), WebError> {
    let (case_id, reason) = opening;
    let mut details = json!({ "case": case_id, "fields": fields, "reason": reason });
    if let (Some((key, value)), Some(map)) = (extra, details.as_object_mut()) {
        map.insert(key.to_owned(), value);
    }
    record(
        audit,
        probity_audit::Action {
            time: now(),
            actor,
            action: action.into(),
            target: event_id.to_hex(),
            details,
        },
    )?;
    Ok(())
}

/// Who asks to open a message within which case and why, and the action a refusal is recorded
/// as (`content.unseal.refused` or `content.unmask.refused`).
struct Asking<'a> {
    audit: &'a dyn probity_store::AuditStore,
    actor: &'a str,
    refused_as: &'static str,
    case_id: &'a str,
    reason: &'a str,
}

impl Asking<'_> {
    /// Records the refusal of the request to open `event_id` with why it was refused, and
    /// returns it. Only refusals (403, or a case or message not found) are recorded; a failure
    /// inside is returned as it is. If the record cannot be written the request fails as an
    /// internal error, as an opening would.
    fn refused(&self, event_id: &EventId, error: WebError) -> WebError {
        let why = match &error {
            WebError::Forbidden(why) | WebError::NotFound(why) => why.clone(),
            _ => return error,
        };
        let recorded = record(
            self.audit,
            probity_audit::Action {
                time: now(),
                actor: self.actor.to_owned(),
                action: self.refused_as.into(),
                target: event_id.to_hex(),
                details: json!({ "case": self.case_id, "reason": self.reason, "refused": why }),
            },
        );
        match recorded {
            Ok(()) => error,
            Err(failure) => failure,
        }
    }
}

/// The message `reference`, once the case `asking` names is found authorised (or under
/// investigation) and linking it; `what` names what the case would open ("sealed content
/// opens"). A refusal is recorded in the audit log ([`Asking::refused`]).
fn case_message(
    state: &AppState,
    web: &super::super::Web,
    asking: &Asking<'_>,
    reference: EventRef,
    what: &str,
) -> Result<probity_model::Event, WebError> {
    let event_id = reference.id;
    linked_message(state, web, asking.case_id, reference, what)
        .map_err(|error| asking.refused(&event_id, error))
}

/// [`case_message`] before any refusal is recorded.
fn linked_message(
    state: &AppState,
    web: &super::super::Web,
    case_id: &str,
    reference: EventRef,
    what: &str,
) -> Result<probity_model::Event, WebError> {
    let event_id = &reference.id;
    let case = web.workbench.case(case_id)?;
    if !matches!(
        case.state,
        probity_case::CaseState::Authorised | probity_case::CaseState::Investigating
    ) {
        return Err(WebError::Forbidden(format!(
            "Case {case_id} is {}: {what} only within an authorised case.",
            case.state.as_str()
        )));
    }
    if !case_links_event(state, web, case_id, event_id)? {
        return Err(WebError::Forbidden(format!(
            "Case {case_id} does not link this message; link it (or an alert resting on it) first."
        )));
    }
    state
        .stores()
        .events
        .events_by_ref(&[reference])?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::NotFound("There is no such message.".into()))
}

/// The message, case and reason a request to open a message names.
struct Opening {
    event_id: EventId,
    reference: EventRef,
    case_id: String,
    reason: String,
}

/// Reads the form of `POST /events/{id}/unseal` or `/unmask`; `ask` is what to say when no
/// reason is given.
fn opening(id: &str, form: &Fields, ask: &str) -> Result<Opening, WebError> {
    let missing = || WebError::NotFound("There is no such message.".into());
    let event_id: EventId = id.parse().map_err(|_| missing())?;
    let at: i64 = form
        .get("at")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(missing)?;
    let case_id = form.get("case_id").unwrap_or("").trim().to_owned();
    let reason: String = form
        .get("reason")
        .unwrap_or("")
        .trim()
        .chars()
        .take(2000)
        .collect();
    if reason.is_empty() {
        return Err(WebError::BadRequest(ask.into()));
    }
    Ok(Opening {
        event_id,
        reference: EventRef {
            id: event_id,
            timestamp: from_micros(at),
        },
        case_id,
        reason,
    })
}

/// `POST /events/{id}/unmask`: a message's content as written, members of the public included,
/// within an authorised case that links it. Sealed content stays sealed (the store holds only
/// its placeholder). See the module documentation.
pub async fn unmask(
    State(state): State<AppState>,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<String>,
    form: Fields,
) -> Result<Response, WebError> {
    let Opening {
        event_id,
        reference,
        case_id,
        reason,
    } = opening(
        &id,
        &form,
        "Say why the names and details of members of the public are needed.",
    )?;
    let (web, worker) = parts(&state)?;
    let actor = session.principal.actor();
    let shown_case = case_id.clone();
    let texts = blocking(move || {
        let stores = worker.stores();
        let asking = Asking {
            audit: &*stores.audit,
            actor: &actor,
            refused_as: "content.unmask.refused",
            case_id: &case_id,
            reason: &reason,
        };
        let event = case_message(
            &worker,
            &web,
            &asking,
            reference,
            "members of the public are shown",
        )?;
        let texts = message_texts(&event);
        if texts.is_empty() {
            return Err(WebError::BadRequest(
                "This message holds no content to show (excluded, or withheld).".into(),
            ));
        }
        record_opening(
            &*stores.audit,
            actor,
            "content.unmask",
            &event_id,
            (&case_id, &reason),
            texts.iter().map(|(field, _)| field.as_str()).collect(),
            None,
        )?;
        Ok(texts)
    })
    .await?;
    Ok(opened_page(
        &session,
        "Message content, unmasked",
        &format!(
            "Shown within case {shown_case} with members of the public as written. This showing is recorded in the audit log; sealed content stays sealed."
        ),
        "unmasked-content",
        &texts,
    ))
}

/// A message's subject, body and attachment texts as stored, by field name.
fn message_texts(event: &probity_model::Event) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    if let Some(email) = &event.email {
        if let Some(subject) = &email.subject {
            texts.push(("email.subject".to_owned(), subject.clone()));
        }
        if let Some(body) = &email.body {
            texts.push(("email.body".to_owned(), body.clone()));
        }
        for attachment in &email.attachments {
            if let Some(text) = &attachment.text {
                let name = attachment.file.name.as_deref().unwrap_or("unnamed");
                texts.push((format!("attachment:{name}"), text.clone()));
            }
        }
    } else if let Some(message) = &event.message {
        texts.push(("message".to_owned(), message.clone()));
    }
    texts
}
