//! One module per subcommand.

pub mod account;
pub mod actor;
pub mod alerts;
pub mod audit;
pub mod case;
pub mod comms;
pub mod deadletter;
pub mod demo;
pub mod events;
pub mod hunt;
pub mod ingest;
pub mod insider;
pub mod reference;
pub mod retention;
pub mod rules;
pub mod serve;
pub mod sigma;
pub mod simulate;
pub mod token;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use probity_store::sqlite::SqliteStore;

/// Reads a policy or settings file given on the command line (YAML), refusing one over
/// [`probity_model::policy_text::MAX_POLICY_BYTES`] before it is read and one nested too deeply
/// before it is parsed, with the file named.
pub fn read_policy_file(path: &Path) -> anyhow::Result<String> {
    let limit = probity_model::policy_text::MAX_POLICY_BYTES;
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > limit as u64 {
        anyhow::bail!(
            "{}: the file is {size} bytes; the limit is {limit}",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    probity_model::policy_text::check_policy_text(&text, limit)
        .map_err(|reason| anyhow::anyhow!("{}: {reason}", path.display()))?;
    Ok(text)
}

/// Opens the store in the data directory, with a message that names it on failure.
pub fn open_store(data: &Path) -> anyhow::Result<Arc<SqliteStore>> {
    let store = SqliteStore::open(data)
        .with_context(|| format!("cannot open the data directory {}", data.display()))?;
    Ok(Arc::new(store))
}

/// The communications stage for a data directory (its seal key and `policy/` files), knowing
/// each member of staff's personal address from the stored staff directory, so that mail to the
/// sender's own address is classed as such. A running `probity serve` puts a staff directory
/// loaded over its API in force at once, one loaded beside it within seconds, and reads it again
/// with the policies on SIGHUP.
pub fn open_comms(data: &Path) -> anyhow::Result<probity_comms::CommsStage> {
    let store = open_store(data)?;
    let stage = open_comms_with(data, &*store)?;
    warn_of_empty_list(&stage);
    Ok(stage)
}

/// Reading text in attached images by OCR (`--ocr`).
#[derive(Debug, Clone, clap::Args)]
pub struct OcrArg {
    /// Read text in attached images (screenshots, photographed pages) by OCR with Tesseract,
    /// run as a separate process per image (Debian: tesseract-ocr and tesseract-ocr-eng). Off
    /// by default: images are noted as not read.
    #[arg(long)]
    ocr: bool,
    /// The Tesseract program, where it is not `tesseract` on PATH.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "tesseract",
        requires = "ocr"
    )]
    ocr_program: PathBuf,
    /// The language OCR reads (Tesseract's code).
    #[arg(long, value_name = "CODE", default_value = "eng", requires = "ocr")]
    ocr_language: String,
}

impl OcrArg {
    /// The OCR settings asked for, checked by running the program: none when `--ocr` was not
    /// given; an error when the program or its language cannot be run.
    pub fn load(&self) -> anyhow::Result<Option<probity_ingest::attach::Ocr>> {
        if !self.ocr {
            return Ok(None);
        }
        let ocr = probity_ingest::attach::Ocr {
            program: self.ocr_program.clone(),
            language: self.ocr_language.clone(),
            ..probity_ingest::attach::Ocr::default()
        };
        let version = ocr
            .check()
            .map_err(|reason| anyhow::anyhow!("--ocr: {reason}"))?;
        eprintln!(
            "note: text in attached images is read by OCR ({version}, language {})",
            ocr.language
        );
        Ok(Some(ocr))
    }
}

/// Says on standard error, loudly, that the exclusion list protects nobody, where it does not.
pub fn warn_of_empty_list(stage: &probity_comms::CommsStage) {
    if let Some(warning) = probity_comms::policy_record::empty_list_warning(stage) {
        eprintln!("WARNING: {warning}");
    }
}

/// As [`open_comms`], reading the staff directory from a store already open.
pub fn open_comms_with(
    data: &Path,
    reference: &dyn probity_store::ReferenceStore,
) -> anyhow::Result<probity_comms::CommsStage> {
    let stage = probity_comms::CommsStage::open(data).with_context(|| {
        format!(
            "cannot load the communications policies for {}",
            data.display()
        )
    })?;
    Ok(stage.with_staff(personal_addresses(reference)?))
}

/// Work address → personal address of every member of staff in the stored staff directory.
pub(crate) fn personal_addresses(
    reference: &dyn probity_store::ReferenceStore,
) -> anyhow::Result<probity_privacy::recipients::StaffPersonalAddresses> {
    probity_server::staff_personal_addresses(reference).map_err(anyhow::Error::msg)
}
