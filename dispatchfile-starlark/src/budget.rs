//! The evaluation's budget: it counts statements and bytes, charges them and refuses what does
//! not fit, and the limit errors it and the other checks report. It knows nothing of Starlark
//! values: the guards measure, the budget decides.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use dispatchfile_model::Limits;

/// A limit of [`dispatchfile_model::Limits`] was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitError {
    /// The `Limits` field.
    pub(crate) field: &'static str,
    /// Its value.
    pub(crate) value: LimitValue,
}

/// The value of a limit as messages show it: a count, or a duration (`10s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LimitValue {
    Count(u64),
    Time(Duration),
}

impl From<u64> for LimitValue {
    fn from(n: u64) -> LimitValue {
        LimitValue::Count(n)
    }
}

impl fmt::Display for LimitValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitValue::Count(n) => write!(f, "{n}"),
            LimitValue::Time(d) => write!(f, "{d:?}"),
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit exceeded: {} ({})", self.field, self.value)
    }
}

impl std::error::Error for LimitError {}

impl From<Refused> for LimitError {
    fn from(r: Refused) -> LimitError {
        LimitError {
            field: r.field,
            value: LimitValue::from(r.value),
        }
    }
}

/// A refused charge: the limit crossed (its field name in `Limits`) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The `Limits` field.
    pub(crate) field: &'static str,
    /// Its value.
    pub(crate) value: u64,
}

/// The statement budget (`Limits::starlark_max_statements`) and the heap cap
/// (`Limits::starlark_max_heap_bytes`) of one evaluation, shared by all its modules.
///
/// Statements are starlark's ticks (one a function call or loop iteration), counted by each
/// evaluator, plus the work single native calls do at once (a big-int product), charged here.
/// The budget holds what is settled: the ticks of evaluators that have finished and every
/// charge. The running evaluator's ticks are the caller's to add (`running`).
#[derive(Debug)]
pub(crate) struct Budget {
    max_statements: u64,
    heap_cap: usize,
    /// Statements settled so far.
    statements: Cell<u64>,
    /// Bytes recorded outside the Starlark arena (dict and struct entries, big-int digits, the
    /// pipeline's nodes), which the arena does not count. Never decreases: nothing is freed
    /// before the evaluation ends.
    outside: Cell<usize>,
}

impl Budget {
    /// The budget of `limits`, nothing spent.
    pub(crate) fn new(limits: &Limits) -> Budget {
        Budget {
            max_statements: limits.starlark_max_statements,
            heap_cap: limits.starlark_max_heap_bytes,
            statements: Cell::new(0),
            outside: Cell::new(0),
        }
    }

    /// Spends `n` statements of work a native call does at once, with `running` ticks of the
    /// running evaluator not settled yet; refuses once the total is over the budget (the
    /// spending stays).
    pub(crate) fn spend(&self, n: u64, running: u64) -> Result<(), Refused> {
        self.statements.set(self.statements.get().saturating_add(n));
        self.within(running)
    }

    /// Refuses when the statements settled and the `running` ticks are over the budget.
    pub(crate) fn within(&self, running: u64) -> Result<(), Refused> {
        if self.statements.get().saturating_add(running) > self.max_statements {
            return Err(Refused {
                field: "starlark_max_statements",
                value: self.max_statements,
            });
        }
        Ok(())
    }

    /// Settles the ticks of an evaluator that has finished.
    pub(crate) fn settle(&self, ticks: u64) {
        self.statements
            .set(self.statements.get().saturating_add(ticks));
    }

    /// The statements left for an evaluator that starts now (its tick limit).
    pub(crate) fn left(&self) -> u64 {
        self.max_statements.saturating_sub(self.statements.get())
    }

    /// The bytes recorded outside the arena so far.
    pub(crate) fn outside(&self) -> usize {
        self.outside.get()
    }

    /// Refuses `need` more bytes when, with the `arena` bytes the caller counts and those
    /// recorded outside it, they would be over the heap cap.
    pub(crate) fn fits(&self, arena: usize, need: usize) -> Result<(), Refused> {
        if arena
            .saturating_add(self.outside.get())
            .saturating_add(need)
            > self.heap_cap
        {
            return Err(self.heap_refused());
        }
        Ok(())
    }

    /// [`Budget::fits`], then records `need` outside the arena.
    pub(crate) fn charge(&self, arena: usize, need: usize) -> Result<(), Refused> {
        self.fits(arena, need)?;
        self.record(need);
        Ok(())
    }

    /// Records `bytes` outside the arena without a check (a call checked its most before it ran).
    pub(crate) fn record(&self, bytes: usize) {
        self.outside.set(self.outside.get().saturating_add(bytes));
    }

    fn heap_refused(&self) -> Refused {
        Refused {
            field: "starlark_max_heap_bytes",
            value: self.heap_cap as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Budget, Refused};
    use dispatchfile_model::Limits;

    fn small() -> Budget {
        let mut l = Limits::default();
        l.starlark_max_statements = 10;
        l.starlark_max_heap_bytes = 100;
        Budget::new(&l)
    }

    #[test]
    fn statements_are_spent_up_to_the_budget() {
        let refused = Err(Refused {
            field: "starlark_max_statements",
            value: 10,
        });
        let b = small();
        assert_eq!(b.spend(4, 0), Ok(()));
        assert_eq!(b.left(), 6);
        assert_eq!(b.spend(2, 4), Ok(()), "with the running ticks: 10");
        assert_eq!(b.within(5), refused, "the running ticks count");
        b.settle(4);
        assert_eq!(b.left(), 0);
        assert_eq!(b.within(0), Ok(()));
        assert_eq!(b.spend(1, 0), refused);
        assert_eq!(b.left(), 0, "saturates");
    }

    #[test]
    fn charges_count_against_the_cap_with_the_arena() {
        let b = small();
        assert_eq!(b.charge(40, 30), Ok(()));
        assert_eq!(b.outside(), 30);
        assert_eq!(b.fits(70, 0), Ok(()));
        let refused = Err(Refused {
            field: "starlark_max_heap_bytes",
            value: 100,
        });
        assert_eq!(b.fits(70, 1), refused);
        assert_eq!(b.charge(70, 1), refused);
        assert_eq!(b.outside(), 30, "a refused charge records nothing");
        b.record(usize::MAX);
        assert_eq!(b.fits(0, 0), refused, "saturates, never wraps");
    }
}
