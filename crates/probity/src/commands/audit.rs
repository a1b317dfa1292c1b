//! `probity audit verify|show|checkpoint|export|verify-excerpt`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use probity_audit::{Signer, VerifyingKey};
use probity_store::AuditStore;

use super::open_store;
use crate::DataArg;

/// Largest excerpt file `verify-excerpt` reads.
const MAX_EXCERPT_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the audit chain from its first entry and every signed checkpoint: any edit,
    /// deletion or reordering is found, and where.
    Verify {
        #[command(flatten)]
        data: DataArg,
        /// The public key (hex) every checkpoint must be signed with. Default: the data
        /// directory's `audit-signing.pub`.
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// Print audit entries, oldest first, one JSON object per line.
    Show {
        #[command(flatten)]
        data: DataArg,
        /// Entries after this number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Sign a checkpoint of the log's current head (the server also does this periodically).
    Checkpoint {
        #[command(flatten)]
        data: DataArg,
    },
    /// Write entries FROM..=TO as a JSON excerpt with the proof that they belong to the signed
    /// log (a checkpoint is signed first). Recorded in the audit log.
    Export {
        #[command(flatten)]
        data: DataArg,
        /// The first entry (default 1).
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// The last entry (default: the last in the log).
        #[arg(long)]
        to: Option<u64>,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an exported excerpt: its entries chain to a checkpoint validly signed by the key.
    VerifyExcerpt {
        /// The excerpt (JSON, as `probity audit export` writes it).
        file: PathBuf,
        /// The log's published public key (hex). Without it the key in the excerpt is used, and
        /// its id printed for you to compare.
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify { data, public_key } => verify(&data.data, public_key.as_deref()),
        Command::Show { data, after, limit } => {
            let store = open_store(&data.data)?;
            for entry in store.audit_entries(after, limit)? {
                println!("{}", serde_json::to_string(&entry)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Checkpoint { data } => checkpoint(&data.data),
        Command::Export {
            data,
            from,
            to,
            out,
        } => export(&data.data, from, to, &out),
        Command::VerifyExcerpt { file, public_key } => verify_excerpt(&file, public_key.as_deref()),
    }
}

fn parse_key(text: &str, origin: &str) -> anyhow::Result<VerifyingKey> {
    probity_audit::parse_public_key(text).map_err(|reason| anyhow::anyhow!("{origin}: {reason}"))
}

/// The key checkpoints must be signed with: the one given, else the data directory's public key
/// file if there is one.
fn trusted_key(data: &Path, given: Option<&str>) -> anyhow::Result<Option<VerifyingKey>> {
    if let Some(text) = given {
        return parse_key(text, "--public-key").map(Some);
    }
    let path = data.join(probity_audit::PUBLIC_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_key(&text, &path.display().to_string()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn verify(data: &Path, public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let store = open_store(data)?;
    let trusted = trusted_key(data, public_key)?;
    let verified = match probity_store::verify_audit_with_key(&*store, trusted.as_ref())? {
        Ok(verified) => verified,
        Err(broken) => {
            println!("audit log BROKEN: {broken}");
            return Ok(ExitCode::from(1));
        }
    };
    println!(
        "audit log intact: {} entries and {} signed checkpoints verified; head {}",
        verified.entries, verified.checkpoints, verified.head
    );
    match &verified.last_checkpoint {
        Some(last) => println!(
            "last checkpoint: entry {} signed {} by key {}{}",
            last.seq,
            last.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            last.key_id,
            if trusted.is_some() {
                ""
            } else {
                " (no public key given or found: signatures checked against the stored keys only)"
            }
        ),
        None => println!("no signed checkpoints yet: sign one with `probity audit checkpoint`"),
    }
    if let Some(last) = &verified.last_checkpoint
        && last.seq < verified.entries
    {
        println!(
            "entries {} to {} are not yet covered by a signed checkpoint",
            last.seq + 1,
            verified.entries
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn open_signer(data: &Path) -> anyhow::Result<Signer> {
    Signer::open_or_create(data).context("cannot open the audit signing key")
}

fn checkpoint(data: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(data)?;
    let signer = open_signer(data)?;
    match store.checkpoint(&signer, chrono::Utc::now())? {
        Some(checkpoint) => println!(
            "signed checkpoint at entry {} (head {}) with key {}",
            checkpoint.seq, checkpoint.head, checkpoint.key_id
        ),
        None => println!("nothing new to sign: the head is already signed (or the log is empty)"),
    }
    Ok(ExitCode::SUCCESS)
}

fn export(data: &Path, from: u64, to: Option<u64>, out: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(data)?;
    let signer = open_signer(data)?;
    let last = probity_store::verify_audit(&*store)?
        .map_err(|broken| anyhow::anyhow!("the audit log is broken, not exporting: {broken}"))?
        .entries;
    if last == 0 {
        anyhow::bail!("the audit log is empty");
    }
    let to = to.unwrap_or(last);
    if from == 0 || from > to || to > last {
        anyhow::bail!("entries {from} to {to}: the log holds entries 1 to {last}");
    }
    store.audit(probity_audit::Action {
        time: chrono::Utc::now(),
        actor: super::actor::cli_actor(),
        action: "audit.export".into(),
        target: "audit".into(),
        details: serde_json::json!({"from": from, "to": to, "out": out.display().to_string()}),
    })?;
    store.checkpoint(&signer, chrono::Utc::now())?;
    let excerpt = store.audit_excerpt(from, to)?;
    let text = serde_json::to_vec_pretty(&excerpt)?;
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote entries {from} to {to} with proof to the checkpoint at entry {} (key {}) to {}",
        excerpt.checkpoint.as_ref().map_or(0, |c| c.seq),
        signer.key_id(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_excerpt(file: &Path) -> anyhow::Result<probity_audit::Excerpt> {
    let handle =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut bytes = Vec::new();
    handle
        .take(MAX_EXCERPT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", file.display()))?;
    if bytes.len() as u64 > MAX_EXCERPT_FILE_BYTES {
        anyhow::bail!(
            "{} is larger than {MAX_EXCERPT_FILE_BYTES} bytes",
            file.display()
        );
    }
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not an audit excerpt", file.display()))
}

fn verify_excerpt(file: &Path, public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let excerpt = match read_excerpt(file) {
        Ok(excerpt) => excerpt,
        Err(error) => {
            println!("excerpt NOT verified: {error:#}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(text) = public_key {
        let trusted = parse_key(text, "--public-key")?;
        if excerpt.public_key.trim() != probity_audit::public_key_hex(&trusted) {
            println!(
                "excerpt NOT verified: it is not signed with the key given (key id {})",
                probity_audit::key_id(&trusted)
            );
            return Ok(ExitCode::from(1));
        }
    }
    let verified = match probity_audit::verify_excerpt(&excerpt) {
        Ok(verified) => verified,
        Err(reason) => {
            println!("excerpt NOT verified: {reason}");
            return Ok(ExitCode::from(1));
        }
    };
    let (Some(checkpoint), Some(key_id)) = (&verified.checkpoint, &verified.key_id) else {
        println!(
            "excerpt NOT verified: entries {} to {} are consistent but no signed checkpoint covers them",
            verified.first, verified.last
        );
        return Ok(ExitCode::from(1));
    };
    println!(
        "excerpt verified: entries {} to {} ({} entries) belong to the log signed at entry {} on {} by key {key_id}",
        verified.first,
        verified.last,
        verified.entries,
        checkpoint.seq,
        checkpoint
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    if public_key.is_none() {
        println!("compare key {key_id} with the key the log's keeper published");
    }
    Ok(ExitCode::SUCCESS)
}
