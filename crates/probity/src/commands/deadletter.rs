//! `probity deadletter`.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use probity_model::RawKept;
use probity_store::EventStore;

use super::open_store;
use crate::DataArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Show at most this many, most recent first.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// One JSON object per line, with the raw input as kept: at most 64 KiB of a mail over the
    /// message size limit, at most 1 MiB (max_event_bytes) of a line or row over the event size
    /// limit, never more than 16 MiB (raw_len gives the size received); for a message, the
    /// sealed item, or nothing when it was with a protected party (raw_kept says which).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data.data)?;
    let letters = store.dead_letters(args.limit)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for stored in &letters {
        let letter = &stored.letter;
        if args.json {
            let mut value = serde_json::to_value(letter)?;
            value["seq"] = json!(stored.seq);
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
            continue;
        }
        let preview: String = match letter.raw_kept {
            RawKept::Clear => String::from_utf8_lossy(&letter.raw)
                .chars()
                .take(120)
                .flat_map(char::escape_debug)
                .collect(),
            RawKept::Sealed => "sealed: a message that could not be decoded, so it may hold \
                               protected content; encrypted with the data directory's seal key \
                               and not shown (see docs/messages.md, \"Bad input\")"
                .to_owned(),
            RawKept::Withheld => "not kept (see the reason)".to_owned(),
        };
        writeln!(
            out,
            "#{} {} {} {}{}\n    reason: {}\n    raw ({} bytes): {}",
            stored.seq,
            letter.received.format("%Y-%m-%d %H:%M:%S UTC"),
            letter.source,
            letter.format.map(|f| f.as_str()).unwrap_or("?"),
            letter
                .location
                .as_deref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default(),
            letter.reason,
            letter.raw_len,
            preview
        )?;
    }
    if letters.is_empty() && !args.json {
        eprintln!("dead-letter is empty");
    }
    Ok(ExitCode::SUCCESS)
}
