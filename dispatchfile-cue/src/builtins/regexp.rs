//! The `regexp` package: matching, finding and replacing with RE2 syntax (the `regex` crate),
//! each call charged by the work its searches may do (see `crate::regexes`).

use super::{Concrete, Eval, R, Span, Val, b, err, int_arg, s, str_arg};
use crate::eval::STRING_OVERHEAD;
use crate::regexes::Compiled;

pub(super) fn regexp_fn(ev: &mut Eval<'_>, n: &str, a: &[Concrete], span: Span) -> R<Val> {
    let (Some(p), Some(x)) = (a.first().and_then(str_arg), a.get(1).and_then(str_arg)) else {
        return Ok(err(format!("invalid arguments to regexp.{n}"), span));
    };
    let re = match ev.regex(p)? {
        Ok(r) => r,
        Err(m) => return Ok(err(m, span)),
    };
    // One search reads the text once at most, at the pattern's cost per byte.
    let per_byte = re.shape.steps_per_byte();
    let whole = (x.len() as u64).saturating_mul(per_byte);
    Ok(match n {
        "Match" => {
            ev.charge(whole)?;
            b(re.re.is_match(x), span)
        }
        "Find" => {
            ev.charge(whole)?;
            match re.re.find(x) {
                Some(m) => s(m.as_str(), span),
                None => err("regexp.Find: no match", span),
            }
        }
        "ReplaceAll" => match a.get(2).and_then(str_arg) {
            Some(r) => {
                // Written out (as `replace_all` does it) so that the text made is checked before
                // every expansion: an empty match repeats the replacement between all
                // characters, and each `$` reference may repeat the whole match.
                //
                // Each search after a match is charged before it runs. One that can only match
                // `max_len` bytes reads at most that far past where its match starts (the
                // bytes before are charged once, with the first search); one with `*`, `+`
                // or `{n,}` may read to the end of the text every time (`[a-z]+X|[a-z]` over
                // `aaaa…` does), so that is what it is charged.
                ev.charge(whole)?;
                let refs = r.bytes().filter(|&c| c == b'$').count();
                let mut out = String::new();
                let mut last = 0;
                for caps in re.re.captures_iter(x) {
                    let Some(m) = caps.get(0) else { continue };
                    let most = r.len().saturating_add(refs.saturating_mul(m.len()));
                    ev.check_text(out.len() + (m.start() - last) + most, span)?;
                    out.push_str(&x[last..m.start()]);
                    caps.expand(r, &mut out);
                    last = m.end();
                    let next = match re.shape.max_len {
                        Some(len) => len.saturating_mul(3).saturating_add(1),
                        None => (x.len() - last) as u64 + 1,
                    };
                    ev.charge(next.saturating_mul(per_byte))?;
                }
                out.push_str(&x[last..]);
                s(out, span)
            }
            None => err("invalid arguments to regexp.ReplaceAll", span),
        },
        "FindAll" | "FindAllSubmatch" | "FindAllNamedSubmatch" => {
            let Some(k) = a.get(2).and_then(int_arg) else {
                return Ok(err(format!("invalid arguments to regexp.{n}"), span));
            };
            // As in Go: a negative count means every match, 0 none (which is "no match").
            let limit = usize::try_from(k).ok();
            let found = matches(ev, &re, x, limit, n != "FindAll", span)?;
            if found.is_empty() {
                return Ok(err(format!("regexp.{n}: no match"), span));
            }
            let items = found
                .iter()
                .map(|groups| match n {
                    "FindAll" => group_text(x, groups[0], span),
                    "FindAllSubmatch" => submatch_list(ev, x, groups, span),
                    _ => named_submatch(ev, &re, x, groups, span),
                })
                .collect();
            Val::V(ev.synthetic_list(items, span))
        }
        "FindSubmatch" | "FindNamedSubmatch" => {
            let found = matches(ev, &re, x, Some(1), true, span)?;
            match found.first() {
                None => err(format!("regexp.{n}: no match"), span),
                Some(groups) if n == "FindSubmatch" => submatch_list(ev, x, groups, span),
                Some(groups) => named_submatch(ev, &re, x, groups, span),
            }
        }
        _ => err(format!("unsupported builtin regexp.{n}"), span),
    })
}

/// The byte range of each group of a match (`None` for a group that took no part).
type Groups = Vec<Option<(usize, usize)>>;

/// The first `limit` matches of `re` in `x` (all of them when `None`), with their groups when
/// `groups` is set, else their whole match only; empty matches as Go finds them (none right
/// after a match). Charged like `ReplaceAll`'s searches (the text once, then each search after
/// a match by how far it may read), and the text the results will hold is spent before they
/// are made.
fn matches(
    ev: &mut Eval<'_>,
    re: &Compiled,
    x: &str,
    limit: Option<usize>,
    groups: bool,
    span: Span,
) -> R<Vec<Groups>> {
    let per_byte = re.shape.steps_per_byte();
    ev.charge((x.len() as u64).saturating_mul(per_byte))?;
    let mut out: Vec<Groups> = Vec::new();
    if limit == Some(0) {
        return Ok(out);
    }
    let mut note = |ev: &mut Eval<'_>, found: Groups| -> R<bool> {
        let text: usize = found
            .iter()
            .map(|g| g.map_or(0, |(s, e)| e - s) + STRING_OVERHEAD)
            .sum();
        ev.spend_text(text, span)?;
        let end = found[0].map_or(0, |(_, e)| e);
        out.push(found);
        if limit.is_some_and(|l| out.len() >= l) {
            return Ok(false);
        }
        let next = match re.shape.max_len {
            Some(len) => len.saturating_mul(3).saturating_add(1),
            None => (x.len() - end) as u64 + 1,
        };
        ev.charge(next.saturating_mul(per_byte))?;
        Ok(true)
    };
    if groups {
        for caps in re.re.captures_iter(x) {
            let found = (0..caps.len())
                .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                .collect();
            if !note(ev, found)? {
                break;
            }
        }
    } else {
        for m in re.re.find_iter(x) {
            if !note(ev, vec![Some((m.start(), m.end()))])? {
                break;
            }
        }
    }
    Ok(out)
}

/// The text of a group: empty when it took no part, as in Go.
fn group_text(x: &str, g: Option<(usize, usize)>, span: Span) -> Val {
    s(g.map_or("", |(a, b)| &x[a..b]), span)
}

/// `[whole match, group 1, …]`.
fn submatch_list(ev: &mut Eval<'_>, x: &str, groups: &Groups, span: Span) -> Val {
    let items = groups.iter().map(|&g| group_text(x, g, span)).collect();
    Val::V(ev.synthetic_list(items, span))
}

/// `{name: text, …}` for the named groups, in the pattern's order.
fn named_submatch(ev: &mut Eval<'_>, re: &Compiled, x: &str, groups: &Groups, span: Span) -> Val {
    let fields = re
        .re
        .capture_names()
        .zip(groups)
        .filter_map(|(name, &g)| Some((name?.to_owned(), group_text(x, g, span))))
        .collect();
    Val::V(ev.synthetic_struct(fields, span))
}
