//! The JSON frontend: RFC 8259 only, duplicate keys rejected, numbers kept as exact text.
//!
//! Hand-written because no maintained crate gives byte spans on every node together with
//! duplicate-key detection and a depth limit: serde_json drops positions once a value is built.
//! RFC 8259 only: no comments, no trailing commas; numbers keep their exact text.

use dispatchfile_model::{Code, Diagnostic, Document, Entry, FileId, Limits, Node, Value};

use crate::{FrontendResult, span};

/// Parses a JSON Dispatchfile body (selector line already blanked).
pub(crate) fn parse(text: &str, file: FileId, limits: &Limits) -> FrontendResult {
    let mut p = Parser {
        text: text.as_bytes(),
        src: text,
        pos: 0,
        file,
        limits,
        nodes: 0,
        bytes: 0,
    };
    let result = (|| {
        p.skip_ws();
        if p.pos >= p.text.len() {
            return Err(p.error_at(
                p.pos,
                "the file is empty: a Dispatchfile must be a JSON object",
            ));
        }
        if p.peek() != Some(b'{') {
            return Err(p.error_at(p.pos, "a JSON Dispatchfile must be an object"));
        }
        let root = p.value(1)?;
        p.skip_ws();
        if p.pos < p.text.len() {
            return Err(p.error_at(p.pos, "unexpected text after the top-level object"));
        }
        Ok(root)
    })();
    match result {
        Ok(root) => Ok((Document { root }, Vec::new())),
        Err(d) => Err(vec![d]),
    }
}

struct Parser<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
    file: FileId,
    limits: &'a Limits,
    nodes: usize,
    /// Bytes of text read so far (keys, strings, numbers). Never more than the source, so this
    /// matters only when `max_document_bytes` is set below `max_source_bytes`.
    bytes: usize,
}

type PResult<T> = Result<T, Diagnostic>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn error_at(&self, at: usize, msg: impl Into<String>) -> Diagnostic {
        let end = self.src[at.min(self.src.len())..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        Diagnostic::error(Code::Parse, msg).at(span(self.file, at, end))
    }

    fn unexpected(&self, expected: &str) -> Diagnostic {
        match self.src.get(self.pos..).and_then(|r| r.chars().next()) {
            None => self.error_at(
                self.pos,
                format!("unexpected end of file, expected {expected}"),
            ),
            Some(c) => self.error_at(self.pos, format!("unexpected {c:?}, expected {expected}")),
        }
    }

    fn spend_bytes(&mut self, n: usize, at: usize) -> PResult<()> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_document_bytes {
            return Err(Diagnostic::error(
                Code::LimitExceeded,
                format!(
                    "limit exceeded: max_document_bytes ({})",
                    self.limits.max_document_bytes
                ),
            )
            .at(span(self.file, at, at + 1)));
        }
        Ok(())
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> PResult<Node> {
        if depth > self.limits.max_depth {
            return Err(Diagnostic::error(
                Code::LimitExceeded,
                format!("limit exceeded: max_depth ({})", self.limits.max_depth),
            )
            .at(span(self.file, self.pos, self.pos + 1)));
        }
        self.nodes += 1;
        if self.nodes > self.limits.max_document_nodes {
            return Err(Diagnostic::error(
                Code::LimitExceeded,
                format!(
                    "limit exceeded: max_document_nodes ({})",
                    self.limits.max_document_nodes
                ),
            )
            .at(span(self.file, self.pos, self.pos + 1)));
        }
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(
                    Value::String(s),
                    span(self.file, start, self.pos),
                ))
            }
            Some(b't') => self.keyword("true", Value::Bool(true)),
            Some(b'f') => self.keyword("false", Value::Bool(false)),
            Some(b'n') => self.keyword("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn keyword(&mut self, word: &str, value: Value) -> PResult<Node> {
        let start = self.pos;
        if self.text[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(value, span(self.file, start, self.pos)))
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> PResult<Node> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos - s
        };
        let int_start = self.pos;
        if digits(self) == 0 {
            return Err(self.unexpected("a digit"));
        }
        if self.text[int_start] == b'0' && self.pos - int_start > 1 {
            return Err(self.error_at(int_start, "numbers cannot have leading zeros"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.unexpected("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        self.spend_bytes(self.pos - start, start)?;
        Ok(Node::new(
            Value::Number(self.src[start..self.pos].to_owned()),
            span(self.file, start, self.pos),
        ))
    }

    fn string(&mut self) -> PResult<String> {
        let open = self.pos;
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.src[run_start..self.pos]);
            match self.peek() {
                None => return Err(self.error_at(open, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    self.spend_bytes(out.len(), open)?;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4(esc)?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if !self.text[self.pos..].starts_with(b"\\u") {
                                    return Err(
                                        self.error_at(esc, "unpaired surrogate in \\u escape")
                                    );
                                }
                                self.pos += 2;
                                let lo = self.hex4(esc)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(
                                        self.error_at(esc, "unpaired surrogate in \\u escape")
                                    );
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            let c = c.ok_or_else(|| self.error_at(esc, "invalid \\u escape"))?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error_at(esc, "invalid escape sequence")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(
                        self.error_at(self.pos, "control characters must be escaped in strings")
                    );
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> PResult<u32> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error_at(esc, "invalid \\u escape"))?;
        let v = u32::from_str_radix(digits, 16)
            .map_err(|_| self.error_at(esc, "invalid \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error_at(esc, "invalid \\u escape"));
        }
        self.pos += 4;
        Ok(v)
    }

    fn array(&mut self, depth: usize) -> PResult<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::new(
                Value::Array(items),
                span(self.file, start, self.pos),
            ));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        return Err(self.error_at(comma, "trailing comma before ']'"));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::new(
                        Value::Array(items),
                        span(self.file, start, self.pos),
                    ));
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> PResult<Node> {
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        // Key → index, so duplicate detection stays linear for huge objects.
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::new(
                Value::Object(entries),
                span(self.file, start, self.pos),
            ));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = span(self.file, key_start, self.pos);
            if let Some(prev) = seen.get(&key).and_then(|&i| entries.get(i)) {
                return Err(Diagnostic::error(
                    Code::DuplicateKey,
                    format!("duplicate key {key:?}"),
                )
                .at(key_span)
                .with_related(prev.key_span, "first defined here"));
            }
            seen.insert(key.clone(), entries.len());
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("':'"));
            }
            self.pos += 1;
            let value = self.value(depth + 1)?;
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        return Err(self.error_at(comma, "trailing comma before '}'"));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::new(
                        Value::Object(entries),
                        span(self.file, start, self.pos),
                    ));
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }
}
