//! Disjunctions and defaults: trying each combination of disjuncts, dropping those that fail,
//! merging duplicates and picking the default.
//!
//! When building a vertex meets a disjunction, the driver restarts it once per choice
//! (depth first, each attempt a fresh vertex), bounded by `Options::max_disjuncts`. Surviving
//! disjuncts are validated a few levels deep and deduplicated by their text; one left, or a
//! single default among several, becomes the vertex's value, otherwise the vertex stays
//! an incomplete disjunction.

use super::{
    BYTES_PER_STEP, Bot, BuildOut, Conj, CueError, DisjInfo, Eval, Fatal, LabelKind, MAX_VALIDATE,
    R, Scalar, State, VId,
};

impl Eval<'_> {
    pub(super) fn expand_disj(&mut self, v: VId, conjs: &[Conj]) -> R<()> {
        let parent = self.v(v).parent;
        let mut stack: Vec<Vec<(usize, bool)>> = vec![Vec::new()];
        let mut results: Vec<(VId, bool)> = Vec::new();
        let mut first_err: Option<Box<Bot>> = None;
        // Whether every dropped disjunct was only incomplete: an empty disjunction of those
        // is incomplete too (it may resolve once its references are complete).
        let mut only_incomplete = true;
        while let Some(ch) = stack.pop() {
            self.step()?;
            let c = self.new_vertex(parent);
            self.vm(c).conjs = conjs.to_vec();
            self.vm(c).state = State::Expanding;
            let idx: Vec<usize> = ch.iter().map(|x| x.0).collect();
            let out = match self.build(c, conjs.to_vec(), &idx) {
                Ok(o) => o,
                Err(f) if f.depth => {
                    only_incomplete = false;
                    if first_err.is_none() {
                        first_err = Some(Bot::eval("structural cycle", f.err.spans().to_vec()));
                    }
                    continue;
                }
                Err(f) => return Err(f),
            };
            // A disjunct that is an error, even an incomplete one (such as a reference to an
            // optional field), is dropped, as in CUE v0.4: `x.a | 3` is `3` when `x.a` is an
            // optional field. A non-concrete disjunct (`int`) is not an error and stays.
            if let Some(e) = &self.v(c).err {
                only_incomplete &= e.is_incomplete();
                if first_err.is_none() {
                    first_err = Some(e.clone());
                }
                continue;
            }
            match out {
                BuildOut::Need(terms, has_default) => {
                    for (j, (_, d)) in terms.iter().enumerate().rev() {
                        let mut n = ch.clone();
                        n.push((j, *d || !has_default));
                        stack.push(n);
                    }
                }
                BuildOut::Done => {
                    self.vm(c).state = State::Expanded;
                    results.push((c, ch.iter().all(|x| x.1)));
                    if results.len() > self.opts.max_disjuncts {
                        return Err(Fatal {
                            err: CueError::limit(
                                "max_disjuncts",
                                self.opts.max_disjuncts,
                                self.v(v).value_span.or(self.at),
                            ),
                            depth: false,
                        });
                    }
                }
            }
        }
        // Several disjuncts: drop those that fail deeper down, then duplicates.
        if results.len() > 1 {
            let mut kept = Vec::new();
            for (c, d) in results {
                match self.validate(c) {
                    Ok(None) => kept.push((c, d)),
                    Ok(Some(b)) => {
                        only_incomplete = false;
                        if first_err.is_none() {
                            first_err = Some(b);
                        }
                    }
                    Err(f) if f.depth => {}
                    Err(f) => return Err(f),
                }
            }
            results = kept;
        }
        if results.len() > 1 {
            let mut uniq: Vec<(VId, bool, String)> = Vec::new();
            for (c, d) in results {
                let key = self.repr(c, 0)?;
                if let Some(u) = uniq.iter_mut().find(|u| u.2 == key) {
                    u.1 |= d;
                } else {
                    uniq.push((c, d, key));
                }
            }
            results = uniq.into_iter().map(|(c, d, _)| (c, d)).collect();
        }
        match results.len() {
            0 => {
                let first_err_seen = first_err.is_some();
                let (msg, spans) = match first_err {
                    Some(b) => (format!("empty disjunction: {}", b.msg), b.spans.clone()),
                    None => (
                        "empty disjunction".to_owned(),
                        self.v(v).value_span.into_iter().collect(),
                    ),
                };
                let b = if only_incomplete && first_err_seen {
                    Bot::incomplete(msg, spans)
                } else {
                    Bot::eval(msg, spans)
                };
                self.set_err(v, b);
            }
            1 => {
                let c = results[0].0;
                self.adopt(v, c);
            }
            n => {
                let defaults: Vec<VId> = results.iter().filter(|r| r.1).map(|r| r.0).collect();
                if defaults.len() == 1 {
                    self.adopt(v, defaults[0]);
                    self.vm(v).disj = Some(DisjInfo {
                        has_default: true,
                        count: n,
                    });
                } else {
                    // Keep the first for structure; the vertex stays incomplete.
                    let c = results[0].0;
                    self.adopt(v, c);
                    self.vm(v).disj = Some(DisjInfo {
                        has_default: false,
                        count: n,
                    });
                }
            }
        }
        Ok(())
    }

    pub(super) fn adopt(&mut self, v: VId, c: VId) {
        let src = self.v(c).clone();
        let vx = self.vm(v);
        vx.leaf = src.leaf;
        vx.err = src.err;
        vx.saw_struct = src.saw_struct;
        vx.is_list = src.is_list;
        vx.arcs = src.arcs;
        vx.elems = src.elems;
        vx.list_open = src.list_open;
        vx.index = src.index;
        vx.disj = src.disj;
    }

    /// Fully evaluates a disjunct; returns its first hard error. Nested validations (disjuncts
    /// within disjuncts) stop at `MAX_VALIDATE` levels, which bounds recursive schemas like
    /// `#a: string | {c: [#a]}`: deeper values are assumed valid.
    pub(super) fn validate(&mut self, v: VId) -> R<Option<Box<Bot>>> {
        if self.validating >= MAX_VALIDATE {
            return Ok(None);
        }
        self.validating += 1;
        let r = self.validate_inner(v);
        self.validating -= 1;
        r
    }

    pub(super) fn validate_inner(&mut self, v: VId) -> R<Option<Box<Bot>>> {
        self.expand(v)?;
        if let Some(e) = &self.v(v).err
            && !e.is_incomplete()
        {
            return Ok(Some(e.clone()));
        }
        self.enter(None)?;
        let kids: Vec<VId> = self
            .v(v)
            .arcs
            .iter()
            .filter(|a| a.key.kind == LabelKind::Regular && !a.optional)
            .map(|a| a.v)
            .chain(self.v(v).elems.iter().copied())
            .collect();
        for k in kids {
            self.step()?;
            if let Some(e) = self.validate_inner(k)? {
                self.leave();
                return Ok(Some(e));
            }
        }
        self.leave();
        Ok(None)
    }

    /// A canonical text of a value, to merge equal disjuncts.
    pub(super) fn repr(&mut self, v: VId, d: usize) -> R<String> {
        self.expand(v)?;
        self.step()?;
        if d > 64 {
            return Ok(format!("#{v}"));
        }
        let vx = self.v(v).clone();
        let mut s = String::new();
        if let Some(e) = &vx.err {
            s.push_str("_|_");
            s.push_str(&e.msg);
            return Ok(s);
        }
        let work = vx
            .leaf
            .scalars()
            .map(|x| match x {
                Scalar::Num(n) => crate::num::text_cost(n),
                Scalar::Str(t) => (t.len() / BYTES_PER_STEP) as u64,
                Scalar::Bytes(t) => (t.len() / BYTES_PER_STEP) as u64,
                _ => 0,
            })
            .fold(0, u64::saturating_add);
        self.charge(work)?;
        s.push_str(&vx.leaf.key());
        if vx.is_list {
            s.push('[');
            for e in &vx.elems {
                s.push_str(&self.repr(*e, d + 1)?);
                s.push(',');
            }
            if vx.list_open {
                s.push_str("...");
            }
            s.push(']');
        } else if vx.saw_struct || !vx.arcs.is_empty() {
            s.push('{');
            for a in &vx.arcs {
                if a.key.kind != LabelKind::Regular {
                    continue;
                }
                s.push_str(self.name(a.key.sym));
                if a.optional {
                    s.push('?');
                }
                s.push(':');
                s.push_str(&self.repr(a.v, d + 1)?);
                s.push(',');
            }
            s.push('}');
        }
        Ok(s)
    }
}
