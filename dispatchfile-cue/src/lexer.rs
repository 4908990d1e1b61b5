//! Tokens with byte spans, automatic comma insertion and string literals (with interpolations).

use crate::error::{CueError, Span};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(Box<str>),
    Num(Box<str>),
    Str(Box<StrTok>),
    Attr,
    Bottom,
    LBrace,
    RBrace,
    LBrack,
    RBrack,
    LParen,
    RParen,
    Comma,
    /// A comma inserted at a line end (CUE's automatic comma insertion).
    AutoComma,
    Colon,
    DColon,
    Question,
    Not,
    Assign,
    Dot,
    Ellipsis,
    And,
    Or,
    AndAnd,
    OrOr,
    Plus,
    Minus,
    Star,
    Slash,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StrTok {
    pub(crate) bytes: bool,
    pub(crate) parts: Vec<StrPart>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StrPart {
    Lit(Vec<u8>),
    Interp(Vec<Token>, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    max_depth: usize,
}

type Res<T> = Result<T, CueError>;

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'#' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'#' || c >= 0x80
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, max_depth: usize) -> Self {
        Lexer {
            src: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
            max_depth,
        }
    }

    fn peek(&self, off: usize) -> u8 {
        self.src.get(self.pos + off).copied().unwrap_or(0)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(start as u32, self.pos as u32)
    }

    /// Lexes the whole input (`in_interp == false`) or an interpolation up to its closing `)`.
    pub(crate) fn tokens(&mut self, in_interp: bool) -> Res<Vec<Token>> {
        let mut out: Vec<Token> = Vec::new();
        let mut parens = 0usize;
        loop {
            // Skip white space and comments; note line ends for comma insertion.
            let mut newline_at = None;
            loop {
                let c = self.peek(0);
                if c == b'\n' {
                    if newline_at.is_none() {
                        newline_at = Some(self.pos);
                    }
                    self.pos += 1;
                } else if c == b' ' || c == b'\t' || c == b'\r' {
                    self.pos += 1;
                } else if c == b'/' && self.peek(1) == b'/' {
                    if newline_at.is_none() {
                        newline_at = Some(self.pos);
                    }
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                } else {
                    break;
                }
            }
            let at_end = self.pos >= self.src.len();
            if let Some(nl) = newline_at.or(if at_end { Some(self.pos) } else { None })
                && out.last().is_some_and(|t| inserts_comma(&t.tok))
            {
                out.push(Token {
                    tok: Tok::AutoComma,
                    span: Span::new(nl as u32, nl as u32),
                });
            }
            if at_end {
                if in_interp {
                    return Err(CueError::syntax(
                        "unterminated interpolation",
                        self.span(self.pos),
                    ));
                }
                out.push(Token {
                    tok: Tok::Eof,
                    span: self.span(self.pos),
                });
                return Ok(out);
            }
            let start = self.pos;
            let c = self.peek(0);
            let tok = match c {
                b'"' | b'\'' => self.string(start, 0)?,
                b'#' if matches!(self.peek(1), b'#' | b'"' | b'\'') => {
                    let mut hashes = 0;
                    while self.peek(hashes) == b'#' {
                        hashes += 1;
                    }
                    if matches!(self.peek(hashes), b'"' | b'\'') {
                        self.pos += hashes;
                        self.string(start, hashes)?
                    } else {
                        self.ident()
                    }
                }
                b'_' if self.peek(1) == b'|' && self.peek(2) == b'_' => {
                    self.pos += 3;
                    Tok::Bottom
                }
                b'0'..=b'9' => self.number()?,
                b'.' if self.peek(1).is_ascii_digit() => self.number()?,
                c if is_ident_start(c) => self.ident(),
                b'@' => {
                    self.attribute()?;
                    Tok::Attr
                }
                _ => match self.punct(start, in_interp, &mut parens, &mut out)? {
                    Some(t) => t,
                    None => return Ok(out),
                },
            };
            out.push(Token {
                tok,
                span: self.span(start),
            });
        }
    }

    /// A punctuation token at `start` (`in_interp`: `)` closing the interpolation ends `out`
    /// and gives `None`). A function of its own, so that `tokens`, which recurses through
    /// interpolations, takes little stack.
    #[inline(never)]
    fn punct(
        &mut self,
        start: usize,
        in_interp: bool,
        parens: &mut usize,
        out: &mut Vec<Token>,
    ) -> Res<Option<Tok>> {
        let c = self.peek(0);
        let (t, n) = match (c, self.peek(1), self.peek(2)) {
            (b'.', b'.', b'.') => (Tok::Ellipsis, 3),
            (b'{', _, _) => (Tok::LBrace, 1),
            (b'}', _, _) => (Tok::RBrace, 1),
            (b'[', _, _) => (Tok::LBrack, 1),
            (b']', _, _) => (Tok::RBrack, 1),
            (b'(', _, _) => {
                *parens += 1;
                (Tok::LParen, 1)
            }
            (b')', _, _) => {
                if in_interp && *parens == 0 {
                    self.pos += 1;
                    if out.last().is_some_and(|t| t.tok == Tok::AutoComma) {
                        out.pop();
                    }
                    out.push(Token {
                        tok: Tok::Eof,
                        span: self.span(start),
                    });
                    return Ok(None);
                }
                *parens = parens.saturating_sub(1);
                (Tok::RParen, 1)
            }
            (b',', _, _) => (Tok::Comma, 1),
            (b':', b':', _) => (Tok::DColon, 2),
            (b':', _, _) => (Tok::Colon, 1),
            (b'?', _, _) => (Tok::Question, 1),
            (b'!', b'=', _) => (Tok::Ne, 2),
            (b'!', b'~', _) => (Tok::NotMatch, 2),
            (b'!', _, _) => (Tok::Not, 1),
            (b'=', b'=', _) => (Tok::Eq, 2),
            (b'=', b'~', _) => (Tok::Match, 2),
            (b'=', _, _) => (Tok::Assign, 1),
            (b'.', _, _) => (Tok::Dot, 1),
            (b'&', b'&', _) => (Tok::AndAnd, 2),
            (b'&', _, _) => (Tok::And, 1),
            (b'|', b'|', _) => (Tok::OrOr, 2),
            (b'|', _, _) => (Tok::Or, 1),
            (b'+', _, _) => (Tok::Plus, 1),
            (b'-', _, _) => (Tok::Minus, 1),
            (b'*', _, _) => (Tok::Star, 1),
            (b'/', _, _) => (Tok::Slash, 1),
            (b'<', b'=', _) => (Tok::Le, 2),
            (b'<', _, _) => (Tok::Lt, 1),
            (b'>', b'=', _) => (Tok::Ge, 2),
            (b'>', _, _) => (Tok::Gt, 1),
            _ => {
                let ch = self.text[start..].chars().next().unwrap_or('?');
                return Err(CueError::syntax(
                    format!("illegal character {ch:?}"),
                    Span::new(start as u32, (start + ch.len_utf8()) as u32),
                ));
            }
        };
        self.pos += n;
        Ok(Some(t))
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        while self.pos < self.src.len() && is_ident_char(self.src[self.pos]) {
            // Multi-byte characters: advance over the whole character.
            self.pos += 1;
        }
        while !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
        Tok::Ident(self.text[start..self.pos].into())
    }

    fn attribute(&mut self) -> Res<()> {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.src.len() && is_ident_char(self.src[self.pos]) {
            self.pos += 1;
        }
        if self.peek(0) != b'(' {
            return Err(CueError::syntax("invalid attribute", self.span(start)));
        }
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        while !self.text.is_char_boundary(self.pos) {
                            self.pos += 1;
                        }
                        return Ok(());
                    }
                }
                b'\n' => break,
                _ => {}
            }
            self.pos += 1;
        }
        Err(CueError::syntax("unterminated attribute", self.span(start)))
    }

    fn number(&mut self) -> Res<Tok> {
        let start = self.pos;
        let c0 = self.peek(0);
        let c1 = self.peek(1);
        if c0 == b'0' && matches!(c1, b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
            self.pos += 2;
            while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                self.pos += 1;
            }
        } else {
            while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
                self.pos += 1;
            }
            if self.peek(0) == b'.' && self.peek(1) != b'.' {
                self.pos += 1;
                while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
                    self.pos += 1;
                }
            }
            if matches!(self.peek(0), b'e' | b'E')
                && (self.peek(1).is_ascii_digit()
                    || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
            {
                self.pos += 2;
                while self.peek(0).is_ascii_digit() {
                    self.pos += 1;
                }
            }
            if matches!(self.peek(0), b'K' | b'M' | b'G' | b'T' | b'P') {
                self.pos += 1;
                if self.peek(0) == b'i' {
                    self.pos += 1;
                }
            }
        }
        if is_ident_char(self.peek(0)) {
            return Err(CueError::syntax(
                format!("invalid number {:?}", &self.text[start..self.pos]),
                self.span(start),
            ));
        }
        Ok(Tok::Num(self.text[start..self.pos].into()))
    }

    /// Lexes a string starting at the quote (after `hashes` `#`s); `start` is the token start.
    fn string(&mut self, start: usize, hashes: usize) -> Res<Tok> {
        let q = self.peek(0);
        let multi = self.peek(1) == q && self.peek(2) == q;
        let bytes = q == b'\'';
        if multi {
            self.pos += 3;
            // The opening quotes must end their line.
            while matches!(self.peek(0), b' ' | b'\t' | b'\r') {
                self.pos += 1;
            }
            if self.peek(0) != b'\n' {
                return Err(CueError::syntax(
                    "expected newline after multiline quote",
                    self.span(start),
                ));
            }
            self.pos += 1;
        } else {
            self.pos += 1;
        }
        // Collect raw parts.
        let mut raw: Vec<RawPart> = Vec::new();
        let mut lit_start = self.pos;
        loop {
            if self.pos >= self.src.len() {
                return Err(CueError::syntax(
                    "string literal not terminated",
                    self.span(start),
                ));
            }
            let c = self.src[self.pos];
            if c == b'\n' && !multi {
                return Err(CueError::syntax(
                    "string literal not terminated",
                    self.span(start),
                ));
            }
            if c == q {
                let closes = if multi {
                    self.peek(1) == q && self.peek(2) == q
                } else {
                    true
                };
                let qlen = if multi { 3 } else { 1 };
                if closes && (0..hashes).all(|i| self.peek(qlen + i) == b'#') {
                    raw.push(RawPart::Lit(lit_start, self.pos));
                    self.pos += qlen + hashes;
                    break;
                }
                self.pos += 1;
                continue;
            }
            if c == b'\\' && (0..hashes).all(|i| self.peek(1 + i) == b'#') {
                if self.peek(1 + hashes) == b'(' {
                    raw.push(RawPart::Lit(lit_start, self.pos));
                    let istart = self.pos;
                    self.pos += 2 + hashes;
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(CueError::limit(
                            "max_depth",
                            self.max_depth,
                            Some(self.span(istart)),
                        ));
                    }
                    let toks = self.tokens(true)?;
                    self.depth -= 1;
                    raw.push(RawPart::Interp(toks, self.span(istart)));
                    lit_start = self.pos;
                    continue;
                }
                // Skip the escaped character so an escaped quote does not end the string.
                self.pos += 2 + hashes;
                continue;
            }
            self.pos += 1;
        }
        self.string_parts(start, raw, multi, hashes, bytes)
    }

    /// The parts of a string literal from its raw pieces: multi-line indentation removed,
    /// escapes processed. Apart from `string`, which recurses through interpolations.
    #[inline(never)]
    fn string_parts(
        &mut self,
        start: usize,
        raw: Vec<RawPart>,
        multi: bool,
        hashes: usize,
        bytes: bool,
    ) -> Res<Tok> {
        let end_span = self.span(start);
        // Multi-line strings: strip the closing line's indentation from every line.
        if multi {
            let Some(RawPart::Lit(ls, le)) = raw.last().cloned() else {
                return Err(CueError::syntax("invalid multiline string", end_span));
            };
            let last_nl = self.src[ls..le].iter().rposition(|&b| b == b'\n');
            let indent_start = last_nl.map_or(ls, |i| ls + i + 1);
            let indent = &self.src[indent_start..le];
            if indent.iter().any(|&b| b != b' ' && b != b'\t')
                || (last_nl.is_none() && raw.len() > 1)
            {
                return Err(CueError::syntax(
                    "closing quote of a multiline string must be on its own line",
                    end_span,
                ));
            }
            let indent = indent.to_vec();
            let n = raw.len();
            let mut parts = Vec::new();
            for (i, p) in raw.into_iter().enumerate() {
                match p {
                    RawPart::Lit(s, e) => {
                        let e = if i + 1 == n {
                            // Drop the last line end and the closing indentation.
                            last_nl.map_or(s, |j| ls + j).max(s)
                        } else {
                            e
                        };
                        let seg = &self.src[s..e];
                        let mut buf = Vec::with_capacity(seg.len());
                        let mut line_start = i == 0;
                        let mut k = 0;
                        while k < seg.len() {
                            if line_start {
                                line_start = false;
                                if seg[k..].starts_with(&indent) {
                                    k += indent.len();
                                    continue;
                                } else if seg[k] != b'\n' && seg[k] != b'\r' {
                                    return Err(CueError::syntax(
                                        "invalid whitespace in multiline string: line must start with the indentation of the closing quote",
                                        Span::new((s + k) as u32, (s + k + 1) as u32),
                                    ));
                                }
                            }
                            if seg[k] == b'\n' {
                                line_start = true;
                            }
                            buf.push(seg[k]);
                            k += 1;
                        }
                        parts.push(StrPart::Lit(unescape(&buf, hashes, bytes, s)?));
                    }
                    RawPart::Interp(t, sp) => parts.push(StrPart::Interp(t, sp)),
                }
            }
            return Ok(Tok::Str(Box::new(StrTok { bytes, parts })));
        }
        let mut parts = Vec::new();
        for p in raw {
            match p {
                RawPart::Lit(s, e) => {
                    parts.push(StrPart::Lit(unescape(&self.src[s..e], hashes, bytes, s)?));
                }
                RawPart::Interp(t, sp) => parts.push(StrPart::Interp(t, sp)),
            }
        }
        Ok(Tok::Str(Box::new(StrTok { bytes, parts })))
    }
}

#[derive(Clone)]
enum RawPart {
    Lit(usize, usize),
    Interp(Vec<Token>, Span),
}

fn inserts_comma(t: &Tok) -> bool {
    match t {
        Tok::Ident(s) => !matches!(&**s, "for" | "in" | "if" | "let" | "import" | "package"),
        Tok::Num(_)
        | Tok::Str(_)
        | Tok::Bottom
        | Tok::RParen
        | Tok::RBrack
        | Tok::RBrace
        | Tok::Ellipsis
        | Tok::Attr => true,
        _ => false,
    }
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Processes escapes of a raw string segment; `off` is its offset for error positions.
fn unescape(raw: &[u8], hashes: usize, bytes: bool, off: usize) -> Res<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' || !(0..hashes).all(|h| raw.get(i + 1 + h) == Some(&b'#')) {
            out.push(c);
            i += 1;
            continue;
        }
        let at = i;
        i += 1 + hashes;
        let err = |msg: &str| {
            CueError::syntax(
                format!("unknown escape sequence{msg}"),
                Span::new((off + at) as u32, (off + at + 2 + hashes) as u32),
            )
        };
        let Some(&e) = raw.get(i) else {
            return Err(err(""));
        };
        i += 1;
        match e {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'\n' => {}
            b'u' | b'U' => {
                let n = if e == b'u' { 4 } else { 8 };
                let mut v: u32 = 0;
                for _ in 0..n {
                    let d = raw.get(i).and_then(|&b| hex(b)).ok_or_else(|| err(""))?;
                    v = v * 16 + d;
                    i += 1;
                }
                let ch = char::from_u32(v).ok_or_else(|| err(": invalid code point"))?;
                let mut b = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
            }
            b'x' if bytes => {
                let mut v: u32 = 0;
                for _ in 0..2 {
                    let d = raw.get(i).and_then(|&b| hex(b)).ok_or_else(|| err(""))?;
                    v = v * 16 + d;
                    i += 1;
                }
                out.push(v as u8);
            }
            b'0'..=b'7' if bytes => {
                let mut v: u32 = u32::from(e - b'0');
                for _ in 0..2 {
                    let d = raw
                        .get(i)
                        .filter(|b| (b'0'..=b'7').contains(b))
                        .ok_or_else(|| err(""))?;
                    v = v * 8 + u32::from(d - b'0');
                    i += 1;
                }
                if v > 255 {
                    return Err(err(""));
                }
                out.push(v as u8);
            }
            _ => return Err(err("")),
        }
    }
    Ok(out)
}
