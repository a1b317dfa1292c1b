//! `probity alerts`.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use probity_model::{Alert, Level};
use probity_store::{AlertQuery, AlertStore, EventStore};

use super::open_store;
use crate::{DataArg, timearg};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Alerts at or after this time (as for `probity events`).
    #[arg(long, value_parser = timearg::parse)]
    since: Option<probity_model::Timestamp>,
    /// Alerts before this time.
    #[arg(long, value_parser = timearg::parse)]
    until: Option<probity_model::Timestamp>,
    /// Only alerts at this level or above (informational, low, medium, high, critical).
    #[arg(long, value_parser = parse_level)]
    min_level: Option<Level>,
    /// Only alerts of this rule id.
    #[arg(long)]
    rule: Option<String>,
    /// Show at most this many (the most recent), oldest first.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// One JSON object per line, each with the events it rests on.
    #[arg(long)]
    json: bool,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data.data)?;
    // Recorded as `GET /api/v1/alerts` is, before anything is read.
    super::actor::audit_read(
        &*store,
        "alerts.list",
        json!({
            "since": args.since, "until": args.until,
            "min_level": args.min_level.map(|level| level.to_string()),
            "rule": args.rule, "limit": args.limit,
        }),
    )?;
    let mut alerts = store.alerts(&AlertQuery {
        since: args.since,
        until: args.until,
        min_level: args.min_level,
        rule_id: args.rule,
        limit: args.limit,
    })?;
    // Members of the public in message content are masked in everything shown.
    let redactor = probity_server::redactor(&*store).map_err(anyhow::Error::msg)?;
    for alert in &mut alerts {
        redactor.alert(alert);
        redactor.alert_user(alert);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for alert in &alerts {
        let mut events = store.events_by_ref(&alert.events)?;
        for event in &mut events {
            redactor.event(event);
            redactor.parties(event);
        }
        if args.json {
            let mut value = serde_json::to_value(alert)?;
            value["matching_events"] = json!(events);
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        } else {
            write_alert(&mut out, alert)?;
            for event in &events {
                writeln!(
                    out,
                    "    event {} {} {}",
                    event.timestamp.format("%Y-%m-%d %H:%M:%S%.3f"),
                    event.provenance.source,
                    event.provenance.location.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    if alerts.is_empty() && !args.json {
        eprintln!("no alerts match");
    }
    Ok(ExitCode::SUCCESS)
}

fn write_alert(out: &mut impl Write, alert: &Alert) -> std::io::Result<()> {
    writeln!(
        out,
        "{} [{}] {} ({} {})",
        alert.timestamp().format("%Y-%m-%d %H:%M:%S"),
        alert.level,
        alert.rule.title,
        alert.rule.kind,
        alert.rule.id
    )?;
    let who = [
        alert.user.as_ref().map(|u| format!("user {u}")),
        alert.host.as_ref().map(|h| format!("host {h}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    if !who.is_empty() {
        writeln!(out, "    {who}")?;
    }
    writeln!(out, "    why: {}", alert.explanation)?;
    for matched in &alert.matched {
        writeln!(out, "    matched {} = {:?}", matched.field, matched.value)?;
    }
    Ok(())
}
