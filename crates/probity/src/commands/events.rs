//! `probity events`.

use std::io::Write;
use std::process::ExitCode;

use probity_model::Event;
use probity_server::shown_search;
use probity_store::{EventQuery, EventStore};

use super::open_store;
use crate::{DataArg, timearg};

/// Events read before the check that words are in what is shown, when `--text` is given.
const TEXT_CANDIDATES: usize = 2_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Events at or after this time (2026-11-23T10:00:00Z, 2026-11-23, or 30m, 12h, 7d ago).
    #[arg(long, value_parser = timearg::parse)]
    since: Option<probity_model::Timestamp>,
    /// Events before this time.
    #[arg(long, value_parser = timearg::parse)]
    until: Option<probity_model::Timestamp>,
    /// Only this user (user.name, any case).
    #[arg(long)]
    user: Option<String>,
    /// Only this action (event.action or record.action, any case).
    #[arg(long)]
    action: Option<String>,
    /// Only events whose text, as shown, holds all these words: a word found only in what is
    /// masked (a member of the public's name or number) does not answer. With words, the
    /// 2,000 most recent events that hold them as stored (or --limit, if more) are read and
    /// checked, so fewer than --limit may be shown.
    #[arg(long)]
    text: Option<String>,
    /// Show at most this many (the most recent), oldest first.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// One JSON object per line, with every field.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data.data)?;
    // Recorded as `GET /api/v1/events` is, before anything is read.
    super::actor::audit_read(
        &*store,
        "events.search",
        serde_json::json!({
            "since": args.since, "until": args.until, "user": args.user,
            "action": args.action, "text": args.text, "limit": args.limit,
        }),
    )?;
    let words = shown_search::query_words(args.text.as_deref().unwrap_or(""));
    let query = EventQuery {
        since: args.since,
        until: args.until,
        user: args.user,
        action: args.action,
        text: args.text,
        // Some hits may be dropped below: read more, as the workbench's search does.
        limit: if words.is_empty() {
            args.limit
        } else {
            args.limit.max(TEXT_CANDIDATES)
        },
    };
    let mut events = store.query(&query)?;
    // Members of the public in message content, and as a message's parties, are masked in
    // everything shown.
    let redactor = probity_server::redactor(&*store).map_err(anyhow::Error::msg)?;
    // The store's index holds names and addresses as written; a hit whose words are only in
    // what is masked below would confirm which messages name a given member of the public, so
    // it does not answer (the same check as the workbench's search and the read API).
    events.retain(|event| shown_search::shown_text_holds(&redactor, event, &words));
    // The most recent `limit`, still oldest first.
    events.drain(..events.len().saturating_sub(args.limit));
    for event in &mut events {
        redactor.event(event);
        redactor.parties(event);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        for event in &events {
            serde_json::to_writer(&mut out, event)?;
            writeln!(out)?;
        }
    } else {
        writeln!(
            out,
            "{:<24} {:<20} {:<22} {:<18} message",
            "time (UTC)", "user", "action", "host"
        )?;
        for event in &events {
            writeln!(out, "{}", row(event))?;
        }
        if events.is_empty() {
            eprintln!("no events match");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cut(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        clean
    } else {
        let mut short: String = clean.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// One line saying what happened: the message, else the record looked up, else the email subject,
/// else the event's searchable text.
fn summary(event: &Event) -> String {
    if let Some(message) = &event.message {
        return message.clone();
    }
    if let Some(record) = &event.record {
        let parts = [
            record.system.as_deref(),
            record.subject.kind.as_deref(),
            record.subject.id.as_ref().map(|i| i.as_str()),
            record.subject.name.as_ref().map(|i| i.as_str()),
        ];
        let mut text = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
        if let Some(reason) = &record.reason {
            text.push_str(&format!("; reason: {reason}"));
        }
        if let Some(reference) = &record.incident_ref {
            text.push_str(&format!("; ref: {reference}"));
        }
        return text;
    }
    if let Some(subject) = event.email.as_ref().and_then(|e| e.subject.clone()) {
        return subject;
    }
    event.search_text()
}

fn row(event: &Event) -> String {
    let action = event
        .action()
        .or_else(|| event.record.as_ref().and_then(|r| r.action.as_deref()))
        .unwrap_or("-");
    let host = event
        .host
        .as_ref()
        .and_then(|h| h.name.as_deref())
        .unwrap_or("-");
    let text = summary(event);
    format!(
        "{:<24} {:<20} {:<22} {:<18} {}",
        event.timestamp.format("%Y-%m-%d %H:%M:%S%.3f"),
        cut(event.user_name().unwrap_or("-"), 20),
        cut(action, 22),
        cut(host, 18),
        cut(&text, 100)
    )
}
