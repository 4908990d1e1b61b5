//! The YAML frontend: YAML 1.2 core schema, one document, spans on every node.
//!
//! Built on `saphyr-parser`'s event stream (pure safe Rust) rather than a serde deserializer,
//! because only the events carry the positions every diagnostic needs. The tree is built with an
//! explicit stack, so nesting depth costs no native stack.

use std::collections::{HashMap, HashSet};

use dispatchfile_model::{Code, Diagnostic, Document, Entry, FileId, Limits, Node, Span, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::FrontendResult;

/// Maps the parser's character indices to byte offsets.
struct Offsets {
    table: Option<Vec<u32>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let table = (!text.is_ascii()).then(|| {
            let mut t: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            t.push(text.len() as u32);
            t
        });
        Offsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        match &self.table {
            None => char_index.min(self.len) as u32,
            Some(t) => t.get(char_index).copied().unwrap_or(self.len as u32),
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: u32,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        seen: HashMap<String, usize>,
        key: Option<(String, Span)>,
        start: u32,
        anchor: usize,
    },
}

struct Builder<'a> {
    file: FileId,
    limits: &'a Limits,
    offsets: Offsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    open_anchors: HashSet<usize>,
    alias_nodes: usize,
    nodes: usize,
    /// Bytes of text in the document so far (keys, scalars, and again for every alias).
    bytes: usize,
    root: Option<Node>,
}

/// Parses a YAML Dispatchfile body (selector line already blanked).
pub(crate) fn parse(text: &str, file: FileId, limits: &Limits) -> FrontendResult {
    let mut b = Builder {
        file,
        limits,
        offsets: Offsets::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        open_anchors: HashSet::new(),
        alias_nodes: 0,
        nodes: 0,
        bytes: 0,
        root: None,
    };
    match b.run(text) {
        Ok(root) => Ok((Document { root }, Vec::new())),
        Err(d) => Err(vec![d]),
    }
}

impl Builder<'_> {
    fn span(&self, s: saphyr_parser::Span) -> Span {
        Span::new(
            self.file,
            self.offsets.byte(s.start.index()),
            self.offsets.byte(s.end.index()),
        )
    }

    fn err(code: Code, msg: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic::error(code, msg).at(span)
    }

    fn limit(name: &str, value: usize, span: Span) -> Diagnostic {
        Self::err(
            Code::LimitExceeded,
            format!("limit exceeded: {name} ({value})"),
            span,
        )
    }

    fn run(&mut self, text: &str) -> Result<Node, Diagnostic> {
        let mut documents = 0usize;
        let mut last_span = Span::new(self.file, 0, 0);
        for item in Parser::new_from_str(text) {
            let (event, ys) = match item {
                Ok(x) => x,
                Err(e) => {
                    let at = self.offsets.byte(e.marker().index());
                    let sp = Span::new(self.file, at, at + 1);
                    // The scanner's own nesting guard sits above ours: report it as our limit.
                    if e.info().contains("recursion limit") {
                        return Err(Self::limit("max_depth", self.limits.max_depth, sp));
                    }
                    return Err(Self::err(Code::Parse, e.info().to_owned(), sp));
                }
            };
            let sp = self.span(ys);
            last_span = sp;
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(Self::err(
                            Code::Parse,
                            "a Dispatchfile holds exactly one YAML document",
                            sp,
                        ));
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    self.spend_bytes(value.len(), sp)?;
                    let node = self.scalar(&value, style, tag.as_deref(), sp)?;
                    self.finish_anchor(anchor, &node);
                    self.push_node(node, true)?;
                }
                Event::Alias(id) => {
                    if self.open_anchors.contains(&id) {
                        return Err(Self::err(
                            Code::Parse,
                            "alias refers to a node that contains it (alias cycle)",
                            sp,
                        ));
                    }
                    let Some(anchored) = self.anchors.get(&id) else {
                        return Err(Self::err(Code::Parse, "alias to an unknown anchor", sp));
                    };
                    // Measured before copying: one alias of a long string is a long copy.
                    let (count, bytes) = anchored.size();
                    let total = self.bytes.saturating_add(bytes);
                    if total > self.limits.max_document_bytes {
                        return Err(Self::limit(
                            "max_document_bytes",
                            self.limits.max_document_bytes,
                            sp,
                        ));
                    }
                    let node = anchored.clone();
                    self.bytes = total;
                    self.alias_nodes = self.alias_nodes.saturating_add(count);
                    if self.alias_nodes > self.limits.yaml_max_alias_nodes {
                        return Err(Self::limit(
                            "yaml_max_alias_nodes",
                            self.limits.yaml_max_alias_nodes,
                            sp,
                        ));
                    }
                    self.count(count, sp)?;
                    let scalar = !matches!(node.value, Value::Array(_) | Value::Object(_));
                    self.push_node(node, scalar)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    Self::check_tag(tag.as_deref(), "seq", sp)?;
                    self.open(anchor, sp)?;
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        start: sp.start,
                        anchor,
                    });
                }
                Event::MappingStart(anchor, tag) => {
                    Self::check_tag(tag.as_deref(), "map", sp)?;
                    self.open(anchor, sp)?;
                    self.stack.push(Frame::Map {
                        entries: Vec::new(),
                        seen: HashMap::new(),
                        key: None,
                        start: sp.start,
                        anchor,
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = self.stack.pop() else {
                        return Err(Self::err(Code::Parse, "unbalanced end of collection", sp));
                    };
                    let (value, start, anchor) = match frame {
                        Frame::Seq {
                            items,
                            start,
                            anchor,
                        } => (Value::Array(items), start, anchor),
                        Frame::Map {
                            entries,
                            start,
                            anchor,
                            ..
                        } => (Value::Object(entries), start, anchor),
                    };
                    let node = Node::new(value, Span::new(self.file, start, sp.end.max(start)));
                    self.open_anchors.remove(&anchor);
                    self.finish_anchor(anchor, &node);
                    self.push_node(node, false)?;
                }
            }
        }
        self.root.take().ok_or_else(|| {
            Self::err(
                Code::Parse,
                "the file is empty: a Dispatchfile must be a YAML mapping",
                Span::new(self.file, 0, 0).to(last_span),
            )
        })
    }

    fn count(&mut self, n: usize, sp: Span) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_document_nodes {
            return Err(Self::limit(
                "max_document_nodes",
                self.limits.max_document_nodes,
                sp,
            ));
        }
        Ok(())
    }

    fn spend_bytes(&mut self, n: usize, sp: Span) -> Result<(), Diagnostic> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_document_bytes {
            return Err(Self::limit(
                "max_document_bytes",
                self.limits.max_document_bytes,
                sp,
            ));
        }
        Ok(())
    }

    fn open(&mut self, anchor: usize, sp: Span) -> Result<(), Diagnostic> {
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(Self::limit("max_depth", self.limits.max_depth, sp));
        }
        self.count(1, sp)?;
        if anchor != 0 {
            self.open_anchors.insert(anchor);
        }
        // A collection used as a mapping key.
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(Self::err(
                Code::Parse,
                "complex mapping keys are not supported; keys must be scalars",
                sp,
            ));
        }
        Ok(())
    }

    fn finish_anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn check_tag(tag: Option<&Tag>, want: &str, sp: Span) -> Result<(), Diagnostic> {
        match tag {
            None => Ok(()),
            Some(t) if is_core(t) && t.suffix == want => Ok(()),
            Some(t) => Err(Self::err(
                Code::Parse,
                format!(
                    "unsupported YAML tag \"{t}\" on a {}",
                    if want == "seq" { "sequence" } else { "mapping" }
                ),
                sp,
            )),
        }
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        sp: Span,
    ) -> Result<Node, Diagnostic> {
        if self.stack.is_empty()
            && self.root.is_none()
            && tag.is_none()
            && style == ScalarStyle::Plain
            && text.is_empty()
        {
            // An empty document.
            return Ok(Node::new(Value::Null, sp));
        }
        self.count(1, sp)?;
        let value = match tag {
            Some(t) if is_core(t) => match t.suffix.as_str() {
                "str" => Value::String(text.to_owned()),
                "null" => Value::Null,
                "bool" => match resolve_plain(text) {
                    Value::Bool(b) => Value::Bool(b),
                    _ => {
                        return Err(Self::err(
                            Code::Parse,
                            format!("{text:?} is not a boolean (!!bool)"),
                            sp,
                        ));
                    }
                },
                "int" | "float" => match resolve_plain(text) {
                    Value::Number(n) if t.suffix == "float" || !n.contains(['.', 'e', 'E']) => {
                        Value::Number(n)
                    }
                    _ => {
                        return Err(Self::err(
                            Code::Parse,
                            format!("{text:?} is not a number (!!{})", t.suffix),
                            sp,
                        ));
                    }
                },
                other => {
                    return Err(Self::err(
                        Code::Parse,
                        format!("unsupported YAML tag \"!!{other}\" on a scalar"),
                        sp,
                    ));
                }
            },
            Some(t) => {
                return Err(Self::err(
                    Code::Parse,
                    format!("unsupported YAML tag \"{t}\""),
                    sp,
                ));
            }
            None if style == ScalarStyle::Plain => resolve_plain(text),
            None => Value::String(text.to_owned()),
        };
        // Keys keep the scalar's text whatever it resolves to (`on`, `1`, `~`).
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Ok(Node::new(Value::String(text.to_owned()), sp));
        }
        Ok(Node::new(value, sp))
    }

    /// Attaches a finished node to the collection being built (or makes it the root).
    fn push_node(&mut self, node: Node, scalar: bool) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => {
                if !matches!(node.value, Value::Object(_)) {
                    let what = match node.value {
                        Value::Null => return Ok(()),
                        _ => node.value.type_name(),
                    };
                    return Err(Self::err(
                        Code::Type,
                        format!("a YAML Dispatchfile must be a mapping, found {what}"),
                        node.span,
                    ));
                }
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, seen, key, ..
            }) => match key.take() {
                None => {
                    let text = match (&node.value, scalar) {
                        (Value::String(s), _) => s.clone(),
                        (Value::Number(n), _) => n.clone(),
                        (Value::Bool(b), _) => b.to_string(),
                        (Value::Null, true) => "~".to_owned(),
                        _ => {
                            return Err(Diagnostic::error(
                                Code::Parse,
                                "complex mapping keys are not supported; keys must be scalars",
                            )
                            .at(node.span));
                        }
                    };
                    if let Some(prev) = seen.get(&text).and_then(|&i| entries.get(i)) {
                        return Err(Diagnostic::error(
                            Code::DuplicateKey,
                            format!("duplicate key {text:?}"),
                        )
                        .at(node.span)
                        .with_related(prev.key_span, "first defined here"));
                    }
                    *key = Some((text, node.span));
                    Ok(())
                }
                Some((k, key_span)) => {
                    seen.insert(k.clone(), entries.len());
                    entries.push(Entry {
                        key: k,
                        key_span,
                        value: node,
                    });
                    Ok(())
                }
            },
        }
    }
}

fn is_core(t: &Tag) -> bool {
    t.is_yaml_core_schema() || t.handle == "!!"
}

/// Resolves a plain scalar with the YAML 1.2 core schema: only `true`/`false` are booleans, so
/// `on`, `yes` and `off` stay strings.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = core_number(text) {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// The decimal text of a core-schema number, or `None` if `text` is not one.
fn core_number(text: &str) -> Option<String> {
    let (sign, body) = match text.as_bytes().first() {
        Some(b'-') => ("-", &text[1..]),
        Some(b'+') => ("", &text[1..]),
        _ => ("", text),
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u128::from_str_radix(hex, 16).ok().map(|v| v.to_string()))
            .flatten();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return (!oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)))
            .then(|| u128::from_str_radix(oct, 8).ok().map(|v| v.to_string()))
            .flatten();
    }
    if body.is_empty() {
        return None;
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros are allowed by the core schema (`007` is 7).
        let trimmed = body.trim_start_matches('0');
        let digits = if trimmed.is_empty() { "0" } else { trimmed };
        return Some(format!("{sign}{digits}"));
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let ok_mantissa = int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!int.is_empty() || !frac.is_empty())
        && (mantissa.contains('.') || !int.is_empty());
    let ok_exp = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if !ok_mantissa || !ok_exp {
        return None;
    }
    // Rewrite into JSON number syntax, keeping the digits exact.
    let int = if int.is_empty() { "0" } else { int };
    let mut out = format!("{sign}{int}");
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if let Some(e) = exponent {
        out.push('e');
        out.push_str(e.strip_prefix('+').unwrap_or(e));
    }
    Some(out)
}
