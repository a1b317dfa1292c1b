//! The `probity` command.

mod commands;
mod timearg;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: ingest allocates many small short-lived values; measured about 10-15% more events/s
/// over HTTP than the system allocator (see docs/ARCHITECTURE.md, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Probity: insider-threat monitoring and audit.
#[derive(Debug, Parser)]
#[command(name = "probity", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where Probity keeps its data.
#[derive(Debug, clap::Args)]
struct DataArg {
    /// The data directory.
    #[arg(long, env = "PROBITY_DATA", default_value = "./probity-data")]
    data: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Receive events over HTTP and syslog until stopped (Ctrl-C or SIGTERM).
    Serve(commands::serve::Args),
    /// Workbench accounts: create, list, disable, reset an authenticator.
    Account {
        #[command(subcommand)]
        command: commands::account::Command,
    },
    /// Ingest tokens for log shippers and scripts.
    Token {
        #[command(subcommand)]
        command: commands::token::Command,
    },
    /// Read files and folders of logs into the store.
    Ingest(commands::ingest::Args),
    /// Show stored events.
    Events(commands::events::Args),
    /// Show input that could not be decoded, with the reason.
    Deadletter(commands::deadletter::Args),
    /// Show alerts: rule, level, why, and the events they rest on.
    Alerts(commands::alerts::Args),
    /// Check Sigma rules, or run them over regression data.
    Rules {
        #[command(subcommand)]
        command: commands::rules::Command,
    },
    /// Run Sigma rules over files and folders of logs and print a timeline of detections.
    Hunt(commands::hunt::Args),
    /// The communications policies outside ingest: measure the abuse policy on labelled texts,
    /// or see what the stage would do with messages, storing nothing.
    Comms {
        #[command(subcommand)]
        command: commands::comms::Command,
    },
    /// Check or show the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: commands::audit::Command,
    },
    /// Cases of the workbench, and evidence pack checks.
    Case {
        #[command(subcommand)]
        command: commands::case::Command,
    },
    /// Retention periods and purging.
    Retention {
        #[command(subcommand)]
        command: commands::retention::Command,
    },
    /// Write a synthetic police force (reference data, logs and ground truth) for testing.
    Simulate(commands::simulate::Args),
    /// The main job end to end: simulate a force, ingest it through the real paths, run every
    /// detection, print the top risks with their explanations, and keep serving.
    Demo(commands::demo::Args),
    /// Load and list reference data: staff directory, rosters, tasking, watch lists, subjects.
    Reference {
        #[command(subcommand)]
        command: commands::reference::Command,
    },
    /// Run the insider detections over everything stored and store the alerts.
    Detect(commands::insider::DetectArgs),
    /// The per-person risk list, with the alerts behind each score.
    Risk(commands::insider::RiskArgs),
    /// Precision, recall and time to detect against a simulated force's ground truth.
    Eval(commands::insider::EvalArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet_default = !matches!(cli.command, Command::Serve(_));
    init_logging(quiet_default);
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Account { command } => commands::account::run(command),
        Command::Token { command } => commands::token::run(command),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Events(args) => commands::events::run(args),
        Command::Deadletter(args) => commands::deadletter::run(args),
        Command::Alerts(args) => commands::alerts::run(args),
        Command::Rules { command } => commands::rules::run(command),
        Command::Hunt(args) => commands::hunt::run(args),
        Command::Comms { command } => commands::comms::run(command),
        Command::Audit { command } => commands::audit::run(command),
        Command::Case { command } => commands::case::run(command),
        Command::Retention { command } => commands::retention::run(command),
        Command::Simulate(args) => commands::simulate::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Reference { command } => commands::reference::run(command),
        Command::Detect(args) => commands::insider::run_detect(args),
        Command::Risk(args) => commands::insider::run_risk(args),
        Command::Eval(args) => commands::insider::run_eval(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("probity: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr; `PROBITY_LOG` (or `RUST_LOG`) sets the level, `PROBITY_LOG_FORMAT=json`
/// gives one JSON object per line.
fn init_logging(quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = std::env::var("PROBITY_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_owned());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if std::env::var("PROBITY_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
