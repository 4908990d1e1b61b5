//! The `encoding/json` and `encoding/yaml` packages: values marshalled to text (`Marshal`, and
//! `MarshalStream` for a list of documents), charged by the text they make.

use super::{Concrete, Eval, R, Scalar, Span, Val, err, s};
use crate::Value;

pub(super) fn json_fn(ev: &mut Eval<'_>, n: &str, a: &[Concrete], span: Span) -> R<Val> {
    match (n, a) {
        ("Marshal", [c]) => {
            let v = match c {
                Concrete::Scalar(x) => {
                    if let Scalar::Num(n) = x {
                        ev.charge(crate::num::text_cost(n))?;
                    }
                    return Ok(s(crate::export::scalar_json(x), span));
                }
                Concrete::Struct(v) | Concrete::List(v) => *v,
            };
            match crate::export::compact_json(ev, v)? {
                Ok(text) => Ok(s(text, span)),
                Err(b) => Ok(Val::Err(b)),
            }
        }
        // One compact JSON document per element, each on its own line.
        ("MarshalStream", [Concrete::List(l)]) => stream(ev, *l, span, |v, out| {
            crate::export::write_json(v, out, None, 0);
            out.push('\n');
        }),
        _ => Ok(err(format!("unsupported builtin json.{n}"), span)),
    }
}

pub(super) fn yaml_fn(ev: &mut Eval<'_>, n: &str, a: &[Concrete], span: Span) -> R<Val> {
    match (n, a) {
        ("Marshal", [c]) => {
            let v = match c {
                Concrete::Scalar(x) => {
                    if let Scalar::Num(n) = x {
                        ev.charge(crate::num::text_cost(n))?;
                    }
                    crate::export::scalar_value(x)
                }
                Concrete::Struct(v) | Concrete::List(v) => {
                    match crate::export::export_value(ev, *v)? {
                        Ok(Some(x)) => x,
                        Ok(None) => return Ok(err("yaml.Marshal: no value", span)),
                        Err(b) => return Ok(Val::Err(b)),
                    }
                }
            };
            let text = crate::yaml::to_yaml(&v);
            ev.charge_bytes(text.len())?;
            Ok(s(text, span))
        }
        // YAML documents separated by `---` lines.
        ("MarshalStream", [Concrete::List(l)]) => {
            let mut first = true;
            stream(ev, *l, span, |v, out| {
                if !first {
                    out.push_str("---\n");
                }
                first = false;
                out.push_str(&crate::yaml::to_yaml(v));
            })
        }
        _ => Ok(err(format!("unsupported builtin yaml.{n}"), span)),
    }
}

/// The documents of the elements of list `l`, each written by `write`, charged by the text
/// they make.
fn stream(
    ev: &mut Eval<'_>,
    l: crate::eval::VId,
    span: Span,
    mut write: impl FnMut(&Value, &mut String),
) -> R<Val> {
    let docs = match crate::export::export_value(ev, l)? {
        Ok(Some(Value::List(items))) => items,
        Ok(_) => {
            return Ok(err(
                "invalid arguments: a list of documents is expected",
                span,
            ));
        }
        Err(b) => return Ok(Val::Err(b)),
    };
    let mut out = String::new();
    for d in &docs {
        write(&d.value, &mut out);
        ev.check_text(out.len(), span)?;
    }
    ev.charge_bytes(out.len())?;
    Ok(s(out, span))
}
