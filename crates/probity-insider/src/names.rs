//! Matching people's names as records systems hold them: surname first or forename first, any
//! case, with punctuation, and now and then a typing slip.

/// A name reduced for comparison: lower-case letters only, split into forenames and surname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub forenames: Vec<String>,
    pub surname: String,
}

impl Name {
    /// From separate forenames and surname (as staff.csv and subjects.csv give them).
    pub fn from_parts(forenames: &str, surname: &str) -> Option<Name> {
        let surname = fold(surname);
        if surname.is_empty() {
            return None;
        }
        Some(Name {
            forenames: forenames
                .split_whitespace()
                .map(fold)
                .filter(|f| !f.is_empty())
                .collect(),
            surname,
        })
    }

    /// From a displayed name: `SURNAME, Forename Middle` (a comma puts the surname first),
    /// `Forename SURNAME`, or `Forename Middle Surname`.
    pub fn parse(display: &str) -> Option<Name> {
        if let Some((surname, forenames)) = display.split_once(',') {
            return Name::from_parts(forenames, surname);
        }
        let words: Vec<&str> = display.split_whitespace().collect();
        let (last, rest) = words.split_last()?;
        Name::from_parts(&rest.join(" "), last)
    }

    /// The first forename, if any.
    pub fn first(&self) -> Option<&str> {
        self.forenames.first().map(String::as_str)
    }

    /// Whether two names are the same person's as far as names can tell: surnames alike and
    /// first forenames alike, or the two swapped (a transposed entry). "Alike" allows one
    /// typing slip (two in long words).
    pub fn matches(&self, other: &Name) -> bool {
        let (Some(a), Some(b)) = (self.first(), other.first()) else {
            return false;
        };
        (alike(&self.surname, &other.surname) && alike(a, b))
            || (alike(&self.surname, b) && alike(a, &other.surname))
    }

    /// Whether the surnames are alike.
    pub fn same_surname(&self, other: &Name) -> bool {
        alike(&self.surname, &other.surname)
    }
}

/// Lower-case letters and digits only: `O'Neill` → `oneill`, `Smith-Jones` → `smithjones`.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Equal, or (for words of five letters or more) within one edit, two for words of eight or more,
/// counting a swap of two neighbouring letters as one edit.
pub fn alike(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let shorter = a.chars().count().min(b.chars().count());
    if shorter < 5 {
        // Short names differ by a letter too often to forgive one (Lee, Lea).
        return false;
    }
    let allowed = if shorter >= 8 { 2 } else { 1 };
    edit_distance(a, b, allowed) <= allowed
}

/// Optimal-string-alignment distance between `a` and `b`, stopping early once it must exceed
/// `bound` (it then returns `bound + 1`).
pub fn edit_distance(a: &str, b: &str, bound: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > bound {
        return bound + 1;
    }
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        // A swap reaches back two rows, so stop only when two rows in a row are over the bound.
        let previous_min = previous.iter().copied().min().unwrap_or(0);
        if row_min > bound && previous_min > bound {
            return bound + 1;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_forms_records_systems_use_all_match() {
        let declared = Name::parse("Helen Jones").unwrap();
        for held in [
            "JONES, Helen",
            "JONES, Helen Mary",
            "Helen JONES",
            "Jones, Helen",
            "JONES, HELEN",
            "JOENS, Helen",
            "JONES, Helenn",
            "HELEN, Jones",
        ] {
            assert!(
                declared.matches(&Name::parse(held).unwrap()),
                "{held} should match"
            );
        }
        for other in ["JONES, Evie", "SMITH, Helen", "JAMES, Ellen", "JONES"] {
            let Some(name) = Name::parse(other) else {
                continue;
            };
            assert!(!declared.matches(&name), "{other} should not match");
        }
    }

    #[test]
    fn punctuation_and_long_names() {
        let a = Name::from_parts("Siobhan", "O'Neill").unwrap();
        assert!(a.matches(&Name::parse("ONEILL, SIOBHAN").unwrap()));
        assert!(a.matches(&Name::parse("O NEILL, Siobhan").unwrap()));
        assert!(alike("worthington", "wortingtno"));
        assert!(!alike("lee", "lea"));
        assert_eq!(edit_distance("smith", "smtih", 3), 1);
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("abc", "abcdefgh", 2), 3);
    }
}
