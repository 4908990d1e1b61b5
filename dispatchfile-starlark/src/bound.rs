//! Guarded method calls: the target of `_dispatch_method`, bound methods of builtin values taken
//! without calling them (`f = ", ".join`, `getattr(s, "join")`), and the iterator of
//! `str.elems()`/`str.codepoints()`, which checks the heap cap when something iterates it.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use std::fmt;

use allocative::Allocative;
use dispatchfile_model::names::edit_distance;
use starlark::any::ProvidesStaticType;
use starlark::eval::{Arguments, Evaluator};
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::{
    Freeze, FreezeResult, Freezer, FrozenValue, Heap, NoSerialize, StarlarkValue, Trace, Value,
    ValueError, starlark_value,
};

use crate::chars::{Chars, FrozenChars};
use crate::estimate;
use crate::guard::{self, CallArgs};
use crate::rewrite;

/// Whether `v` is a value whose guarded methods have a size estimate (a builtin string, list or
/// dict). Anything else (a struct with a field named `join`, a message) is called unchanged.
fn builtin_receiver(v: Value<'_>) -> bool {
    v.unpack_str().is_some() || ListRef::from_value(v).is_some() || DictRef::from_value(v).is_some()
}

/// Positional and named arguments (names live on the heap: nothing is copied).
pub(crate) type Collected<'v> = (Vec<Value<'v>>, Vec<(&'v str, Value<'v>)>);

/// The positional and named arguments of a call, with `*args` and `**kwargs` expanded.
pub(crate) fn collect<'v>(
    args: &Arguments<'v, '_>,
    heap: Heap<'v>,
) -> starlark::Result<Collected<'v>> {
    let pos: Vec<Value<'v>> = args.positions(heap)?.collect();
    let named = args
        .names_map()?
        .into_iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    Ok((pos, named))
}

/// `recv.name(pos…, named…)`, where `method` is `recv.name`: checks the size estimate first when
/// the receiver is a builtin value and `name` is guarded.
fn call<'v>(
    recv: Value<'v>,
    method: Value<'v>,
    name: &str,
    pos: &[Value<'v>],
    named: &[(&str, Value<'v>)],
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    // A bound method called later: errors without a position are reported at this call.
    if let Some(store) = crate::store::Store::get(eval) {
        *store.last_call.borrow_mut() = eval.call_stack_top_location();
    }
    if name == "setdefault"
        && let [k, ..] = pos
        && DictRef::from_value(recv).is_some()
    {
        // Like `d[k] = v`: one more entry when `d` lacks `k` (the common case in a loop).
        guard::check_new_key(recv, *k, eval.heap())?;
        return eval.eval_function(method, pos, named);
    }
    if builtin_receiver(recv) {
        guard::check_method(recv, name, &CallArgs { pos, named }, eval)?;
        if recv.unpack_str().is_some()
            && matches!(name, "elems" | "codepoints")
            && pos.is_empty()
            && named.is_empty()
        {
            return Ok(Chars::alloc(recv, name == "elems", eval));
        }
    }
    // A dict's new entries live outside the arena: what `update` added is recorded, even when
    // the call failed half way.
    let entries = |v: Value<'v>| DictRef::from_value(v).map(|d| d.len());
    let before = if name == "update" {
        entries(recv)
    } else {
        None
    };
    let result = eval.eval_function(method, pos, named);
    if let (Some(before), Some(after)) = (before, entries(recv)) {
        guard::record_entries(after.saturating_sub(before), eval);
    }
    result
}

/// `_dispatch_method(recv, "name", args…)`: what `recv.name(args…)` is rewritten to.
pub(crate) fn dispatch_method<'v>(
    args: &Arguments<'v, '_>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let (pos, named) = collect(args, eval.heap())?;
    let (Some(recv), Some(name)) = (pos.first(), pos.get(1).and_then(|v| v.unpack_str())) else {
        return Err(crate::message::err(
            "_dispatch_method(receiver, name, ...) needs a receiver and a method name",
        ));
    };
    let method = get_attr(*recv, name, eval.heap())?;
    call(*recv, method, name, &pos[2..], &named, eval)
}

/// `recv.name`, failing with the error starlark gives for a missing attribute in `recv.name`.
fn get_attr<'v>(recv: Value<'v>, name: &str, heap: Heap<'v>) -> starlark::Result<Value<'v>> {
    if let Some(v) = recv.get_attr(name, heap)? {
        return Ok(v);
    }
    let ty = recv.get_type().to_owned();
    let attrs = recv.dir_attr();
    let e = match did_you_mean(name, attrs.iter().map(String::as_str)) {
        Some(better) => ValueError::NoAttrDidYouMean(ty, name.to_owned(), better.to_owned()),
        None => ValueError::NoAttr(ty, name.to_owned()),
    };
    Err(e.into())
}

/// starlark's spelling suggestion (errors/did_you_mean.rs): the closest name within edit
/// distance 2 (1 for names of up to two bytes).
fn did_you_mean<'a>(value: &str, variants: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if value.is_empty() {
        return None;
    }
    let max = if value.len() <= 2 { 1 } else { 2 };
    variants
        .into_iter()
        .map(|v| (v, edit_distance(value, v, max)))
        .filter(|(_, d)| *d <= max)
        .min_by_key(|(_, d)| *d)
        .map(|(v, _)| v)
}

/// `recv.name` of a guarded `name`: a guarded bound method for builtin receivers, the attribute
/// itself otherwise. Used by `_dispatch_attr` and `getattr`.
pub(crate) fn attribute<'v>(
    recv: Value<'v>,
    name: &str,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let heap = eval.heap();
    let method = get_attr(recv, name, heap)?;
    match rewrite::guarded(name) {
        Some(name) if builtin_receiver(recv) => Ok(heap.alloc_complex(GuardedMethod {
            receiver: recv,
            method,
            name,
        })),
        _ => Ok(method),
    }
}

/// `", ".join` taken as a value: calling it checks the estimate like a direct call.
#[derive(Debug, Trace, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct GuardedMethod<'v> {
    receiver: Value<'v>,
    method: Value<'v>,
    #[trace(static)]
    #[allocative(skip)]
    name: &'static str,
}

/// A guarded bound method in a frozen module.
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct FrozenGuardedMethod {
    receiver: FrozenValue,
    method: FrozenValue,
    #[allocative(skip)]
    name: &'static str,
}

impl fmt::Display for GuardedMethod<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Prints as the bound method it stands for.
        fmt::Display::fmt(&self.method, f)
    }
}

impl fmt::Display for FrozenGuardedMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.method, f)
    }
}

#[starlark_value(type = "function")]
impl<'v> StarlarkValue<'v> for GuardedMethod<'v> {
    fn invoke(
        &self,
        _me: Value<'v>,
        args: &Arguments<'v, '_>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let (pos, named) = collect(args, eval.heap())?;
        call(self.receiver, self.method, self.name, &pos, &named, eval)
    }
}

#[starlark_value(type = "function")]
impl<'v> StarlarkValue<'v> for FrozenGuardedMethod {
    type Canonical = GuardedMethod<'v>;

    fn invoke(
        &self,
        _me: Value<'v>,
        args: &Arguments<'v, '_>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let (pos, named) = collect(args, eval.heap())?;
        let (recv, method) = (self.receiver.to_value(), self.method.to_value());
        call(recv, method, self.name, &pos, &named, eval)
    }
}

impl Freeze for GuardedMethod<'_> {
    type Frozen = FrozenGuardedMethod;
    fn freeze(self, freezer: &Freezer) -> FreezeResult<FrozenGuardedMethod> {
        Ok(FrozenGuardedMethod {
            receiver: self.receiver.freeze(freezer)?,
            method: self.method.freeze(freezer)?,
            name: self.name,
        })
    }
}

/// The items of `string`, after checking they fit.
fn materialise<'v>(
    string: Value<'v>,
    strings: bool,
    cap: usize,
    heap: Heap<'v>,
) -> starlark::Result<Vec<Value<'v>>> {
    let s = string.unpack_str().unwrap_or("");
    let left = cap.saturating_sub(heap.allocated_bytes().saturating_mul(2));
    let mut need = estimate::chars_estimate(s, strings, None);
    if need > left {
        need = estimate::chars_estimate(s, strings, estimate::chars_in(string));
    }
    guard::check_materialise(need, heap.allocated_bytes(), cap)?;
    Ok(if strings {
        s.chars().map(|c| heap.alloc(c)).collect()
    } else {
        s.chars().map(|c| heap.alloc(u32::from(c))).collect()
    })
}

impl fmt::Display for Chars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("iterator")
    }
}

impl fmt::Display for FrozenChars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("iterator")
    }
}

#[starlark_value(type = "iterator")]
impl<'v> StarlarkValue<'v> for Chars<'v> {
    fn iterate_collect(&self, heap: Heap<'v>) -> starlark::Result<Vec<Value<'v>>> {
        materialise(self.string, self.strings, self.cap, heap)
    }
}

#[starlark_value(type = "iterator")]
impl<'v> StarlarkValue<'v> for FrozenChars {
    type Canonical = Chars<'v>;

    fn iterate_collect(&self, heap: Heap<'v>) -> starlark::Result<Vec<Value<'v>>> {
        materialise(self.string.to_value(), self.strings, self.cap, heap)
    }
}

impl Freeze for Chars<'_> {
    type Frozen = FrozenChars;
    fn freeze(self, freezer: &Freezer) -> FreezeResult<FrozenChars> {
        Ok(FrozenChars {
            string: self.string.freeze(freezer)?,
            strings: self.strings,
            cap: self.cap,
        })
    }
}
