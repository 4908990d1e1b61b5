//! Budget accounting: steps, text bytes, recursion depth and the injected clock.
//!
//! Every piece of work the evaluator does is charged here before it is done, so that
//! `Options::max_steps`, `max_bytes`, `max_depth` and the wall-clock `timeout` bound an
//! evaluation whatever its input. Steps are a deterministic count of work: they never depend
//! on timing. The clock (only when one is injected) is read every few thousand steps and after
//! each large charge, and only decides whether the time budget has run out.

use super::{
    BYTES_PER_STEP, CLOCK_STEPS, CueError, Eval, Fatal, R, Rc, STRING_OVERHEAD, Span, Sym,
};

impl Eval<'_> {
    pub(crate) fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(self.out_of_steps());
        }
        if self.steps >= self.clock_at {
            self.clock_at = self.steps.saturating_add(CLOCK_STEPS);
            self.check_clock()?;
        }
        Ok(())
    }

    /// Charges `n` steps for work about to be done in one go (a builtin over long text, a
    /// regular expression, arithmetic on big numbers), so that `max_steps` and the timeout
    /// bound it like any other: fails before the work once the budget would be passed, and
    /// after large work reads the clock at the next step.
    pub(crate) fn charge(&mut self, n: u64) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.opts.max_steps {
            return Err(self.out_of_steps());
        }
        if self.steps >= self.clock_at {
            self.clock_at = self.steps.saturating_add(CLOCK_STEPS);
            self.check_clock()?;
        }
        if n >= CLOCK_STEPS && self.clock_at != u64::MAX {
            self.clock_at = self.steps;
        }
        Ok(())
    }

    /// Charges the work of reading or writing `n` bytes of text.
    pub(crate) fn charge_bytes(&mut self, n: usize) -> R<()> {
        self.charge((n / BYTES_PER_STEP) as u64)
    }

    /// The `max_steps` error, at the expression being evaluated.
    #[cold]
    pub(super) fn out_of_steps(&self) -> Fatal {
        Fatal {
            err: CueError::limit("max_steps", self.opts.max_steps, self.at),
            depth: false,
        }
    }

    /// Notes where evaluation is (see `at`) and returns where it was.
    pub(crate) fn set_at(&mut self, span: Option<Span>) -> Option<Span> {
        if span.is_some() {
            std::mem::replace(&mut self.at, span)
        } else {
            self.at
        }
    }

    /// Restores a position returned by `set_at`.
    pub(crate) fn reset_at(&mut self, at: Option<Span>) {
        self.at = at;
    }

    /// Charges `n` bytes of text about to be made by a string operation; fails, before anything
    /// is allocated, once `Options::max_bytes` would be passed.
    pub(crate) fn spend_text(&mut self, n: usize, span: Span) -> R<()> {
        self.text = self.text.saturating_add(n);
        if self.text > self.opts.max_bytes {
            return Err(Fatal {
                err: CueError::limit("max_bytes", self.opts.max_bytes, Some(span)),
                depth: false,
            });
        }
        Ok(())
    }

    /// Fails when `n` more bytes of text would pass `Options::max_bytes`, without charging them:
    /// for a builtin about to make a string, which is charged once it is returned.
    pub(crate) fn check_text(&self, n: usize, span: Span) -> R<()> {
        if self.text.saturating_add(n) > self.opts.max_bytes {
            return Err(Fatal {
                err: CueError::limit("max_bytes", self.opts.max_bytes, Some(span)),
                depth: false,
            });
        }
        Ok(())
    }

    /// A string for a label: `len` bytes and the string's own overhead (labels are copied at
    /// every comprehension iteration and pattern match).
    pub(super) fn label_text(&mut self, sym: Sym, span: Span) -> R<Rc<str>> {
        let n = self.name(sym).len();
        self.spend_text(n + STRING_OVERHEAD, span)?;
        Ok(Rc::from(self.name(sym)))
    }

    /// Fails once the wall-clock budget is spent (only with an injected clock).
    #[cold]
    pub(super) fn check_clock(&self) -> R<()> {
        if let (Some(started), Some(clock), Some(timeout)) =
            (self.started, self.opts.clock, self.opts.timeout)
            && clock.now().saturating_sub(started) > timeout
        {
            return Err(Fatal {
                err: CueError::limit("eval_timeout", format!("{timeout:?}"), self.at),
                depth: false,
            });
        }
        Ok(())
    }

    pub(crate) fn enter(&mut self, span: Option<Span>) -> R<()> {
        self.depth += 1;
        if self.depth > self.depth_limit {
            self.depth -= 1;
            return Err(Fatal {
                err: CueError::limit("max_depth", self.opts.max_depth, span.or(self.at)),
                depth: true,
            });
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}
