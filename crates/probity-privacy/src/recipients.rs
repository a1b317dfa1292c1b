//! Where a message went: each recipient address classed as internal (the force's own domains),
//! partner agency, the sender's own personal address, personal webmail, press, or unknown external.
//!
//! The domain lists are policy data (see the `recipients` section of the disclosure policy); a
//! pattern `*.gov.uk` covers `gov.uk` and every subdomain.

use std::collections::{HashMap, HashSet};

use probity_model::Email;
use serde::{Deserialize, Serialize};

use crate::correspondents::Correspondents;
use crate::domains::DomainIndex;
use crate::text;

/// Recipients checked for repeats by a scan of those kept so far; beyond this many, by a set.
const SCAN_FOR_REPEATS: usize = 16;

/// The class of one recipient address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientClass {
    /// One of the force's own domains.
    Internal,
    /// A partner agency on the allowlist (CPS, other forces, NHS, courts, councils…).
    Partner,
    /// A personal address known to belong to the sender.
    OwnPersonal,
    /// A personal webmail provider (gmail.com, outlook.com…).
    PersonalWebmail,
    /// A newspaper, broadcaster or other media organisation.
    Press,
    /// Any other outside domain.
    UnknownExternal,
    /// Not an address at all (no domain).
    Invalid,
}

impl RecipientClass {
    /// The snake_case name used in policies and findings.
    pub fn name(self) -> &'static str {
        match self {
            RecipientClass::Internal => "internal",
            RecipientClass::Partner => "partner",
            RecipientClass::OwnPersonal => "own_personal",
            RecipientClass::PersonalWebmail => "personal_webmail",
            RecipientClass::Press => "press",
            RecipientClass::UnknownExternal => "unknown_external",
            RecipientClass::Invalid => "invalid",
        }
    }

    /// Plain words for explanations.
    pub fn label(self) -> &'static str {
        match self {
            RecipientClass::Internal => "internal",
            RecipientClass::Partner => "partner agency",
            RecipientClass::OwnPersonal => "the sender's own personal address",
            RecipientClass::PersonalWebmail => "personal webmail",
            RecipientClass::Press => "press or media",
            RecipientClass::UnknownExternal => "unknown external",
            RecipientClass::Invalid => "not a valid address",
        }
    }
}

/// The domain lists recipients are classed by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientPolicy {
    /// The force's own domains (`force.police.uk`, `*.force.police.uk`).
    #[serde(default)]
    pub internal_domains: Vec<String>,
    /// Partner agencies whose receipt of police data is ordinary business.
    #[serde(default)]
    pub partner_domains: Vec<String>,
    /// Personal webmail providers.
    #[serde(default)]
    pub webmail_domains: Vec<String>,
    /// Press and media organisations.
    #[serde(default)]
    pub press_domains: Vec<String>,
}

/// Known personal addresses of staff, by work address (from HR or directory reference data).
#[derive(Debug, Clone, Default)]
pub struct StaffPersonalAddresses {
    by_work_address: HashMap<String, HashSet<String>>,
}

impl StaffPersonalAddresses {
    /// An empty lookup.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `personal` belongs to the member of staff whose work address is `work`.
    pub fn insert(&mut self, work: &str, personal: &str) {
        self.by_work_address
            .entry(text::bare_address(work))
            .or_default()
            .insert(text::bare_address(personal));
    }

    /// True when `recipient` is a personal address of the sender `sender`.
    pub fn is_own(&self, sender: &str, recipient: &str) -> bool {
        self.personal_of(sender)
            .is_some_and(|set| set.contains(&text::bare_address(recipient)))
    }

    /// The known personal addresses of the sender `sender` (none when there is no staff data).
    fn personal_of(&self, sender: &str) -> Option<&HashSet<String>> {
        if self.by_work_address.is_empty() {
            return None;
        }
        self.by_work_address.get(&text::bare_address(sender))
    }
}

/// One recipient and its class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The bare lower-cased address.
    pub address: String,
    /// The recipient's class.
    pub class: RecipientClass,
}

/// Classes recipients by a [`RecipientPolicy`].
#[derive(Debug, Clone)]
pub struct Recipients {
    /// Every list's patterns, each with its place in [`LIST_ORDER`]: where lists overlap, the
    /// earlier list decides.
    index: DomainIndex,
}

/// The classes of the policy's lists, in the order they are tried.
const LIST_ORDER: [RecipientClass; 4] = [
    RecipientClass::Internal,
    RecipientClass::Partner,
    RecipientClass::Press,
    RecipientClass::PersonalWebmail,
];

impl Recipients {
    /// A classifier over `policy`'s lists.
    pub fn new(policy: RecipientPolicy) -> Self {
        let mut index = DomainIndex::default();
        let lists = [
            &policy.internal_domains,
            &policy.partner_domains,
            &policy.press_domains,
            &policy.webmail_domains,
        ];
        for (order, list) in lists.into_iter().enumerate() {
            for pattern in list {
                index.insert_first(pattern, order);
            }
        }
        Self { index }
    }

    /// The place in [`LIST_ORDER`] of the first list with a pattern covering `domain` (as
    /// written).
    fn list_of(&self, domain: &str) -> Option<usize> {
        let mut buffer = String::new();
        self.index
            .smallest(text::domain_key_in(domain, &mut buffer))
    }

    /// The class of `recipient` for a message from `sender`.
    pub fn classify(
        &self,
        sender: Option<&str>,
        recipient: &str,
        staff: &StaffPersonalAddresses,
    ) -> RecipientClass {
        let own = sender.and_then(|sender| staff.personal_of(sender));
        self.classify_for(own, recipient)
    }

    /// [`Recipients::classify`] with the sender's personal addresses already looked up.
    fn classify_for(&self, own: Option<&HashSet<String>>, recipient: &str) -> RecipientClass {
        let Some(domain) = text::domain_in(recipient) else {
            return without_domain(own, recipient, &mut String::new());
        };
        if own.is_some_and(|set| set.contains(&text::bare_address(recipient))) {
            return RecipientClass::OwnPersonal;
        }
        self.list_of(domain)
            .and_then(|order| LIST_ORDER.get(order).copied())
            .unwrap_or(RecipientClass::UnknownExternal)
    }

    /// True when `address` is at one of the force's own domains.
    pub fn is_internal(&self, address: &str) -> bool {
        // The internal list is tried first, so it decides wherever it has a pattern.
        text::domain_in(address).is_some_and(|domain| self.list_of(domain) == Some(0))
    }

    /// Whether any To, Cc or Bcc recipient of `email` has a class `wanted` accepts: what
    /// [`Recipients::classify_email`] would say, without copying an address. Most messages go
    /// to the force's own staff alone, and this runs for every message.
    pub fn any_recipient(
        &self,
        email: &Email,
        staff: &StaffPersonalAddresses,
        wanted: impl Fn(RecipientClass) -> bool,
    ) -> bool {
        self.any_recipient_read(&Correspondents::of(email), staff, wanted)
    }

    /// [`Recipients::any_recipient`] of a message whose correspondents are already read.
    pub fn any_recipient_read(
        &self,
        correspondents: &Correspondents<'_>,
        staff: &StaffPersonalAddresses,
        wanted: impl Fn(RecipientClass) -> bool,
    ) -> bool {
        let email = correspondents.email();
        let own = email
            .from
            .first()
            .and_then(|from| staff.personal_of(from.as_str()));
        let mut buffer = String::new();
        // Most recipients share a domain with the one before: the last domain looked up, as
        // written, and the list that covers it.
        let mut last_domain: Option<(&str, Option<usize>)> = None;
        correspondents.recipients().any(|(value, plain)| {
            // Most recipients are a plain address, read in one pass (`text::plain_address`).
            let (bare, domain, lowered) = match plain {
                Some(plain) => (value, plain.domain(value), !plain.has_capitals()),
                None => {
                    let bare = text::bare_address_in(value);
                    (bare, text::domain_in(bare), false)
                }
            };
            let domain = domain.map(|domain| (domain, lowered));
            wanted(self.classify_bare(own, bare, domain, &mut buffer, &mut last_domain))
        })
    }

    /// [`Recipients::classify_for`] of a bare address as written (not lower-cased), with its
    /// domain as [`text::domain_in`] gives it (and whether that is known to be in the form
    /// [`text::domain_key`] gives already: plain ASCII without capitals), lowering the address
    /// into `buffer` only to look for the sender's own personal addresses.
    /// `last_domain`: the domain last looked up (as written) and its list, replaced by this one's.
    fn classify_bare<'a>(
        &self,
        own: Option<&HashSet<String>>,
        bare: &str,
        domain: Option<(&'a str, bool)>,
        buffer: &mut String,
        last_domain: &mut Option<(&'a str, Option<usize>)>,
    ) -> RecipientClass {
        let Some((domain, lowered)) = domain else {
            return without_domain(own, bare, buffer);
        };
        if own.is_some_and(|set| set.contains(text::address_key_in(bare, buffer))) {
            return RecipientClass::OwnPersonal;
        }
        let list = match *last_domain {
            Some((last, list)) if last == domain => list,
            _ => {
                let list = if lowered {
                    self.index.smallest(domain)
                } else {
                    self.list_of(domain)
                };
                *last_domain = Some((domain, list));
                list
            }
        };
        list.and_then(|order| LIST_ORDER.get(order).copied())
            .unwrap_or(RecipientClass::UnknownExternal)
    }

    /// Every To, Cc and Bcc recipient of `email` with its class, each address once.
    pub fn classify_email(&self, email: &Email, staff: &StaffPersonalAddresses) -> Vec<Recipient> {
        let own = email
            .from
            .first()
            .and_then(|from| staff.personal_of(from.as_str()));
        let mut out: Vec<Recipient> = Vec::new();
        // Most messages have a few recipients, checked for repeats by a scan; a long list gets a
        // set of the addresses kept so far.
        let mut seen: Option<HashSet<String>> = None;
        for identity in email.to.iter().chain(&email.cc).chain(&email.bcc) {
            let address = text::bare_address(identity.as_str());
            let repeated = match seen.as_mut() {
                Some(seen) => !seen.insert(address.clone()),
                None => out.iter().any(|r| r.address == address),
            };
            if repeated {
                continue;
            }
            if seen.is_none() && out.len() >= SCAN_FOR_REPEATS {
                let mut set: HashSet<String> = out.iter().map(|r| r.address.clone()).collect();
                set.insert(address.clone());
                seen = Some(set);
            }
            let class = self.classify_for(own, &address);
            out.push(Recipient { address, class });
        }
        out
    }
}

/// The class of a recipient with no domain: a phone number (a text message or chat from a device
/// export) is somebody outside the force's mail whose owner is not known, unless it is one of the
/// sender's own personal numbers; anything else is not an address.
fn without_domain(
    own: Option<&HashSet<String>>,
    recipient: &str,
    buffer: &mut String,
) -> RecipientClass {
    if !text::is_phone_number(recipient) {
        return RecipientClass::Invalid;
    }
    if own.is_some_and(|set| set.contains(text::address_key_in(recipient.trim(), buffer))) {
        return RecipientClass::OwnPersonal;
    }
    RecipientClass::UnknownExternal
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_model::Identity;

    #[test]
    fn a_phone_number_is_an_unknown_external_recipient() {
        let r = recipients();
        let mut staff = StaffPersonalAddresses::new();
        staff.insert("pc1@force.police.uk", "07700900111");
        let class = |a: &str| r.classify(Some("pc1@force.police.uk"), a, &staff);
        for number in [
            "+447700900456",
            "07700 900456",
            "+44 (0)7700-900456",
            "0113.496.0000",
        ] {
            assert_eq!(class(number), RecipientClass::UnknownExternal, "{number}");
        }
        assert_eq!(class("07700900111"), RecipientClass::OwnPersonal);
        for not_a_number in ["nobody", "12345", "+44 7700 900456 ext", "1234567890123456"] {
            assert_eq!(
                class(not_a_number),
                RecipientClass::Invalid,
                "{not_a_number}"
            );
        }
        // The same through the path every message takes.
        let email = Email {
            from: vec![Identity::new("pc1@force.police.uk")],
            to: vec![Identity::new("+447700900456")],
            ..Email::default()
        };
        assert!(r.any_recipient(&email, &staff, |c| c == RecipientClass::UnknownExternal));
    }

    fn recipients() -> Recipients {
        Recipients::new(RecipientPolicy {
            internal_domains: vec!["force.police.uk".into(), "*.force.police.uk".into()],
            partner_domains: vec!["*.police.uk".into(), "*.gov.uk".into(), "nhs.net".into()],
            webmail_domains: vec!["gmail.com".into(), "hotmail.co.uk".into()],
            press_domains: vec!["thesun.co.uk".into(), "*.bbc.co.uk".into()],
        })
    }

    #[test]
    fn classes() {
        let r = recipients();
        let staff = StaffPersonalAddresses::new();
        let class = |a: &str| r.classify(Some("pc1@force.police.uk"), a, &staff);
        assert_eq!(class("a@force.police.uk"), RecipientClass::Internal);
        assert_eq!(class("a@hq.force.police.uk"), RecipientClass::Internal);
        assert_eq!(class("a@other.police.uk"), RecipientClass::Partner);
        assert_eq!(class("a@cps.gov.uk"), RecipientClass::Partner);
        assert_eq!(class("a@nhs.net"), RecipientClass::Partner);
        assert_eq!(class("A@GMAIL.COM"), RecipientClass::PersonalWebmail);
        assert_eq!(class("news@thesun.co.uk"), RecipientClass::Press);
        assert_eq!(class("desk@news.bbc.co.uk"), RecipientClass::Press);
        assert_eq!(class("x@example.com"), RecipientClass::UnknownExternal);
        assert_eq!(class("nobody"), RecipientClass::Invalid);
    }

    #[test]
    fn internationalised_domains_match_in_either_form() {
        let r = Recipients::new(RecipientPolicy {
            internal_domains: vec!["*.polizei-münster.example".into()],
            partner_domains: vec![],
            press_domains: vec!["xn--presse-dtsch-klb.example".into()],
            webmail_domains: vec![],
        });
        let staff = StaffPersonalAddresses::new();
        let class = |a: &str| r.classify(None, a, &staff);
        for internal in [
            "a@polizei-münster.example",
            "a@mail.POLIZEI-MÜNSTER.example",
            "a@xn--polizei-mnster-osb.example",
        ] {
            assert_eq!(class(internal), RecipientClass::Internal, "{internal}");
        }
        for press in [
            "desk@presse-dütsch.example",
            "desk@XN--PRESSE-DTSCH-KLB.example",
        ] {
            assert_eq!(class(press), RecipientClass::Press, "{press}");
        }
        assert_eq!(
            class("a@polizei-munster.example"),
            RecipientClass::UnknownExternal
        );
    }

    /// The classes as the lists give them, tried one pattern at a time in list order.
    fn class_reference(policy: &RecipientPolicy, recipient: &str) -> RecipientClass {
        let Some(domain) = text::domain_in(recipient) else {
            return RecipientClass::Invalid;
        };
        let lists = [
            (&policy.internal_domains, RecipientClass::Internal),
            (&policy.partner_domains, RecipientClass::Partner),
            (&policy.press_domains, RecipientClass::Press),
            (&policy.webmail_domains, RecipientClass::PersonalWebmail),
        ];
        for (list, class) in lists {
            if list.iter().any(|p| text::domain_matches(domain, p)) {
                return class;
            }
        }
        RecipientClass::UnknownExternal
    }

    proptest::proptest! {
        /// Overlapping lists, wildcards, any case (Unicode too): the index classes every
        /// recipient as trying each list's patterns in order does.
        #[test]
        fn classes_agree_with_trying_each_pattern(
            lists in proptest::collection::vec(
                proptest::collection::vec("(\\*\\.)?(a|B|gov|É|é|xn--9ca)(\\.(a|uk|É|é|XN--9CA))?", 0..4),
                4,
            ),
            local in "(x|Pat)",
            domain in "(a|B|gov|É|é|xn--9ca|mail)(\\.(a|uk|É|é|Xn--9ca|gov)){0,3}\\.?",
        ) {
            let policy = RecipientPolicy {
                internal_domains: lists[0].clone(),
                partner_domains: lists[1].clone(),
                press_domains: lists[2].clone(),
                webmail_domains: lists[3].clone(),
            };
            let r = Recipients::new(policy.clone());
            let staff = StaffPersonalAddresses::new();
            for recipient in [format!("{local}@{domain}"), format!("<{local}@{domain}>"), domain.clone()] {
                let expected = class_reference(&policy, &recipient);
                proptest::prop_assert_eq!(r.classify(None, &recipient, &staff), expected, "{}", recipient);
                proptest::prop_assert_eq!(
                    r.is_internal(&recipient),
                    expected == RecipientClass::Internal,
                    "{}", recipient
                );
            }
        }
    }

    proptest::proptest! {
        /// The check made of every message before anything is copied agrees with classing
        /// every recipient: any case, display names, the sender's own personal address, and
        /// each class asked for in turn.
        #[test]
        fn any_recipient_agrees_with_classing_each(
            written in proptest::collection::vec(
                "(Pat )?<?(x|Pat\\.Home|pat\\.home)@(force\\.police\\.uk|HQ\\.force\\.police\\.uk|cps\\.gov\\.uk|GMAIL\\.com|gmail\\.com|thesun\\.co\\.uk|exämple\\.org|xn--exmple-cua\\.org)\\.?>? ?|nobody",
                0..5,
            ),
            sender in "(PC1|pc1|pc2)@force\\.police\\.uk",
        ) {
            let r = recipients();
            let mut staff = StaffPersonalAddresses::new();
            staff.insert("pc1@force.police.uk", "pat.home@gmail.com");
            staff.insert("pc1@force.police.uk", "x@exämple.org");
            let mut email = Email {
                from: vec![Identity::new(&sender)],
                ..Email::default()
            };
            for (i, recipient) in written.iter().enumerate() {
                let list = match i % 3 {
                    0 => &mut email.to,
                    1 => &mut email.cc,
                    _ => &mut email.bcc,
                };
                list.push(Identity::new(recipient));
            }
            let classed = r.classify_email(&email, &staff);
            for wanted in [
                RecipientClass::Internal,
                RecipientClass::Partner,
                RecipientClass::Press,
                RecipientClass::PersonalWebmail,
                RecipientClass::OwnPersonal,
                RecipientClass::UnknownExternal,
                RecipientClass::Invalid,
            ] {
                proptest::prop_assert_eq!(
                    r.any_recipient(&email, &staff, |class| class == wanted),
                    classed.iter().any(|c| c.class == wanted),
                    "{:?} in {:?}", wanted, classed
                );
            }
        }
    }

    #[test]
    fn own_personal_address_is_its_own_class() {
        let r = recipients();
        let mut staff = StaffPersonalAddresses::new();
        staff.insert("PC1@force.police.uk", "pat.home@gmail.com");
        assert_eq!(
            r.classify(Some("pc1@force.police.uk"), "Pat.Home@gmail.com", &staff),
            RecipientClass::OwnPersonal
        );
        assert_eq!(
            r.classify(Some("pc2@force.police.uk"), "pat.home@gmail.com", &staff),
            RecipientClass::PersonalWebmail
        );
    }

    /// Long lists with repeats in any case keep each address once, in first-seen order, whether
    /// repeats are found by scanning or by the set; the sender's own address is still found.
    #[test]
    fn long_lists_keep_each_address_once_in_order() {
        let r = recipients();
        let mut staff = StaffPersonalAddresses::new();
        staff.insert("pc1@force.police.uk", "pat.home@gmail.com");
        for count in [0, 1, 5, SCAN_FOR_REPEATS - 1, SCAN_FOR_REPEATS, 40] {
            let to: Vec<Identity> = (0..count)
                .map(|i| format!("P{} <p{}@Gmail.com>", i, i % 7 + i / 3).into())
                .chain(["Pat.Home@GMAIL.com".into()])
                .collect();
            let cc: Vec<Identity> = to.iter().rev().cloned().collect();
            let email = Email {
                from: vec!["PC1@force.police.uk".into()],
                to,
                cc,
                ..Email::default()
            };
            let mut expected: Vec<String> = Vec::new();
            for identity in email.to.iter().chain(&email.cc) {
                let address = text::bare_address(identity.as_str());
                if !expected.contains(&address) {
                    expected.push(address);
                }
            }
            let found = r.classify_email(&email, &staff);
            let addresses: Vec<&str> = found.iter().map(|x| x.address.as_str()).collect();
            assert_eq!(addresses, expected, "{count}");
            for recipient in &found {
                let class = r.classify(
                    email.from.first().map(|f| f.as_str()),
                    &recipient.address,
                    &staff,
                );
                assert_eq!(recipient.class, class, "{}", recipient.address);
            }
            assert!(found.iter().any(|x| x.class == RecipientClass::OwnPersonal));
        }
    }

    #[test]
    fn every_recipient_field_once() {
        let r = recipients();
        let email = Email {
            from: vec!["pc1@force.police.uk".into()],
            to: vec!["a@gmail.com".into(), "b@force.police.uk".into()],
            cc: vec!["A@gmail.com".into()],
            bcc: vec!["c@thesun.co.uk".into()],
            ..Email::default()
        };
        let classes: Vec<RecipientClass> = r
            .classify_email(&email, &StaffPersonalAddresses::new())
            .iter()
            .map(|x| x.class)
            .collect();
        assert_eq!(
            classes,
            [
                RecipientClass::PersonalWebmail,
                RecipientClass::Internal,
                RecipientClass::Press
            ]
        );
    }
}
