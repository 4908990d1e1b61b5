//! CUE v0.4 behaviours matched one by one: optional fields, aliases, the `encoding/yaml` and
//! `encoding/json` encoders, `regexp`'s finders. Each expected output was made by the oracle
//! (real CUE, `shared/tools/cue-oracle`; both of its engines agree unless a row says which one)
//! and is committed here: these tests never run it. Errors are checked by kind, a part of the
//! message and the source text at the error's position.

use super::util::{eval, json_eq, on_small_stack};
use dispatchfile_cue::ErrorKind;

enum Want {
    /// The exported JSON (compared by value; strings exactly).
    Json(&'static str),
    /// An error of this kind whose message contains the text, positioned where the source
    /// starts with the last text.
    Fails(ErrorKind, &'static str, &'static str),
}

use Want::{Fails, Json};

fn check(name: &str, src: &'static str, want: &Want) {
    let got = on_small_stack(move || match eval(src) {
        Ok(v) => Ok(v.to_json_string()),
        Err(errs) => {
            let e = &errs[0];
            let at = e
                .spans()
                .first()
                .map(|s| src[s.start as usize..].chars().take(40).collect::<String>());
            Err((e.kind(), e.message().to_owned(), at))
        }
    });
    match (got, want) {
        (Ok(ours), Json(w)) => {
            if let Err(d) = json_eq(&ours, w) {
                panic!("{name}: {d}");
            }
        }
        (Err((kind, message, at)), Fails(k, m, a)) => {
            assert_eq!(kind, *k, "{name}: {message}");
            assert!(message.contains(m), "{name}: {message:?} lacks {m:?}");
            let at = at.unwrap_or_else(|| panic!("{name}: {message:?} has no position"));
            assert!(
                at.starts_with(a),
                "{name}: {message:?} at {at:?}, not {a:?}"
            );
        }
        (got, _) => panic!("{name}: unexpected outcome {got:?}"),
    }
}

/// Rows `name: source => expected;`.
macro_rules! fidelity {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), $src, &$want);
        }
    )*};
}

// Optional fields. A reference to an optional field is an (incomplete) error, so a disjunct
// that is one is dropped like any other error; indexing names the optional field too.
fidelity! {
    optional_reference_in_a_disjunction: "x: {a?: int}\ny: x.a | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_reference_in_a_disjunction_with_default: "x: {a?: int}\ny: *x.a | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_top_level_reference_in_a_disjunction: "a?: 1\nb: a | 2\n"
        => Json(r#"{"b": 2}"#);
    optional_reference_in_an_operand: "x: {a?: int}\ny: (x.a + 1) | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_index_in_a_disjunction: "s: {a?: 1}\nb: s[\"a\"] | 2\n"
        => Json(r#"{"s": {}, "b": 2}"#);
    optional_index_is_an_optional_reference: "s: {a?: 1}\nb: s[\"a\"]\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "\"a\"]");
    optional_only_disjuncts: "x: {a?: int}\ny: x.a | x.a\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "a | x.a");
    non_concrete_disjunct_stays: "x: {a: int}\ny: x.a | 3\n"
        => Fails(ErrorKind::Incomplete, "incomplete value", "");
    optional_reference: "a?: 1\nb: a\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "a\n");
    optional_unified_with_regular: "a?: int\na: 1\n"
        => Json(r#"{"a": 1}"#);
    optional_in_a_closed_definition_then_set: "#D: {a?: int}\nx: #D & {a: 1}\n"
        => Json(r#"{"x": {"a": 1}}"#);
    optional_with_a_pattern: "x: {[string]: int, a?: 1}\ny: x & {a: 1}\n"
        => Json(r#"{"x": {}, "y": {"a": 1}}"#);
    optional_is_not_exported: "a?: 1\nb: {c?: 2}\n"
        => Json(r#"{"b": {}}"#);
}

// An alias and a field of the same name in one struct.
fidelity! {
    value_alias_and_field: "a: X={b: 1}\nX: 2\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: 1}");
    field_alias_and_field: "X=a: 1\nX: 2\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "X: 2");
    value_alias_and_field_nested: "s: {a: X={b: 1}, X: 2}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: 1}");
    field_alias_and_field_nested: "s: {X=a: 1, X: 2}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "X: 2");
    value_alias_used_inside: "X: 2\na: X={b: X}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: X}");
}

// `regexp`'s finders (Go's semantics: a negative count finds all, groups that take no part
// are empty, no match is an error).
fidelity! {
    regexp_finders: r#"import "regexp"
a: regexp.FindAll("a.", "abacad", -1)
b: regexp.FindAll("a.", "abacad", 2)
d: regexp.FindSubmatch("(a)(.)", "xxabac")
e: regexp.FindAllSubmatch("(a)(.)?", "abacad", -1)
f: regexp.FindNamedSubmatch("(?P<first>a)(?P<second>.)", "xxabac")
g: regexp.FindAllNamedSubmatch("(?P<first>a)(?P<second>.)?", "abaca", -1)
h: regexp.FindAllSubmatch("(a)(.)?", "abacad", 1)
i: regexp.FindSubmatch("(a)|(b)", "b")
j: regexp.FindNamedSubmatch("(?P<x>a)|(?P<y>b)", "b")
k: regexp.FindAll("", "abc", -1)
l: regexp.FindAll("x*", "axxb", -1)
"# => Json(r#"{"a": ["ab", "ac", "ad"], "b": ["ab", "ac"], "d": ["ab", "a", "b"],
    "e": [["ab", "a", "b"], ["ac", "a", "c"], ["ad", "a", "d"]],
    "f": {"first": "a", "second": "b"},
    "g": [{"first": "a", "second": "b"}, {"first": "a", "second": "c"}, {"first": "a", "second": ""}],
    "h": [["ab", "a", "b"]], "i": ["b", "", "b"], "j": {"x": "", "y": "b"},
    "k": ["", "", "", ""], "l": ["", "xx", ""]}"#);
    regexp_find_all_none: "import \"regexp\"\nx: regexp.FindAll(\"z\", \"abc\", -1)\n"
        => Fails(ErrorKind::Evaluation, "regexp.FindAll: no match", "regexp.FindAll(");
    regexp_find_all_zero: "import \"regexp\"\nx: regexp.FindAll(\"a\", \"abc\", 0)\n"
        => Fails(ErrorKind::Evaluation, "regexp.FindAll: no match", "regexp.FindAll(");
    regexp_find_submatch_none: "import \"regexp\"\nx: regexp.FindSubmatch(\"z\", \"abc\")\n"
        => Fails(ErrorKind::Evaluation, "regexp.FindSubmatch: no match", "regexp.FindSubmatch(");
    regexp_find_named_submatch_none: "import \"regexp\"\nx: regexp.FindNamedSubmatch(\"(?P<a>z)\", \"abc\")\n"
        => Fails(ErrorKind::Evaluation, "regexp.FindNamedSubmatch: no match", "regexp.FindNamedSubmatch(");
    regexp_find_all_submatch_none: "import \"regexp\"\nx: regexp.FindAllSubmatch(\"z\", \"abc\", -1)\n"
        => Fails(ErrorKind::Evaluation, "regexp.FindAllSubmatch: no match", "regexp.FindAllSubmatch(");
}

// `yaml.Marshal` (expected bytes from the oracle's `api` engine, cuelang.org/go v0.4.3, the last
// v0.4 release: it quotes the YAML 1.1 words such as `on` and `yes`, where v0.4.0-beta.1's `cue`
// command leaves them plain).
fidelity! {
    yaml_marshal_strings: r##"import "encoding/yaml"
v0: yaml.Marshal("T")
v1: yaml.Marshal("F")
v2: yaml.Marshal("No")
v3: yaml.Marshal("NO")
v4: yaml.Marshal("nO")
v5: yaml.Marshal("yEs")
v6: yaml.Marshal("Yes")
v7: yaml.Marshal("y")
v8: yaml.Marshal("1")
v9: yaml.Marshal("0")
v10: yaml.Marshal("+1")
v11: yaml.Marshal("-")
v12: yaml.Marshal("-1")
v13: yaml.Marshal(".5")
v14: yaml.Marshal("5.")
v15: yaml.Marshal("1e3")
v16: yaml.Marshal("1E3")
v17: yaml.Marshal("0b101")
v18: yaml.Marshal("0777")
v19: yaml.Marshal("1:20")
v20: yaml.Marshal("12:30:00")
v21: yaml.Marshal("<<")
v22: yaml.Marshal("=")
v23: yaml.Marshal("?")
v24: yaml.Marshal("? x")
v25: yaml.Marshal("- ")
v26: yaml.Marshal("-x")
v27: yaml.Marshal("a:b")
v28: yaml.Marshal("a:")
v29: yaml.Marshal(":a")
v30: yaml.Marshal("a #")
v31: yaml.Marshal("#")
v32: yaml.Marshal("a\"b")
v33: yaml.Marshal("a'b")
v34: yaml.Marshal("|")
v35: yaml.Marshal(">")
v36: yaml.Marshal("x\ny")
v37: yaml.Marshal(" x\ny")
v38: yaml.Marshal("x\n\n")
v39: yaml.Marshal("\n")
v40: yaml.Marshal("a\r")
v41: yaml.Marshal("\u00f1")
v42: yaml.Marshal("\u00a0")
v43: yaml.Marshal("2001-12-14t21:59:43.10-05:00")
v44: yaml.Marshal("true")
v45: yaml.Marshal("True")
v46: yaml.Marshal("TRUE")
v47: yaml.Marshal("tRue")
v48: yaml.Marshal("NULL")
v49: yaml.Marshal("Null")
v50: yaml.Marshal("nULL")
v51: yaml.Marshal(".Inf")
v52: yaml.Marshal("-.inf")
v53: yaml.Marshal("+.inf")
v54: yaml.Marshal("..inf")
v55: yaml.Marshal("x\n y")
v56: yaml.Marshal("a  b")
v57: yaml.Marshal("a\u0085b")
v58: yaml.Marshal("\u2028")
v59: yaml.Marshal("  ")
v60: yaml.Marshal("x:\n")
v61: yaml.Marshal("- a\nb")
v62: yaml.Marshal("1.")
v63: yaml.Marshal("+.5")
v64: yaml.Marshal("0x")
v65: yaml.Marshal("0xG")
v66: yaml.Marshal("1_0")
v67: yaml.Marshal("_1")
v68: yaml.Marshal("1__0")
v69: yaml.Marshal("0o")
v70: yaml.Marshal("0b")
v71: yaml.Marshal("1e")
v72: yaml.Marshal("e3")
v73: yaml.Marshal("-0")
v74: yaml.Marshal("00")
v75: yaml.Marshal("+")
v76: yaml.Marshal(".")
v77: yaml.Marshal("..")
v78: yaml.Marshal("...")
v79: yaml.Marshal("---")
v80: yaml.Marshal("---a")
v81: yaml.Marshal("a---")
v82: yaml.Marshal("%")
v83: yaml.Marshal("@")
v84: yaml.Marshal("!")
v85: yaml.Marshal("&")
v86: yaml.Marshal("*")
v87: yaml.Marshal(",a")
v88: yaml.Marshal("a,")
v89: yaml.Marshal("[")
v90: yaml.Marshal("]")
v91: yaml.Marshal("{")
v92: yaml.Marshal("}")
v93: yaml.Marshal("a]")
v94: yaml.Marshal("a}")
v95: yaml.Marshal("\"")
v96: yaml.Marshal("'")
v97: yaml.Marshal("a\"")
v98: yaml.Marshal("a'")
v99: yaml.Marshal("`")
k: yaml.Marshal({"T": 0, "F": 1, "No": 2, "NO": 3, "nO": 4, "yEs": 5, "Yes": 6, "y": 7, "1": 8, "0": 9, "+1": 10, "-": 11, "-1": 12, ".5": 13, "5.": 14, "1e3": 15, "1E3": 16, "0b101": 17, "0777": 18, "1:20": 19, "12:30:00": 20, "<<": 21, "=": 22, "?": 23, "? x": 24, "- ": 25, "-x": 26, "a:b": 27, "a:": 28, ":a": 29, "a #": 30, "#": 31, "a\"b": 32, "a'b": 33, "|": 34, ">": 35, "\u00f1": 41, "\u00a0": 42, "2001-12-14t21:59:43.10-05:00": 43, "true": 44, "True": 45, "TRUE": 46, "tRue": 47, "NULL": 48, "Null": 49, "nULL": 50, ".Inf": 51, "-.inf": 52, "+.inf": 53, "..inf": 54, "a  b": 56, "  ": 59, "1.": 62, "+.5": 63, "0x": 64, "0xG": 65, "1_0": 66, "_1": 67, "1__0": 68, "0o": 69, "0b": 70, "1e": 71, "e3": 72, "-0": 73, "00": 74, "+": 75, ".": 76, "..": 77, "...": 78, "---": 79, "---a": 80, "a---": 81, "%": 82, "@": 83, "!": 84, "&": 85, "*": 86, ",a": 87, "a,": 88, "[": 89, "]": 90, "{": 91, "}": 92, "a]": 93, "a}": 94, "\"": 95, "'": 96, "a\"": 97, "a'": 98, "`": 99})
m: yaml.Marshal({a: "x\ny\n", b: {c: "p\nq"}, d: ["l1\nl2", {e: "m\nn"}], f: [[1]], g: [{}], h: [[]], i: {j: []}, k: {l: {}}})
"##
        => Json(r#"{
    "v0": "\"T\"\n",
    "v1": "\"F\"\n",
    "v2": "\"No\"\n",
    "v3": "\"NO\"\n",
    "v4": "nO\n",
    "v5": "yEs\n",
    "v6": "\"Yes\"\n",
    "v7": "\"y\"\n",
    "v8": "\"1\"\n",
    "v9": "\"0\"\n",
    "v10": "\"+1\"\n",
    "v11": "'-'\n",
    "v12": "\"-1\"\n",
    "v13": "\".5\"\n",
    "v14": "\"5.\"\n",
    "v15": "\"1e3\"\n",
    "v16": "\"1E3\"\n",
    "v17": "\"0b101\"\n",
    "v18": "\"0777\"\n",
    "v19": "\"1:20\"\n",
    "v20": "\"12:30:00\"\n",
    "v21": "<<\n",
    "v22": "=\n",
    "v23": "'?'\n",
    "v24": "'? x'\n",
    "v25": "'- '\n",
    "v26": "-x\n",
    "v27": "a:b\n",
    "v28": "'a:'\n",
    "v29": ":a\n",
    "v30": "'a #'\n",
    "v31": "'#'\n",
    "v32": "a\"b\n",
    "v33": "a'b\n",
    "v34": "'|'\n",
    "v35": "'>'\n",
    "v36": "|-\n  x\n  y\n",
    "v37": "|2-\n   x\n  y\n",
    "v38": "|+\n  x\n\n",
    "v39": "|2+\n",
    "v40": "\"a\\r\"\n",
    "v41": "ñ\n",
    "v42": " \n",
    "v43": "\"2001-12-14t21:59:43.10-05:00\"\n",
    "v44": "\"true\"\n",
    "v45": "\"True\"\n",
    "v46": "\"TRUE\"\n",
    "v47": "tRue\n",
    "v48": "\"NULL\"\n",
    "v49": "\"Null\"\n",
    "v50": "nULL\n",
    "v51": "\".Inf\"\n",
    "v52": "\"-.inf\"\n",
    "v53": "\"+.inf\"\n",
    "v54": "..inf\n",
    "v55": "|-\n  x\n   y\n",
    "v56": "a  b\n",
    "v57": "\"a\\Nb\"\n",
    "v58": "' '\n",
    "v59": "'  '\n",
    "v60": "|\n  x:\n",
    "v61": "|-\n  - a\n  b\n",
    "v62": "\"1.\"\n",
    "v63": "\"+.5\"\n",
    "v64": "0x\n",
    "v65": "0xG\n",
    "v66": "\"1_0\"\n",
    "v67": "_1\n",
    "v68": "\"1__0\"\n",
    "v69": "0o\n",
    "v70": "0b\n",
    "v71": "1e\n",
    "v72": "e3\n",
    "v73": "\"-0\"\n",
    "v74": "\"00\"\n",
    "v75": "+\n",
    "v76": ".\n",
    "v77": "..\n",
    "v78": "'...'\n",
    "v79": "\"---\"\n",
    "v80": "'---a'\n",
    "v81": "a---\n",
    "v82": "'%'\n",
    "v83": "'@'\n",
    "v84": "'!'\n",
    "v85": "'&'\n",
    "v86": "'*'\n",
    "v87": "',a'\n",
    "v88": "a,\n",
    "v89": "'['\n",
    "v90": "']'\n",
    "v91": "'{'\n",
    "v92": "'}'\n",
    "v93": "a]\n",
    "v94": "a}\n",
    "v95": "'\"'\n",
    "v96": "''''\n",
    "v97": "a\"\n",
    "v98": "a'\n",
    "v99": "'`'\n",
    "k": "\"T\": 0\n\"F\": 1\n\"No\": 2\n\"NO\": 3\nnO: 4\nyEs: 5\n\"Yes\": 6\n\"y\": 7\n\"1\": 8\n\"0\": 9\n\"+1\": 10\n'-': 11\n\"-1\": 12\n\".5\": 13\n\"5.\": 14\n\"1e3\": 15\n\"1E3\": 16\n\"0b101\": 17\n\"0777\": 18\n\"1:20\": 19\n\"12:30:00\": 20\n<<: 21\n=: 22\n'?': 23\n'? x': 24\n'- ': 25\n-x: 26\na:b: 27\n'a:': 28\n:a: 29\n'a #': 30\n'#': 31\na\"b: 32\na'b: 33\n'|': 34\n'>': 35\nñ: 41\n : 42\n\"2001-12-14t21:59:43.10-05:00\": 43\n\"true\": 44\n\"True\": 45\n\"TRUE\": 46\ntRue: 47\n\"NULL\": 48\n\"Null\": 49\nnULL: 50\n\".Inf\": 51\n\"-.inf\": 52\n\"+.inf\": 53\n..inf: 54\na  b: 56\n'  ': 59\n\"1.\": 62\n\"+.5\": 63\n0x: 64\n0xG: 65\n\"1_0\": 66\n_1: 67\n\"1__0\": 68\n0o: 69\n0b: 70\n1e: 71\ne3: 72\n\"-0\": 73\n\"00\": 74\n+: 75\n.: 76\n..: 77\n'...': 78\n\"---\": 79\n'---a': 80\na---: 81\n'%': 82\n'@': 83\n'!': 84\n'&': 85\n'*': 86\n',a': 87\na,: 88\n'[': 89\n']': 90\n'{': 91\n'}': 92\na]: 93\na}: 94\n'\"': 95\n'''': 96\na\": 97\na': 98\n'`': 99\n",
    "m": "a: |\n  x\n  y\nb:\n  c: |-\n    p\n    q\nd:\n  - |-\n    l1\n    l2\n  - e: |-\n      m\n      n\n\"f\":\n  - - 1\ng:\n  - {}\nh:\n  - []\ni:\n  j: []\nk:\n  l: {}\n"
}"#);
    yaml_and_json_marshal_structures: r##"import "encoding/yaml"
import "encoding/json"
a: yaml.Marshal({on: "on", yes: "yes", v: "1.10", n: 1, f: 1.5, t: true, z: null, l: [1, "a", {x: 1}], e: {}, el: [], s: "multi\nline", q: "a: b", h: "#x", emp: "", sp: " lead", num: "123", oct: "0o17", tilde: "~", nul: "null", Y: "Y", off: "OFF", dash: "- x", star: "*a", amp: "&a", colon: "x:", pct: "%x", at: "@x", bt: "`x", bang: "!x", brace: "{x", bracket: "[x", comma: "a, b", hash: "a #b", date: "2001-12-14", inf: ".inf", nan: ".NaN", exp: "1e3", hex: "0x1F", under: "1_000", big: 123456789012345678901234567890, dec: 0.10, neg: -1, tab: "a\tb", uni: "é", ctrl: "\u0001", trail: "x ", nlend: "x\n", quote: "\"q\"", sq: "'q'", lbl: {"a b": 1, "1": 2, "on": 3, "": 4, "x-y": 5, "#d": 6}})
b: yaml.MarshalStream([{a: 1}, "x", 2, [1, 2]])
c: json.MarshalStream([{a: 1}, "x", 2, [1, 2]])
d: yaml.Marshal("on")
e: yaml.Marshal(1)
f: yaml.Marshal([])
g: yaml.Marshal({})
h: yaml.Marshal({a: [[1, 2], [3]], b: [{c: 1, d: [1]}, {}], c: [[]], d: {e: {f: "g"}}})
"##
        => Json(r#"{
    "a": "\"on\": \"on\"\n\"yes\": \"yes\"\nv: \"1.10\"\n\"n\": 1\n\"f\": 1.5\n\"t\": true\nz: null\nl:\n  - 1\n  - a\n  - x: 1\ne: {}\nel: []\ns: |-\n  multi\n  line\nq: 'a: b'\nh: '#x'\nemp: \"\"\nsp: ' lead'\nnum: \"123\"\noct: \"0o17\"\ntilde: \"~\"\nnul: \"null\"\n\"Y\": \"Y\"\n\"off\": \"OFF\"\ndash: '- x'\nstar: '*a'\namp: '&a'\ncolon: 'x:'\npct: '%x'\nat: '@x'\nbt: '`x'\nbang: '!x'\nbrace: '{x'\nbracket: '[x'\ncomma: a, b\nhash: 'a #b'\ndate: \"2001-12-14\"\ninf: \".inf\"\nnan: \".NaN\"\nexp: \"1e3\"\nhex: \"0x1F\"\nunder: \"1_000\"\nbig: 123456789012345678901234567890\ndec: 0.10\nneg: -1\ntab: \"a\\tb\"\nuni: é\nctrl: \"\\x01\"\ntrail: 'x '\nnlend: |\n  x\nquote: '\"q\"'\nsq: '''q'''\nlbl:\n  a b: 1\n  \"1\": 2\n  \"on\": 3\n  \"\": 4\n  x-y: 5\n  '#d': 6\n",
    "b": "a: 1\n---\nx\n---\n2\n---\n- 1\n- 2\n",
    "c": "{\"a\":1}\n\"x\"\n2\n[1,2]\n",
    "d": "\"on\"\n",
    "e": "1\n",
    "f": "[]\n",
    "g": "{}\n",
    "h": "a:\n  - - 1\n    - 2\n  - - 3\nb:\n  - c: 1\n    d:\n      - 1\n  - {}\nc:\n  - []\nd:\n  e:\n    \"f\": g\n"
}"#);
}
