//! Sigma strings: literal text with `*` and `?` wildcards, and the escapes `\*`, `\?`, `\\`.
//!
//! A backslash escapes only a wildcard or another backslash; before any other character it is
//! itself literal (so `C:\Windows\` needs no doubling), as in pySigma.

/// One part of a Sigma string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A Sigma string value split into literal text and wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SigmaString {
    pub pieces: Vec<Piece>,
}

impl SigmaString {
    /// Parses a rule value, reading wildcards and escapes.
    pub fn parse(text: &str) -> Self {
        let mut out = SigmaString::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => out.push(Piece::Star),
                '?' => out.push(Piece::One),
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push_char(next);
                    }
                    _ => out.push_char('\\'),
                },
                other => out.push_char(other),
            }
        }
        out
    }

    /// A string with no wildcards.
    pub fn literal(text: &str) -> Self {
        let mut out = SigmaString::default();
        if !text.is_empty() {
            out.pieces.push(Piece::Lit(text.to_owned()));
        }
        out
    }

    fn push(&mut self, piece: Piece) {
        if piece == Piece::Star && self.pieces.last() == Some(&Piece::Star) {
            return;
        }
        self.pieces.push(piece);
    }

    fn push_char(&mut self, c: char) {
        if let Some(Piece::Lit(text)) = self.pieces.last_mut() {
            text.push(c);
        } else {
            self.pieces.push(Piece::Lit(c.to_string()));
        }
    }

    /// The text, if the string has no wildcards.
    pub fn as_plain(&self) -> Option<String> {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(part) => text.push_str(part),
                Piece::Star | Piece::One => return None,
            }
        }
        Some(text)
    }

    /// Adds `*` at the start.
    pub fn star_first(mut self) -> Self {
        if self.pieces.first() != Some(&Piece::Star) {
            self.pieces.insert(0, Piece::Star);
        }
        self
    }

    /// Adds `*` at the end.
    pub fn star_last(mut self) -> Self {
        self.push(Piece::Star);
        self
    }

    /// Applies `f` to every literal part (wildcards stay where they are).
    pub fn map_literals(&self, f: impl Fn(&str) -> String) -> Self {
        let pieces = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(text) => Piece::Lit(f(text)),
                other => other.clone(),
            })
            .collect();
        SigmaString { pieces }
    }

    /// The string as a rule would write it (wildcards and escapes restored).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(text) => {
                    for c in text.chars() {
                        if matches!(c, '*' | '?') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                Piece::Star => out.push('*'),
                Piece::One => out.push('?'),
            }
        }
        out
    }
}

/// A compiled wildcard pattern, matched against text already in the right case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    pieces: Vec<Piece>,
    tokens: Vec<Token>,
}

impl Glob {
    /// A glob from a Sigma string; `lowercase` folds its literal parts.
    pub fn new(string: &SigmaString, lowercase: bool) -> Self {
        let pieces = if lowercase {
            string.map_literals(str::to_lowercase).pieces
        } else {
            string.pieces.clone()
        };
        let tokens = tokens(&pieces);
        Glob { pieces, tokens }
    }

    /// The longest literal part: every matching text contains it.
    pub fn longest_literal(&self) -> Option<&str> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Lit(text) => Some(text.as_str()),
                _ => None,
            })
            .max_by_key(|text| text.len())
    }

    /// The pattern as a rule would write it.
    pub fn render(&self) -> String {
        SigmaString {
            pieces: self.pieces.clone(),
        }
        .render()
    }

    /// Whether `text` matches the whole pattern. Linear in practice: a `*` is retried only from
    /// the last star, the classic wildcard algorithm.
    pub fn matches(&self, text: &str) -> bool {
        let tokens = &self.tokens;
        let chars: Vec<char> = text.chars().collect();
        let (mut t, mut p) = (0usize, 0usize);
        let mut retry: Option<(usize, usize)> = None;
        while t < chars.len() {
            match tokens.get(p) {
                Some(Token::Star) => {
                    retry = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(Token::One) => {
                    t += 1;
                    p += 1;
                    continue;
                }
                Some(Token::Char(c)) if *c == chars[t] => {
                    t += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
            let Some((star, from)) = retry else {
                return false;
            };
            p = star + 1;
            t = from + 1;
            retry = Some((star, from + 1));
        }
        tokens[p..].iter().all(|token| *token == Token::Star)
    }
}

fn tokens(pieces: &[Piece]) -> Vec<Token> {
    let mut tokens = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Lit(text) => tokens.extend(text.chars().map(Token::Char)),
            Piece::Star => tokens.push(Token::Star),
            Piece::One => tokens.push(Token::One),
        }
    }
    tokens
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    Star,
    One,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_wildcards() {
        let s = SigmaString::parse(r"C:\Windows\\*.exe");
        assert_eq!(
            s.pieces,
            vec![
                Piece::Lit(r"C:\Windows\".into()),
                Piece::Star,
                Piece::Lit(".exe".into())
            ]
        );
        let s = SigmaString::parse(r"a\*b\?c\\d\e");
        assert_eq!(s.as_plain().as_deref(), Some(r"a*b?c\d\e"));
        assert_eq!(SigmaString::parse("a?c").pieces.len(), 3);
        assert_eq!(SigmaString::parse(r"x\\*").pieces.len(), 2);
    }

    #[test]
    fn glob_matching() {
        let glob = Glob::new(&SigmaString::parse(r"*\temp\\*.PS1"), true);
        assert!(glob.matches(r"c:\users\x\temp\run.ps1"));
        assert!(!glob.matches(r"c:\users\x\tmp\run.ps1"));
        let glob = Glob::new(&SigmaString::parse("a?c*"), false);
        assert!(glob.matches("abc"));
        assert!(glob.matches("abcdef"));
        assert!(!glob.matches("ac"));
        assert!(Glob::new(&SigmaString::parse("*"), false).matches(""));
        assert!(Glob::new(&SigmaString::parse("*a*a*a*b"), false).matches("aaaaaaaaab"));
        assert!(!Glob::new(&SigmaString::parse("*a*a*a*b"), false).matches("aaaaaaaaaa"));
    }
}
