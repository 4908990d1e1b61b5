//! Comparisons that count their own nesting: `==`, `!=`, `<`, `<=`, `>`, `>=`, `in` and
//! `not in` (through `replace_binary_operators`), and the needle and elements of `sorted`, `min`,
//! `max`, `list.index`, `list.remove`, `dict.get` and `dict.pop`.
//!
//! starlark compares lists, tuples, dicts and structs recursively and stops a recursion that is
//! too deep with an error of a private type (3,000 levels in release builds, 200 in debug builds),
//! which a caller can tell from other errors only by its text. Here the containers are walked by
//! this module instead, with the same order of steps and the same early exits as starlark's own
//! code (so the answer, and the error of an unsupported comparison, are starlark's), and a level
//! deeper than `max_depth` is a `max_depth` limit error. Everything that is not a container is
//! compared by starlark itself, one level deep. Every container visited costs one statement of
//! the budget, so a comparison of two shared structures (`t = (t, t)` in a loop, which the walk,
//! like starlark's, visits as a tree) ends at the statement limit instead of running for ages.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use starlark::eval::Evaluator;
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::structs::StructRef;
use starlark::values::tuple::TupleRef;
use starlark::values::{Value, ValueIdentity};

use crate::message::{View, messages_equal_by, view};
use crate::store::{Store, limit};

/// A comparison operator the rewrite routes here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
}

impl Op {
    /// The native the rewritten code calls for this operator.
    pub(crate) fn native(self) -> &'static str {
        match self {
            Op::Equal => "_dispatch_eq",
            Op::NotEqual => "_dispatch_ne",
            Op::Less => "_dispatch_lt",
            Op::LessOrEqual => "_dispatch_le",
            Op::Greater => "_dispatch_gt",
            Op::GreaterOrEqual => "_dispatch_ge",
            Op::In => "_dispatch_in",
            Op::NotIn => "_dispatch_not_in",
        }
    }

    /// The operator as written.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Equal => "==",
            Op::NotEqual => "!=",
            Op::Less => "<",
            Op::LessOrEqual => "<=",
            Op::Greater => ">",
            Op::GreaterOrEqual => ">=",
            Op::In => "in",
            Op::NotIn => "not in",
        }
    }

    /// Every operator, in a fixed order.
    pub(crate) const ALL: [Op; 8] = [
        Op::Equal,
        Op::NotEqual,
        Op::Less,
        Op::LessOrEqual,
        Op::Greater,
        Op::GreaterOrEqual,
        Op::In,
        Op::NotIn,
    ];
}

/// The state of one comparison: the nesting bound and the budget containers are charged to.
pub(crate) struct Walk<'s> {
    max: usize,
    /// The budget to charge, and the evaluator's ticks when the comparison began.
    store: Option<&'s Store>,
    running: u64,
}

impl<'s> Walk<'s> {
    pub(crate) fn new(eval: &Evaluator<'_, 's, '_>) -> Walk<'s> {
        let store = Store::get(eval);
        let max = store.map_or(dispatchfile_model::Limits::default().max_depth, |s| {
            s.limits.max_depth
        });
        Walk {
            max,
            store,
            running: eval.get_total_tick_count(),
        }
    }

    /// Enters a container at nesting `level` (the outermost is level 1).
    fn enter(&mut self, level: usize) -> starlark::Result<()> {
        if level > self.max {
            return Err(limit("max_depth", self.max));
        }
        if let Some(store) = self.store {
            store
                .budget
                .spend(1, self.running)
                .map_err(crate::store::refused)?;
        }
        Ok(())
    }

    /// `a == b`, as starlark answers it.
    pub(crate) fn equal<'v>(
        &mut self,
        a: Value<'v>,
        b: Value<'v>,
        level: usize,
    ) -> starlark::Result<bool> {
        if a.ptr_eq(b) {
            return Ok(true);
        }
        if let Some(x) = ListRef::from_value(a) {
            self.enter(level)?;
            return match ListRef::from_value(b) {
                Some(y) => self.equal_slices(x.content(), y.content(), level),
                None => Ok(false),
            };
        }
        if let Some(x) = TupleRef::from_value(a) {
            self.enter(level)?;
            return match TupleRef::from_value(b) {
                Some(y) => self.equal_slices(x.content(), y.content(), level),
                None => Ok(false),
            };
        }
        if let Some(x) = DictRef::from_value(a) {
            self.enter(level)?;
            let Some(y) = DictRef::from_value(b) else {
                return Ok(false);
            };
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter_hashed() {
                // Looking the key up compares keys with starlark's own equality on a hash
                // collision: keys nested too deep are refused first.
                self.shallow(*k.key(), level + 1)?;
                match y.get_hashed(k) {
                    None => return Ok(false),
                    Some(w) => {
                        if !self.equal(v, w, level + 1)? {
                            return Ok(false);
                        }
                    }
                }
            }
            return Ok(true);
        }
        if let Some(x) = StructRef::from_value(a) {
            self.enter(level)?;
            let Some(y) = StructRef::from_value(b) else {
                return Ok(false);
            };
            if x.iter().len() != y.iter().len() {
                return Ok(false);
            }
            let theirs: HashMap<&str, Value<'v>> = y.iter().map(|(k, v)| (k.as_str(), v)).collect();
            for (k, v) in x.iter() {
                match theirs.get(k.as_str()) {
                    None => return Ok(false),
                    Some(w) => {
                        if !self.equal(v, *w, level + 1)? {
                            return Ok(false);
                        }
                    }
                }
            }
            return Ok(true);
        }
        if let Some(x) = view(a) {
            self.enter(level)?;
            let Some(y) = view(b) else {
                return Ok(false);
            };
            return self.equal_messages(&x, &y, level);
        }
        a.equals(b)
    }

    fn equal_slices<'v>(
        &mut self,
        xs: &[Value<'v>],
        ys: &[Value<'v>],
        level: usize,
    ) -> starlark::Result<bool> {
        if xs.len() != ys.len() {
            return Ok(false);
        }
        for (x, y) in xs.iter().zip(ys) {
            if !self.equal(*x, *y, level + 1)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn equal_messages<'v>(
        &mut self,
        x: &View<'v>,
        y: &View<'v>,
        level: usize,
    ) -> starlark::Result<bool> {
        messages_equal_by(x, y, |a, b| self.equal(a, b, level + 1))
    }

    /// How `a` orders against `b`, as starlark answers it (an error for types that do not
    /// order).
    pub(crate) fn order<'v>(
        &mut self,
        a: Value<'v>,
        b: Value<'v>,
        level: usize,
    ) -> starlark::Result<Ordering> {
        if let Some(x) = ListRef::from_value(a) {
            self.enter(level)?;
            return match ListRef::from_value(b) {
                Some(y) => self.order_slices(x.content(), y.content(), level),
                None => a.compare(b),
            };
        }
        if let Some(x) = TupleRef::from_value(a) {
            self.enter(level)?;
            return match TupleRef::from_value(b) {
                Some(y) => self.order_slices(x.content(), y.content(), level),
                None => a.compare(b),
            };
        }
        if let (Some(x), Some(y)) = (StructRef::from_value(a), StructRef::from_value(b)) {
            self.enter(level)?;
            let by_name = |s: &StructRef<'v>| {
                let mut fields: Vec<(&'v str, Value<'v>)> =
                    s.iter().map(|(k, v)| (k.as_str(), v)).collect();
                fields.sort_by(|p, q| p.0.cmp(q.0));
                fields
            };
            let (xs, ys) = (by_name(&x), by_name(&y));
            let by_len = xs.len().cmp(&ys.len());
            if by_len != Ordering::Equal {
                return Ok(by_len);
            }
            for ((xk, xv), (yk, yv)) in xs.into_iter().zip(ys) {
                let by_key = xk.cmp(yk);
                if by_key != Ordering::Equal {
                    return Ok(by_key);
                }
                let by_value = self.order(xv, yv, level + 1)?;
                if by_value != Ordering::Equal {
                    return Ok(by_value);
                }
            }
            return Ok(Ordering::Equal);
        }
        a.compare(b)
    }

    fn order_slices<'v>(
        &mut self,
        xs: &[Value<'v>],
        ys: &[Value<'v>],
        level: usize,
    ) -> starlark::Result<Ordering> {
        for (x, y) in xs.iter().zip(ys) {
            let o = self.order(*x, *y, level + 1)?;
            if o != Ordering::Equal {
                return Ok(o);
            }
        }
        Ok(xs.len().cmp(&ys.len()))
    }

    /// `needle in haystack`, as starlark answers it.
    pub(crate) fn contains<'v>(
        &mut self,
        haystack: Value<'v>,
        needle: Value<'v>,
    ) -> starlark::Result<bool> {
        let elements = ListRef::from_value(haystack)
            .map(ListRef::content)
            .or_else(|| TupleRef::from_value(haystack).map(TupleRef::content));
        if let Some(elements) = elements {
            self.enter(1)?;
            for x in elements {
                if self.equal(*x, needle, 2)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if DictRef::from_value(haystack).is_some() {
            // Hashing the key, then starlark's equality on a hash collision.
            self.shallow(needle, 1)?;
        }
        haystack.is_in(needle)
    }

    /// Refuses `v` when it nests containers deeper than the bound, counting from `level` (what
    /// starlark's own comparison of `v` with anything could reach). Cycles are infinitely deep;
    /// a structure shared many times is measured once.
    pub(crate) fn shallow<'v>(&mut self, v: Value<'v>, level: usize) -> starlark::Result<()> {
        let mut heights: HashMap<ValueIdentity<'v>, usize> = HashMap::new();
        let mut on_path: HashSet<ValueIdentity<'v>> = HashSet::new();
        self.height(v, level, &mut heights, &mut on_path)
            .map(|_| ())
    }

    /// The levels of containers in `v` (0 for anything else), refusing beyond the bound.
    fn height<'v>(
        &mut self,
        v: Value<'v>,
        level: usize,
        heights: &mut HashMap<ValueIdentity<'v>, usize>,
        on_path: &mut HashSet<ValueIdentity<'v>>,
    ) -> starlark::Result<usize> {
        let mut kids: Vec<Value<'v>> = Vec::new();
        if let Some(l) = ListRef::from_value(v) {
            kids.extend(l.content());
        } else if let Some(t) = TupleRef::from_value(v) {
            kids.extend(t.content());
        } else if let Some(d) = DictRef::from_value(v) {
            for (k, x) in d.iter() {
                kids.push(k);
                kids.push(x);
            }
        } else if let Some(s) = StructRef::from_value(v) {
            kids.extend(s.iter().map(|(_, x)| x));
        } else if let Some(m) = view(v) {
            kids.extend(m.fields.iter().map(|(_, x)| *x));
        } else {
            return Ok(0);
        }
        let id = v.identity();
        if let Some(h) = heights.get(&id) {
            if level + h - 1 > self.max {
                return Err(limit("max_depth", self.max));
            }
            return Ok(*h);
        }
        if !on_path.insert(id) {
            // A container that holds itself.
            return Err(limit("max_depth", self.max));
        }
        self.enter(level)?;
        let mut below = 0;
        for k in kids {
            below = below.max(self.height(k, level + 1, heights, on_path)?);
        }
        on_path.remove(&id);
        heights.insert(id, below + 1);
        Ok(below + 1)
    }
}

/// Evaluates a rewritten comparison operator.
pub(crate) fn operator<'v>(
    op: Op,
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let mut walk = Walk::new(eval);
    let yes = match op {
        Op::Equal => walk.equal(a, b, 1)?,
        Op::NotEqual => !walk.equal(a, b, 1)?,
        Op::Less => walk.order(a, b, 1)? == Ordering::Less,
        Op::LessOrEqual => walk.order(a, b, 1)? != Ordering::Greater,
        Op::Greater => walk.order(a, b, 1)? == Ordering::Greater,
        Op::GreaterOrEqual => walk.order(a, b, 1)? != Ordering::Less,
        Op::In => walk.contains(b, a)?,
        Op::NotIn => !walk.contains(b, a)?,
    };
    Ok(Value::new_bool(yes))
}
