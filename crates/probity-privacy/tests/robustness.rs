#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Arbitrary text never panics any detector, and every offset they return is inside the text on a
//! character boundary.

use probity_model::{Attachment, Email, File};
use probity_privacy::disclosure::Disclosure;
use probity_privacy::identifiers::Identifiers;
use probity_privacy::markings::Markings;
use probity_privacy::masking::Masker;
use probity_privacy::names::Names;
use probity_privacy::recipients::StaffPersonalAddresses;
use probity_privacy::sealing::SealCues;
use proptest::prelude::*;
use std::sync::LazyLock;

const PIECES: [&str; 20] = [
    "AB123456C",
    "943 476 5919",
    "01/23456K",
    "LM68 ABC",
    "4111 1111 1111 1111",
    "+44 (0)20 7946 0018",
    "SW1A 1AA",
    "DOB: 12/03/1980",
    "pat@example.com",
    "OFFICIAL-SENSITIVE",
    "\n",
    "\r\n",
    "Mrs Ada Price",
    "PRICE, Ada",
    "é",
    "日本",
    "🚓",
    "(",
    "@",
    " ",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,200}",
        proptest::collection::vec(0..PIECES.len(), 0..40)
            .prop_map(|picks| picks.into_iter().map(|i| PIECES[i]).collect::<String>()),
        proptest::collection::vec(("\\PC{0,3}", 0..PIECES.len()), 0..30).prop_map(|parts| {
            parts
                .into_iter()
                .map(|(noise, i)| format!("{noise}{}", PIECES[i]))
                .collect::<String>()
        }),
    ]
}

static IDS: LazyLock<Identifiers> = LazyLock::new(|| Identifiers::new().unwrap());
static MARKINGS: LazyLock<Markings> = LazyLock::new(|| Markings::new().unwrap());
static NAMES: LazyLock<Names> = LazyLock::new(|| Names::new().unwrap());
static MASKER: LazyLock<Masker> = LazyLock::new(|| {
    Masker::new(["Sam Lane"], ["x@force.police.uk"], ["force.police.uk"]).unwrap()
});
static CUES: LazyLock<SealCues> = LazyLock::new(|| SealCues::new().unwrap());
static CHECKER: LazyLock<Disclosure> = LazyLock::new(|| Disclosure::with_defaults().unwrap());

fn in_text(text: &str, start: usize, end: usize) -> bool {
    start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn detectors_stay_inside_the_text(text in text_strategy()) {
        for m in IDS.find(&text) {
            prop_assert!(in_text(&text, m.start, m.end), "{m:?} in {text:?}");
        }
        for m in MARKINGS.in_text(&text).iter().chain(MARKINGS.in_subject(&text).iter()) {
            prop_assert!(in_text(&text, m.start, m.end), "{m:?} in {text:?}");
        }
        for m in NAMES.find(&text) {
            prop_assert!(in_text(&text, m.start, m.end), "{m:?} in {text:?}");
        }
        let masked = MASKER.mask(&text);
        for item in &masked.masked {
            prop_assert!(in_text(&text, item.start, item.end), "{item:?} in {text:?}");
        }
        let limited = MASKER.clone().with_limit(17).mask(&text);
        prop_assert!(limited.text.len() <= masked.text.len() + 60);
        let _ = CUES.detect(&text);
    }

    #[test]
    fn disclosure_spans_point_at_their_text(body in text_strategy(), subject in text_strategy()) {
        let email = Email {
            from: vec!["pc@force.police.uk".into()],
            to: vec!["x@gmail.com".into()],
            subject: Some(subject.clone()),
            body: Some(body.clone()),
            attachments: vec![Attachment {
                file: File { name: Some("a.csv".into()), ..File::default() },
                text: Some(body.clone()),
                extraction: None,
            }],
            ..Email::default()
        };
        for finding in CHECKER.check(&email, &StaffPersonalAddresses::new()) {
            prop_assert!(!finding.why.is_empty());
            for span in finding.spans {
                let source = match span.field.as_str() {
                    "email.subject" => &subject,
                    _ => &body,
                };
                prop_assert!(in_text(source, span.start, span.end));
                prop_assert_eq!(&source[span.start..span.end], span.text.as_str());
            }
        }
    }
}
