//! The wrongful-disclosure policy: protective markings, identifiers that single out a person, or
//! bulk personal data, in a message's subject, body or attachment text, sent to a recipient outside
//! the force's control (the sender's own personal address, personal webmail, press, an unknown
//! external domain). Internal and partner-agency recipients never fire it.
//!
//! The policy is YAML ([`DisclosurePolicy`]); the defaults ship in the crate
//! (`policy/disclosure.yaml`, [`DEFAULT_POLICY_YAML`]).

use std::collections::BTreeMap;

use probity_model::{Attachment, Email, Event, Finding, Level, Span};
use serde::{Deserialize, Serialize};

use crate::addresses::Addresses;
use crate::bulk::{self, BulkCounter, BulkThresholds};
use crate::correspondents::Correspondents;
use crate::identifiers::{IdKind, IdMatch, Identifiers};
use crate::markings::{self, Classification, Marking, Markings};
use crate::names::Names;
use crate::recipients::{
    Recipient, RecipientClass, RecipientPolicy, Recipients, StaffPersonalAddresses,
};
use crate::{Error, Result, text};

/// The policy shipped with Probity.
pub const DEFAULT_POLICY_YAML: &str = include_str!("../policy/disclosure.yaml");

/// The policy name findings carry.
pub const POLICY: &str = "disclosure";

/// The policy as written in YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosurePolicy {
    /// The file format version (1).
    pub version: u32,
    /// Domain lists recipients are classed by.
    pub recipients: RecipientPolicy,
    /// Recipient classes that take a message outside the force's control.
    pub outside: Vec<RecipientClass>,
    /// Severity per classification; a classification left out does not fire.
    pub markings: BTreeMap<Classification, Level>,
    /// When identifiers that single out a person make a finding.
    pub identifiers: IdentifierRule,
    /// When bulk personal data makes a finding.
    pub bulk: BulkRule,
    /// When data files attached to a message make a finding, whatever their text.
    #[serde(default)]
    pub attachments: AttachmentRule,
    /// Press recipients raise each finding's severity by one level.
    #[serde(default)]
    pub press_raises_severity: bool,
    /// How much of a message is read.
    #[serde(default)]
    pub limits: Limits,
}

/// Data files (exports, spreadsheets, archives) attached to a message sent outside. Judged by
/// the file's name and declared media type, so it works where no text could be extracted, and by
/// its text where one was: a table renamed `export.dat` is still a data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRule {
    /// File extensions (without the dot, any case).
    pub extensions: Vec<String>,
    /// Media types (any case, parameters ignored) that mark a data file whatever its name.
    #[serde(default)]
    pub media_types: Vec<String>,
    /// Whether an attachment whose text reads as a table (rows of three or more comma- or
    /// tab-separated fields, see [`bulk::looks_delimited`]) is a data file whatever its name.
    #[serde(default = "yes")]
    pub tables_by_content: bool,
    /// The severity of the finding.
    pub severity: Level,
}

fn yes() -> bool {
    true
}

impl Default for AttachmentRule {
    fn default() -> Self {
        Self {
            extensions: Vec::new(),
            media_types: Vec::new(),
            tables_by_content: true,
            severity: Level::Medium,
        }
    }
}

impl AttachmentRule {
    /// Why an attachment counts as a data file (`None` when it does not): its extension, its
    /// media type or its text. The name's own extension is used where the decoder gave none.
    fn data_file_reason(&self, attachment: &Attachment) -> Option<&'static str> {
        let file = &attachment.file;
        let extension = file.extension.as_deref().or_else(|| {
            file.name
                .as_deref()
                .and_then(|name| name.rsplit_once('.').map(|(_, ext)| ext))
        });
        if extension.is_some_and(|ext| self.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
        {
            return Some("by its name");
        }
        let media_type = file
            .mime_type
            .as_deref()
            .map(|mime| mime.split(';').next().unwrap_or(mime).trim());
        if media_type.is_some_and(|mime| {
            self.media_types
                .iter()
                .any(|listed| listed.eq_ignore_ascii_case(mime))
        }) {
            return Some("a data file by its media type");
        }
        if self.tables_by_content
            && attachment
                .text
                .as_deref()
                .is_some_and(bulk::looks_delimited)
        {
            return Some("a table by its content");
        }
        None
    }
}

/// When identifiers alone make a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierRule {
    /// The kinds that count.
    pub kinds: Vec<IdKind>,
    /// How many (of one kind) make a finding.
    pub min_count: usize,
    /// The severity of the finding (before any press raise).
    pub severity: Level,
}

/// When bulk personal data makes a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRule {
    /// The severity of the finding (before any press raise).
    pub severity: Level,
    #[serde(default)]
    /// When a message holds bulk personal data.
    pub thresholds: BulkThresholds,
}

/// How much of a message is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Bytes of each text read (the rest is ignored, and the finding says so).
    pub max_text_bytes: usize,
    /// Attachments read per message.
    pub max_attachments: usize,
    /// Evidence spans kept per finding.
    pub max_spans: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_text_bytes: 2_000_000,
            max_attachments: 50,
            max_spans: 20,
        }
    }
}

impl DisclosurePolicy {
    /// The policy shipped with Probity.
    pub fn defaults() -> Result<Self> {
        Self::from_yaml("the default disclosure policy", DEFAULT_POLICY_YAML)
    }

    /// Reads and checks a policy; `what` names it in errors (a file path).
    pub fn from_yaml(what: &str, yaml: &str) -> Result<Self> {
        crate::error::check_policy_yaml(what, yaml)?;
        let policy: Self = serde_yaml_ng::from_str(yaml).map_err(|source| Error::Yaml {
            what: what.to_owned(),
            source,
        })?;
        policy.validate(what)?;
        Ok(policy)
    }

    fn validate(&self, what: &str) -> Result<()> {
        let invalid = |reason: &str| Error::Invalid {
            what: what.to_owned(),
            reason: reason.to_owned(),
        };
        if self.version != 1 {
            return Err(invalid(&format!(
                "version {} is not supported (this Probity reads version 1)",
                self.version
            )));
        }
        let lists = [
            ("internal_domains", &self.recipients.internal_domains),
            ("partner_domains", &self.recipients.partner_domains),
            ("webmail_domains", &self.recipients.webmail_domains),
            ("press_domains", &self.recipients.press_domains),
        ];
        for (name, list) in lists {
            if let Some(problem) = list
                .iter()
                .find_map(|domain| crate::domains::domain_entry_problem(domain))
            {
                return Err(invalid(&format!("recipients.{name}: {problem}")));
            }
        }
        if self.recipients.internal_domains.is_empty() {
            return Err(invalid(
                "recipients.internal_domains is empty: every recipient would be external",
            ));
        }
        if self.outside.contains(&RecipientClass::Internal)
            || self.outside.contains(&RecipientClass::Partner)
        {
            return Err(invalid("outside may not list internal or partner"));
        }
        if self.identifiers.min_count == 0 {
            return Err(invalid("identifiers.min_count must be at least 1"));
        }
        Ok(())
    }
}

/// One text of a message, with the field name spans use.
struct Part<'a> {
    field: String,
    text: &'a str,
    /// Whether the file's name or type says delimited text ([`bulk::tables_in`] reads it so).
    is_csv: bool,
    is_subject: bool,
    truncated: bool,
}

/// Applies a [`DisclosurePolicy`] to messages. Build once and share: construction compiles every
/// pattern.
#[derive(Debug, Clone)]
pub struct Disclosure {
    policy: DisclosurePolicy,
    recipients: Recipients,
    identifiers: Identifiers,
    markings: Markings,
    names: Names,
    addresses: Addresses,
}

impl Disclosure {
    /// A checker for `policy`.
    pub fn new(policy: DisclosurePolicy) -> Result<Self> {
        Ok(Self {
            recipients: Recipients::new(policy.recipients.clone()),
            identifiers: Identifiers::new()?,
            markings: Markings::new()?,
            names: Names::new()?,
            addresses: Addresses::new()?,
            policy,
        })
    }

    /// A checker for the shipped policy.
    pub fn with_defaults() -> Result<Self> {
        Self::new(DisclosurePolicy::defaults()?)
    }

    /// The policy in force.
    pub fn policy(&self) -> &DisclosurePolicy {
        &self.policy
    }

    /// The recipient classifier the policy uses.
    pub fn recipients(&self) -> &Recipients {
        &self.recipients
    }

    /// Findings for an email event; none for other events.
    pub fn check_event(&self, event: &Event, staff: &StaffPersonalAddresses) -> Vec<Finding> {
        event
            .email
            .as_ref()
            .map_or_else(Vec::new, |email| self.check(email, staff))
    }

    /// Findings for one message.
    pub fn check(&self, email: &Email, staff: &StaffPersonalAddresses) -> Vec<Finding> {
        self.check_read(&Correspondents::of(email), staff)
    }

    /// [`Disclosure::check`] of a message whose correspondents are already read (the
    /// exclusion list read them first).
    pub fn check_read(
        &self,
        correspondents: &Correspondents<'_>,
        staff: &StaffPersonalAddresses,
    ) -> Vec<Finding> {
        let email = correspondents.email();
        let outside_class = |class| self.policy.outside.contains(&class);
        if !self
            .recipients
            .any_recipient_read(correspondents, staff, outside_class)
        {
            return Vec::new();
        }
        let all = self.recipients.classify_email(email, staff);
        let outside: Vec<&Recipient> = all
            .iter()
            .filter(|r| self.policy.outside.contains(&r.class))
            .collect();
        if outside.is_empty() {
            return Vec::new();
        }
        let to_press = outside.iter().any(|r| r.class == RecipientClass::Press);
        let raise = to_press && self.policy.press_raises_severity;
        let parts = self.parts(email);
        let recipients_words = describe_recipients(&outside, all.len());
        let truncated_note = truncated_note(&parts);

        let mut findings = Vec::new();
        let mut marking_hits: Vec<(usize, Marking)> = Vec::new();
        let mut id_hits: Vec<(usize, IdMatch)> = Vec::new();
        let mut counter = BulkCounter::new();
        // Names and street addresses (both written in capitalised words) are only worth finding
        // where there could be enough of them (over all parts).
        let thresholds = &self.policy.bulk.thresholds;
        let enough = thresholds.min_names.max(thresholds.min_addresses);
        let mut pairs = 0;
        for part in &parts {
            if pairs >= enough {
                break;
            }
            pairs += crate::names::capitalised_pairs(part.text, enough - pairs);
        }
        // Where there are enough pairs, names are found only if enough of the pairs could start
        // one (a pass that costs less than finding them).
        let find_names = thresholds.min_names > 0 && pairs >= thresholds.min_names && {
            let mut starts = 0;
            for part in &parts {
                if starts >= thresholds.min_names {
                    break;
                }
                starts += self
                    .names
                    .name_starts(part.text, thresholds.min_names - starts);
            }
            starts >= thresholds.min_names
        };
        let find_addresses = thresholds.min_addresses > 0 && pairs >= thresholds.min_addresses;
        for (index, part) in parts.iter().enumerate() {
            let found_markings = if part.is_subject {
                self.markings.in_subject(part.text)
            } else {
                self.markings.in_text(part.text)
            };
            marking_hits.extend(found_markings.into_iter().map(|m| (index, m)));
            let found_ids = self.identifiers.find(part.text);
            counter.add_identifiers(part.text, &found_ids);
            id_hits.extend(found_ids.into_iter().map(|m| (index, m)));
            if find_names {
                counter.add_names(part.text, &self.names.find(part.text));
            }
            if find_addresses {
                counter.add_addresses(part.text, &self.addresses.find(part.text));
            }
            if part.field.starts_with("attachment:") {
                for table in bulk::tables_in(part.text, part.is_csv) {
                    counter.add_csv(table, self.policy.bulk.thresholds.max_csv_rows_read);
                }
            }
        }

        if let Some(finding) = self.marking_finding(&parts, &marking_hits, raise, &recipients_words)
        {
            findings.push(finding);
        }
        findings.extend(self.identifier_findings(&parts, &id_hits, raise, &recipients_words));
        if let Some(finding) = self.attachment_finding(email, raise, &recipients_words) {
            findings.push(finding);
        }
        let reasons = counter.counts().reasons(&self.policy.bulk.thresholds);
        if !reasons.is_empty() {
            let spans = self.spans(&parts, id_hits.iter().map(|(i, m)| (*i, m.start, m.end)));
            findings.push(Finding {
                policy: POLICY.to_owned(),
                category: "bulk_personal_data".to_owned(),
                severity: raised(self.policy.bulk.severity, raise),
                spans,
                why: format!(
                    "Bulk personal data sent to {recipients_words}: {}.{truncated_note}",
                    reasons.join("; ")
                ),
                score: None,
            });
        }
        for finding in &mut findings {
            if !finding.why.ends_with(&truncated_note) {
                finding.why.push_str(&truncated_note);
            }
        }
        findings
    }

    fn marking_finding(
        &self,
        parts: &[Part<'_>],
        hits: &[(usize, Marking)],
        raise: bool,
        recipients_words: &str,
    ) -> Option<Finding> {
        let all: Vec<Marking> = hits.iter().map(|(_, m)| m.clone()).collect();
        let top = markings::highest(&all)?;
        let severity = *self.policy.markings.get(&top.classification)?;
        let wheres = where_words(parts, hits.iter().map(|(i, _)| *i));
        let spans = self.spans(parts, hits.iter().map(|(i, m)| (*i, m.start, m.end)));
        Some(Finding {
            policy: POLICY.to_owned(),
            category: "protective_marking".to_owned(),
            severity: raised(severity, raise),
            spans,
            why: format!(
                "A message marked {} was sent to {recipients_words}; the marking is in {wheres}.",
                top.describe()
            ),
            score: None,
        })
    }

    fn attachment_finding(
        &self,
        email: &Email,
        raise: bool,
        recipients_words: &str,
    ) -> Option<Finding> {
        let rule = &self.policy.attachments;
        let files: Vec<String> = email
            .attachments
            .iter()
            .take(self.policy.limits.max_attachments)
            .filter_map(|attachment| {
                let reason = rule.data_file_reason(attachment)?;
                let name = attachment.file.name.as_deref().unwrap_or("unnamed");
                Some(if reason == "by its name" {
                    name.to_owned()
                } else {
                    format!("{name}: {reason}")
                })
            })
            .collect();
        if files.is_empty() {
            return None;
        }
        let count = files.len();
        let plural = if count == 1 { "" } else { "s" };
        Some(Finding {
            policy: POLICY.to_owned(),
            category: "data_file_attachment".to_owned(),
            severity: raised(rule.severity, raise),
            spans: Vec::new(),
            why: format!(
                "{count} data file{plural} ({}) attached to a message sent to {recipients_words}.",
                files
                    .iter()
                    .take(5)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            score: None,
        })
    }

    fn identifier_findings(
        &self,
        parts: &[Part<'_>],
        hits: &[(usize, IdMatch)],
        raise: bool,
        recipients_words: &str,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for kind in &self.policy.identifiers.kinds {
            let of_kind: Vec<&(usize, IdMatch)> =
                hits.iter().filter(|(_, m)| m.kind == *kind).collect();
            if of_kind.len() < self.policy.identifiers.min_count {
                continue;
            }
            let wheres = where_words(parts, of_kind.iter().map(|(i, _)| *i));
            let count = of_kind.len();
            let plural = if count == 1 { "" } else { "s" };
            findings.push(Finding {
                policy: POLICY.to_owned(),
                category: kind.name().to_owned(),
                severity: raised(self.policy.identifiers.severity, raise),
                spans: self.spans(parts, of_kind.iter().map(|(i, m)| (*i, m.start, m.end))),
                why: format!(
                    "{count} {}{plural} sent to {recipients_words}; found in {wheres}.",
                    kind.label()
                ),
                score: None,
            });
        }
        findings
    }

    fn spans(
        &self,
        parts: &[Part<'_>],
        hits: impl Iterator<Item = (usize, usize, usize)>,
    ) -> Vec<Span> {
        hits.take(self.policy.limits.max_spans)
            .filter_map(|(index, start, end)| {
                let part = parts.get(index)?;
                Some(text::span(&part.field, part.text, start, end))
            })
            .collect()
    }

    /// The texts of a message, each cut at the limit.
    fn parts<'a>(&self, email: &'a Email) -> Vec<Part<'a>> {
        let limit = self.policy.limits.max_text_bytes;
        let cut = |text: &'a str| -> (&'a str, bool) {
            if text.len() <= limit {
                return (text, false);
            }
            (&text[..text::floor_boundary(text, limit)], true)
        };
        let mut parts = Vec::new();
        if let Some(subject) = &email.subject {
            let (text, truncated) = cut(subject);
            parts.push(Part {
                field: "email.subject".to_owned(),
                text,
                is_csv: false,
                is_subject: true,
                truncated,
            });
        }
        if let Some(body) = &email.body {
            let (text, truncated) = cut(body);
            parts.push(Part {
                field: "email.body".to_owned(),
                text,
                is_csv: false,
                is_subject: false,
                truncated,
            });
        }
        for attachment in email
            .attachments
            .iter()
            .take(self.policy.limits.max_attachments)
        {
            let Some(content) = &attachment.text else {
                continue;
            };
            let name = attachment.file.name.as_deref().unwrap_or("unnamed");
            let (text, truncated) = cut(content);
            parts.push(Part {
                field: format!("attachment:{name}"),
                text,
                is_csv: bulk::is_csv_name(
                    attachment.file.name.as_deref(),
                    attachment.file.mime_type.as_deref(),
                ),
                is_subject: false,
                truncated,
            });
        }
        parts
    }
}

fn raised(level: Level, raise: bool) -> Level {
    if !raise {
        return level;
    }
    match level {
        Level::Informational => Level::Low,
        Level::Low => Level::Medium,
        Level::Medium => Level::High,
        Level::High | Level::Critical => Level::Critical,
    }
}

/// "pat@gmail.com (personal webmail) and desk@thesun.co.uk (press or media), 1 of 3 recipients".
fn describe_recipients(outside: &[&Recipient], total: usize) -> String {
    let listed: Vec<String> = outside
        .iter()
        .take(10)
        .map(|r| format!("{} ({})", r.address, r.class.label()))
        .collect();
    let mut words = listed.join(", ");
    if outside.len() > listed.len() {
        words.push_str(&format!(" and {} more", outside.len() - listed.len()));
    }
    if total > outside.len() {
        words.push_str(&format!(
            " ({} of {total} recipients are outside the force)",
            outside.len()
        ));
    }
    words
}

/// "the subject and attachment:list.csv".
fn where_words(parts: &[Part<'_>], indexes: impl Iterator<Item = usize>) -> String {
    let mut fields: Vec<&str> = Vec::new();
    for index in indexes {
        let Some(part) = parts.get(index) else {
            continue;
        };
        let word = match part.field.as_str() {
            "email.subject" => "the subject",
            "email.body" => "the body",
            other => other,
        };
        if !fields.contains(&word) {
            fields.push(word);
        }
    }
    match fields.split_last() {
        None => "the message".to_owned(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn truncated_note(parts: &[Part<'_>]) -> String {
    let cut: Vec<&str> = parts
        .iter()
        .filter(|p| p.truncated)
        .map(|p| p.field.as_str())
        .collect();
    if cut.is_empty() {
        return String::new();
    }
    format!(
        " Only the first part of {} was read (size limit).",
        cut.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy_loads() {
        let policy = DisclosurePolicy::defaults().unwrap();
        assert_eq!(policy.version, 1);
        assert!(
            policy
                .recipients
                .webmail_domains
                .contains(&"gmail.com".to_owned())
        );
        assert_eq!(
            policy.markings.get(&Classification::Secret),
            Some(&Level::Critical)
        );
    }

    #[test]
    fn bad_policies_are_refused_with_a_reason() {
        let yaml = DEFAULT_POLICY_YAML.replace("version: 1", "version: 7");
        let error = DisclosurePolicy::from_yaml("test.yaml", &yaml)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("test.yaml") && error.contains("version 7"),
            "{error}"
        );
        let yaml = DEFAULT_POLICY_YAML.replace("press_raises_severity", "press_raise");
        assert!(DisclosurePolicy::from_yaml("x", &yaml).is_err());
        let yaml = DEFAULT_POLICY_YAML.replace("outside: [", "outside: [internal, ");
        assert!(DisclosurePolicy::from_yaml("x", &yaml).is_err());
    }

    #[test]
    fn severity_raise() {
        assert_eq!(raised(Level::Medium, true), Level::High);
        assert_eq!(raised(Level::Critical, true), Level::Critical);
        assert_eq!(raised(Level::Low, false), Level::Low);
    }
}
