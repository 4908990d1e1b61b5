//! Unification of leaves (the meet of scalars, kinds and bound constraints) and the errors
//! it leaves on a vertex.
//!
//! A vertex's `Leaf` gathers what its conjuncts say about a non-composite value: the kinds it
//! may still have, a concrete scalar once one is known, and the bounds and regular
//! expressions (`>=0`, `=~"^a"`) it must satisfy. Meeting two leaves narrows the kinds,
//! checks a scalar against every constraint, and records a conflict as the vertex's error.

use super::{
    BYTES_PER_STEP, Bot, Compiled, Cons, DEDUP_BOUNDS, Eval, Leaf, R, Rc, Scalar, Span, TOP, VId,
    check_cons, kind_name, same_cost,
};

impl Eval<'_> {
    /// The compiled expression of `p`, from the cache or compiled under the smallest size
    /// limit it fits, each attempt charged before it is made (see `regexes`). `Err` is the
    /// message of an invalid or too large pattern.
    pub(crate) fn regex(&mut self, p: &str) -> R<Result<Rc<Compiled>, String>> {
        if let Some(r) = self.regexes.get(p) {
            return Ok(Ok(r));
        }
        let invalid = |e: &str| {
            let shown = Scalar::Str(Rc::from(p)).display();
            format!("invalid regular expression {shown}: {e}")
        };
        self.charge((p.len() / 16) as u64)?;
        let shape = match crate::regexes::shape(p) {
            Ok(s) => s,
            Err(e) => return Ok(Err(invalid(&e))),
        };
        for (tier, steps) in crate::regexes::tier_steps(p.len()) {
            self.charge(steps)?;
            match crate::regexes::compile(p, shape, tier) {
                Ok(Some(c)) => {
                    let c = Rc::new(c);
                    self.regexes.insert(p, Rc::clone(&c));
                    return Ok(Ok(c));
                }
                Ok(None) => {}
                Err(e) => return Ok(Err(invalid(&e))),
            }
        }
        Ok(Err(invalid("compiled size exceeds the limit")))
    }

    /// Whether `p` matches `s`: the search is charged by the length of `s` and the cost of `p`.
    pub(crate) fn regex_match(&mut self, p: &str, s: &str) -> R<Result<bool, String>> {
        let re = match self.regex(p)? {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        self.charge((s.len() as u64).saturating_mul(re.shape.steps_per_byte()))?;
        Ok(Ok(re.re.is_match(s)))
    }

    /// Checks a concrete value against a constraint, charging regular expressions and
    /// comparisons of big numbers by their work.
    pub(super) fn check_cons(&mut self, val: &Scalar, c: &Cons) -> R<Result<(), String>> {
        let work = match (val, &c.val) {
            (Scalar::Num(a), Scalar::Num(b)) => crate::num::cost(a, b),
            // Bounds compare texts byte by byte, even a text with itself.
            (Scalar::Str(a), Scalar::Str(b)) => (a.len().min(b.len()) / BYTES_PER_STEP) as u64,
            (Scalar::Bytes(a), Scalar::Bytes(b)) => (a.len().min(b.len()) / BYTES_PER_STEP) as u64,
            _ => 0,
        };
        self.charge(work)?;
        let mut fatal = None;
        let r = {
            let mut re = |p: &str, s: &str| match self.regex_match(p, s) {
                Ok(r) => r,
                Err(f) => {
                    fatal = Some(f);
                    Err(String::new())
                }
            };
            check_cons(val, c, &mut re)
        };
        match fatal {
            Some(f) => Err(f),
            None => Ok(r),
        }
    }

    pub(super) fn set_err(&mut self, v: VId, b: Box<Bot>) {
        let vx = self.vm(v);
        match &vx.err {
            None => vx.err = Some(b),
            // A real error beats an incomplete one.
            Some(old) if old.is_incomplete() && !b.is_incomplete() => vx.err = Some(b),
            _ => {}
        }
    }

    pub(super) fn has_hard_err(&self, v: VId) -> bool {
        self.v(v).err.as_ref().is_some_and(|e| !e.is_incomplete())
    }

    pub(super) fn unify_kind(&mut self, v: VId, k: u16, span: Span) {
        let old = self.v(v).leaf.kinds;
        let new = old & k;
        if new == 0 {
            let l = &self.v(v).leaf;
            let a = l.display();
            let mut spans = vec![span];
            if let Some(s) = l.val.as_ref().map(|x| x.1).or(l.kind_span) {
                spans.insert(0, s);
            }
            let b = kind_name(k);
            let msg = format!(
                "conflicting values {a} and {b} (mismatched types {} and {})",
                kind_name(if l.val.is_some() { l.kinds } else { old }),
                b
            );
            self.set_err(v, Bot::eval(msg, spans));
            return;
        }
        let vx = self.vm(v);
        vx.leaf.kinds = new;
        if new != old && vx.leaf.kind_span.is_none() {
            vx.leaf.kind_span = Some(span);
        }
    }

    pub(super) fn unify_scalar(&mut self, v: VId, s: Scalar, span: Span) -> R<()> {
        let k = s.kind();
        if let Some((old, _)) = &self.v(v).leaf.val {
            let work = same_cost(old, &s);
            self.charge(work)?;
        }
        if let Some((old, osp)) = &self.v(v).leaf.val {
            if !old.same(&s) {
                let msg = if old.kind() == k {
                    format!("conflicting values {} and {}", s.display(), old.display())
                } else {
                    format!(
                        "conflicting values {} and {} (mismatched types {} and {})",
                        s.display(),
                        old.display(),
                        kind_name(k),
                        kind_name(old.kind())
                    )
                };
                let spans = vec![*osp, span];
                self.set_err(v, Bot::eval(msg, spans));
            }
            return Ok(());
        }
        let kinds = self.v(v).leaf.kinds;
        if kinds & k == 0 {
            let l = self.v(v).leaf.clone();
            let mut spans = vec![span];
            if let Some(ks) = l.kind_span {
                spans.insert(0, ks);
            }
            let msg = format!(
                "conflicting values {} and {} (mismatched types {} and {})",
                s.display(),
                l.display(),
                kind_name(k),
                kind_name(kinds)
            );
            self.set_err(v, Bot::eval(msg, spans));
            return Ok(());
        }
        if let Scalar::Num(n) = &s {
            self.charge(crate::num::copy_cost(n))?;
        }
        let vx = self.vm(v);
        vx.leaf.kinds = k;
        vx.leaf.val = Some((s, span));
        Ok(())
    }

    pub(super) fn unify_leaf(&mut self, v: VId, l: Leaf, span: Span) -> R<()> {
        if l.kinds != TOP {
            self.unify_kind(v, l.kinds, l.kind_span.unwrap_or(span));
        }
        for c in l.cons {
            // Duplicates are dropped while the list is short; a long list (`>0 & >1 & …`) is
            // only appended to, so that adding a bound stays constant work.
            let cons = &self.v(v).leaf.cons;
            let dup = if cons.len() < DEDUP_BOUNDS {
                let work = cons
                    .iter()
                    .map(|o| same_cost(&o.val, &c.val))
                    .fold(cons.len() as u64, u64::saturating_add);
                let dup = cons.iter().any(|o| o.op == c.op && o.val.same(&c.val));
                self.charge(work)?;
                dup
            } else {
                false
            };
            if !dup {
                self.vm(v).leaf.cons.push(c);
            }
        }
        if let Some((s, sp)) = l.val {
            self.unify_scalar(v, s, sp)?;
        }
        Ok(())
    }

    /// Checks constraints against the concrete value at the end of expansion.
    pub(super) fn check_leaf(&mut self, v: VId) -> R<()> {
        let Some((val, vsp)) = self.v(v).leaf.val.clone() else {
            return Ok(());
        };
        let cons = self.v(v).leaf.cons.clone();
        for c in &cons {
            if let Err(msg) = self.check_cons(&val, c)? {
                self.set_err(v, Bot::eval(msg, vec![vsp, c.span]));
                return Ok(());
            }
        }
        Ok(())
    }
}
