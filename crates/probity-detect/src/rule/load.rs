//! Reading rule files: every YAML document becomes a rule, a correlation, a filter, or a
//! [`RuleProblem`] that says where and why. Nothing is dropped silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};
use tracing::warn;

use super::detection::{self, DetectionError};
use super::meta::{Level, LogSource, Related, RuleInfo, SourceLocation};
use super::yaml::{self, opt_text, text_list};
use super::{ProblemKind, Rule, RuleProblem, RuleSet, correlation, filter};
use crate::modifiers::{BuildOptions, RegexLimits};

/// How to load rules. Defaults live here.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Values for `expand` placeholders (`Admins_Workstations` → host names). A rule using a
    /// placeholder with no values here is reported and skipped.
    pub placeholders: HashMap<String, Vec<String>>,
    /// Limits on regular expressions.
    pub regex: RegexLimits,
    /// Largest rule file read, in bytes.
    pub max_file_bytes: u64,
    /// Most YAML documents read from one file.
    pub max_documents: usize,
    /// Most rule files read in one load.
    pub max_files: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            placeholders: HashMap::new(),
            regex: RegexLimits::default(),
            max_file_bytes: 4 * 1024 * 1024,
            max_documents: 1_000,
            max_files: 100_000,
        }
    }
}

/// What a load gave: the rules that loaded and a problem for each that did not.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// The rules that loaded.
    pub rules: RuleSet,
    /// One problem per file or document that could not be used.
    pub problems: Vec<RuleProblem>,
    /// Rule files read.
    pub files: usize,
}

impl LoadReport {
    /// How many problems there are of each kind.
    pub fn counts_by_kind(&self) -> BTreeMap<ProblemKind, usize> {
        let mut counts = BTreeMap::new();
        for problem in &self.problems {
            *counts.entry(problem.kind).or_insert(0) += 1;
        }
        counts
    }

    /// Whether any problem left a rule or file out (lint fails on these).
    pub fn has_failures(&self) -> bool {
        self.problems.iter().any(|p| p.kind.skips_rule())
    }
}

impl RuleSet {
    /// Loads every `.yml` / `.yaml` file under the given files and folders (folders are walked
    /// in name order). Unreadable files and unusable rules are reported, never dropped silently.
    pub fn load<P: AsRef<Path>>(paths: &[P], options: &LoadOptions) -> LoadReport {
        let mut report = LoadReport::default();
        let mut files = Vec::new();
        for path in paths {
            collect_files(path.as_ref(), &mut files, &mut report.problems);
        }
        if files.len() > options.max_files {
            report.problems.push(RuleProblem {
                path: files[options.max_files].clone(),
                line: None,
                rule_id: None,
                kind: ProblemKind::TooLarge,
                reason: format!(
                    "{} rule files found; only the first {} are read",
                    files.len(),
                    options.max_files
                ),
            });
            files.truncate(options.max_files);
        }
        // Parsing YAML is most of the time: files are split into contiguous shares, one per core,
        // and the partial reports joined in file order, so the result is the same as one by one.
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let share = files.len().div_ceil(threads).max(1);
        let parts: Vec<LoadReport> = std::thread::scope(|scope| {
            let workers: Vec<_> = files
                .chunks(share)
                .map(|chunk| scope.spawn(move || load_files(chunk, options)))
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().unwrap_or_default())
                .collect()
        });
        for part in parts {
            report.files += part.files;
            report.rules.rules.extend(part.rules.rules);
            report.rules.correlations.extend(part.rules.correlations);
            report.rules.filters.extend(part.rules.filters);
            report.problems.extend(part.problems);
        }
        check_duplicates(&mut report);
        for problem in &report.problems {
            warn!(path = %problem.path.display(), line = problem.line, kind = %problem.kind, reason = %problem.reason, "rule not loaded");
        }
        report
    }

    /// Loads rules from text (`origin` names it in problems), without touching the file system.
    pub fn parse_str(origin: &str, text: &str, options: &LoadOptions) -> LoadReport {
        let mut report = LoadReport {
            files: 1,
            ..LoadReport::default()
        };
        load_text(Path::new(origin), text, options, &mut report);
        check_duplicates(&mut report);
        report
    }
}

/// Reads and parses a share of the rule files.
fn load_files(files: &[PathBuf], options: &LoadOptions) -> LoadReport {
    let mut report = LoadReport::default();
    for file in files {
        report.files += 1;
        match read_file(file, options.max_file_bytes) {
            Ok(text) => load_text(file, &text, options, &mut report),
            Err(problem) => report.problems.push(problem),
        }
    }
    report
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<RuleProblem>) {
    let io_problem = |error: std::io::Error| RuleProblem {
        path: path.to_owned(),
        line: None,
        rule_id: None,
        kind: ProblemKind::Io,
        reason: error.to_string(),
    };
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(error) => return problems.push(io_problem(error)),
    };
    if !metadata.is_dir() {
        files.push(path.to_owned());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => return problems.push(io_problem(error)),
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let is_dir = child.is_dir();
        let is_rule = child
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
        if is_dir {
            collect_files(&child, files, problems);
        } else if is_rule {
            files.push(child);
        }
    }
}

fn read_file(path: &Path, max_bytes: u64) -> Result<String, RuleProblem> {
    let problem = |kind, reason: String| RuleProblem {
        path: path.to_owned(),
        line: None,
        rule_id: None,
        kind,
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| problem(ProblemKind::Io, e.to_string()))?
        .len();
    if size > max_bytes {
        return Err(problem(
            ProblemKind::TooLarge,
            format!("file is {size} bytes, more than the limit of {max_bytes}"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| problem(ProblemKind::Io, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| problem(ProblemKind::Yaml, "file is not UTF-8".into()))
}

/// Context for the documents of one file.
struct FileContext<'a> {
    path: &'a Path,
    text: &'a str,
    options: &'a LoadOptions,
}

impl FileContext<'_> {
    fn problem(
        &self,
        line: Option<usize>,
        rule_id: Option<&str>,
        kind: ProblemKind,
        reason: impl Into<String>,
    ) -> RuleProblem {
        RuleProblem {
            path: self.path.to_owned(),
            line,
            rule_id: rule_id.map(str::to_owned),
            kind,
            reason: reason.into(),
        }
    }
}

fn load_text(path: &Path, text: &str, options: &LoadOptions, report: &mut LoadReport) {
    let context = FileContext {
        path,
        text,
        options,
    };
    // Nesting first: the YAML reader's time grows with the square of the nesting.
    if let Some(line) = probity_model::policy_text::nesting_beyond(
        text,
        probity_model::policy_text::MAX_POLICY_NESTING,
    ) {
        report.problems.push(context.problem(
            Some(line),
            None,
            ProblemKind::TooLarge,
            format!(
                "collections are nested more than {} deep; a rule needs a handful of levels",
                probity_model::policy_text::MAX_POLICY_NESTING
            ),
        ));
        return;
    }
    let starts = yaml::document_lines(text);
    let mut global: Option<Value> = None;
    let mut previous: Option<Value> = None;
    for (index, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let line = starts.get(index).copied().unwrap_or(1);
        if index >= options.max_documents {
            report.problems.push(context.problem(
                Some(line),
                None,
                ProblemKind::TooLarge,
                format!(
                    "more than {} YAML documents in one file",
                    options.max_documents
                ),
            ));
            return;
        }
        let value = match Value::deserialize(document) {
            Ok(value) => value,
            Err(error) => {
                let at = error.location().map(|l| l.line()).or(Some(line));
                report.problems.push(context.problem(
                    at,
                    None,
                    ProblemKind::Yaml,
                    error.to_string(),
                ));
                return;
            }
        };
        let Some(value) = apply_action(value, &mut global, &mut previous) else {
            continue;
        };
        load_document(&context, line, &value, report);
    }
}

/// Sigma v1 multi-document actions: `action: global` is merged into every later document,
/// `reset` forgets it, `repeat` repeats the previous document with changes. Returns the
/// document to load, if this one is a rule.
fn apply_action(
    value: Value,
    global: &mut Option<Value>,
    previous: &mut Option<Value>,
) -> Option<Value> {
    if value.is_null() {
        return None;
    }
    let action = value
        .as_mapping()
        .and_then(|m| m.get("action"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(map) = v.as_mapping_mut() {
            map.remove("action");
        }
        v
    };
    match action.as_deref() {
        Some("global") => {
            *global = Some(strip(&value));
            None
        }
        Some("reset") => {
            *global = None;
            None
        }
        Some("repeat") => {
            let base = previous.clone()?;
            let merged = yaml::merge(&base, &strip(&value));
            *previous = Some(merged.clone());
            Some(merged)
        }
        _ => {
            let merged = match global {
                Some(g) => yaml::merge(g, &value),
                None => value,
            };
            *previous = Some(merged.clone());
            Some(merged)
        }
    }
}

fn load_document(context: &FileContext<'_>, line: usize, value: &Value, report: &mut LoadReport) {
    let Some(doc) = value.as_mapping() else {
        report.problems.push(context.problem(
            Some(line),
            None,
            ProblemKind::NotARule,
            "document is not a map",
        ));
        return;
    };
    let info = match read_info(context, line, doc) {
        Ok(info) => Arc::new(info),
        Err(problem) => return report.problems.push(problem),
    };
    let id = info.id.clone();
    let options = BuildOptions {
        placeholders: Some(&context.options.placeholders),
        regex: context.options.regex,
    };
    let detection_problem = |error: DetectionError| {
        let at = error
            .near
            .as_deref()
            .and_then(|needle| yaml::find_line(context.text, line, needle))
            .or(Some(line));
        context.problem(at, Some(&id), error.kind, error.reason)
    };
    if doc.contains_key("correlation") {
        match correlation::parse(info.clone(), doc) {
            Ok(rule) => report.rules.correlations.push(rule),
            Err(reason) => {
                let at = yaml::find_line(context.text, line, "correlation:").or(Some(line));
                report.problems.push(context.problem(
                    at,
                    Some(&id),
                    ProblemKind::Structure,
                    reason,
                ));
            }
        }
        return;
    }
    if doc.contains_key("filter") {
        match filter::parse(info.clone(), doc, &options) {
            Ok(rule) => report.rules.filters.push(rule),
            Err(error) => report.problems.push(detection_problem(error)),
        }
        return;
    }
    let Some(section) = doc.get("detection") else {
        report.problems.push(context.problem(
            Some(line),
            Some(&id),
            ProblemKind::NotARule,
            "document has no `detection`, `correlation` or `filter`",
        ));
        return;
    };
    let Some(section) = section.as_mapping() else {
        report.problems.push(context.problem(
            Some(line),
            Some(&id),
            ProblemKind::Structure,
            "`detection` must be a map",
        ));
        return;
    };
    match detection::parse(section, &[], &options) {
        Ok(detection) => report.rules.rules.push(Rule { info, detection }),
        Err(error) => report.problems.push(detection_problem(error)),
    }
}

fn read_info(
    context: &FileContext<'_>,
    line: usize,
    doc: &Mapping,
) -> Result<RuleInfo, RuleProblem> {
    let structure =
        |reason: String| context.problem(Some(line), None, ProblemKind::Structure, reason);
    let title = opt_text(doc, "title")
        .map_err(structure)?
        .ok_or_else(|| structure("rule has no `title`".into()))?;
    let explicit_id = opt_text(doc, "id").map_err(structure)?;
    let level = match opt_text(doc, "level").map_err(structure)? {
        Some(text) => text.parse::<Level>().map_err(|reason| {
            let at = yaml::find_line(context.text, line, "level:");
            context.problem(at, explicit_id.as_deref(), ProblemKind::Structure, reason)
        })?,
        None => Level::Medium,
    };
    let logsource = match doc.get("logsource") {
        Some(Value::Mapping(map)) => LogSource {
            product: opt_text(map, "product").map_err(structure)?,
            category: opt_text(map, "category").map_err(structure)?,
            service: opt_text(map, "service").map_err(structure)?,
            definition: opt_text(map, "definition").map_err(structure)?,
        },
        None | Some(Value::Null) => LogSource::default(),
        Some(_) => return Err(structure("`logsource` must be a map".into())),
    };
    let related = match doc.get("related") {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(Value::as_mapping)
            .filter_map(|m| {
                Some(Related {
                    id: opt_text(m, "id").ok()??,
                    kind: opt_text(m, "type").ok()?.unwrap_or_default(),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(RuleInfo {
        id: explicit_id.clone().unwrap_or_else(|| title.clone()),
        has_id: explicit_id.is_some(),
        name: opt_text(doc, "name").map_err(structure)?,
        title,
        status: opt_text(doc, "status").map_err(structure)?,
        level,
        description: opt_text(doc, "description").map_err(structure)?,
        author: opt_text(doc, "author").map_err(structure)?,
        date: opt_text(doc, "date").map_err(structure)?,
        modified: opt_text(doc, "modified").map_err(structure)?,
        tags: text_list(doc, "tags").map_err(structure)?,
        references: text_list(doc, "references").map_err(structure)?,
        falsepositives: text_list(doc, "falsepositives").map_err(structure)?,
        fields: text_list(doc, "fields").map_err(structure)?,
        related,
        logsource,
        source: SourceLocation {
            path: context.path.to_owned(),
            line,
        },
    })
}

/// A second rule with an id already loaded is reported and left out.
fn check_duplicates(report: &mut LoadReport) {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(report.rules.rules.len());
    for rule in std::mem::take(&mut report.rules.rules) {
        if !rule.info.has_id || seen.insert(rule.info.id.clone()) {
            kept.push(rule);
            continue;
        }
        report.problems.push(RuleProblem {
            path: rule.info.source.path.clone(),
            line: Some(rule.info.source.line),
            rule_id: Some(rule.info.id.clone()),
            kind: ProblemKind::DuplicateId,
            reason: format!("another rule already has id {}", rule.info.id),
        });
    }
    report.rules.rules = kept;
}
