//! The detection `condition`: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`, `them`.

/// A parsed condition, with selection names still as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// A selection by name.
    Name(String),
    /// `1 of pattern` (`all: false`) or `all of pattern`; the pattern `them` means every
    /// selection not starting with `_`.
    Of {
        all: bool,
        pattern: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    And,
    Or,
    Not,
    Open,
    Close,
    OneOf,
    AllOf,
    Word(String),
}

/// The deepest nesting of parentheses and `not` a condition may have.
const MAX_DEPTH: usize = 64;

/// Parses a condition, or says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<Cond, String> {
    if text.contains('|') {
        return Err(format!(
            "condition {text:?} uses a `|` aggregation (count, near…), which Sigma v2 replaced by correlation rules; not supported"
        ));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let cond = parser.or()?;
    if let Some(token) = parser.tokens.get(parser.at) {
        return Err(format!("unexpected {token:?} in condition {text:?}"));
    }
    Ok(cond)
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            if c != ' ' && !c.is_whitespace() {
                words.push(c.to_string());
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut tokens = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let lower = word.to_lowercase();
        let token = match lower.as_str() {
            "and" => Token::And,
            "or" => Token::Or,
            "not" => Token::Not,
            "(" => Token::Open,
            ")" => Token::Close,
            "1" | "all" | "any"
                if words
                    .get(i + 1)
                    .is_some_and(|w| w.eq_ignore_ascii_case("of")) =>
            {
                i += 1;
                if lower == "all" {
                    Token::AllOf
                } else {
                    Token::OneOf
                }
            }
            _ => {
                if !word
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '*' | '.'))
                {
                    return Err(format!("{word:?} is not a selection name"));
                }
                Token::Word(word.clone())
            }
        };
        tokens.push(token);
        i += 1;
    }
    if tokens.is_empty() {
        return Err("condition is empty".to_owned());
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Cond, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("condition nests deeper than {MAX_DEPTH} levels"));
        }
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Token::Not) => Ok(Cond::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a `(` is not closed".to_owned()),
                }
            }
            Some(Token::OneOf) => self.of(false),
            Some(Token::AllOf) => self.of(true),
            Some(Token::Word(name)) => Ok(Cond::Name(name)),
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("condition ends too early".to_owned()),
        }
    }

    fn of(&mut self, all: bool) -> Result<Cond, String> {
        match self.next() {
            Some(Token::Word(pattern)) => Ok(Cond::Of { all, pattern }),
            _ => Err("`1 of` / `all of` needs a selection pattern or `them`".to_owned()),
        }
    }
}

/// Whether a selection name matches an `of` pattern (`*` matches any run of characters).
pub(crate) fn pattern_matches(pattern: &str, name: &str) -> bool {
    if pattern == "them" {
        return !name.starts_with('_');
    }
    let glob = crate::modifiers::wildcard::Glob::new(
        &crate::modifiers::wildcard::SigmaString::parse(pattern),
        false,
    );
    glob.matches(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Cond {
        Cond::Name(n.into())
    }

    #[test]
    fn precedence_not_and_or() {
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Cond::Or(vec![
                name("a"),
                Cond::And(vec![name("b"), Cond::Not(Box::new(name("c")))])
            ])
        );
        assert_eq!(
            parse("(a or b) and c").unwrap(),
            Cond::And(vec![Cond::Or(vec![name("a"), name("b")]), name("c")])
        );
    }

    #[test]
    fn quantifiers() {
        assert_eq!(
            parse("1 of selection_* and not all of them").unwrap(),
            Cond::And(vec![
                Cond::Of {
                    all: false,
                    pattern: "selection_*".into()
                },
                Cond::Not(Box::new(Cond::Of {
                    all: true,
                    pattern: "them".into()
                }))
            ])
        );
        assert!(pattern_matches("sel*", "selection"));
        assert!(!pattern_matches("them", "_hidden"));
    }

    #[test]
    fn errors() {
        assert!(parse("a and").is_err());
        assert!(parse("(a").is_err());
        assert!(parse("a b").is_err());
        assert!(parse("selection | count() > 5").is_err());
        assert!(parse(&"(".repeat(100)).is_err());
    }
}
