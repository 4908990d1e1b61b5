//! Parsing the Dispatch glob dialect into tokens.

use crate::error::{Error, Result};

/// One element of a parsed glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: one character other than `/`.
    Any,
    /// `*`: a run of characters other than `/`.
    Star,
    /// `**` not followed by `/`: any run of characters.
    AnyStar,
    /// `**/`: zero or more whole directories, the `/` included.
    DirStar,
    /// `[…]`: one character of a class (never `/`).
    Class(Box<Class>),
    /// `{a,b,…}`: one of the alternatives.
    Alt(Vec<Vec<Tok>>),
}

/// A character class: ranges, maybe negated; `/` never matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Class {
    /// ASCII members (after negation, `/` removed), as a 128-bit set.
    ascii: [u64; 2],
    /// Ranges with non-ASCII ends, as written.
    ranges: Vec<(char, char)>,
    negated: bool,
}

impl Class {
    fn new(ranges: &[(char, char)], negated: bool) -> Class {
        // The ASCII part of each range, set a word at a time.
        let mut ascii = [0u64; 2];
        for &(lo, hi) in ranges {
            let (lo, hi) = (u32::from(lo), u32::from(hi).min(127));
            for (w, word) in ascii.iter_mut().enumerate() {
                let (from, to) = (lo.max(64 * w as u32), hi.min(64 * w as u32 + 63));
                if from <= to {
                    let bits = to - from + 1;
                    *word |= (u64::MAX >> (64 - bits)) << (from - 64 * w as u32);
                }
            }
        }
        if negated {
            ascii = [!ascii[0], !ascii[1]];
        }
        ascii[usize::from(b'/' >> 6)] &= !(1 << (b'/' & 63));
        let ranges = ranges
            .iter()
            .copied()
            .filter(|&(_, hi)| !hi.is_ascii())
            .collect();
        Class {
            ascii,
            ranges,
            negated,
        }
    }

    /// Whether `c` is in the class.
    #[inline]
    pub(crate) fn matches(&self, c: char) -> bool {
        if c.is_ascii() {
            let b = c as u8;
            self.ascii[usize::from(b >> 6)] & (1 << (b & 63)) != 0
        } else {
            self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
        }
    }

    /// The members, when the class is a few ASCII characters (not negated, no non-ASCII range).
    pub(crate) fn few_ascii(&self, max: usize) -> Option<Vec<u8>> {
        if self.negated || !self.ranges.is_empty() {
            return None;
        }
        let members: Vec<u8> = (0u8..128).filter(|&b| self.matches_ascii(b)).collect();
        (members.len() <= max).then_some(members)
    }

    /// Whether the class is negated (`[!…]`, `[^…]`).
    pub(crate) fn is_negated(&self) -> bool {
        self.negated
    }

    /// The ranges with a non-ASCII end, as written (ASCII members are in the bit set).
    pub(crate) fn non_ascii_ranges(&self) -> &[(char, char)] {
        &self.ranges
    }

    /// The ASCII members as a 128-bit set (bit `b` of word `b / 64`).
    pub(crate) fn ascii_bits(&self) -> [u64; 2] {
        self.ascii
    }

    /// Whether the ASCII byte `b` is in the class.
    #[inline]
    pub(crate) fn matches_ascii(&self, b: u8) -> bool {
        b < 128 && self.ascii[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// Parser limits and the parts of the pattern that are not glob text.
pub(crate) struct ParseOptions<'a> {
    pub(crate) negation: bool,
    pub(crate) ref_prefix: Option<&'a str>,
    pub(crate) max_len: usize,
    pub(crate) max_depth: usize,
}

/// A parsed pattern.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) negated: bool,
    pub(crate) toks: Vec<Tok>,
    pub(crate) warning: Option<&'static str>,
}

/// Parses `pattern` (as written, maybe with a leading `!`).
pub(crate) fn parse(pattern: &str, opts: &ParseOptions<'_>) -> Result<Parsed> {
    if pattern.len() > opts.max_len {
        return Err(Error::limit("max_pattern_len", opts.max_len));
    }
    if pattern.is_empty() {
        return Err(Error::pattern_whole(pattern, "empty pattern"));
    }
    let mut body = pattern;
    let mut column = 1;
    let negated = opts.negation && body.starts_with('!');
    if negated {
        body = &body[1..];
        column += 1;
        if body.is_empty() {
            return Err(Error::pattern(pattern, "nothing after \"!\"", 1));
        }
    }
    if let Some((prefix, rest)) = opts
        .ref_prefix
        .and_then(|p| Some((p, body.strip_prefix(p)?)))
    {
        column += prefix.chars().count();
        body = rest;
        if body.is_empty() {
            return Err(Error::pattern_whole(
                pattern,
                &format!("nothing after {prefix:?}"),
            ));
        }
    }
    let warning = if body.starts_with('/') {
        Some("a leading \"/\" never matches (branch names and changed paths are relative)")
    } else if body.starts_with("./") {
        Some("a leading \"./\" never matches (branch names and changed paths are relative)")
    } else {
        None
    };
    // One allocation each for the characters and the top-level tokens (at most one per byte).
    let mut chars = Vec::with_capacity(body.len());
    chars.extend(body.chars());
    let mut p = Parser {
        pattern,
        chars,
        pos: 0,
        column0: column,
        max_depth: opts.max_depth,
    };
    let toks = p.seq(0)?;
    if p.pos < p.chars.len() {
        // Only a `}` outside braces stops the top-level sequence early.
        return Err(Error::pattern(pattern, "unmatched \"}\"", p.column(p.pos)));
    }
    Ok(Parsed {
        negated,
        toks,
        warning,
    })
}

struct Parser<'p> {
    pattern: &'p str,
    chars: Vec<char>,
    pos: usize,
    column0: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn column(&self, pos: usize) -> usize {
        self.column0 + pos
    }

    fn err(&self, what: &str, pos: usize) -> Error {
        Error::pattern(self.pattern, what, self.column(pos))
    }

    /// A sequence up to the end, or (inside braces, `depth > 0`) up to an unescaped `,` or `}`.
    fn seq(&mut self, depth: usize) -> Result<Vec<Tok>> {
        let mut toks = if depth == 0 {
            Vec::with_capacity(self.chars.len())
        } else {
            Vec::new()
        };
        while let Some(&c) = self.chars.get(self.pos) {
            match c {
                '\\' => {
                    let Some(&next) = self.chars.get(self.pos + 1) else {
                        return Err(self.err("trailing \"\\\"", self.pos));
                    };
                    toks.push(Tok::Lit(next));
                    self.pos += 2;
                }
                '*' => {
                    let start = self.pos;
                    while self.chars.get(self.pos) == Some(&'*') {
                        self.pos += 1;
                    }
                    if self.pos - start == 1 {
                        toks.push(Tok::Star);
                    } else if self.chars.get(self.pos) == Some(&'/') {
                        self.pos += 1;
                        // `**/**/` is `**/`.
                        if toks.last() != Some(&Tok::DirStar) {
                            toks.push(Tok::DirStar);
                        }
                    } else {
                        toks.push(Tok::AnyStar);
                    }
                }
                '?' => {
                    toks.push(Tok::Any);
                    self.pos += 1;
                }
                '[' => toks.push(self.class()?),
                '{' => {
                    if depth + 1 > self.max_depth {
                        return Err(Error::limit("max_depth", self.max_depth));
                    }
                    let open = self.pos;
                    self.pos += 1;
                    let mut alts = Vec::new();
                    loop {
                        alts.push(self.seq(depth + 1)?);
                        match self.chars.get(self.pos) {
                            Some(',') => self.pos += 1,
                            Some('}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.err("unclosed \"{\"", open)),
                        }
                    }
                    toks.push(Tok::Alt(alts));
                }
                '}' => return Ok(toks),
                ',' if depth > 0 => return Ok(toks),
                _ => {
                    toks.push(Tok::Lit(c));
                    self.pos += 1;
                }
            }
        }
        Ok(toks)
    }

    fn class(&mut self) -> Result<Tok> {
        let open = self.pos;
        self.pos += 1;
        let negated = matches!(self.chars.get(self.pos), Some('!' | '^'));
        if negated {
            self.pos += 1;
        }
        let mut ranges: Vec<(char, char)> = Vec::new();
        loop {
            let Some(&c) = self.chars.get(self.pos) else {
                return Err(self.err("unclosed \"[\"", open));
            };
            let item = self.pos;
            let lo = match c {
                ']' if ranges.is_empty() => return Err(self.err("empty class \"[]\"", open)),
                ']' => {
                    self.pos += 1;
                    return Ok(Tok::Class(Box::new(Class::new(&ranges, negated))));
                }
                '\\' => {
                    let Some(&e) = self.chars.get(self.pos + 1) else {
                        return Err(self.err("trailing \"\\\"", self.pos));
                    };
                    self.pos += 2;
                    e
                }
                _ => {
                    self.pos += 1;
                    c
                }
            };
            // A range `lo-hi`, unless the `-` is last in the class.
            if self.chars.get(self.pos) == Some(&'-')
                && !matches!(self.chars.get(self.pos + 1), Some(']') | None)
            {
                self.pos += 1;
                let hi = match self.chars.get(self.pos) {
                    Some('\\') => {
                        let Some(&e) = self.chars.get(self.pos + 1) else {
                            return Err(self.err("trailing \"\\\"", self.pos));
                        };
                        self.pos += 2;
                        e
                    }
                    Some(&h) => {
                        self.pos += 1;
                        h
                    }
                    None => return Err(self.err("unclosed \"[\"", open)),
                };
                if hi < lo {
                    return Err(self.err(&format!("reversed range \"{lo}-{hi}\""), item));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ParseOptions<'static> {
        ParseOptions {
            negation: true,
            ref_prefix: None,
            max_len: 1024,
            max_depth: 128,
        }
    }

    macro_rules! error_cases {
        ($($name:ident: $pat:literal => $msg:literal;)*) => {$(
            #[test]
            fn $name() {
                let err = parse($pat, &opts()).expect_err("the pattern is malformed");
                assert_eq!(err.to_string(), $msg, "error for {:?}", $pat);
            }
        )*};
    }

    error_cases! {
        err_empty: "" => "invalid pattern \"\": empty pattern";
        err_lone_bang: "!" => "invalid pattern \"!\": nothing after \"!\" at column 1";
        err_unclosed_class: "release/[" => "invalid pattern \"release/[\": unclosed \"[\" at column 9";
        err_unclosed_class_negated: "!a[!b" => "invalid pattern \"!a[!b\": unclosed \"[\" at column 3";
        err_empty_class: "a[]" => "invalid pattern \"a[]\": empty class \"[]\" at column 2";
        err_empty_negated_class: "[!]" => "invalid pattern \"[!]\": empty class \"[]\" at column 1";
        err_reversed_range: "v[9-0]" => "invalid pattern \"v[9-0]\": reversed range \"9-0\" at column 3";
        err_trailing_backslash: "abc\\" => "invalid pattern \"abc\\\\\": trailing \"\\\" at column 4";
        err_unclosed_brace: "src/{a,b" => "invalid pattern \"src/{a,b\": unclosed \"{\" at column 5";
        err_unmatched_brace: "a}b" => "invalid pattern \"a}b\": unmatched \"}\" at column 2";
        err_unicode_column: "é[" => "invalid pattern \"é[\": unclosed \"[\" at column 2";
    }

    #[test]
    fn ref_prefix_keeps_columns_of_the_pattern_as_written() {
        let o = ParseOptions {
            ref_prefix: Some("refs/heads/"),
            ..opts()
        };
        let err = parse("!refs/heads/x[", &o).expect_err("unclosed class");
        assert_eq!(err.column(), Some(14));
        let p = parse("refs/heads/main", &o).expect("valid");
        assert_eq!(p.toks, "main".chars().map(Tok::Lit).collect::<Vec<_>>());
        assert!(parse("refs/heads/", &o).is_err());
    }

    #[test]
    fn limits_apply() {
        let long = "a".repeat(1025);
        assert_eq!(
            parse(&long, &opts()).expect_err("too long").code(),
            "limit-exceeded"
        );
        let deep = format!("{}{}", "{".repeat(129), "}".repeat(129));
        let err = parse(&deep, &opts()).expect_err("too deep");
        assert_eq!(err.to_string(), "limit exceeded: max_depth (128)");
        let ok = format!("{}{}", "{".repeat(128), "}".repeat(128));
        assert!(parse(&ok, &opts()).is_ok());
    }

    #[test]
    fn stars() {
        let p = parse("**/a/**b/**", &opts()).expect("valid");
        assert_eq!(
            p.toks,
            vec![
                Tok::DirStar,
                Tok::Lit('a'),
                Tok::Lit('/'),
                Tok::AnyStar,
                Tok::Lit('b'),
                Tok::Lit('/'),
                Tok::AnyStar
            ]
        );
        assert!(!p.negated);
        assert!(parse("!x", &opts()).expect("valid").negated);
        assert!(!parse("\\!x", &opts()).expect("valid").negated);
        assert_eq!(
            parse("a!", &opts()).expect("valid").toks,
            vec![Tok::Lit('a'), Tok::Lit('!')]
        );
    }

    #[test]
    fn class_edges() {
        let Tok::Class(c) = &parse("[a-]", &opts()).expect("valid").toks[0] else {
            panic!("a class")
        };
        assert!(c.matches('a') && c.matches('-') && !c.matches('b'));
        let Tok::Class(c) = &parse("[!a]", &opts()).expect("valid").toks[0] else {
            panic!("a class")
        };
        assert!(!c.matches('a') && c.matches('b') && !c.matches('/') && c.matches('é'));
        let Tok::Class(c) = &parse("[/]", &opts()).expect("valid").toks[0] else {
            panic!("a class")
        };
        assert!(!c.matches('/'));
        let Tok::Class(c) = &parse("[\\]]", &opts()).expect("valid").toks[0] else {
            panic!("a class")
        };
        assert!(c.matches(']'));
        let Tok::Class(c) = &parse("[α-ω]", &opts()).expect("valid").toks[0] else {
            panic!("a class")
        };
        assert!(c.matches('β') && !c.matches('a'));
    }

    proptest::proptest! {
        /// The word-at-a-time ASCII set holds exactly the bytes a per-byte test of the ranges
        /// gives (negation applied, `/` left out), ranges crossing 64 and 128 included.
        #[test]
        fn class_ascii_set_is_the_ranges(
            ranges in proptest::collection::vec((0u32..200, 0u32..80), 1..4),
            negated in proptest::bool::ANY,
        ) {
            let ranges: Vec<(char, char)> = ranges
                .iter()
                .filter_map(|&(lo, len)| Some((char::from_u32(lo)?, char::from_u32(lo + len)?)))
                .collect();
            let class = Class::new(&ranges, negated);
            for b in 0u8..128 {
                let c = char::from(b);
                let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                proptest::prop_assert_eq!(
                    class.matches_ascii(b),
                    inside != negated && b != b'/',
                    "byte {} in {:?}, negated {}", b, ranges, negated
                );
            }
        }
    }
}
