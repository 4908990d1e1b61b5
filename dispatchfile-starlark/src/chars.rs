//! The lazy iterator `s.elems()` and `s.codepoints()` return: the value itself, which the size
//! estimates recognise. The guarded methods (`bound`) iterate it, checking the size first.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use allocative::Allocative;
use starlark::any::ProvidesStaticType;
use starlark::eval::Evaluator;
use starlark::values::{FrozenValue, NoSerialize, Trace, Value, ValueLike};

use crate::store::Store;

/// The iterator `s.elems()` (strings) or `s.codepoints()` (ints) returns. Like starlark's own it
/// materialises every item when iterated; unlike it, it first checks that they fit under the heap
/// cap, whenever and wherever it is iterated (`list(it)`, `for c in it`, `"".join(it)`).
#[derive(Debug, Trace, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct Chars<'v> {
    pub(crate) string: Value<'v>,
    /// Items are one-character strings (`elems`), else code points.
    pub(crate) strings: bool,
    /// `starlark_max_heap_bytes` of the evaluation that made it.
    pub(crate) cap: usize,
}

/// A frozen [`Chars`].
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct FrozenChars {
    pub(crate) string: FrozenValue,
    pub(crate) strings: bool,
    pub(crate) cap: usize,
}

impl Chars<'_> {
    pub(crate) fn alloc<'v>(
        string: Value<'v>,
        strings: bool,
        eval: &Evaluator<'v, '_, '_>,
    ) -> Value<'v> {
        let cap = Store::get(eval).map_or(
            dispatchfile_model::Limits::default().starlark_max_heap_bytes,
            |s| s.limits.starlark_max_heap_bytes,
        );
        eval.heap().alloc_complex(Chars {
            string,
            strings,
            cap,
        })
    }

    /// The string and item kind behind `v`, if it is such an iterator.
    pub(crate) fn string_value(v: Value<'_>) -> Option<(Value<'_>, bool)> {
        if let Some(c) = v.downcast_ref::<Chars>() {
            return Some((c.string, c.strings));
        }
        let c = v.downcast_ref::<FrozenChars>()?;
        Some((c.string.to_value(), c.strings))
    }
}
