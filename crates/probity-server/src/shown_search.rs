//! Searches answered by what is shown. The store's full-text index holds a message's subject,
//! attachment names, display names and addresses as written, while every analyst-facing view
//! masks members of the public in them. A hit whose words are found only inside masked text would
//! confirm which messages name a given member of the public (`that [person] complaint` listed for
//! `Karen`), so the workbench's search, the read API and `probity events --text` keep a hit only
//! if every query word is also in the masked rendering of the text the index holds.
//!
//! Everyone is held to it, investigators too: `unmask-content` shows members of the public only
//! within an authorised case that links the message, with a reason, and a search has neither.
//! Staff (names, addresses, the force's domains), subjects, and every other word that is not
//! masked are found as before.

use std::collections::HashSet;

use probity_comms::Redactor;
use probity_model::Event;

/// Query words as the store compares them (lower-cased, split where the index splits).
pub fn query_words(text: &str) -> Vec<String> {
    probity_store::tokenize(text).collect()
}

/// Whether every word of `words` (from [`query_words`]) is in `event`'s indexed text as analysts
/// see it: message content and parties masked. Events that are not messages have nothing masked.
pub fn shown_text_holds(redactor: &Redactor, event: &Event, words: &[String]) -> bool {
    if words.is_empty() || event.email.is_none() {
        return true;
    }
    // Only what `Event::search_text` reads is masked: the body, attachment texts and the
    // decoder's copies are not indexed, and masking them would only cost time.
    let mut shown = event.clone();
    shown.original.clear();
    if let Some(email) = shown.email.as_mut() {
        email.body = None;
        for attachment in &mut email.attachments {
            attachment.text = None;
        }
    }
    redactor.event(&mut shown);
    redactor.parties(&mut shown);
    let present: HashSet<String> = probity_store::tokenize(&shown.search_text()).collect();
    words.iter().all(|word| present.contains(word))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use probity_comms::StaffDirectory;
    use probity_model::{Attachment, Email, EventId, File, Format, Provenance};

    fn message(subject: &str, attachment: &str) -> Event {
        let mut event = Event::new(
            chrono::Utc::now(),
            Provenance {
                id: EventId::from_bytes([7; 16]),
                source: "test".into(),
                format: Format::Eml,
                ingested: chrono::Utc::now(),
                location: None,
            },
        );
        event.email = Some(Email {
            from: vec!["alan.smith@force.police.uk".into()],
            to: vec!["karen.whitfield77@hotmail.com".into()],
            subject: Some(subject.into()),
            body: Some("Karen Whitfield rang again.".into()),
            attachments: vec![Attachment {
                file: File {
                    name: Some(attachment.into()),
                    ..File::default()
                },
                ..Attachment::default()
            }],
            ..Email::default()
        });
        event
    }

    fn redactor() -> Redactor {
        Redactor::new(&StaffDirectory {
            names: vec!["Alan Smith".into()],
            addresses: vec!["alan.smith@force.police.uk".into()],
            domains: vec!["force.police.uk".into()],
        })
        .unwrap()
    }

    #[test]
    fn masked_words_do_not_answer_and_the_rest_still_do() {
        let redactor = redactor();
        let event = message(
            "that Karen Whitfield complaint",
            "Karen Whitfield statement.pdf",
        );
        let holds = |q: &str| shown_text_holds(&redactor, &event, &query_words(q));
        for masked in ["Karen", "whitfield", "complaint Karen", "karen.whitfield77"] {
            assert!(!holds(masked), "{masked} is masked on screen");
        }
        for shown in [
            "complaint",
            "that complaint",
            "statement",
            "pdf",
            "alan.smith",
            "force",
        ] {
            assert!(holds(shown), "{shown} is shown");
        }
        assert!(holds(""), "no words: nothing to check");
    }

    #[test]
    fn events_that_are_not_messages_are_left_as_the_store_found_them() {
        let mut event = message("x", "y");
        event.email = None;
        event.message = Some("Karen Whitfield looked up".into());
        assert!(shown_text_holds(&redactor(), &event, &query_words("Karen")));
    }
}
