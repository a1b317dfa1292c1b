//! `probity demo`: Probity's main job end to end on a simulated force.
//!
//! Simulates a force, starts the server, sends everything through the real ingest paths
//! (reference data over the API, sign-ins as NDJSON, Windows events through the Elasticsearch
//! `_bulk` API as Winlogbeat sends them, the records-system audit CSV and the mailbox by file
//! import), lets the live Sigma and insider detectors work through it, prints the top risks with
//! their explanations and where to look next, and keeps serving until stopped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use probity_insider::Kind;
use probity_server::{ServerConfig, Stores};
use probity_sim::{SimConfig, simulate};
use probity_store::sqlite::SqliteStore;
use probity_store::{AlertStore, EventStore, Scope, TokenStore};

use super::open_store;

/// The file that marks a folder as the demo's own, safe to wipe on the next run.
const MARKER: &str = ".probity-demo";
/// Lines per HTTP request.
const CHUNK_LINES: usize = 2_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The demo's folder (simulated force in `sim/`, Probity's data in `data/`). Wiped and
    /// rewritten on each run if an earlier demo made it; refused if it holds anything else.
    #[arg(long, default_value = "./probity-demo")]
    dir: PathBuf,
    /// Staff in the simulated force.
    #[arg(long, default_value_t = 500)]
    staff: usize,
    /// Days of activity.
    #[arg(long, default_value_t = 30)]
    days: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// HTTP listening address (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Sigma rules to run live as well (defaults to `rules/insider` when present).
    #[arg(long, value_name = "PATH")]
    rules: Option<PathBuf>,
    /// People shown in the risk list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Stop after printing the results instead of serving.
    #[arg(long)]
    exit: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    prepare(&args.dir)?;
    let sim = args.dir.join("sim");
    let data = args.dir.join("data");
    step(&format!(
        "Simulating a force of {} staff over {} days (seed {})",
        args.staff, args.days, args.seed
    ));
    let config = SimConfig {
        seed: args.seed,
        staff: args.staff,
        days: args.days,
        ..SimConfig::default()
    };
    let summary = simulate(&config, &sim).context("the simulation failed")?;
    println!(
        "   {} insiders injected; ground truth in {}",
        summary.insiders,
        sim.join("truth.json").display()
    );

    let store = open_store(&data)?;
    let (_, shipper) = store.create_token("demo-shipper", Scope::Ingest)?;
    let (_, admin) = store.create_token("demo-admin", Scope::Admin)?;
    let (_, reader) = store.create_token("demo-reader", Scope::Read)?;
    let (shipper, admin, reader) = (
        shipper.expose().to_owned(),
        admin.expose().to_owned(),
        reader.expose().to_owned(),
    );

    let accounts = create_accounts(&args.dir, &data, &store)?;
    let mut web = probity_server::WebConfig::new(data.clone());
    web.secure_cookies = false;
    let mut server_config = ServerConfig {
        web: Some(web),
        listen: args.listen,
        insider: Some(probity_insider::Policy::default()),
        ..ServerConfig::default()
    };
    let rules = args
        .rules
        .clone()
        .or_else(|| Some(PathBuf::from("rules/insider")).filter(|p| p.is_dir()));
    if let Some(rules) = &rules {
        let engine = super::sigma::load(
            &super::sigma::RuleArgs {
                rules: vec![rules.clone()],
                mappings: Vec::new(),
            },
            true,
        )?;
        server_config.rules = Some(Arc::new(engine));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("probity-serve")
        .build()
        .context("cannot start the async runtime")?;
    let server = runtime.block_on(probity_server::start(
        server_config,
        Stores::of(Arc::clone(&store)),
    ))?;
    let base = format!("http://{}", server.http_addr);
    println!("   serving on {base}");

    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .context("cannot build the HTTP client")?;

    step("Loading reference data over the API (PUT /api/v1/reference/{kind})");
    for kind in Kind::ALL {
        let file = sim.join("reference").join(format!("{}.csv", kind.name()));
        let body =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let response = client
            .put(format!("{base}/api/v1/reference/{}", kind.name()))
            .bearer_auth(&admin)
            .body(body)
            .send()?;
        let status = response.status();
        let text = response.text()?;
        if !status.is_success() {
            bail!("loading {kind} failed: {status} {text}");
        }
        println!("   {kind}: {text}");
    }

    let logs = sim.join("logs");
    step("Importing the records-system audit export (CSV with its mapping, as `probity ingest`)");
    import(
        &data,
        &[logs.join("records-audit.csv")],
        Some(&logs.join("records-audit.mapping.yaml")),
    )?;

    step("Sending sign-ins as NDJSON (POST /api/v1/events)");
    let sent = send_lines(
        &client,
        &format!("{base}/api/v1/events"),
        "Bearer",
        &shipper,
        &logs.join("signins.ndjson"),
        None,
    )?;
    println!("   {sent} events accepted");

    step("Sending Windows events as Winlogbeat does (POST /_bulk)");
    let sent = send_lines(
        &client,
        &format!("{base}/_bulk"),
        "ApiKey",
        &shipper,
        &logs.join("endpoint.ndjson"),
        Some("{\"create\":{\"_index\":\"winlogbeat-demo\"}}"),
    )?;
    println!("   {sent} events accepted");

    step("Importing the mailbox (MBOX)");
    import(&data, &[logs.join("mail.mbox")], None)?;

    step("Waiting for the live detectors to work through everything");
    wait_for_detectors(&store, rules.is_some())?;

    let (risks, now) = super::insider::risks(&store, &probity_insider::Policy::default())?;
    let alerts = store.alerts(&probity_store::AlertQuery {
        limit: usize::MAX >> 1,
        ..probity_store::AlertQuery::default()
    })?;
    step(&format!(
        "{} alerts; {} people with alerts. Top risks as at {}:",
        alerts.len(),
        risks.len(),
        now.format("%Y-%m-%d %H:%M UTC")
    ));
    for (rule, count) in probity_insider::detect::count_by_detection(&alerts) {
        println!("   {rule:<60} {count:>5}");
    }
    println!();
    super::insider::print_risks(&risks, args.top, 3);

    // The read token goes in an owner-only file that curl reads (`-H @FILE`), not on the
    // terminal, where it would stay in scroll-back and captured logs.
    let header_file = args.dir.join("reader.header");
    write_private(&header_file, &format!("Authorization: Bearer {reader}\n"))?;
    let data_arg = data.display();
    println!(
        "\nWhere to look next:\n\
         \x20 probity risk --data {data_arg} --top 25                 the whole risk list\n\
         \x20 probity alerts --data {data_arg} --rule relationship    one kind of alert, with its events\n\
         \x20 probity events --data {data_arg} --user ACCOUNT         everything one person did\n\
         \x20 probity eval --data {data_arg} --truth {}   how the detections score against the ground truth\n\
         \x20 probity audit verify --data {data_arg}                  the tamper-evident audit log\n\
         \x20 curl -H @{} '{base}/api/v1/alerts?limit=5'   the read API (token in that file)\n\
         \nDemo took {:.0} s.",
        sim.join("truth.json").display(),
        header_file.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "\nThe workbench: {base}/login  (accounts and passwords in {}; each enrols an authenticator at its first sign-in)",
        accounts.display()
    );
    if args.exit {
        runtime.block_on(server.shutdown(Duration::from_secs(10)));
        return Ok(ExitCode::SUCCESS);
    }
    println!("Probity is serving on {base}. Press Ctrl-C to stop.");
    runtime.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    runtime.block_on(server.shutdown(Duration::from_secs(10)));
    Ok(ExitCode::SUCCESS)
}

fn step(text: &str) {
    println!("\n== {text}");
}

/// Makes the demo folder, wiping an earlier demo's; refuses a folder that is not the demo's.
fn prepare(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).is_file() {
            bail!(
                "{} exists and was not made by `probity demo`; choose another --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by probity demo; removed on the next run\n",
    )?;
    Ok(())
}

/// Runs `probity ingest` on files, as a user would.
fn import(data: &Path, files: &[PathBuf], mapping: Option<&Path>) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the probity executable")?;
    let mut command = Command::new(exe);
    command.arg("ingest").arg("--data").arg(data);
    if let Some(mapping) = mapping {
        command.arg("--mapping").arg(mapping);
    }
    command.args(files);
    let status = command.status().context("cannot run probity ingest")?;
    if !status.success() {
        bail!("probity ingest failed ({status})");
    }
    Ok(())
}

/// Sends a file's lines in chunks, each line preceded by `action` when given (the `_bulk`
/// format). Returns the lines sent.
fn send_lines(
    client: &reqwest::blocking::Client,
    url: &str,
    scheme: &str,
    token: &str,
    file: &Path,
    action: Option<&str>,
) -> anyhow::Result<usize> {
    let reader = BufReader::new(
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let mut body = String::new();
    let mut in_body = 0;
    let mut sent = 0;
    let flush = |body: &mut String| -> anyhow::Result<()> {
        let response = client
            .post(url)
            .header("Authorization", format!("{scheme} {token}"))
            .header("Content-Type", "application/x-ndjson")
            .body(std::mem::take(body))
            .send()?;
        let status = response.status();
        let text = response.text()?;
        if !status.is_success() || text.contains("\"errors\":true") {
            bail!(
                "{url} refused a batch: {status} {}",
                text.chars().take(300).collect::<String>()
            );
        }
        Ok(())
    };
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(action) = action {
            body.push_str(action);
            body.push('\n');
        }
        body.push_str(&line);
        body.push('\n');
        in_body += 1;
        sent += 1;
        if in_body == CHUNK_LINES {
            flush(&mut body)?;
            in_body = 0;
        }
    }
    if in_body > 0 {
        flush(&mut body)?;
    }
    Ok(sent)
}

/// Waits until the detectors' cursors reach the end of the journal.
fn wait_for_detectors(store: &SqliteStore, sigma: bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut cursors = vec![super::insider::CURSOR];
    if sigma {
        cursors.push(probity_server::detector::CURSOR);
    }
    loop {
        let mut done = true;
        for cursor in &cursors {
            let at = store.cursor(cursor)?;
            if !store.read_journal(at, 1)?.is_empty() {
                done = false;
            }
        }
        if done {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the detectors did not finish within 30 minutes");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The human roles the demo makes one account for each.
const DEMO_ROLES: [probity_access::Role; 5] = [
    probity_access::Role::Administrator,
    probity_access::Role::Analyst,
    probity_access::Role::Investigator,
    probity_access::Role::AuthorisingOfficer,
    probity_access::Role::Auditor,
];

/// A random password of 20 letters and digits.
fn generate_password() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// One workbench account per human role, with generated passwords written to
/// `<dir>/accounts.txt` (mode 0600) and printed. Returns the file's path.
fn create_accounts(dir: &Path, data: &Path, store: &SqliteStore) -> anyhow::Result<PathBuf> {
    use probity_store::AuditStore as _;
    step("Creating one workbench account per role");
    let access = super::account::open_access(data)?;
    let by = super::account::operator();
    let mut lines = String::from("# Probity demo accounts: name, role, password\n");
    for role in DEMO_ROLES {
        let name = format!("demo-{}", role.as_str());
        let password = generate_password();
        let (_, action) = access
            .create_account(
                &by,
                &name,
                &format!("Demo {}", role.as_str()),
                probity_access::RoleSet::new([role]),
                Some(&password),
                chrono::Utc::now(),
            )
            .with_context(|| format!("cannot create the demo account {name}"))?;
        store.audit(action)?;
        println!("   {name:<32} {password}");
        lines.push_str(&format!("{name} {} {password}\n", role.as_str()));
    }
    let path = dir.join("accounts.txt");
    write_private(&path, &lines)?;
    Ok(path)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
