//! A message's correspondents read once for all that looks at them: the exclusion list and the
//! disclosure policy both read every sender and recipient of every message, and most are written
//! plainly (`pat@example.org`), which one pass over each tells.

use probity_model::Email;

use crate::text::{self, PlainAddress};

/// How many of a message's correspondents [`Correspondents`] keeps what it read of; any further
/// ones (few messages have so many) are read again each time they are asked for.
const KEPT: usize = 8;

/// Each sender and recipient of a message (From, To, Cc and Bcc, in turn, as written), with what
/// [`text::plain_address`] says of it.
#[derive(Debug, Clone)]
pub struct Correspondents<'a> {
    email: &'a Email,
    /// [`text::plain_address`] of the first `filled` correspondents, in order.
    read: [Option<PlainAddress>; KEPT],
    /// How many are read so far (at most [`KEPT`]).
    filled: usize,
}

impl<'a> Correspondents<'a> {
    /// The correspondents of `email`, none read yet: each is read when first asked for.
    pub fn of(email: &'a Email) -> Self {
        Correspondents {
            email,
            read: [None; KEPT],
            filled: 0,
        }
    }

    /// The message they are the correspondents of.
    pub fn email(&self) -> &'a Email {
        self.email
    }

    /// Calls `visit` with every sender and recipient in turn, as written, and
    /// [`text::plain_address`] of it, keeping what is read for later calls.
    pub fn each(&mut self, mut visit: impl FnMut(&'a str, Option<PlainAddress>)) {
        let email = self.email;
        let all = [&email.from, &email.to, &email.cc, &email.bcc];
        for (index, identity) in all.into_iter().flatten().enumerate() {
            let value = identity.as_str();
            let plain = self.plain(index, value);
            if index == self.filled
                && let Some(slot) = self.read.get_mut(index)
            {
                *slot = plain;
                self.filled += 1;
            }
            visit(value, plain);
        }
    }

    /// The recipients (To, Cc and Bcc), as written, with [`text::plain_address`] of each.
    pub fn recipients(&self) -> impl Iterator<Item = (&'a str, Option<PlainAddress>)> + '_ {
        let first = self.email.from.len();
        self.email
            .to
            .iter()
            .chain(&self.email.cc)
            .chain(&self.email.bcc)
            .enumerate()
            .map(move |(index, identity)| {
                let value = identity.as_str();
                (value, self.plain(first + index, value))
            })
    }

    /// [`text::plain_address`] of `value`, the correspondent at `index`: as kept, if it is.
    fn plain(&self, index: usize, value: &str) -> Option<PlainAddress> {
        match self.read.get(index) {
            Some(read) if index < self.filled => *read,
            _ => text::plain_address(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn address() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z]{1,6}@[a-z]{1,5}\\.(org|police\\.uk)",
            "[A-Za-z]{1,6}@[A-Za-z]{1,5}\\.org",
            "\"[A-Za-z ]{0,8}\" <[a-z]{1,6}@[a-z]{1,5}\\.org>",
            " [a-z]{1,4}@x\\.org ",
            "[a-z@<> .]{0,10}",
        ]
    }

    proptest! {
        /// What is kept is what each correspondent reads as, however many a message has, and
        /// the recipients are the To, Cc and Bcc in turn.
        #[test]
        fn each_correspondent_as_read_alone(
            from in proptest::collection::vec(address(), 0..3),
            to in proptest::collection::vec(address(), 0..8),
            cc in proptest::collection::vec(address(), 0..4),
            bcc in proptest::collection::vec(address(), 0..3),
        ) {
            let email = Email {
                from: from.iter().map(|a| a.as_str().into()).collect(),
                to: to.iter().map(|a| a.as_str().into()).collect(),
                cc: cc.iter().map(|a| a.as_str().into()).collect(),
                bcc: bcc.iter().map(|a| a.as_str().into()).collect(),
                ..Email::default()
            };
            let mut read = Correspondents::of(&email);
            // The recipients, read before any is kept, and after all are.
            let before: Vec<_> = read.recipients().collect();
            let mut all = Vec::new();
            read.each(|value, plain| all.push((value, plain)));
            let mut again = Vec::new();
            read.each(|value, plain| again.push((value, plain)));
            let expected: Vec<_> = from
                .iter()
                .chain(&to)
                .chain(&cc)
                .chain(&bcc)
                .map(|a| (a.as_str(), text::plain_address(a)))
                .collect();
            prop_assert_eq!(&all, &expected);
            prop_assert_eq!(&again, &expected);
            prop_assert_eq!(&before[..], &expected[from.len()..]);
            let recipients: Vec<_> = read.recipients().collect();
            prop_assert_eq!(&recipients[..], &expected[from.len()..]);
        }
    }
}
