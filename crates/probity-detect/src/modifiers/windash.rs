//! `windash`: Windows command-line options may start with `-`, `/` or a look-alike dash.

/// The characters a Windows program may accept where a rule writes `-` or `/`.
pub(crate) const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// The variants of `text` with every option dash (a `-` or `/` at the start of a word, followed
/// by a word character) replaced by each of [`DASHES`].
pub(crate) fn variants(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| is_option_dash(&chars, i))
        .collect();
    if positions.is_empty() {
        return vec![text.to_owned()];
    }
    DASHES
        .iter()
        .map(|&dash| {
            let mut out = chars.clone();
            for &i in &positions {
                out[i] = dash;
            }
            out.into_iter().collect()
        })
        .collect()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `\B[-/]\b`: not after a word character, and followed by one.
fn is_option_dash(chars: &[char], i: usize) -> bool {
    if chars[i] != '-' && chars[i] != '/' {
        return false;
    }
    let after_word = i > 0 && is_word(chars[i - 1]);
    let before_word = chars.get(i + 1).is_some_and(|&c| is_word(c));
    !after_word && before_word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_dashes_vary_together() {
        let v = variants(" -enc -nop");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&" /enc /nop".to_owned()));
        assert!(v.contains(&" \u{2013}enc \u{2013}nop".to_owned()));
        assert_eq!(variants("a-b"), vec!["a-b"]);
        assert_eq!(variants("none"), vec!["none"]);
    }
}
