//! The native builtins of the Dispatch standard library (`task`, `resource`, `action`,
//! `k8s.resource_quantity`) and the guarded natives the rewritten code calls: each estimates
//! what it will allocate, charges the budget, then calls the original.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use std::fmt;

use allocative::Allocative;
use starlark::any::ProvidesStaticType;
use starlark::eval::{Arguments, Evaluator};
use starlark::values::{
    AllocFrozenValue, FrozenHeap, FrozenValue, Heap, NoSerialize, StarlarkValue, Value, ValueError,
    ValueLike, starlark_value,
};

use crate::compare::Op;
use crate::message::{
    Quantity, dict_insert, err, is_quantity, message_dict, new_message, schema_of, type_name,
};
use crate::schema::Registry;
use crate::store::{Added, Store};
use crate::{bound, compare, convert, guard, rewrite};

/// Which builtin a [`Builtin`] value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `task(name, pipeline=None, **fields)`.
    Task,
    /// `resource(name, pipeline=None, **fields)`.
    Resource,
    /// `action(pipeline=None, **fields)`.
    Action,
    /// `k8s.resource_quantity(text)`.
    ResourceQuantity,
    /// The guarded `+` operator.
    Add,
    /// The guarded `*` operator.
    Mul,
    /// The guarded `range`.
    Range,
    /// The guarded `%` operator.
    Percent,
    /// The guarded `|` operator (dict union).
    Union,
    /// `_dispatch_method(recv, "name", args…)`: a rewritten method call.
    Method,
    /// `_dispatch_attr(recv, "name")`: a rewritten attribute read of a guarded method name.
    Attr,
    /// `_dispatch_slice(x, start, stop, stride)`: a rewritten slice.
    Slice,
    /// `_dispatch_missing`: a part of a rewritten slice that was not written.
    Missing,
    /// `_dispatch_item[e:]`: an element of a rewritten list comprehension (or a value of a dict
    /// comprehension); returns `e`. Also callable, `_dispatch_item(e)`.
    Item,
    /// `_dispatch_entry[k:]`: a key of a rewritten dict comprehension, or of an index assignment
    /// to something other than a name; returns `k`. Also callable, `_dispatch_entry(k)`.
    Entry,
    /// `_dispatch_key[d:k]`: the key of a rewritten index assignment `d[k] = v` to a name `d`;
    /// returns `k`. Also callable, `_dispatch_key(d, k)`.
    Key,
    /// `_dispatch_ior[x:e]` (or `_dispatch_ior[e:]`): the right side of a rewritten `x |= e`;
    /// returns `e`. Also callable, `_dispatch_ior(x, e)`.
    OrInto,
    /// `_dispatch_iadd[x:e]` (or `_dispatch_iadd[e:]`): the right side of a rewritten `x += e`;
    /// returns `e`. Also callable, `_dispatch_iadd(x, e)`.
    AddInto,
    /// A comparison operator (`==`, `<`, `in`, …), compared with a nesting bound.
    Compare(Op),
    /// `getattr`, which hands out guarded bound methods.
    GetAttr,
    /// A standard function called after a size (and, for formatting, nesting) check: `str`,
    /// `repr`, `print`, `fail`, `list`, `tuple`, `sorted`, `reversed`, `enumerate`, `zip`,
    /// `dict`, `struct`.
    Global(&'static str),
}

/// A native builtin.
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct Builtin {
    #[allocative(skip)]
    pub(crate) kind: Kind,
    /// The wrapped standard function (`range`, `getattr` and [`Kind::Global`]).
    #[allocative(skip)]
    pub(crate) inner: Option<FrozenValue>,
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            Kind::Task => "task",
            Kind::Resource => "resource",
            Kind::Action => "action",
            Kind::ResourceQuantity => "k8s.resource_quantity",
            Kind::Add => "_dispatch_add",
            Kind::Mul => "_dispatch_mul",
            Kind::Range => "range",
            Kind::Percent => "_dispatch_percent",
            Kind::Union => "_dispatch_or",
            Kind::Method => "_dispatch_method",
            Kind::Attr => "_dispatch_attr",
            Kind::Slice => "_dispatch_slice",
            Kind::Missing => "_dispatch_missing",
            Kind::Item => "_dispatch_item",
            Kind::Entry => "_dispatch_entry",
            Kind::Key => "_dispatch_key",
            Kind::OrInto => "_dispatch_ior",
            Kind::AddInto => "_dispatch_iadd",
            Kind::GetAttr => "getattr",
            Kind::Compare(op) => op.native(),
            Kind::Global(n) => n,
        };
        write!(f, "<built-in function {name}>")
    }
}

impl AllocFrozenValue for Builtin {
    fn alloc_frozen_value(self, heap: &FrozenHeap) -> FrozenValue {
        heap.alloc_simple(self)
    }
}

impl AllocFrozenValue for Quantity {
    fn alloc_frozen_value(self, heap: &FrozenHeap) -> FrozenValue {
        heap.alloc_simple(self)
    }
}

#[starlark_value(type = "builtin_function_or_method")]
impl<'v> StarlarkValue<'v> for Builtin {
    /// Runs the builtin between two checks of the running evaluation's budget: the statements
    /// before (its ticks with what native calls charged), the heap cap after (what the call
    /// made), so that both are reported at the call that went over them. Notes where it was
    /// called, for errors that come without a position.
    fn invoke(
        &self,
        _me: Value<'v>,
        args: &Arguments<'v, '_>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let store = Store::get(eval);
        if let Some(store) = store {
            *store.last_call.borrow_mut() = eval.call_stack_top_location();
            store
                .budget
                .within(eval.get_total_tick_count())
                .map_err(crate::store::refused)?;
        }
        let result = self.run(args, eval)?;
        if let Some(store) = store {
            guard::check_reserved(store, eval)?;
        }
        Ok(result)
    }

    fn slice(
        &self,
        start: Option<Value<'v>>,
        stop: Option<Value<'v>>,
        stride: Option<Value<'v>>,
        heap: Heap<'v>,
    ) -> starlark::Result<Value<'v>> {
        self.run_slice(start, stop, stride, heap)
    }
}

impl Builtin {
    /// What the builtin does when it is called.
    fn run<'v>(
        &self,
        args: &Arguments<'v, '_>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        match self.kind {
            Kind::Task | Kind::Resource | Kind::Action => element(self.kind, args, eval),
            Kind::ResourceQuantity => {
                let [q] = args.positional(eval.heap())?;
                args.no_named_args()?;
                let Some(text) = q.unpack_str() else {
                    return Err(err(format!(
                        "k8s.resource_quantity: expected a string, got {}",
                        q.get_type()
                    )));
                };
                if !is_quantity(text) {
                    return Err(err(format!(
                        "k8s.resource_quantity: {text:?} is not a Kubernetes quantity"
                    )));
                }
                Ok(eval.heap().alloc_simple(Quantity(text.to_owned())))
            }
            Kind::Add => {
                let [a, b] = args.positional(eval.heap())?;
                guard::check_add(a, b, eval)?;
                a.add(b, eval.heap())
            }
            Kind::Mul => {
                let [a, b] = args.positional(eval.heap())?;
                guard::check_mul(a, b, eval)?;
                a.mul(b, eval.heap())
            }
            Kind::Percent => {
                let [a, b] = args.positional(eval.heap())?;
                guard::check_percent(a, b, eval)?;
                a.percent(b, eval.heap())
            }
            Kind::Union => {
                let [a, b] = args.positional(eval.heap())?;
                guard::check_union(a, b, eval)?;
                a.bit_or(b, eval.heap())
            }
            Kind::Compare(op) => {
                let [a, b] = args.positional(eval.heap())?;
                compare::operator(op, a, b, eval)
            }
            Kind::Method => bound::dispatch_method(args, eval),
            Kind::Missing => Err(err("_dispatch_missing is not a function")),
            Kind::Item => {
                let [v] = args.positional(eval.heap())?;
                guard::check_element(v, 0, eval.heap())?;
                Ok(v)
            }
            Kind::Entry => {
                let [k] = args.positional(eval.heap())?;
                guard::check_element(k, guard::DICT_ENTRY_BYTES, eval.heap())?;
                Ok(k)
            }
            Kind::Key => {
                let [d, k] = args.positional(eval.heap())?;
                guard::check_new_key(d, k, eval.heap())?;
                Ok(k)
            }
            Kind::OrInto => {
                let [x, e] = args.positional(eval.heap())?;
                guard::check_union_into(Some(x), e, eval.heap())?;
                Ok(e)
            }
            Kind::AddInto => {
                let [x, e] = args.positional(eval.heap())?;
                guard::check_add_into(Some(x), e, eval.heap())?;
                Ok(e)
            }
            Kind::Attr => {
                let [recv, name] = args.positional(eval.heap())?;
                let name = name
                    .unpack_str()
                    .ok_or_else(|| err("_dispatch_attr: the attribute name must be a string"))?;
                bound::attribute(recv, name, eval)
            }
            Kind::Slice => {
                let [x, start, stop, stride] = args.positional(eval.heap())?;
                guard::check_slice(x, eval)?;
                let missing = |v: Value<'v>| {
                    v.downcast_ref::<Builtin>()
                        .is_some_and(|b| b.kind == Kind::Missing)
                };
                let part = |v: Value<'v>| if missing(v) { None } else { Some(v) };
                x.slice(part(start), part(stop), part(stride), eval.heap())
            }
            Kind::GetAttr => {
                let (pos, named) = bound::collect(args, eval.heap())?;
                if let [recv, name, ..] = pos.as_slice()
                    && named.is_empty()
                    && let Some(n) = name.unpack_str()
                    && rewrite::guarded(n).is_some()
                    && recv.has_attr(n, eval.heap())
                {
                    return bound::attribute(*recv, n, eval);
                }
                self.call_inner(&pos, &named, eval)
            }
            Kind::Global(name) => {
                let (pos, named) = bound::collect(args, eval.heap())?;
                let call = guard::CallArgs {
                    pos: &pos,
                    named: &named,
                };
                guard::check_global(name, &call, eval)?;
                self.call_inner(&pos, &named, eval)
            }
            Kind::Range => {
                let heap = eval.heap();
                let pos: Vec<Value<'v>> = args.positions(heap)?.collect();
                args.no_named_args()?;
                guard::check_range(&pos, eval)?;
                let inner = self.inner.ok_or_else(|| err("range is not available"))?;
                eval.eval_function(inner.to_value(), &pos, &[])
            }
        }
    }

    /// `_dispatch_item[v:]`, `_dispatch_entry[k:]`, `_dispatch_key[d:k]` and `_dispatch_ior[x:e]`:
    /// the element guards as the rewrite writes them. Hostile code runs them millions of times,
    /// and a slice costs far less than a call (no arguments to collect, no call frame, no
    /// budget checks around it); without a stride, starlark never folds one at compile time.
    fn run_slice<'v>(
        &self,
        start: Option<Value<'v>>,
        stop: Option<Value<'v>>,
        stride: Option<Value<'v>>,
        heap: Heap<'v>,
    ) -> starlark::Result<Value<'v>> {
        match (self.kind, start, stop, stride) {
            (Kind::Item, Some(v), None, None) => {
                guard::check_element(v, 0, heap)?;
                Ok(v)
            }
            (Kind::Entry, Some(k), None, None) => {
                guard::check_element(k, guard::DICT_ENTRY_BYTES, heap)?;
                Ok(k)
            }
            (Kind::Key, Some(d), Some(k), None) => {
                guard::check_new_key(d, k, heap)?;
                Ok(k)
            }
            (Kind::OrInto, Some(x), Some(e), None) => {
                guard::check_union_into(Some(x), e, heap)?;
                Ok(e)
            }
            (Kind::OrInto, Some(e), None, None) => {
                guard::check_union_into(None, e, heap)?;
                Ok(e)
            }
            (Kind::AddInto, Some(x), Some(e), None) => {
                guard::check_add_into(Some(x), e, heap)?;
                Ok(e)
            }
            (Kind::AddInto, Some(e), None, None) => {
                guard::check_add_into(None, e, heap)?;
                Ok(e)
            }
            _ => ValueError::unsupported(self, "[::]"),
        }
    }

    /// Calls the wrapped standard function.
    fn call_inner<'v>(
        &self,
        pos: &[Value<'v>],
        named: &[(&str, Value<'v>)],
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let inner = self
            .inner
            .ok_or_else(|| err("the function is not available"))?;
        eval.eval_function(inner.to_value(), pos, named)
    }
}

/// `task`, `resource` and `action`.
fn element<'v>(
    kind: Kind,
    args: &Arguments<'v, '_>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let heap = eval.heap();
    let (fname, schema_name, field) = match kind {
        Kind::Task => ("task", "p.Task", "tasks"),
        Kind::Resource => ("resource", "p.Resource", "resources"),
        _ => ("action", "p.Action", "actions"),
    };
    let pos: Vec<Value<'v>> = args.positions(heap)?.collect();
    let mut kwargs: Vec<(String, Value<'v>)> = args
        .names_map()?
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v))
        .collect();
    let mut take = |name: &str| {
        kwargs
            .iter()
            .position(|(k, _)| k == name)
            .map(|i| kwargs.remove(i).1)
    };
    let pipeline = take("pipeline").filter(|v| !v.is_none());
    let name = if kind == Kind::Action {
        if !pos.is_empty() {
            return Err(err("action() takes keyword arguments only"));
        }
        None
    } else {
        let named = take("name");
        let v = match (pos.as_slice(), named) {
            ([v], None) => *v,
            ([], Some(v)) => v,
            ([], None) => return Err(err(format!("{fname}() is missing its name"))),
            _ => {
                return Err(err(format!(
                    "{fname}() takes one positional argument (the name)"
                )));
            }
        };
        let Some(s) = v.unpack_str() else {
            return Err(err(format!(
                "{fname}(): the name must be a string, got {}",
                type_name(v)
            )));
        };
        Some(s.to_owned())
    };
    let store = Store::get(eval);
    let origin = store.and_then(|s| s.origin(eval));
    let schema = Registry::get()
        .by_name(schema_name)
        .ok_or_else(|| err(format!("internal: no schema {schema_name}")))?;
    let msg = new_message(schema, kwargs, heap, origin)?;
    let ret = match &name {
        Some(n) => heap.alloc_str(n).to_value(),
        None => msg,
    };
    if let Some(p) = pipeline {
        if schema_of(p).is_none_or(|s| s.name != "p.Pipeline") {
            return Err(err(format!(
                "{fname}(): pipeline must be a p.Pipeline, got {}",
                type_name(p)
            )));
        }
        let target = message_dict(p, field, heap)?;
        if let Some(n) = &name {
            dict_insert(target, n, msg, heap)?;
        } else {
            let append = target.get_attr_error("append", heap)?;
            eval.eval_function(append, &[msg], &[])?;
        }
    } else {
        let Some(store) = store else {
            return Err(err(format!(
                "{fname}() cannot be called while a catalog module loads"
            )));
        };
        let span = origin.unwrap_or_default();
        // The node tree copies every string at every place it is used: it may be far larger
        // than the value on the heap, and it lives outside the heap until the end.
        let cap = store.limits.starlark_max_heap_bytes;
        let left = cap.saturating_sub(guard::reserved(eval));
        let (node, bytes, text) =
            convert::to_node(msg, span, store, left, eval.get_total_tick_count())?;
        store.budget.record(bytes);
        store.text.set(store.text.get().saturating_add(text));
        let added = match kind {
            Kind::Task => Added::Task,
            Kind::Resource => Added::Resource,
            _ => Added::Action,
        };
        store.record(added, name, span, node);
    }
    Ok(ret)
}
