//! The abuse policy: which categories, which severities, what the context rules do, and the
//! classifier thresholds. YAML; the shipped defaults are `policy/abuse.yaml` ([`Policy::defaults`]).

use std::collections::BTreeMap;
use std::path::Path;

use probity_model::Level;
use serde::Deserialize;

use crate::lexicon::Category;
use crate::{Error, Result};

const DEFAULT_POLICY: &str = include_str!("../policy/abuse.yaml");
/// Largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 256 << 10;

/// One category's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryPolicy {
    /// Whether the category is scanned.
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Lexicon hits in the category below this severity (after context) are dropped.
    #[serde(default = "lowest", deserialize_with = "level")]
    pub min_severity: Level,
}

impl Default for CategoryPolicy {
    fn default() -> Self {
        CategoryPolicy {
            enabled: true,
            min_severity: Level::Informational,
        }
    }
}

/// What a context rule does to a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Lower the severity to the rule's level (never raise it).
    Downgrade,
    /// Drop the hit (it is listed in the scan report as suppressed).
    Suppress,
    /// Do not apply the rule.
    Ignore,
}

/// One context rule's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// What the rule does.
    pub action: Action,
    /// The severity a downgraded hit gets.
    #[serde(default = "low", deserialize_with = "level")]
    pub level: Level,
}

/// The context rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextPolicy {
    /// Quoted or reported speech.
    pub reported_speech: Rule,
    /// Negated threats, harassment and insults.
    pub negation: Rule,
    /// Reclaimed terms used in self-reference.
    pub reclaimed: Rule,
    /// Words in the earlier messages quoted below a reply (`From:`/`Sent:`, `-----Original
    /// Message-----`, `On … wrote:`, `>`), which the sender of the reply may not have written.
    /// Left out of a policy file: lowered to informational.
    #[serde(default = "quoted_history_rule")]
    pub quoted_history: Rule,
}

fn quoted_history_rule() -> Rule {
    Rule {
        action: Action::Downgrade,
        level: Level::Informational,
    }
}

impl Default for ContextPolicy {
    fn default() -> Self {
        ContextPolicy {
            reported_speech: Rule {
                action: Action::Downgrade,
                level: Level::Low,
            },
            negation: Rule {
                action: Action::Downgrade,
                level: Level::Informational,
            },
            reclaimed: Rule {
                action: Action::Downgrade,
                level: Level::Low,
            },
            quoted_history: quoted_history_rule(),
        }
    }
}

/// A classifier's threshold: a number, or `model` for the one chosen at training time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// This probability.
    Fixed(f32),
    /// The model's own validation-chosen threshold.
    Model,
}

/// One classifier's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPolicy {
    /// Whether the model runs.
    pub enabled: bool,
    /// The probability at which it reports.
    pub threshold: Threshold,
    /// The finding's category.
    pub category: Category,
    /// The finding's severity.
    pub severity: Level,
    /// For a text of more than 128 words that does not reach `threshold` as a whole: the
    /// probability at which its best passage of 60 words, scored alone, reports (`None`: long
    /// texts are scored whole only).
    pub passage_threshold: Option<f32>,
    /// The fewest words (runs of letters and digits) a text needs for the model's score to
    /// count (0: any). A text of two or three words gives a model trained on sentences almost
    /// nothing to go on, and its score swings on whichever word it knows.
    pub min_words: u32,
    /// Where not empty, the model's score counts only in a text that holds one of these words
    /// (the misogyny model: words for women, girls, sex or gender). A model trained on posts
    /// about women reads a text about something else by the words it happens to share with them
    /// ("Got me a crappy laptop", 0.71).
    pub needs_words: NeedsWords,
}

/// The words of [`ModelPolicy::needs_words`], normalised as the scanner normalises text: whole
/// words, and stems (written with a trailing `*`) that match the start of a word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedsWords {
    words: std::collections::BTreeSet<String>,
    stems: Vec<String>,
}

impl NeedsWords {
    /// The list as written in the policy (`women`, `girl*`). An entry that normalises to no word,
    /// or to more than one, is refused.
    fn new(written: &[String]) -> std::result::Result<Self, String> {
        let mut list = NeedsWords::default();
        for entry in written {
            let (word, stem) = match entry.trim().strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (entry.trim(), false),
            };
            let normalised = crate::normalise(word);
            let normalised = normalised.as_str().trim();
            if normalised.is_empty() || normalised.contains(' ') {
                return Err(format!(
                    "needs_words entry {entry:?} is not one word once normalised ({normalised:?})"
                ));
            }
            if stem {
                list.stems.push(normalised.to_owned());
            } else {
                list.words.insert(normalised.to_owned());
            }
        }
        Ok(list)
    }

    /// Whether no words are asked for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.stems.is_empty()
    }

    /// Whether `text` (normalised) holds one of the words; true when none are asked for.
    pub fn found_in(&self, text: &crate::Normalised) -> bool {
        self.is_empty()
            || text.as_str().split(' ').any(|word| {
                !word.is_empty()
                    && (self.words.contains(word)
                        || self
                            .stems
                            .iter()
                            .any(|stem| word.starts_with(stem.as_str())))
            })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRepr {
    #[serde(default = "enabled")]
    enabled: bool,
    threshold: serde_yaml_ng::Value,
    category: Category,
    #[serde(deserialize_with = "level")]
    severity: Level,
    #[serde(default)]
    passage_threshold: Option<f32>,
    #[serde(default)]
    min_words: u32,
    #[serde(default)]
    needs_words: Vec<String>,
}

/// Per-field limits, and the time a message's texts may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Text beyond this many bytes is not scanned.
    pub max_text_bytes: usize,
    /// At most this many findings per field.
    pub max_findings: usize,
    /// The longest, in milliseconds, the texts of one message (subject, body, attachments) are
    /// scanned for. The communications stage checks it before each text of a message with more
    /// than 64 KiB of text (a text begun is finished: it is at most `max_text_bytes`); the texts
    /// after it are not scanned for abuse, and the message is labelled with what was left.
    #[serde(default = "default_message_scan_millis")]
    pub max_message_scan_millis: u64,
}

/// Ordinary mail scans at about 100 MB/s, so only a message of hundreds of megabytes of text, or
/// of text built to be slow, reaches this.
const DEFAULT_MESSAGE_SCAN_MILLIS: u64 = 2_000;

fn default_message_scan_millis() -> u64 {
    DEFAULT_MESSAGE_SCAN_MILLIS
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_bytes: 4 << 20,
            max_findings: 100,
            max_message_scan_millis: DEFAULT_MESSAGE_SCAN_MILLIS,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRepr {
    version: u32,
    #[serde(default)]
    categories: BTreeMap<Category, CategoryPolicy>,
    #[serde(default, deserialize_with = "optional_level")]
    min_severity: Option<Level>,
    #[serde(default)]
    context: ContextPolicy,
    #[serde(default)]
    models: BTreeMap<String, ModelRepr>,
    #[serde(default)]
    limits: Limits,
}

/// The validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Settings per category (every category present).
    pub categories: BTreeMap<Category, CategoryPolicy>,
    /// Findings below this severity are dropped.
    pub min_severity: Level,
    /// The context rules.
    pub context: ContextPolicy,
    /// The abusive-language classifier, if configured.
    pub abusive: Option<ModelPolicy>,
    /// The misogyny classifier, if configured.
    pub misogyny: Option<ModelPolicy>,
    /// Per-field limits.
    pub limits: Limits,
}

impl Policy {
    /// The shipped policy (`policy/abuse.yaml`).
    pub fn defaults() -> Result<Policy> {
        Policy::from_yaml("policy/abuse.yaml", DEFAULT_POLICY)
    }

    /// A policy file.
    pub fn from_path(path: &Path) -> Result<Policy> {
        let read_error = |source| Error::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_POLICY_BYTES {
            return Err(Error::invalid(
                path.display().to_string(),
                format!("file is {size} bytes; the limit is {MAX_POLICY_BYTES}"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        Policy::from_yaml(&path.display().to_string(), &text)
    }

    /// A policy from YAML text; `name` is used in errors.
    pub fn from_yaml(name: &str, yaml: &str) -> Result<Policy> {
        // Size and nesting first: the YAML reader's time grows with the square of the nesting.
        probity_model::policy_text::check_policy_text(yaml, MAX_POLICY_BYTES as usize)
            .map_err(|reason| Error::invalid(name, reason))?;
        let repr: PolicyRepr =
            serde_yaml_ng::from_str(yaml).map_err(|e| Error::invalid(name, e))?;
        if repr.version != 1 {
            return Err(Error::invalid(
                name,
                format!("policy version {} is not supported (1 is)", repr.version),
            ));
        }
        let mut categories = repr.categories;
        for category in Category::ALL {
            categories.entry(category).or_default();
        }
        let mut abusive = None;
        let mut misogyny = None;
        for (model, settings) in repr.models {
            let settings = model_policy(name, &model, settings)?;
            match model.as_str() {
                "abusive" => abusive = Some(settings),
                "misogyny" => misogyny = Some(settings),
                other => {
                    return Err(Error::invalid(
                        name,
                        format!("unknown model {other:?} (abusive, misogyny)"),
                    ));
                }
            }
        }
        if repr.limits.max_text_bytes == 0
            || repr.limits.max_findings == 0
            || repr.limits.max_message_scan_millis == 0
        {
            return Err(Error::invalid(name, "limits must be above zero"));
        }
        Ok(Policy {
            categories,
            min_severity: repr.min_severity.unwrap_or(Level::Informational),
            context: repr.context,
            abusive,
            misogyny,
            limits: repr.limits,
        })
    }

    /// The settings of a category.
    pub fn category(&self, category: Category) -> CategoryPolicy {
        self.categories.get(&category).copied().unwrap_or_default()
    }
}

fn model_policy(name: &str, model: &str, repr: ModelRepr) -> Result<ModelPolicy> {
    let threshold = match &repr.threshold {
        serde_yaml_ng::Value::String(s) if s == "model" => Threshold::Model,
        serde_yaml_ng::Value::Number(n) => {
            let value = n.as_f64().unwrap_or(-1.0) as f32;
            if !(0.0..=1.0).contains(&value) {
                return Err(Error::invalid(
                    name,
                    format!("model {model}: threshold {value} is not between 0 and 1"),
                ));
            }
            Threshold::Fixed(value)
        }
        other => {
            return Err(Error::invalid(
                name,
                format!("model {model}: threshold {other:?} is not a number or `model`"),
            ));
        }
    };
    if let Some(value) = repr.passage_threshold
        && !(value > 0.0 && value <= 1.0)
    {
        return Err(Error::invalid(
            name,
            format!("model {model}: passage_threshold {value} is not above 0 and at most 1"),
        ));
    }
    let needs_words = NeedsWords::new(&repr.needs_words)
        .map_err(|problem| Error::invalid(name, format!("model {model}: {problem}")))?;
    Ok(ModelPolicy {
        enabled: repr.enabled,
        threshold,
        category: repr.category,
        severity: repr.severity,
        passage_threshold: repr.passage_threshold,
        min_words: repr.min_words,
        needs_words,
    })
}

fn enabled() -> bool {
    true
}

fn lowest() -> Level {
    Level::Informational
}

fn low() -> Level {
    Level::Low
}

fn level<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Level, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|_| serde::de::Error::custom(format!("unknown severity {text:?}")))
}

fn optional_level<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Level>, D::Error> {
    level(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy_loads() {
        let policy = Policy::defaults().unwrap();
        assert_eq!(policy.categories.len(), Category::ALL.len());
        assert!(policy.abusive.as_ref().unwrap().enabled);
        assert_eq!(policy.context.negation.level, Level::Informational);
    }

    #[test]
    fn bad_policies_are_errors_that_say_why() {
        let err = Policy::from_yaml("p", "version: 2")
            .unwrap_err()
            .to_string();
        assert!(err.contains("version 2"), "{err}");
        let yaml = "version: 1\nmodels:\n  abusive: { threshold: 1.5, category: racist, severity: high }\n";
        assert!(
            Policy::from_yaml("p", yaml)
                .unwrap_err()
                .to_string()
                .contains("between 0 and 1")
        );
        assert!(Policy::from_yaml("p", "version: 1\ncategories:\n  rude: {}\n").is_err());
        let passage = "version: 1\nmodels:\n  misogyny: { threshold: 0.3, category: misogynistic, severity: low, passage_threshold: 1.5 }\n";
        let err = Policy::from_yaml("p", passage).unwrap_err().to_string();
        assert!(err.contains("passage_threshold 1.5"), "{err}");
        let no_time = "version: 1\nlimits:\n  max_text_bytes: 10\n  max_findings: 1\n  max_message_scan_millis: 0\n";
        let err = Policy::from_yaml("p", no_time).unwrap_err().to_string();
        assert!(err.contains("limits must be above zero"), "{err}");
    }

    #[test]
    fn left_out_fields_take_defaults() {
        let policy = Policy::from_yaml("p", "version: 1\n").unwrap();
        assert!(policy.category(Category::Racist).enabled);
        assert!(policy.abusive.is_none());
        // A force's policy written before the time limit existed keeps working, with the default.
        let older = "version: 1\nlimits:\n  max_text_bytes: 10\n  max_findings: 1\n";
        let policy = Policy::from_yaml("p", older).unwrap();
        assert_eq!(policy.limits.max_message_scan_millis, 2_000);
        assert_eq!(Policy::defaults().unwrap().limits, Limits::default());
        // Passages are scored only where a policy asks.
        let shipped = Policy::defaults().unwrap();
        assert_eq!(shipped.misogyny.unwrap().passage_threshold, None);
        let asked = "version: 1\nmodels:\n  misogyny: { threshold: 0.3, category: misogynistic, severity: low, passage_threshold: 0.6 }\n";
        let asked = Policy::from_yaml("p", asked).unwrap();
        assert_eq!(asked.misogyny.unwrap().passage_threshold, Some(0.6));
        // The misogyny model's score counts from six words; the abusive model's from any.
        let shipped = Policy::defaults().unwrap();
        assert_eq!(shipped.misogyny.as_ref().unwrap().min_words, 6);
        assert_eq!(shipped.abusive.as_ref().unwrap().min_words, 0);
        let needs = &shipped.misogyny.as_ref().unwrap().needs_words;
        assert!(!needs.is_empty());
        assert!(shipped.abusive.as_ref().unwrap().needs_words.is_empty());
        let words = |text: &str| needs.found_in(&crate::normalise(text));
        assert!(words("the WOMEN on the team"));
        assert!(words("girlfriends")); // the stem girl*
        assert!(words("h3r car")); // normalised like the text
        assert!(!words("Got me a crappy laptop"));
        assert!(!words("tomwhore")); // a stem matches the start of a word only
        let bad = "version: 1\nmodels:\n  misogyny: { threshold: 0.3, category: misogynistic, severity: low, needs_words: [\"two words\"] }\n";
        let err = Policy::from_yaml("p", bad).unwrap_err().to_string();
        assert!(err.contains("not one word"), "{err}");
    }

    /// A deeply nested policy is refused before the YAML reader, whose time grows with the
    /// square of the nesting, reads it (audit 2, defect 3).
    #[test]
    fn a_deeply_nested_policy_is_refused_before_it_is_parsed() {
        let deep = format!(
            "version: 1\ncategories: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = Policy::from_yaml("abuse.yaml", &deep)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("nested more than 64 deep (line 2)"),
            "{error}"
        );
        assert!(error.contains("abuse.yaml"), "{error}");
        let lexicon = format!(
            "category: threat\nentries: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = crate::Lexicon::from_sources(&[("threat.yaml", &lexicon)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("threat.yaml"), "{error}");
        assert!(error.contains("nested more than 64 deep"), "{error}");
    }
}
