//! The Starlark value types of the Dispatch standard library: messages (`p.Task(…)`,
//! `k8s.corev1.Container(…)`), their constructors and quantities, and the helpers that inspect
//! Starlark values (list items, type names). They know nothing of the budget.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use allocative::Allocative;
use dispatchfile_model::Span;
use starlark::any::ProvidesStaticType;
use starlark::eval::{Arguments, Evaluator};
use starlark::values::dict::{AllocDict, DictMut, DictRef};
use starlark::values::list::{AllocList, ListRef};
use starlark::values::tuple::TupleRef;
use starlark::values::{
    AllocFrozenValue, Freeze, FreezeResult, Freezer, FrozenHeap, FrozenValue, Heap, NoSerialize,
    StarlarkValue, Trace, Value, ValueLike, starlark_value,
};

use crate::schema::{Registry, Schema, Ty};
use crate::store::Store;

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
    messages_equal_by(a, b, Value::equals)
}

/// Whether two messages are equal, with `eq` comparing two set fields (the bounded comparison
/// of `compare` passes its own).
pub(crate) fn messages_equal_by<'v>(
    a: &View<'v>,
    b: &View<'v>,
    mut eq: impl FnMut(Value<'v>, Value<'v>) -> starlark::Result<bool>,
) -> starlark::Result<bool> {
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
                if !eq(x, y)? {
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
