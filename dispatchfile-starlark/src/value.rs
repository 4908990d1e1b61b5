//! The Starlark value types of the Dispatch standard library: messages (`p.Task(…)`,
//! `k8s.corev1.Container(…)`), their constructors, quantities, the native builtins, and the
//! per-evaluation [`Store`] the builtins write the main pipeline into.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::sync::Arc;

use allocative::Allocative;
use dispatchfile_model::{Code, Diagnostic, FileId, Files, Node, Span};
use starlark::any::ProvidesStaticType;
use starlark::eval::{Arguments, Evaluator};
use starlark::values::dict::{AllocDict, DictMut, DictRef};
use starlark::values::list::{AllocList, ListRef};
use starlark::values::tuple::TupleRef;
use starlark::values::{
    AllocFrozenValue, Freeze, FreezeResult, Freezer, FrozenHeap, FrozenValue, Heap, NoSerialize,
    StarlarkValue, Trace, Value, ValueError, ValueLike, starlark_value,
};

use super::convert;
use super::guard;
use super::rewrite::OffsetMap;
use super::schema::{Registry, Schema, Ty};
use super::{bound, rewrite};

/// An error raised by a builtin, shown as a Starlark error at the call.
#[derive(Debug)]
pub(crate) struct DispatchError(pub(crate) String);

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DispatchError {}

/// A Starlark error with `msg`.
pub(crate) fn err(msg: impl Into<String>) -> starlark::Error {
    starlark::Error::new_native(DispatchError(msg.into()))
}

// ---------------------------------------------------------------------------------------------
// Messages

/// A mutable message value.
#[derive(Debug, Trace, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct Message<'v> {
    #[trace(static)]
    #[allocative(skip)]
    schema: &'static Schema,
    /// Set fields as (field index, value), in the order they were set.
    fields: RefCell<Vec<(usize, Value<'v>)>>,
    #[trace(static)]
    #[allocative(skip)]
    origin: Option<Span>,
}

/// A frozen message (from a loaded module).
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct FrozenMessage {
    #[allocative(skip)]
    schema: &'static Schema,
    fields: Vec<(usize, FrozenValue)>,
    #[allocative(skip)]
    origin: Option<Span>,
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = self.fields.borrow();
        write_repr(f, self.schema, fields.iter().map(|(i, v)| (*i, *v)))
    }
}

impl fmt::Display for FrozenMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_repr(
            f,
            self.schema,
            self.fields.iter().map(|(i, v)| (*i, v.to_value())),
        )
    }
}

fn write_repr<'v>(
    f: &mut fmt::Formatter<'_>,
    schema: &Schema,
    fields: impl Iterator<Item = (usize, Value<'v>)>,
) -> fmt::Result {
    write!(f, "{}(", schema.name)?;
    for (n, (i, v)) in fields.enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{} = {}", schema.fields[i].name, v.to_repr())?;
    }
    f.write_str(")")
}

/// A copy of a message's contents, whether frozen or not.
pub(crate) struct View<'v> {
    /// The message type.
    pub(crate) schema: &'static Schema,
    /// Set fields as (field index, value) in the order they were set.
    pub(crate) fields: Vec<(usize, Value<'v>)>,
    /// Where the message was made.
    pub(crate) origin: Option<Span>,
}

/// The contents of `v` if it is a message.
pub(crate) fn view(v: Value<'_>) -> Option<View<'_>> {
    if let Some(m) = v.downcast_ref::<Message>() {
        return Some(View {
            schema: m.schema,
            fields: m.fields.borrow().clone(),
            origin: m.origin,
        });
    }
    v.downcast_ref::<FrozenMessage>().map(|m| View {
        schema: m.schema,
        fields: m.fields.iter().map(|(i, v)| (*i, v.to_value())).collect(),
        origin: m.origin,
    })
}

/// The schema of `v` if it is a message.
pub(crate) fn schema_of(v: Value<'_>) -> Option<&'static Schema> {
    if let Some(m) = v.downcast_ref::<Message>() {
        return Some(m.schema);
    }
    v.downcast_ref::<FrozenMessage>().map(|m| m.schema)
}

/// The zero value a message returns for an unset field.
fn zero<'v>(ty: &Ty, heap: Heap<'v>) -> Value<'v> {
    match ty {
        Ty::Str | Ty::Quantity => heap.alloc(""),
        Ty::Int | Ty::IntOrString => heap.alloc(0),
        Ty::Float => heap.alloc(0.0),
        Ty::Bool => Value::new_bool(false),
        Ty::List(_) => heap.alloc(AllocList::EMPTY),
        Ty::Map(_) => heap.alloc(AllocDict::EMPTY),
        Ty::Msg(_) | Ty::Metadata | Ty::Any => Value::new_none(),
    }
}

/// Whether `v` equals the zero value of its field (unset and zero compare equal).
fn is_zero(v: Value<'_>) -> bool {
    if v.is_none() {
        return true;
    }
    if let Some(s) = v.unpack_str() {
        return s.is_empty();
    }
    if let Some(b) = v.unpack_bool() {
        return !b;
    }
    if let Some(i) = v.unpack_i32() {
        return i == 0;
    }
    if ListRef::from_value(v).is_some() || DictRef::from_value(v).is_some() {
        return v.length().is_ok_and(|n| n == 0);
    }
    false
}

fn messages_equal<'v>(a: &View<'v>, b: &View<'v>) -> starlark::Result<bool> {
    if a.schema.id != b.schema.id {
        return Ok(false);
    }
    let get = |v: &View<'v>, i: usize| {
        v.fields
            .iter()
            .rev()
            .find(|(j, _)| *j == i)
            .map(|(_, x)| *x)
    };
    for i in 0..a.schema.fields.len() {
        match (get(a, i), get(b, i)) {
            (None, None) => {}
            (Some(x), None) | (None, Some(x)) => {
                if !is_zero(x) {
                    return Ok(false);
                }
            }
            (Some(x), Some(y)) => {
                if !x.equals(y)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

fn no_field(schema: &Schema, name: &str) -> starlark::Error {
    err(format!("{} has no field {name:?}", schema.name))
}

#[starlark_value(type = "message")]
impl<'v> StarlarkValue<'v> for Message<'v> {
    fn get_attr(&self, attribute: &str, heap: Heap<'v>) -> Option<Value<'v>> {
        let (index, field) = self.schema.field(attribute)?;
        if let Some((_, v)) = self.fields.borrow().iter().rev().find(|(i, _)| *i == index) {
            return Some(*v);
        }
        let z = zero(&field.ty, heap);
        // An unset list or map is stored, so `step.env.append(…)` changes the message.
        if matches!(field.ty, Ty::List(_) | Ty::Map(_)) {
            self.fields.borrow_mut().push((index, z));
        }
        Some(z)
    }

    fn has_attr(&self, attribute: &str, _heap: Heap<'v>) -> bool {
        self.schema.field(attribute).is_some()
    }

    fn dir_attr(&self) -> Vec<String> {
        self.schema.fields.iter().map(|f| f.name.clone()).collect()
    }

    fn set_attr(&self, attribute: &str, new_value: Value<'v>) -> starlark::Result<()> {
        let Some((index, field)) = self.schema.field(attribute) else {
            return Err(no_field(self.schema, attribute));
        };
        let mut fields = self.fields.borrow_mut();
        fields.retain(|(i, _)| *i != index);
        if !new_value.is_none() {
            check(new_value, &field.ty)
                .map_err(|m| err(format!("{}.{attribute}: {m}", self.schema.name)))?;
            fields.push((index, new_value));
        }
        Ok(())
    }

    fn equals(&self, other: Value<'v>) -> starlark::Result<bool> {
        let Some(b) = view(other) else {
            return Ok(false);
        };
        let a = View {
            schema: self.schema,
            fields: self.fields.borrow().clone(),
            origin: None,
        };
        messages_equal(&a, &b)
    }

    fn collect_repr(&self, collector: &mut String) {
        let _ = write!(collector, "{self}");
    }
}

#[starlark_value(type = "message")]
impl<'v> StarlarkValue<'v> for FrozenMessage {
    type Canonical = Message<'v>;

    fn get_attr(&self, attribute: &str, heap: Heap<'v>) -> Option<Value<'v>> {
        let (index, field) = self.schema.field(attribute)?;
        match self.fields.iter().rev().find(|(i, _)| *i == index) {
            Some((_, v)) => Some(v.to_value()),
            None => Some(zero(&field.ty, heap)),
        }
    }

    fn has_attr(&self, attribute: &str, _heap: Heap<'v>) -> bool {
        self.schema.field(attribute).is_some()
    }

    fn dir_attr(&self) -> Vec<String> {
        self.schema.fields.iter().map(|f| f.name.clone()).collect()
    }

    fn set_attr(&self, attribute: &str, _new_value: Value<'v>) -> starlark::Result<()> {
        Err(err(format!(
            "cannot set {attribute:?}: this {} belongs to a loaded module and is frozen",
            self.schema.name
        )))
    }

    fn equals(&self, other: Value<'v>) -> starlark::Result<bool> {
        let Some(b) = view(other) else {
            return Ok(false);
        };
        let a = View {
            schema: self.schema,
            fields: self
                .fields
                .iter()
                .map(|(i, v)| (*i, v.to_value()))
                .collect(),
            origin: None,
        };
        messages_equal(&a, &b)
    }

    fn collect_repr(&self, collector: &mut String) {
        let _ = write!(collector, "{self}");
    }
}

impl Freeze for Message<'_> {
    type Frozen = FrozenMessage;
    fn freeze(self, freezer: &Freezer) -> FreezeResult<FrozenMessage> {
        let mut fields = Vec::new();
        for (i, v) in self.fields.into_inner() {
            fields.push((i, v.freeze(freezer)?));
        }
        Ok(FrozenMessage {
            schema: self.schema,
            fields,
            origin: self.origin,
        })
    }
}

/// Checks that `v` fits a field of type `ty`; the message says what was expected.
pub(crate) fn check(v: Value<'_>, ty: &Ty) -> Result<(), String> {
    let reg = Registry::get();
    let ok = match ty {
        Ty::Str => v.unpack_str().is_some(),
        Ty::Int => v.get_type() == "int",
        Ty::Bool => v.unpack_bool().is_some(),
        Ty::Float => matches!(v.get_type(), "int" | "float"),
        Ty::Quantity => {
            v.downcast_ref::<Quantity>().is_some()
                || matches!(v.get_type(), "string" | "int" | "float")
        }
        Ty::IntOrString => matches!(v.get_type(), "int" | "string"),
        Ty::Any => true,
        Ty::List(item) => {
            let items =
                list_items(v).ok_or_else(|| format!("must be a list, got {}", v.get_type()))?;
            for (n, x) in items.iter().enumerate() {
                check(*x, item).map_err(|m| format!("element #{n} {m}"))?;
            }
            true
        }
        Ty::Map(item) => {
            let dict = DictRef::from_value(v)
                .ok_or_else(|| format!("must be a dict, got {}", v.get_type()))?;
            for (k, x) in dict.iter() {
                let Some(key) = k.unpack_str() else {
                    return Err(format!("must have string keys, got {}", k.get_type()));
                };
                check(x, item).map_err(|m| format!("entry {key:?} {m}"))?;
            }
            true
        }
        Ty::Msg(id) => schema_of(v).is_some_and(|s| reg.compatible(*id, s.id)),
        Ty::Metadata => {
            DictRef::from_value(v).is_some()
                || schema_of(v).is_some_and(|s| s.name == "k8s.metav1.ObjectMeta")
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("must be {}, got {}", describe(ty), type_name(v)))
    }
}

/// The elements of a list or tuple.
pub(crate) fn list_items(v: Value<'_>) -> Option<Vec<Value<'_>>> {
    if let Some(l) = ListRef::from_value(v) {
        return Some(l.content().to_vec());
    }
    TupleRef::from_value(v).map(|t| t.content().to_vec())
}

/// A value's type for messages: the message name for messages.
pub(crate) fn type_name(v: Value<'_>) -> String {
    match schema_of(v) {
        Some(s) => s.name.clone(),
        None => v.get_type().to_owned(),
    }
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Str => "a string".into(),
        Ty::Int => "an int".into(),
        Ty::Bool => "a bool".into(),
        Ty::Float => "a number".into(),
        Ty::Quantity => "a quantity (k8s.resource_quantity, a string or a number)".into(),
        Ty::IntOrString => "an int or a string".into(),
        Ty::Any => "any value".into(),
        Ty::List(t) => format!("a list of {}", plural(t)),
        Ty::Map(t) => format!("a dict of string to {}", plural(t)),
        Ty::Msg(id) => Registry::get().schema(*id).name.clone(),
        Ty::Metadata => "a k8s.metav1.ObjectMeta or a dict".into(),
    }
}

fn plural(ty: &Ty) -> String {
    match ty {
        Ty::Str => "strings".into(),
        Ty::Msg(id) => Registry::get().schema(*id).name.clone(),
        other => describe(other),
    }
}

/// Builds a message of `schema` from keyword arguments, checking names and types.
pub(crate) fn new_message<'v>(
    schema: &'static Schema,
    kwargs: impl IntoIterator<Item = (String, Value<'v>)>,
    heap: Heap<'v>,
    origin: Option<Span>,
) -> starlark::Result<Value<'v>> {
    let mut fields: Vec<(usize, Value<'v>)> = Vec::new();
    for (name, v) in kwargs {
        let Some((index, field)) = schema.field(&name) else {
            return Err(no_field(schema, &name));
        };
        if v.is_none() {
            continue;
        }
        check(v, &field.ty).map_err(|m| err(format!("{}: field {name:?} {m}", schema.name)))?;
        fields.retain(|(i, _)| *i != index);
        fields.push((index, v));
    }
    Ok(heap.alloc_complex(Message {
        schema,
        fields: RefCell::new(fields),
        origin,
    }))
}

/// `msg.<field>`, creating (and storing) an empty dict when unset; for `pipeline.tasks[...] = …`.
pub(crate) fn message_dict<'v>(
    msg: Value<'v>,
    field: &str,
    heap: Heap<'v>,
) -> starlark::Result<Value<'v>> {
    let Some(m) = msg.downcast_ref::<Message>() else {
        return Err(err(format!(
            "pipeline must be a mutable p.Pipeline, got {}",
            type_name(msg)
        )));
    };
    StarlarkValue::get_attr(m, field, heap).ok_or_else(|| no_field(m.schema, field))
}

/// Sets `dict[key] = value`.
pub(crate) fn dict_insert<'v>(
    dict: Value<'v>,
    key: &str,
    value: Value<'v>,
    heap: Heap<'v>,
) -> starlark::Result<()> {
    let mut d = DictMut::from_value(dict).map_err(|e| err(e.to_string()))?;
    let k = heap.alloc_str(key).to_value().get_hashed()?;
    d.aref.insert_hashed(k, value);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Constructors, quantities and builtins

/// `p.Task`, `k8s.corev1.Container`, …: keyword-only constructors.
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct Constructor {
    #[allocative(skip)]
    pub(crate) schema: &'static Schema,
}

impl fmt::Display for Constructor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.schema.name)
    }
}

#[starlark_value(type = "message_type")]
impl<'v> StarlarkValue<'v> for Constructor {
    fn invoke(
        &self,
        _me: Value<'v>,
        args: &Arguments<'v, '_>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let heap = eval.heap();
        if args.positions(heap)?.next().is_some() {
            return Err(err(format!(
                "{} takes keyword arguments only",
                self.schema.name
            )));
        }
        let kwargs: Vec<(String, Value<'v>)> = args
            .names_map()?
            .into_iter()
            .map(|(k, v)| (k.as_str().to_owned(), v))
            .collect();
        let origin = Store::get(eval).and_then(|s| s.origin(eval));
        new_message(self.schema, kwargs, heap, origin)
    }
}

impl AllocFrozenValue for Constructor {
    fn alloc_frozen_value(self, heap: &FrozenHeap) -> FrozenValue {
        heap.alloc_simple(self)
    }
}

/// A Kubernetes quantity from `k8s.resource_quantity("1000m")`: the literal text, unchanged.
#[derive(Debug, ProvidesStaticType, NoSerialize, Allocative)]
pub(crate) struct Quantity(pub(crate) String);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k8s.resource_quantity({:?})", self.0)
    }
}

#[starlark_value(type = "quantity")]
impl<'v> StarlarkValue<'v> for Quantity {
    fn equals(&self, other: Value<'v>) -> starlark::Result<bool> {
        Ok(other
            .downcast_ref::<Quantity>()
            .is_some_and(|q| q.0 == self.0))
    }
}

/// Whether `s` is a Kubernetes quantity (`123`, `1.5Gi`, `1000m`, `1e3`).
pub(crate) fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, suffix) = s.split_at(digits);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return false;
    }
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => {
            let Some(exp) = suffix.strip_prefix(['e', 'E']) else {
                return false;
            };
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

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
                .map_err(guard::refused)?;
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
        store.record(kind, name, span, node);
    }
    Ok(ret)
}

// ---------------------------------------------------------------------------------------------
// The per-evaluation store

/// One named element of the main pipeline: where `task()`/`resource()` was called and its tree.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) call: Span,
    pub(crate) node: Node,
}

/// The main pipeline as built so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct MainPipeline {
    pub(crate) resources: Vec<Element>,
    pub(crate) tasks: Vec<Element>,
    pub(crate) actions: Vec<Node>,
    /// The place of each name in `resources` and in `tasks`: a redefinition is found in O(1)
    /// (a scan of the list made 40,000 `task()` calls take seconds).
    resource_index: HashMap<String, usize>,
    task_index: HashMap<String, usize>,
}

/// Mutable state of one evaluation.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Every source text spans point into (moved in from the caller and back out at the end).
    pub(crate) files: Files,
    /// Starlark file names (code map names) to file ids.
    pub(crate) file_ids: HashMap<String, FileId>,
    /// Code map names of embedded catalog modules (skipped when attributing a call).
    pub(crate) catalog: HashSet<String>,
    /// The main pipeline.
    pub(crate) pipeline: MainPipeline,
    /// Warnings (`redefined`), at most `Limits::max_diagnostics_per_code` of them.
    pub(crate) warnings: Vec<Diagnostic>,
    /// `redefined` warnings counted but not kept in `warnings`.
    pub(crate) omitted_warnings: usize,
    /// The last redefinition reported: kind, name, call and earlier call. A loop that repeats
    /// one is reported once (the copies would be identical), not counted past the cap.
    last_redefined: Option<(&'static str, String, Span, Span)>,
    /// Code map names of rewritten sources → the map back to what was written.
    pub(crate) maps: HashMap<String, Arc<OffsetMap>>,
    /// Code map names of sources whose tabs were replaced before parsing (see `tabs`) → the map
    /// back to what was written; applied after `maps`.
    pub(crate) tab_maps: HashMap<String, Arc<OffsetMap>>,
}

/// What the builtins share during one evaluation: the main pipeline lives here, not in a frozen
/// global, so every module writes into the same pipeline.
#[derive(Debug, ProvidesStaticType)]
pub(crate) struct Store {
    pub(crate) state: RefCell<State>,
    pub(crate) limits: dispatchfile_model::Limits,
    /// The statement budget and the bytes charged outside the Starlark arena (part of what the
    /// heap cap checks: `guard::reserved`).
    pub(crate) budget: crate::budget::Budget,
    /// The first limit a check stopped the evaluation at (a guard, the cancellation check):
    /// the error that follows is that limit, and the cancellation check says nothing more (see
    /// `watch`).
    pub(crate) stopped: std::cell::Cell<Option<guard::LimitError>>,
    /// Where the last guarded native was called in the running module or function: errors
    /// without a position of their own are reported there.
    pub(crate) last_call: RefCell<Option<starlark::codemap::FileSpan>>,
    /// Bytes of text (keys, strings, numbers) in the pipeline's nodes so far, for
    /// `max_document_bytes`; an element recorded twice under one name counts twice.
    pub(crate) text: std::cell::Cell<usize>,
}

impl Store {
    /// A store for one evaluation.
    pub(crate) fn new(files: Files, limits: &dispatchfile_model::Limits) -> Store {
        Store {
            state: RefCell::new(State {
                files,
                ..State::default()
            }),
            limits: limits.clone(),
            budget: crate::budget::Budget::new(limits),
            stopped: std::cell::Cell::new(None),
            last_call: RefCell::new(None),
            text: std::cell::Cell::new(0),
        }
    }

    /// The store of the running evaluation, if any.
    pub(crate) fn get<'a>(eval: &Evaluator<'_, 'a, '_>) -> Option<&'a Store> {
        eval.extra.and_then(|e| e.downcast_ref::<Store>())
    }

    /// Registers a source text under its code map name and returns its id.
    pub(crate) fn add_file(&self, name: &str, display: &str, text: &str, catalog: bool) -> FileId {
        let mut st = self.state.borrow_mut();
        if let Some(id) = st.file_ids.get(name) {
            return *id;
        }
        let id = st.files.add(display, text);
        st.file_ids.insert(name.to_owned(), id);
        if catalog {
            st.catalog.insert(name.to_owned());
        }
        id
    }

    /// Records that the code of `name` was rewritten; `map` leads back to its source.
    pub(crate) fn set_map(&self, name: &str, map: Arc<OffsetMap>) {
        self.state.borrow_mut().maps.insert(name.to_owned(), map);
    }

    /// Records that the tabs of `name` were replaced before parsing; `map` leads back to its source.
    pub(crate) fn set_tab_map(&self, name: &str, map: Arc<OffsetMap>) {
        self.state
            .borrow_mut()
            .tab_maps
            .insert(name.to_owned(), map);
    }

    /// A position of the tab-normalized text of `name` in the text as written.
    pub(crate) fn untab(&self, name: &str, at: u32) -> u32 {
        self.state
            .borrow()
            .tab_maps
            .get(name)
            .map_or(at, |m| m.begin(at))
    }

    /// Our span for a Starlark file span: positions in a rewritten text are mapped back to the
    /// source the author wrote.
    pub(crate) fn span(&self, file: &str, begin: u32, end: u32) -> Option<Span> {
        let st = self.state.borrow();
        let id = st.file_ids.get(file)?;
        let (mut begin, mut end) = match st.maps.get(file) {
            Some(m) => (m.begin(begin), m.end(end).max(m.begin(begin))),
            None => (begin, end),
        };
        if let Some(m) = st.tab_maps.get(file) {
            (begin, end) = (m.begin(begin), m.end(end).max(m.begin(begin)));
        }
        Some(Span::new(*id, begin, end))
    }

    /// Where the running builtin was called from: the innermost frame outside the embedded
    /// catalog (a catalog function's work is attributed to the user's call of it).
    ///
    /// starlark inlines a function whose body is `return f(…)` (the catalog's `gitResource`):
    /// the call of such a function then has no frame of its own, only an inlined one, which
    /// [`Evaluator::call_stack`] lists (its frames run outermost first).
    pub(crate) fn origin(&self, eval: &Evaluator<'_, '_, '_>) -> Option<Span> {
        let mut first = None;
        for frame in eval.call_stack().frames.iter().rev() {
            let Some(loc) = &frame.location else {
                continue;
            };
            let name = loc.file.filename();
            let span = self.span(name, loc.span.begin().get(), loc.span.end().get());
            if first.is_none() {
                first = span;
            }
            if span.is_some() && !self.state.borrow().catalog.contains(name) {
                return span;
            }
        }
        first
    }

    /// Adds a task, resource or action to the main pipeline.
    fn record(&self, kind: Kind, name: Option<String>, call: Span, node: Node) {
        let mut st = self.state.borrow_mut();
        let st = &mut *st;
        let p = &mut st.pipeline;
        let (list, index, what) = match kind {
            Kind::Task => (&mut p.tasks, &mut p.task_index, "task"),
            Kind::Resource => (&mut p.resources, &mut p.resource_index, "resource"),
            _ => {
                p.actions.push(node);
                return;
            }
        };
        let name = name.unwrap_or_default();
        if let Some(prev) = index.get(&name).and_then(|&i| list.get_mut(i)) {
            // A redefinition replaces the earlier one, with a warning at both calls (the first
            // `max_diagnostics_per_code` of them; the others are counted).
            let same = st.last_redefined.as_ref().is_some_and(|(w, n, c, p)| {
                *w == what && *n == name && *c == call && *p == prev.call
            });
            if same {
                // The same warning again (a loop): sorting would drop the copy anyway.
            } else if st.warnings.len() < self.limits.max_diagnostics_per_code {
                st.warnings.push(
                    Diagnostic::warning(Code::Redefined, format!("{what} \"{name}\" is defined again; this definition replaces the earlier one"))
                        .at(call)
                        .with_related(prev.call, "first defined here"),
                );
            } else {
                st.omitted_warnings += 1;
            }
            if !same {
                st.last_redefined = Some((what, name.clone(), call, prev.call));
            }
            prev.call = call;
            prev.node = node;
        } else {
            index.insert(name.clone(), list.len());
            list.push(Element { name, call, node });
        }
    }
}
