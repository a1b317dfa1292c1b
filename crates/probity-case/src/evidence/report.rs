//! `report.html` and the lines of `report.pdf`: the case, its timeline, the alerts with their
//! explanations, notes and links. Everything here is already pseudonymised (and masked, unless the
//! pack is unmasked).

use std::fmt::Write as _;

use probity_model::{Alert, Event, Timestamp};

use super::pdf::Line;
use crate::{Case, Link, Note};

/// What the report shows.
#[derive(Debug)]
pub struct Report<'a> {
    pub case: &'a Case,
    pub notes: &'a [Note],
    pub links: &'a [Link],
    pub alerts: &'a [Alert],
    /// Oldest first.
    pub events: &'a [Event],
    pub exported_by: &'a str,
    pub exported_at: Timestamp,
    /// Whether members of the public are masked, in words.
    pub content: String,
    /// How much of the case the pack holds, in words ([`super::Coverage::statement`]).
    pub holds: String,
}

fn time(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// One line describing an event: action, user, host, record, source.
fn event_summary(event: &Event) -> String {
    let mut parts = Vec::new();
    if let Some(action) = event.action() {
        parts.push(action.to_owned());
    }
    if let Some(user) = event.user_name() {
        parts.push(format!("user {user}"));
    }
    if let Some(host) = event.host.as_ref().and_then(|h| h.name.as_deref()) {
        parts.push(format!("host {host}"));
    }
    if let Some(record) = &event.record {
        let system = record.system.as_deref().unwrap_or("records");
        let action = record.action.as_deref().unwrap_or("access");
        parts.push(format!("{system} {action}"));
    }
    if let Some(email) = &event.email {
        let subject = email.subject.as_deref().unwrap_or("(no subject)");
        parts.push(format!("message \"{subject}\""));
    }
    if parts.is_empty()
        && let Some(message) = &event.message
    {
        parts.push(message.chars().take(200).collect());
    }
    parts.join("; ")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#111}\
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\
td,th{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top;font-size:90%}\
th{background:#eee}h1{font-size:150%}h2{font-size:120%;margin-top:1.5em}\
.meta td:first-child{font-weight:bold;width:14em}pre{white-space:pre-wrap}";

impl Report<'_> {
    /// The self-contained HTML report (no scripts, no outside resources).
    pub fn html(&self) -> String {
        let case = self.case;
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <title>Evidence pack {}</title><style>{STYLE}</style></head><body>\n",
            escape(&case.id)
        );
        let _ = write!(
            h,
            "<h1>Case {}: {}</h1>\n<table class=\"meta\">",
            escape(&case.id),
            escape(&case.title)
        );
        for (label, value) in self.case_facts() {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(label),
                escape(&value)
            );
        }
        h.push_str("</table>\n");
        if !case.summary.is_empty() {
            let _ = writeln!(h, "<h2>Summary</h2><pre>{}</pre>", escape(&case.summary));
        }

        let _ = writeln!(h, "<h2>Timeline ({} events)</h2>", self.events.len());
        h.push_str("<table><tr><th>Time</th><th>Event</th><th>Source</th><th>Id</th></tr>\n");
        for event in self.events {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&time(&event.timestamp)),
                escape(&event_summary(event)),
                escape(&event.provenance.source),
                escape(&event.provenance.id.to_hex())
            );
        }
        h.push_str("</table>\n");

        let _ = writeln!(h, "<h2>Alerts ({})</h2>", self.alerts.len());
        for alert in self.alerts {
            let _ = write!(
                h,
                "<h3>{} ({})</h3><p>{}</p><table class=\"meta\">\
                 <tr><td>Alert</td><td>{}</td></tr><tr><td>Rule</td><td>{} {}</td></tr>\
                 <tr><td>Raised</td><td>{}</td></tr>",
                escape(&alert.rule.title),
                escape(alert.level.as_str()),
                escape(&alert.explanation),
                escape(&alert.id.to_hex()),
                escape(&alert.rule.kind),
                escape(&alert.rule.id),
                escape(&time(&alert.created))
            );
            for matched in &alert.matched {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(&matched.field),
                    escape(&matched.value)
                );
            }
            let events: Vec<String> = alert.events.iter().map(|e| e.id.to_hex()).collect();
            let _ = writeln!(
                h,
                "<tr><td>Events</td><td>{}</td></tr></table>",
                escape(&events.join(", "))
            );
        }

        let _ = writeln!(h, "<h2>Notes ({})</h2>", self.notes.len());
        h.push_str("<table><tr><th>No.</th><th>Time</th><th>Author</th><th>Note</th></tr>\n");
        for note in self.notes {
            let corrects = note
                .corrects
                .map(|c| format!(" (corrects note {c})"))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}{}</pre></td></tr>",
                note.seq,
                escape(&time(&note.at)),
                escape(&note.author),
                escape(&note.text),
                escape(&corrects)
            );
        }
        h.push_str("</table>\n");

        let _ = writeln!(h, "<h2>Links ({})</h2>", self.links.len());
        h.push_str("<table><tr><th>Kind</th><th>Id</th><th>By</th><th>Time</th></tr>\n");
        for link in self.links {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(link.kind.as_str()),
                escape(&link.target),
                escape(&link.by),
                escape(&time(&link.at))
            );
        }
        h.push_str(
            "</table>\n<p>Check this pack with <code>sha256sum -c manifest.sha256</code> \
                    or <code>probity case verify-pack</code>.</p>\n</body></html>\n",
        );
        h
    }

    /// The report as lines for the PDF.
    pub fn lines(&self) -> Vec<Line> {
        let case = self.case;
        let mut lines = vec![
            Line::Heading(format!("Case {}: {}", case.id, case.title)),
            Line::Blank,
        ];
        for (label, value) in self.case_facts() {
            lines.push(Line::Text(format!("{label}: {value}")));
        }
        if !case.summary.is_empty() {
            lines.push(Line::Blank);
            lines.push(Line::Heading("Summary".into()));
            lines.push(Line::Text(case.summary.clone()));
        }
        lines.push(Line::Blank);
        lines.push(Line::Heading(format!(
            "Timeline ({} events)",
            self.events.len()
        )));
        for event in self.events {
            lines.push(Line::Text(format!(
                "{}  {}  [{}; {}]",
                time(&event.timestamp),
                event_summary(event),
                event.provenance.source,
                event.provenance.id.to_hex()
            )));
        }
        lines.push(Line::Blank);
        lines.push(Line::Heading(format!("Alerts ({})", self.alerts.len())));
        for alert in self.alerts {
            lines.push(Line::Text(format!(
                "{} ({}), alert {}, raised {}",
                alert.rule.title,
                alert.level.as_str(),
                alert.id.to_hex(),
                time(&alert.created)
            )));
            lines.push(Line::Text(format!("    Why: {}", alert.explanation)));
            for matched in &alert.matched {
                lines.push(Line::Text(format!(
                    "    {} = {}",
                    matched.field, matched.value
                )));
            }
        }
        lines.push(Line::Blank);
        lines.push(Line::Heading(format!("Notes ({})", self.notes.len())));
        for note in self.notes {
            let corrects = note
                .corrects
                .map(|c| format!(" (corrects note {c})"))
                .unwrap_or_default();
            lines.push(Line::Text(format!(
                "{}. {} {}{}: {}",
                note.seq,
                time(&note.at),
                note.author,
                corrects,
                note.text
            )));
        }
        lines.push(Line::Blank);
        lines.push(Line::Heading(format!("Links ({})", self.links.len())));
        for link in self.links {
            lines.push(Line::Text(format!(
                "{} {} (by {}, {})",
                link.kind.as_str(),
                link.target,
                link.by,
                time(&link.at)
            )));
        }
        lines
    }

    fn case_facts(&self) -> Vec<(&'static str, String)> {
        let case = self.case;
        let none = || "-".to_owned();
        vec![
            ("State", case.state.as_str().to_owned()),
            ("Subjects", case.subjects.join(", ")),
            (
                "Opened",
                format!("{} by {}", time(&case.created_at), case.created_by),
            ),
            (
                "Authorisation",
                match (&case.authorised_by, &case.authorised_at) {
                    (Some(by), Some(at)) => format!("{} by {by}", time(at)),
                    _ => none(),
                },
            ),
            ("Assigned to", case.assigned_to.clone().unwrap_or_else(none)),
            (
                "Legal hold",
                if case.legal_hold { "yes" } else { "no" }.to_owned(),
            ),
            (
                "Exported",
                format!("{} by {}", time(&self.exported_at), self.exported_by),
            ),
            ("Members of the public", self.content.clone()),
            ("This pack holds", self.holds.clone()),
        ]
    }
}
