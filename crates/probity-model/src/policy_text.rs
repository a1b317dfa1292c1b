//! Limits on the YAML files a force writes (exclusion lists, policies, lexicons, mappings,
//! rules), checked on the text before it is parsed.
//!
//! The YAML reader's time grows with the square of how deeply flow collections (`[…]`, `{…}`)
//! are nested: 200 KB of `[` took 53 s to be refused. [`check_policy_text`] refuses a text over
//! a size limit, or nested deeper than [`MAX_POLICY_NESTING`], in one pass over its bytes, so
//! that such a file is refused with its name in a few milliseconds.
//!
//! The pass follows YAML's reading of the text as far as nesting goes: a `[` or `{` opens a flow
//! collection where a value may start (after `: `, `- `, `,`, another `[`, or at the start of a
//! line) and inside a flow collection, not inside a plain scalar written in block style
//! (`note: see [1]`), a quoted scalar, a comment or a block scalar (`|`, `>`). Block collections
//! count a level where the reader opens one: a sequence entry (`- `) or a mapping key deeper than
//! the block it is in, closed by a line less indented; so the depth is the document's nesting as
//! a whole. It is no parser (nothing here says whether the YAML is valid): the limit is far above
//! what a policy file needs (a handful of levels), so it never refuses an ordinary file.

/// The deepest nesting a policy file may have (flow and block collections together).
pub const MAX_POLICY_NESTING: usize = 64;

/// The largest policy file read where its loader sets no smaller limit (1 MiB).
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// Checks a policy file's text before it is parsed: at most `max_bytes` long and nested at most
/// [`MAX_POLICY_NESTING`] deep. The error says which limit and where, for the caller to put after
/// the file's name.
pub fn check_policy_text(text: &str, max_bytes: usize) -> Result<(), String> {
    if text.len() > max_bytes {
        return Err(format!(
            "the file is {} bytes; the limit is {max_bytes}",
            text.len()
        ));
    }
    match nesting_beyond(text, MAX_POLICY_NESTING) {
        Some(line) => Err(format!(
            "collections are nested more than {MAX_POLICY_NESTING} deep (line {line}); \
             a policy file needs a handful of levels"
        )),
        None => Ok(()),
    }
}

/// The line (from 1) on which `text` is first nested more than `limit` deep, or `None`.
pub fn nesting_beyond(text: &str, limit: usize) -> Option<usize> {
    Scan::new(text.as_bytes()).run(limit)
}

/// One pass over a YAML text, following its reader's (libyaml's) tokens as far as nesting goes:
/// flow collections, and block collections by the indentation of their entries and keys.
struct Scan<'t> {
    bytes: &'t [u8],
    at: usize,
    line: usize,
    /// Where the current line begins.
    line_begin: usize,
    /// Flow collections open.
    flow: usize,
    /// The current block indentation (-1 outside any block collection), as the reader keeps it.
    indent: isize,
    /// The block indentations outside the current one: one per block collection open.
    indents: Vec<isize>,
    /// Whether the next character that is not white space starts a token (where a quote opens a
    /// quoted scalar and a bracket a flow collection).
    token_start: bool,
    /// Whether a plain scalar is being read (it may go on over lines).
    plain: bool,
    /// The column where the last scalar or flow collection began (a mapping key's, when `: `
    /// follows it).
    token_column: usize,
}

impl<'t> Scan<'t> {
    fn new(bytes: &'t [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
            line_begin: 0,
            flow: 0,
            indent: -1,
            indents: Vec::new(),
            token_start: true,
            plain: false,
            token_column: 0,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Whether the byte `offset` after the current one is white space or the end.
    fn blank_at(&self, offset: usize) -> bool {
        matches!(self.peek(offset), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
    }

    fn column(&self) -> usize {
        self.at - self.line_begin
    }

    fn depth(&self) -> usize {
        self.flow + self.indents.len()
    }

    /// Opens a block collection at `column` where it is deeper than the current one (a sequence
    /// entry, or a mapping key), as the reader does.
    fn roll(&mut self, column: usize) {
        let column = column as isize;
        if self.flow == 0 && column > self.indent {
            self.indents.push(self.indent);
            self.indent = column;
        }
    }

    /// Moves past a line break.
    fn new_line(&mut self) {
        self.at += 1;
        self.line += 1;
        self.line_begin = self.at;
    }

    fn run(&mut self, limit: usize) -> Option<usize> {
        let mut after_space = true;
        let mut line_start = true;
        while let Some(byte) = self.peek(0) {
            if line_start {
                line_start = false;
                after_space = true;
                while matches!(self.peek(0), Some(b' ' | b'\t')) {
                    self.at += 1;
                }
                let column = self.column();
                // In block context a line that is not blank starts a token, unless it goes on
                // with a plain scalar (indented more than the block it is in); blocks less
                // indented than it are closed.
                if self.flow == 0 && !matches!(self.peek(0), None | Some(b'\n' | b'\r' | b'#')) {
                    let goes_on = self.plain && column as isize > self.indent;
                    if !goes_on {
                        self.plain = false;
                        self.token_start = true;
                        while self.indent > column as isize {
                            self.indent = self.indents.pop().unwrap_or(-1);
                        }
                    }
                }
                continue;
            }
            match byte {
                b'\n' => {
                    self.new_line();
                    line_start = true;
                    continue;
                }
                b'\r' | b' ' | b'\t' => {
                    self.at += 1;
                    after_space = true;
                    continue;
                }
                b'#' if after_space => {
                    // A comment, to the end of the line; it ends a plain scalar.
                    while self.peek(0).is_some_and(|b| b != b'\n') {
                        self.at += 1;
                    }
                    self.plain = false;
                    self.token_start = true;
                    continue;
                }
                _ => {}
            }
            after_space = false;
            let start = self.token_start;
            match byte {
                b'\'' | b'"' if start => {
                    self.token_column = self.column();
                    self.quoted(byte);
                    self.token_start = true;
                    continue;
                }
                b'[' | b'{' if start || self.flow > 0 => {
                    if self.flow == 0 {
                        self.token_column = self.column();
                    }
                    self.flow += 1;
                    self.plain = false;
                    self.token_start = true;
                    if self.depth() > limit {
                        return Some(self.line);
                    }
                }
                b']' | b'}' if self.flow > 0 => {
                    self.flow -= 1;
                    self.plain = false;
                    self.token_start = true;
                }
                b',' if self.flow > 0 => {
                    self.plain = false;
                    self.token_start = true;
                }
                b':' if self.blank_at(1)
                    || (self.flow > 0
                        && (start
                            || matches!(
                                self.peek(1),
                                Some(b',' | b'?' | b'[' | b']' | b'{' | b'}')
                            ))) =>
                {
                    // A value follows a mapping key: in block context, a mapping at the key's
                    // column.
                    self.roll(self.token_column);
                    self.plain = false;
                    self.token_start = true;
                    if self.depth() > limit {
                        return Some(self.line);
                    }
                }
                b'-' | b'?' if start && self.blank_at(1) => {
                    self.roll(self.column());
                    self.token_start = true;
                    if self.depth() > limit {
                        return Some(self.line);
                    }
                }
                b'|' | b'>' if start && self.flow == 0 => {
                    self.block_scalar();
                    line_start = true;
                    continue;
                }
                b'&' | b'*' | b'!' if start => {
                    // An anchor, alias or tag: its name, up to white space or a flow indicator.
                    self.at += 1;
                    while self.peek(0).is_some_and(|b| {
                        !matches!(
                            b,
                            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                        )
                    }) {
                        self.at += 1;
                    }
                    continue;
                }
                _ => {
                    if start {
                        self.token_column = self.column();
                    }
                    self.plain = true;
                    self.token_start = false;
                }
            }
            self.at += 1;
        }
        None
    }

    /// Skips a quoted scalar opened by `quote` at the current byte, lines and all.
    fn quoted(&mut self, quote: u8) {
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'\n' => {
                    self.new_line();
                    continue;
                }
                b'\\' if quote == b'"' => {
                    self.at += 1;
                    if self.peek(0) == Some(b'\n') {
                        self.new_line();
                        continue;
                    }
                }
                b'\'' if quote == b'\'' && self.peek(1) == Some(b'\'') => self.at += 1,
                _ if byte == quote => {
                    self.at += 1;
                    break;
                }
                _ => {}
            }
            self.at += 1;
        }
        self.plain = false;
    }

    /// Skips a block scalar (`|` or `>`): its indicator line, then the lines of its content,
    /// indented as the first of them that is not blank (deeper than the block it is in), and
    /// blank lines. Stops at the start of the first line that is not part of it.
    fn block_scalar(&mut self) {
        while self.peek(0).is_some_and(|b| b != b'\n') {
            self.at += 1;
        }
        let mut content: Option<usize> = None;
        while self.peek(0) == Some(b'\n') {
            let next = self.at + 1;
            let rest = self.bytes.get(next..).unwrap_or_default();
            let spaces = rest.iter().take_while(|&&b| b == b' ').count();
            let blank = matches!(rest.get(spaces), None | Some(b'\n' | b'\r'));
            if !blank {
                let wanted = *content.get_or_insert(spaces);
                if spaces < wanted || spaces as isize <= self.indent {
                    break;
                }
            }
            self.new_line();
            while self.peek(0).is_some_and(|b| b != b'\n') {
                self.at += 1;
            }
        }
        if self.peek(0) == Some(b'\n') {
            self.new_line();
        }
        self.plain = false;
        self.token_start = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_brackets_are_refused_at_once_with_the_line() {
        let deep = format!(
            "version: 1\nparties: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let started = std::time::Instant::now();
        let error = check_policy_text(&deep, MAX_POLICY_BYTES).unwrap_err();
        assert!(
            error.contains("nested more than 64 deep (line 2)"),
            "{error}"
        );
        // One pass over 200 KB: far below the 53 s the YAML reader took.
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_indentation_and_sequences_count_too() {
        let mut indented = String::new();
        for level in 0..80 {
            indented.push_str(&" ".repeat(level));
            indented.push_str("a:\n");
        }
        assert!(nesting_beyond(&indented, 64).is_some());
        assert!(nesting_beyond(&format!("{}x\n", "- ".repeat(80)), 64).is_some());
        let braces = format!("a: {}\n", "{b: ".repeat(70));
        assert!(nesting_beyond(&braces, 64).is_some());
    }

    #[test]
    fn a_large_file_is_refused_before_it_is_read_further() {
        let big = "a: b\n".repeat(300_000);
        let error = check_policy_text(&big, MAX_POLICY_BYTES).unwrap_err();
        assert_eq!(error, "the file is 1500000 bytes; the limit is 1048576");
    }

    #[test]
    fn brackets_in_text_are_not_nesting() {
        let text = "\
version: 1
# a comment [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
note: see [1] [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
quoted: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"
single: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[''['
block: |
  [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
  {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{
list: [a, 'b]', \"c]\", [d, {e: f}]]
";
        // The mapping, then three flow collections on the last line.
        assert_eq!(nesting_beyond(text, 4), None);
        assert_eq!(nesting_beyond(text, 3), Some(9));
    }

    #[test]
    fn the_shipped_policies_are_far_inside_the_limits() {
        for text in [
            "version: 1\nparties:\n  - class: welfare\n    domains: [a.org, \"*.a.org\"]\n",
            "categories:\n  threat:\n    min_severity: low\n    context:\n      - quoted\n",
        ] {
            assert_eq!(check_policy_text(text, MAX_POLICY_BYTES), Ok(()));
            assert_eq!(nesting_beyond(text, 4), None, "{text}");
        }
    }

    use proptest::prelude::*;
    use serde_json::Value;

    /// Strings that hold what the scan must not mistake for structure.
    fn tricky_text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-z \\[\\]{}'\"#:,\\\\\n|>&*!-]{0,12}").unwrap()
    }

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            tricky_text().prop_map(Value::String),
            any::<i32>().prop_map(Value::from),
            Just(Value::Null),
        ];
        leaf.prop_recursive(8, 64, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((tricky_text(), inner), 0..4)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// How deeply arrays and objects are nested in `value` (a scalar: 0).
    fn depth(value: &Value) -> usize {
        match value {
            Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// The depth the scan finds (the least limit it does not pass).
    fn scanned(text: &str) -> usize {
        (0..=64)
            .find(|&limit| nesting_beyond(text, limit).is_none())
            .unwrap_or(65)
    }

    proptest! {
        /// JSON is YAML written in flow style: every array and object is counted, whatever
        /// brackets, quotes and comment marks its strings hold.
        #[test]
        fn json_is_counted_exactly(value in values()) {
            let json = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(scanned(&json), depth(&value), "{}", json);
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(scanned(&pretty), depth(&value), "{}", pretty);
        }

        /// Values written in flow style under block keys: the mapping, and each value's depth.
        #[test]
        fn flow_values_under_block_keys_are_counted_exactly(values in proptest::collection::vec(values(), 1..4)) {
            let mut text = String::new();
            for (at, value) in values.iter().enumerate() {
                text.push_str(&format!("key{at}: {}\n", serde_json::to_string(value).unwrap()));
            }
            let expected = 1 + values.iter().map(depth).max().unwrap_or(0);
            prop_assert_eq!(scanned(&text), expected, "{}", text);
        }
    }
}
