//! Deterministic YAML and JSON output of the Tekton objects.
//!
//! The typed Tekton structs derive `Serialize` with their fields in output order (`name` first);
//! Kubernetes values inside them go through [`kubernetes`], which keeps their own field order but
//! puts a struct's `name` first. JSON is `serde_json`'s pretty printer over the structs
//! ([`to_json`]). YAML is written from a [`Tree`]: the structs' JSON read back with every map in
//! its order ([`to_tree`]). No YAML text is templated: every byte comes from the tree.
//!
//! YAML style (any valid style would do for Tekton; this one is fixed so output is stable):
//! * each document's top-level values (`metadata`, `spec`) are block mappings, and so are the
//!   items of `steps` and `tasks` lists;
//! * any other collection is written in flow style (`{a: b}`, `[x, y]`) when it holds no
//!   multi-line string and its line stays within [`WIDTH`] characters, else in block style;
//! * 2-space indentation, sequences indented under their key;
//! * strings are plain when that reads back as the same string in YAML 1.1 and 1.2 parsers (no
//!   `yes`, `1.0`, `0x1F`, `~` or indicator characters; inside flow collections no `:` either),
//!   else double-quoted; multi-line strings in block context are literal blocks (`|`, `|-`, `|+`).

use std::fmt;
use std::fmt::Write as _;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer, ser};

/// Longest line, in characters, that a flow collection may make.
pub(crate) const WIDTH: usize = 128;

/// A JSON value whose maps keep their order (`serde_json::Value` sorts its keys).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tree {
    Null,
    Bool(bool),
    /// A number's JSON text.
    Number(String),
    String(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

/// `value` as a [`Tree`]: its `serde_json` text read back, so that maps keep the order in which
/// `value` serializes them.
pub(crate) fn to_tree<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Tree> {
    let text = serde_json::to_string(value)?;
    let mut reader = serde_json::Deserializer::from_str(&text);
    // The text is ours, as deep as the document it was lowered from (which the parsers bound),
    // plus a few levels of Tekton structure; `serde_json`'s own limit of 128 could cut it short.
    reader.disable_recursion_limit();
    let tree = Tree::deserialize(&mut reader)?;
    reader.end()?;
    Ok(tree)
}

/// `value` as pretty JSON (2-space indentation, `": "`), with a trailing newline.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------------
// Kubernetes field order

/// Keys whose object value is a Kubernetes map (`labels`, resource `limits`, CSI
/// `volumeAttributes`, flex volume `options`, …): string keys in sorted order, never reordered.
/// These are all the map-valued fields of the Kubernetes types a Task, a Pipeline or a
/// PipelineRun can hold; no struct-valued field of those types has one of these names (the pod
/// DNS `options` is a list).
const MAP_KEYS: [&str; 8] = [
    "annotations",
    "labels",
    "limits",
    "matchLabels",
    "options",
    "requests",
    "userAnnotations",
    "volumeAttributes",
];

/// The key whose value is free-form JSON (a managed-fields entry's `fieldsV1`), kept as written.
const FREE_FORM_KEY: &str = "fieldsV1";

/// Serializes a Kubernetes value (`Volume`, `EnvVar`, `Option<SecurityContext>`, …) in its own
/// field order, except that each struct's `name` comes first, as in our own types.
///
/// For `#[serde(serialize_with = "…")]` on the fields of the Tekton structs that hold
/// Kubernetes types.
pub(crate) fn kubernetes<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut tree = to_tree(value).map_err(ser::Error::custom)?;
    name_first(&mut tree);
    tree.serialize(s)
}

/// Moves the `name` entry of every struct in `tree` to the front (maps and free-form JSON are
/// left alone).
fn name_first(tree: &mut Tree) {
    match tree {
        Tree::Seq(items) => items.iter_mut().for_each(name_first),
        Tree::Map(entries) => {
            if let Some(i) = entries.iter().position(|(k, _)| k == "name") {
                let entry = entries.remove(i);
                entries.insert(0, entry);
            }
            for (key, value) in entries {
                let is_map = matches!(value, Tree::Map(_)) && MAP_KEYS.contains(&key.as_str());
                if !is_map && key != FREE_FORM_KEY {
                    name_first(value);
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// The tree, to and from serde

/// A tree serializes as the JSON value it stands for, maps in their order.
impl Serialize for Tree {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap as _, SerializeSeq as _};
        match self {
            Tree::Null => serializer.serialize_unit(),
            Tree::Bool(b) => serializer.serialize_bool(*b),
            // The text came from a number (an integer's digits, or `serde_json`'s own float
            // text), so it reads back as the same number.
            Tree::Number(n) => match n.parse::<serde_json::Number>() {
                Ok(n) => n.serialize(serializer),
                Err(_) => serializer.serialize_str(n),
            },
            Tree::String(s) => serializer.serialize_str(s),
            Tree::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Tree::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// A tree reads any JSON value, keeping each map's entries in the order they come.
impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tree, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

/// The key under which `serde_json` hands over a number as text, as a one-entry map, when a
/// crate in the build enables its `arbitrary_precision` feature (floats and integers beyond 64
/// bits; Tekton output has neither, but free-form JSON may).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tree, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Tree::Null, |n| Tree::Number(n.to_string())))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries: Vec<(String, Tree)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value()?));
        }
        if let [(key, Tree::String(number))] = entries.as_mut_slice()
            && key == NUMBER_TOKEN
        {
            return Ok(Tree::Number(std::mem::take(number)));
        }
        Ok(Tree::Map(entries))
    }
}

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Keys whose list items are always block mappings (Task steps and Pipeline tasks).
const BLOCK_ITEM_KEYS: [&str; 2] = ["steps", "tasks"];

/// Writes one YAML document (without the `---` separator) for a mapping at the root.
pub(crate) fn write_yaml_document(out: &mut String, tree: &Tree) {
    match tree {
        Tree::Map(entries) if !entries.is_empty() => block_map(out, entries, 0, false, true),
        other => {
            scalar_or_flow(out, other);
            out.push('\n');
        }
    }
}

/// Writes the entries of a block mapping at column `indent`. With `inline_first`, the first key
/// continues a line already written (after `- `). `top` marks a document's root mapping, whose
/// collections are always in block style.
fn block_map(
    out: &mut String,
    entries: &[(String, Tree)],
    indent: usize,
    inline_first: bool,
    top: bool,
) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        let before = out.len();
        write_scalar(out, key, false);
        let column = indent + out[before..].chars().count() + 2;
        out.push(':');
        match value {
            Tree::Map(e) if !e.is_empty() => {
                if !top && fits(value, column) {
                    out.push(' ');
                    flow(out, value);
                    out.push('\n');
                } else {
                    out.push('\n');
                    block_map(out, e, indent + 2, false, false);
                }
            }
            Tree::Seq(items) if !items.is_empty() => {
                let block_items = BLOCK_ITEM_KEYS.contains(&key.as_str());
                if !top && !block_items && fits(value, column) {
                    out.push(' ');
                    flow(out, value);
                    out.push('\n');
                } else {
                    out.push('\n');
                    block_seq(out, items, indent + 2, false, block_items);
                }
            }
            Tree::String(s) if literal_ok(s) => {
                out.push(' ');
                literal(out, s, indent + 2);
            }
            other => {
                out.push(' ');
                scalar_or_flow(out, other);
                out.push('\n');
            }
        }
    }
}

/// Writes the items of a block sequence with the `-` at column `indent`.
fn block_seq(
    out: &mut String,
    items: &[Tree],
    indent: usize,
    inline_first: bool,
    block_items: bool,
) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        let column = indent + 2;
        match item {
            Tree::Map(e) if !e.is_empty() => {
                if !block_items && fits(item, column) {
                    flow(out, item);
                    out.push('\n');
                } else {
                    block_map(out, e, column, true, false);
                }
            }
            Tree::Seq(s) if !s.is_empty() => {
                if fits(item, column) {
                    flow(out, item);
                    out.push('\n');
                } else {
                    block_seq(out, s, column, true, false);
                }
            }
            Tree::String(s) if literal_ok(s) => literal(out, s, column),
            other => {
                scalar_or_flow(out, other);
                out.push('\n');
            }
        }
    }
}

/// Whether the flow form of `tree`, starting at `column`, holds no multi-line string and ends by
/// column [`WIDTH`].
fn fits(tree: &Tree, column: usize) -> bool {
    flow_width(tree, WIDTH.saturating_sub(column)).is_some()
}

/// The width of the flow form of `tree`, or `None` when it exceeds `budget` or holds a line
/// break (stops as soon as it knows).
fn flow_width(tree: &Tree, budget: usize) -> Option<usize> {
    let width = match tree {
        Tree::Null => 4,
        Tree::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Tree::Number(n) => n.len(),
        Tree::String(s) => {
            if s.contains('\n') {
                return None;
            }
            scalar_width(s, true)
        }
        Tree::Seq(items) => {
            let mut w = 2 + 2 * items.len().saturating_sub(1);
            for item in items {
                if w > budget {
                    return None;
                }
                w += flow_width(item, budget - w)?;
            }
            w
        }
        Tree::Map(entries) => {
            let mut w = 2 + 2 * entries.len().saturating_sub(1);
            for (k, v) in entries {
                if w > budget || k.contains('\n') {
                    return None;
                }
                w += scalar_width(k, true) + 2;
                if w > budget {
                    return None;
                }
                w += flow_width(v, budget - w)?;
            }
            w
        }
    };
    (width <= budget).then_some(width)
}

/// A scalar in block context, or an empty collection.
fn scalar_or_flow(out: &mut String, tree: &Tree) {
    match tree {
        Tree::String(s) => write_scalar(out, s, false),
        other => flow(out, other),
    }
}

/// Writes `tree` in flow style.
fn flow(out: &mut String, tree: &Tree) {
    match tree {
        Tree::Null => out.push_str("null"),
        Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Tree::Number(n) => out.push_str(n),
        Tree::String(s) => write_scalar(out, s, true),
        Tree::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(out, item);
            }
            out.push(']');
        }
        Tree::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_scalar(out, k, true);
                out.push_str(": ");
                flow(out, v);
            }
            out.push('}');
        }
    }
}

/// Whether `s` is written as a literal block scalar: it has a line break, only printable
/// characters (tabs allowed), and its first line does not start with whitespace (which would
/// need an indentation indicator).
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && s.chars().all(|c| c == '\n' || c == '\t' || printable(c))
}

/// Writes a literal block scalar header and its lines at column `indent`.
fn literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// YAML's printable set, less the characters that some parsers read as line breaks or a BOM.
fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// The escape of `c` inside a double-quoted scalar, if it needs one.
fn quoted_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\t' => "\\t",
        '\r' => "\\r",
        '\0' => "\\0",
        c if printable(c) => return None,
        _ => "",
    })
}

/// The width in characters of `s` as written by [`write_scalar`].
fn scalar_width(s: &str, in_flow: bool) -> usize {
    if plain_ok(s, in_flow) {
        return s.chars().count();
    }
    2 + s
        .chars()
        .map(|c| match quoted_escape(c) {
            None => 1,
            Some("") if (c as u32) <= 0xffff => 6,
            Some("") => 10,
            Some(e) => e.len(),
        })
        .sum::<usize>()
}

/// Writes a string as a plain or double-quoted scalar. `in_flow` is true inside flow collections.
pub(crate) fn write_scalar(out: &mut String, s: &str, in_flow: bool) {
    if plain_ok(s, in_flow) {
        out.push_str(s);
        return;
    }
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let Some(escape) = quoted_escape(c) else {
            continue;
        };
        out.push_str(&s[start..i]);
        if !escape.is_empty() {
            out.push_str(escape);
        } else if (c as u32) <= 0xffff {
            let _ = write!(out, "\\u{:04X}", c as u32);
        } else {
            let _ = write!(out, "\\U{:08X}", c as u32);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A string as a plain or double-quoted scalar.
#[cfg(test)]
fn scalar(s: &str, in_flow: bool) -> String {
    let mut out = String::new();
    write_scalar(&mut out, s, in_flow);
    out
}

/// Whether `s` reads back as the same string when written plain, in YAML 1.1 and 1.2 parsers.
fn plain_ok(s: &str, in_flow: bool) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if b.len() > 1024 || last == b' ' || last == b':' {
        return false;
    }
    // Indicators that cannot start a plain scalar; `-` only when a space or nothing follows.
    if matches!(
        first,
        b' ' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        return false;
    }
    if (first == b'-' && (b.len() == 1 || b[1] == b' ' || s.starts_with("---")))
        || s.starts_with("...")
        || s == "<<"
        || s == "="
    {
        return false;
    }
    let mut prev = 0u8;
    let mut ascii = true;
    for &c in b {
        match c {
            0x20..=0x7e => {}
            0x80.. => ascii = false,
            _ => return false,
        }
        // `: ` and ` #` end a plain scalar; flow indicators end it in flow context, and `:` is
        // avoided there too, because older parsers read `{a: b:c}` as a nested key.
        if (prev == b':' && c == b' ')
            || (prev == b' ' && c == b'#')
            || (in_flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}' | b':'))
        {
            return false;
        }
        prev = c;
    }
    (ascii || s.chars().all(printable)) && !resolves_to_non_string(s)
}

/// Whether a plain `s` would be read as null, a boolean, a number or a date by a YAML 1.1 or 1.2
/// parser (conservatively: some strings that are quoted would still read as strings).
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: [&str; 18] = [
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan", "nan", "inf", "-inf", "+inf",
    ];
    if s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return true;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let radix = |prefix: &str, ok: fn(char) -> bool| {
        unsigned
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            && unsigned.len() > 2
            && unsigned[2..].chars().all(|c| ok(c) || c == '_')
    };
    if radix("0x", |c| c.is_ascii_hexdigit())
        || radix("0o", |c| c.is_digit(8))
        || radix("0b", |c| c.is_digit(2))
    {
        return true;
    }
    // Integers, floats (`1e3`, `.5`, `1.13.0` in YAML 1.1), sexagesimals (`1:20`) and dates.
    unsigned.chars().any(|c| c.is_ascii_digit())
        && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || "_.:+-eEtTzZ ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! scalar_cases {
        ($($name:ident: $input:expr, $flow:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(scalar($input, $flow), $want, "scalar({:?}, in_flow = {})", $input, $flow);
            }
        )*};
    }

    scalar_cases! {
        plain_word: "dispatch", false => "dispatch";
        image_with_colon_in_block: "golang:1.13.0-buster", false => "golang:1.13.0-buster";
        colon_quoted_in_flow: "ghcr.io/x/bundle:v1.7.0", true => "\"ghcr.io/x/bundle:v1.7.0\"";
        url_quoted_in_flow: "https://github.com/example/app.git", true => "\"https://github.com/example/app.git\"";
        tekton_variable_plain_in_flow: "$(params.src-git-url)", true => "$(params.src-git-url)";
        zero_quoted: "0", false => "\"0\"";
        version_quoted: "1.13.0", false => "\"1.13.0\"";
        float_quoted: "1e3", true => "\"1e3\"";
        hex_quoted: "0x1F", false => "\"0x1F\"";
        octal_quoted: "0o17", false => "\"0o17\"";
        sexagesimal_quoted: "1:20", false => "\"1:20\"";
        date_quoted: "2001-12-14", false => "\"2001-12-14\"";
        sha_plain: "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0", false => "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";
        quantity_plain: "1000m", true => "1000m";
        duration_plain: "1h0m0s", true => "1h0m0s";
        dots_plain: "./...", true => "./...";
        yes_quoted: "yes", false => "\"yes\"";
        on_quoted: "On", false => "\"On\"";
        null_quoted: "null", true => "\"null\"";
        tilde_quoted: "~", false => "\"~\"";
        empty_quoted: "", false => "\"\"";
        dash_flag_plain: "-c", true => "-c";
        lone_dash_quoted: "-", false => "\"-\"";
        leading_space_quoted: " x", false => "\" x\"";
        comment_quoted: "a #b", false => "\"a #b\"";
        colon_space_quoted: "a: b", false => "\"a: b\"";
        star_quoted: "*", false => "\"*\"";
        comma_in_flow_quoted: "a,b", true => "\"a,b\"";
        comma_in_block_plain: "a,b", false => "a,b";
        escapes: "a\"b\\c\td", false => "\"a\\\"b\\\\c\\td\"";
        control_escaped: "a\u{1}b", false => "\"a\\u0001b\"";
        line_separator_escaped: "a\u{2028}b", false => "\"a\\u2028b\"";
        non_ascii_plain: "grüße", false => "grüße";
        newline_quoted: "a\nb", true => "\"a\\nb\"";
    }

    fn yaml(t: &Tree) -> String {
        let mut s = String::new();
        write_yaml_document(&mut s, t);
        s
    }

    fn map(entries: Vec<(&str, Tree)>) -> Tree {
        Tree::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    fn st(s: &str) -> Tree {
        Tree::String(s.to_owned())
    }

    #[test]
    fn literal_blocks_keep_trailing_newlines() {
        let t = map(vec![(
            "spec",
            map(vec![
                ("a", st("x\ny\n")),
                ("b", st("x\n\ny")),
                ("c", st("x\n\n")),
                ("d", st(" x\ny")),
            ]),
        )]);
        assert_eq!(
            yaml(&t),
            "spec:\n  a: |\n    x\n    y\n  b: |-\n    x\n\n    y\n  c: |+\n    x\n\n  d: \" x\\ny\"\n"
        );
    }

    #[test]
    fn long_flow_collections_break_into_blocks() {
        let long = Tree::Seq((0..30).map(|i| st(&format!("item-{i}"))).collect());
        let t = map(vec![(
            "spec",
            map(vec![
                ("short", Tree::Seq(vec![st("a"), st("b")])),
                ("long", long),
            ]),
        )]);
        let out = yaml(&t);
        assert!(
            out.starts_with("spec:\n  short: [a, b]\n  long:\n    - item-0\n"),
            "{out}"
        );
    }

    #[test]
    fn multi_line_strings_force_block_collections() {
        let t = map(vec![(
            "spec",
            map(vec![(
                "args",
                Tree::Seq(vec![st("-c"), st("echo a\necho b\n")]),
            )]),
        )]);
        assert_eq!(
            yaml(&t),
            "spec:\n  args:\n    - -c\n    - |\n      echo a\n      echo b\n"
        );
    }

    #[test]
    fn json_layout_matches_serde_json_pretty() {
        let t = map(vec![
            ("a", Tree::Seq(vec![st("x\"y"), Tree::Number("1".into())])),
            ("b", map(vec![])),
            ("c", Tree::Seq(vec![])),
        ]);
        let v = serde_json::json!({"a": ["x\"y", 1], "b": {}, "c": []});
        assert_eq!(
            to_json(&t),
            serde_json::to_string_pretty(&v).unwrap() + "\n"
        );
    }

    #[test]
    fn trees_keep_the_serialized_order() {
        #[derive(Serialize)]
        struct S {
            mount_path: &'static str,
            name: &'static str,
        }
        let mut m = std::collections::BTreeMap::new();
        m.insert("z", 1);
        m.insert("name", 2);
        let s = S {
            mount_path: "/x",
            name: "n",
        };
        assert_eq!(
            to_tree(&(s, m, -3, 1.5, true, ())).unwrap(),
            Tree::Seq(vec![
                map(vec![("mount_path", st("/x")), ("name", st("n"))]),
                map(vec![
                    ("name", Tree::Number("2".into())),
                    ("z", Tree::Number("1".into()))
                ]),
                Tree::Number("-3".into()),
                Tree::Number("1.5".into()),
                Tree::Bool(true),
                Tree::Null,
            ])
        );
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in ["0", "-1", "18446744073709551615", "1.5", "1e300"] {
            let tree: Tree = serde_json::from_str(text).unwrap();
            let Tree::Number(n) = &tree else {
                panic!("{text} reads as {tree:?}");
            };
            assert_eq!(
                n.parse::<f64>().ok(),
                text.parse::<f64>().ok(),
                "{text} reads as {n}"
            );
            assert_eq!(to_tree(&tree).unwrap(), tree, "{text} round trip");
        }
        // A one-entry map that only looks like `serde_json`'s number token stays a map.
        let tree: Tree = serde_json::from_str(r#"{"$serde_json::private::Number": 1}"#).unwrap();
        assert!(matches!(tree, Tree::Map(_)), "{tree:?}");
    }

    #[test]
    fn deep_values_make_trees() {
        let mut text = String::new();
        for _ in 0..300 {
            text.push('[');
        }
        for _ in 0..300 {
            text.push(']');
        }
        let value: serde_json::Value = {
            let mut d = serde_json::Deserializer::from_str(&text);
            d.disable_recursion_limit();
            Deserialize::deserialize(&mut d).unwrap()
        };
        assert!(to_tree(&value).is_ok());
    }

    /// Kubernetes structs put `name` first, at any depth; their maps and free-form JSON keep
    /// their order.
    #[test]
    fn kubernetes_structs_put_name_first() {
        use k8s_openapi::api::core::v1::{PodDNSConfig, Volume, VolumeMount};

        #[derive(Serialize)]
        struct Out {
            #[serde(serialize_with = "kubernetes")]
            mounts: Vec<VolumeMount>,
            #[serde(serialize_with = "kubernetes")]
            volume: Option<Volume>,
            #[serde(serialize_with = "kubernetes")]
            dns: PodDNSConfig,
        }
        fn value<T: de::DeserializeOwned>(v: serde_json::Value) -> T {
            serde_json::from_value(v).unwrap()
        }
        let out = Out {
            mounts: value(serde_json::json!([{"mountPath": "/m", "name": "m", "readOnly": true}])),
            volume: value(serde_json::json!({
                "name": "v",
                "csi": {"driver": "d", "volumeAttributes": {"a": "1", "name": "2"}},
                "flexVolume": {"driver": "d", "options": {"a": "1", "name": "2"}},
                "configMap": {"defaultMode": 420, "name": "c"},
                "ephemeral": {"volumeClaimTemplate": {
                    "metadata": {"labels": {"a": "1", "name": "2"}, "name": "e",
                                 "managedFields": [{"fieldsV1": {"a": {}, "name": {}}}]},
                    "spec": {"selector": {"matchLabels": {"a": "1", "name": "2"}}}
                }}
            })),
            dns: value(serde_json::json!({"options": [{"name": "ndots", "value": "2"}]})),
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            concat!(
                r#"{"mounts":[{"name":"m","mountPath":"/m","readOnly":true}],"#,
                r#""volume":{"name":"v","configMap":{"name":"c","defaultMode":420},"#,
                r#""csi":{"driver":"d","volumeAttributes":{"a":"1","name":"2"}},"#,
                r#""ephemeral":{"volumeClaimTemplate":{"metadata":{"name":"e","labels":{"a":"1","name":"2"},"#,
                r#""managedFields":[{"fieldsV1":{"a":{},"name":{}}}]},"#,
                r#""spec":{"selector":{"matchLabels":{"a":"1","name":"2"}}}}},"#,
                r#""flexVolume":{"driver":"d","options":{"a":"1","name":"2"}}},"#,
                r#""dns":{"options":[{"name":"ndots","value":"2"}]}}"#,
            )
        );
    }
}
