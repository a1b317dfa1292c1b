//! Masking for analyst-facing views: the personal data of members of the public (names, addresses,
//! phone numbers, non-staff email addresses, dates of birth, identifiers) in message content and
//! in the evidence of content alerts is replaced by placeholders such as `[person]` before it is
//! shown. Staff names and addresses, known from the staff directory, are left as they are.

use probity_model::{Alert, Event};
use probity_privacy::identifiers::IdKind;
use probity_privacy::masking::{MaskKind, Masker};

use crate::Result;

/// The alert rule kind content alerts carry.
const CONTENT_KIND: &str = "content";

/// The prefix of a field naming an attachment's text (`attachment:<file name>`).
const ATTACHMENT_FIELD: &str = "attachment:";

/// The prefix of a disclosure alert's rule id (`disclosure/<category>`).
const DISCLOSURE_RULE: &str = "disclosure/";

/// Masks what analysts see.
#[derive(Debug)]
pub struct Redactor {
    masker: Masker,
}

/// Who counts as staff: names, email addresses, and the force's own mail domains.
#[derive(Debug, Default, Clone)]
pub struct StaffDirectory {
    pub names: Vec<String>,
    pub addresses: Vec<String>,
    pub domains: Vec<String>,
}

impl Redactor {
    /// A redactor that leaves `staff` unmasked.
    pub fn new(staff: &StaffDirectory) -> Result<Redactor> {
        let masker = Masker::new(&staff.names, &staff.addresses, &staff.domains)?;
        Ok(Redactor { masker })
    }

    /// Masks an event's message content: subject, body and attachment text, and the decoder's
    /// copies of them in `original`; and the display names beside its addresses, as the
    /// headers in `original` are masked.
    pub fn event(&self, event: &mut Event) {
        let Some(email) = event.email.as_mut() else {
            return;
        };
        for name in &mut email.display_names {
            let masked = self.masker.mask(name.as_str()).text;
            name.replace(masked);
        }
        for text in [email.subject.as_mut(), email.body.as_mut()]
            .into_iter()
            .flatten()
        {
            *text = self.masker.mask(text).text;
        }
        for attachment in &mut email.attachments {
            if let Some(text) = attachment.text.as_mut() {
                *text = self.masker.mask(text).text;
            }
            // A file's name can name a member of the public ("Karen Whitfield PX123456B.txt").
            for name in [attachment.file.name.as_mut(), attachment.file.path.as_mut()]
                .into_iter()
                .flatten()
            {
                *name = self.masker.mask(name).text;
            }
        }
        if let Some(file) = event.file.as_mut() {
            for name in [file.name.as_mut(), file.path.as_mut()]
                .into_iter()
                .flatten()
            {
                *name = self.masker.mask(name).text;
            }
        }
        mask_strings(&mut event.original, &self.masker, 0);
        if let Some(message) = event.message.as_mut() {
            *message = self.masker.mask(message).text;
        }
    }

    /// Masks the parties to a message who are members of the public, for views that show people
    /// as written (the command line, the read API): a sender, recipient or account that is a
    /// non-staff email address, a phone number, or a member of the public's name is replaced by
    /// its placeholder (a device export's incoming message has the caller as its sender). Staff,
    /// known from the staff directory and the force's domains, stay as they are. Events that are
    /// not messages are left alone. The workbench shows every person as a pseudonym instead, made
    /// from the identity as written, and does not call this.
    pub fn parties(&self, event: &mut Event) {
        if event.email.is_none() {
            return;
        }
        for (_, identity) in event.identities_mut() {
            let masked = self.masker.mask(identity.as_str());
            if !masked.masked.is_empty() {
                identity.replace(masked.text);
            }
        }
    }

    /// Masks a content alert's user where it is a member of the public, for views that show
    /// people as written (the command line, the read API, evidence packs), as
    /// [`Redactor::parties`] masks a message's: a content alert's user is the message's sender,
    /// who for an incoming text message or mail from outside the force is a member of the
    /// public. Staff stay as they are; the workbench shows a pseudonym instead and does not call
    /// this.
    pub fn alert_user(&self, alert: &mut Alert) {
        if alert.rule.kind != CONTENT_KIND {
            return;
        }
        if let Some(user) = alert.user.as_mut() {
            let masked = self.masker.mask(user.as_str());
            if !masked.masked.is_empty() {
                user.replace(masked.text);
            }
        }
    }

    /// Masks members of the public in one text (unsealed content, for one).
    pub fn text(&self, text: &str) -> String {
        self.masker.mask(text).text
    }

    /// Masks a field name that names an attachment (`attachment:<file name>`); any other as it is.
    pub fn field(&self, field: &str) -> String {
        match field.strip_prefix(ATTACHMENT_FIELD) {
            Some(name) => format!("{ATTACHMENT_FIELD}{}", self.masker.mask(name).text),
            None => field.to_owned(),
        }
    }

    /// Masks the quoted content in a content alert's explanation and evidence, and attachment
    /// names in its fields. The evidence of a disclosure of an identifier (a date of birth, an NHS
    /// number) is the identifier itself, and is shown as its placeholder (`[dob]`) even where it
    /// would not be recognised alone (a date without the "born" before it).
    pub fn alert(&self, alert: &mut Alert) {
        if alert.rule.kind != CONTENT_KIND {
            return;
        }
        alert.explanation = self.masker.mask(&alert.explanation).text;
        let identifier = alert
            .rule
            .id
            .strip_prefix(DISCLOSURE_RULE)
            .and_then(|category| IdKind::ALL.into_iter().find(|k| k.name() == category));
        for matched in &mut alert.matched {
            matched.field = self.field(&matched.field);
            matched.value = match identifier {
                Some(kind) => MaskKind::Identifier(kind).placeholder().to_owned(),
                None => self.masker.mask(&matched.value).text,
            };
        }
    }
}

/// Masks every string in a JSON map, to a bounded depth.
fn mask_strings(
    map: &mut serde_json::Map<String, serde_json::Value>,
    masker: &Masker,
    depth: usize,
) {
    for value in map.values_mut() {
        mask_value(value, masker, depth);
    }
}

fn mask_value(value: &mut serde_json::Value, masker: &Masker, depth: usize) {
    const MAX_DEPTH: usize = 32;
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        serde_json::Value::String(text) => *text = masker.mask(text).text,
        serde_json::Value::Array(items) => {
            for item in items {
                mask_value(item, masker, depth + 1);
            }
        }
        serde_json::Value::Object(map) => mask_strings(map, masker, depth + 1),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use probity_model::{Email, EventId, Format, Identity, Provenance};

    /// A redactor for a force of one member of staff, Jane Smith, and its mail domain.
    fn jane_smith_s_force() -> Redactor {
        let staff = StaffDirectory {
            names: vec!["Jane Smith".into()],
            addresses: vec!["jane.smith@force.police.uk".into()],
            domains: vec!["force.police.uk".into()],
        };
        Redactor::new(&staff).unwrap()
    }

    fn provenance(format: Format) -> Provenance {
        Provenance {
            id: EventId::from_bytes([1; 16]),
            source: "test".into(),
            format,
            ingested: chrono::Utc::now(),
            location: None,
        }
    }

    #[test]
    fn members_of_the_public_are_masked_and_staff_are_not() {
        let redactor = jane_smith_s_force();
        let mut event = Event::new(chrono::Utc::now(), provenance(Format::Eml));
        event.email = Some(Email {
            from: vec![Identity::new("jane.smith@force.police.uk")],
            display_names: vec![
                Identity::new("Jane Smith"),
                Identity::new("Mrs Sarah Connolly"),
            ],
            body: Some(
                "Jane Smith spoke to Mrs Sarah Connolly at 14 Acacia Avenue, NS4 7QD, on 07700 900123 (sarah.c@gmail.com)."
                    .into(),
            ),
            ..Email::default()
        });
        redactor.event(&mut event);
        let email = event.email.unwrap();
        let names: Vec<&str> = email.display_names.iter().map(Identity::as_str).collect();
        assert_eq!(names[0], "Jane Smith");
        assert!(!names[1].contains("Connolly"), "{names:?}");
        let body = email.body.unwrap();
        assert!(body.contains("Jane Smith"), "{body}");
        for private in ["Connolly", "07700 900123", "sarah.c@gmail.com", "NS4 7QD"] {
            assert!(!body.contains(private), "{private} shown: {body}");
        }
    }

    /// A device export's incoming text has the caller as its sender: their number and name are
    /// masked as a message's parties, with a non-staff recipient; staff stay; an event that is
    /// not a message is left alone.
    #[test]
    fn members_of_the_public_among_a_message_s_parties_are_masked() {
        use probity_model::User;
        let redactor = jane_smith_s_force();
        let mut event = Event::new(chrono::Utc::now(), provenance(Format::Sms));
        event.user = Some(User {
            name: Some(Identity::new("07700 900123")),
            full_name: Some(Identity::new("Mrs Sarah Connolly")),
            ..User::default()
        });
        event.email = Some(Email {
            from: vec![Identity::new("07700 900123")],
            to: vec![
                Identity::new("jane.smith@force.police.uk"),
                Identity::new("sarah.c@gmail.com"),
            ],
            ..Email::default()
        });
        redactor.parties(&mut event);
        let user = event.user.as_ref().unwrap();
        assert_eq!(user.name.as_ref().unwrap().as_str(), "[phone]");
        assert!(
            !user
                .full_name
                .as_ref()
                .unwrap()
                .as_str()
                .contains("Connolly"),
            "{user:?}"
        );
        let email = event.email.as_ref().unwrap();
        assert_eq!(email.from[0].as_str(), "[phone]");
        assert_eq!(email.to[0].as_str(), "jane.smith@force.police.uk");
        assert!(!email.to[1].as_str().contains("sarah.c"), "{email:?}");

        // Not a message: a sign-in's account is left as it is.
        let mut signin = Event::new(chrono::Utc::now(), provenance(Format::Ndjson));
        signin.user = Some(User {
            full_name: Some(Identity::new("Mrs Sarah Connolly")),
            ..User::default()
        });
        redactor.parties(&mut signin);
        assert_eq!(
            signin.user.unwrap().full_name.unwrap().as_str(),
            "Mrs Sarah Connolly"
        );
    }

    /// A UK number written `44…` with no `+` (as a Cellebrite export writes its parties), or in
    /// the other forms mail writes, is masked as a party, in the decoder's copy and in the body.
    #[test]
    fn uk_numbers_written_without_the_plus_are_masked() {
        let redactor = jane_smith_s_force();
        let mut event = Event::new(chrono::Utc::now(), provenance(Format::Csv));
        event.email = Some(Email {
            from: vec![Identity::new("447700900001")],
            to: vec![Identity::new("447700912345")],
            body: Some(
                "Ring 447700912345, 00447700 912345, +44 (0)7700 912345 or 07700-912-345; \
                 order 123456789012 of 06.05.2024 at 10.30, £4,477.00."
                    .into(),
            ),
            ..Email::default()
        });
        event
            .original
            .insert("To".into(), "447700912345 Karen".into());
        redactor.event(&mut event);
        redactor.parties(&mut event);
        let shown = serde_json::to_string(&event).unwrap();
        for number in ["4477009", "912345", "900001"] {
            assert!(!shown.contains(number), "{number} shown: {shown}");
        }
        let email = event.email.as_ref().unwrap();
        assert_eq!(email.from[0].as_str(), "[phone]");
        assert_eq!(email.to[0].as_str(), "[phone]");
        assert_eq!(
            email.body.as_deref(),
            Some(
                "Ring [phone], [phone], [phone] or [phone]; order 123456789012 of 06.05.2024 \
                 at 10.30, £4,477.00."
            )
        );
    }

    #[test]
    fn alert_evidence_and_attachment_names_are_masked() {
        use probity_model::{AlertId, AlertRule, Level, MatchedField};
        let redactor = Redactor::new(&StaffDirectory::default()).unwrap();
        let rule = AlertRule {
            kind: CONTENT_KIND.into(),
            id: "disclosure/date_of_birth".into(),
            title: "t".into(),
            tags: Vec::new(),
        };
        let mut alert = Alert {
            id: AlertId::derive(&rule, &[]),
            created: chrono::Utc::now(),
            rule,
            level: Level::High,
            explanation:
                "1 date of birth sent\nattachment:Karen Whitfield PX123456B.txt: …born 12/03/1985…"
                    .into(),
            matched: vec![MatchedField {
                field: "attachment:Karen Whitfield PX123456B.txt".into(),
                value: "12/03/1985".into(),
            }],
            events: Vec::new(),
            user: None,
            host: None,
        };
        alert.user = Some("447700912345".into());
        let mut staff_alert = alert.clone();
        redactor.alert(&mut alert);
        assert_eq!(alert.matched[0].value, "[dob]");
        assert_eq!(
            alert.user.as_ref().map(|u| u.as_str()),
            Some("447700912345")
        );
        redactor.alert_user(&mut alert);
        // The sender of an incoming text is a member of the public; a member of staff stays.
        assert_eq!(alert.user.as_ref().map(|u| u.as_str()), Some("[phone]"));
        staff_alert.user = Some("jane.smith@force.police.uk".into());
        jane_smith_s_force().alert_user(&mut staff_alert);
        assert_eq!(
            staff_alert.user.as_ref().map(|u| u.as_str()),
            Some("jane.smith@force.police.uk")
        );
        let shown = format!("{} {}", alert.explanation, alert.matched[0].field);
        for private in ["Karen", "Whitfield", "PX123456B", "12/03/1985"] {
            assert!(!shown.contains(private), "{private} shown: {shown}");
        }
        assert!(alert.matched[0].field.starts_with("attachment:"));
    }

    #[test]
    fn attachment_names_are_masked_in_events() {
        use probity_model::{Attachment, File};
        let redactor = Redactor::new(&StaffDirectory::default()).unwrap();
        let provenance = Provenance {
            id: EventId::from_bytes([2; 16]),
            source: "test".into(),
            format: Format::Eml,
            ingested: chrono::Utc::now(),
            location: None,
        };
        let mut event = Event::new(chrono::Utc::now(), provenance);
        event.email = Some(Email {
            attachments: vec![Attachment {
                file: File {
                    name: Some("Karen Whitfield PX123456B.txt".into()),
                    ..File::default()
                },
                ..Attachment::default()
            }],
            ..Email::default()
        });
        redactor.event(&mut event);
        let name = event.email.unwrap().attachments[0]
            .file
            .name
            .clone()
            .unwrap();
        for private in ["Karen", "Whitfield", "PX123456B"] {
            assert!(!name.contains(private), "{private} shown: {name}");
        }
        assert!(name.ends_with(".txt"), "{name}");
    }
}
