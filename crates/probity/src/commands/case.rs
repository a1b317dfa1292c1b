//! `probity case list|show|verify-pack`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use probity_case::{CaseFilter, CaseState, Workbench, evidence};

use crate::DataArg;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List cases, newest first.
    List {
        #[command(flatten)]
        data: DataArg,
        /// Only cases in this state (proposed, authorised, investigating, closed, refused).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one case with its notes and links.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// The case id (`C-000123`).
        id: String,
    },
    /// Check an evidence pack against its manifest: exit 0 if intact, 1 naming every file that is
    /// missing, added or changed.
    VerifyPack {
        /// The pack (a ZIP file).
        file: PathBuf,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::List { data, state, limit } => list(&data, state.as_deref(), limit),
        Command::Show { data, id } => show(&data, &id),
        Command::VerifyPack { file } => verify_pack(&file),
    }
}

fn open_workbench(data: &DataArg) -> anyhow::Result<Workbench> {
    Workbench::open(&data.data).with_context(|| {
        format!(
            "cannot open the workbench database in {}",
            data.data.display()
        )
    })
}

fn list(data: &DataArg, state: Option<&str>, limit: usize) -> anyhow::Result<ExitCode> {
    let state = state.map(str::parse::<CaseState>).transpose()?;
    let bench = open_workbench(data)?;
    let cases = bench.cases(&CaseFilter {
        state,
        limit,
        ..CaseFilter::default()
    })?;
    if cases.is_empty() {
        println!("no cases");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<9} {:<13} {:<5} {:<20} TITLE",
        "CASE", "STATE", "HOLD", "OPENED"
    );
    for case in cases {
        println!(
            "{:<9} {:<13} {:<5} {:<20} {}",
            case.id,
            case.state.as_str(),
            if case.legal_hold { "yes" } else { "" },
            case.created_at.format("%Y-%m-%d %H:%M"),
            case.title
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(data: &DataArg, id: &str) -> anyhow::Result<ExitCode> {
    let bench = open_workbench(data)?;
    let case = bench.case(id)?;
    println!("{}: {}", case.id, case.title);
    println!("state:       {}", case.state);
    println!("subjects:    {}", case.subjects.join(", "));
    println!(
        "opened:      {} by {}",
        case.created_at.to_rfc3339(),
        case.created_by
    );
    if let (Some(by), Some(at)) = (&case.authorised_by, &case.authorised_at) {
        println!("decided:     {} by {by}", at.to_rfc3339());
    }
    if let Some(assigned) = &case.assigned_to {
        println!("assigned to: {assigned}");
    }
    println!(
        "legal hold:  {}",
        if case.legal_hold { "yes" } else { "no" }
    );
    if !case.summary.is_empty() {
        println!("summary:     {}", case.summary);
    }
    let notes = bench.notes(&case.id)?;
    println!("notes ({}):", notes.len());
    for note in notes {
        let corrects = note
            .corrects
            .map(|c| format!(" (corrects {c})"))
            .unwrap_or_default();
        println!(
            "  {}. {} {}{corrects}: {}",
            note.seq,
            note.at.to_rfc3339(),
            note.author,
            note.text
        );
    }
    let links = bench.links(&case.id)?;
    println!("links ({}):", links.len());
    for link in links {
        println!("  {} {} (by {})", link.kind.as_str(), link.target, link.by);
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_pack(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let report = match evidence::verify(file) {
        Ok(report) => report,
        Err(error @ probity_case::Error::Io { .. }) => {
            return Err(error)
                .with_context(|| format!("cannot read the evidence pack {}", file.display()));
        }
        Err(error) => {
            println!("evidence pack FAILED verification: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    if report.ok() {
        println!(
            "evidence pack intact: {} files match {}",
            report.checked,
            evidence::MANIFEST_SHA256
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("evidence pack FAILED verification");
    for path in &report.changed {
        println!("  changed: {path}");
    }
    for path in &report.missing {
        println!("  missing: {path}");
    }
    for path in &report.extra {
        println!("  not in the manifest: {path}");
    }
    for problem in &report.problems {
        println!("  {problem}");
    }
    Ok(ExitCode::from(1))
}
