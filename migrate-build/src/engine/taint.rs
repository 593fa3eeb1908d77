//! Where the scratch database stopped being what the real one would be, and in what.
//!
//! A statement the database refused, or that the check could not run, is missing from the
//! scratch database, and so is what it would have changed ([`crate::effects`]). A later refusal
//! that depends on that ([`super::refusal`]) may follow from it: it is not reported as an error,
//! and its verdict says which earlier failure may explain it. A refusal that depends on nothing
//! an earlier failure could have changed is the statement's own, however many failed before.

use crate::effects::Effects;

/// One statement (or migration) missing from the scratch database.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cause {
    /// What it is, as a phrase: "the refusal of `a.sql` line 3".
    why: String,
    /// What it would have changed.
    effects: Effects,
}

/// Everything missing from the scratch database so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Taint {
    causes: Vec<Cause>,
}

impl Taint {
    /// Whether the scratch database is what the real one would be.
    pub(crate) fn is_clean(&self) -> bool {
        self.causes.is_empty()
    }

    /// Records something missing that would have changed `effects`. What would have changed
    /// nothing the check can see (a failed `COMMENT`) leaves the database as it would be.
    pub(crate) fn add(&mut self, why: impl FnOnce() -> String, effects: Effects) {
        if !effects.is_none() {
            self.causes.push(Cause {
                why: why(),
                effects,
            });
        }
    }

    /// The first earlier failure that a refusal depending on `depends` may follow from.
    pub(crate) fn explains(&self, depends: Effects) -> Option<&str> {
        self.explains_before(self.causes.len(), depends)
    }

    /// How many failures there were: for [`Taint::explains_before`], later.
    pub(crate) fn len(&self) -> usize {
        self.causes.len()
    }

    /// [`Taint::explains`], counting only the first `n` failures: for what a statement showed
    /// when it ran, judged later.
    pub(crate) fn explains_before(&self, n: usize, depends: Effects) -> Option<&str> {
        self.causes[..n.min(self.causes.len())]
            .iter()
            .find(|cause| cause.effects.meets(depends))
            .map(|cause| cause.why.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;

    #[test]
    fn a_refusal_follows_only_from_a_failure_that_could_change_what_it_depends_on() {
        let mut taint = Taint::default();
        assert!(taint.is_clean());
        taint.add(|| "a failed COMMENT".to_owned(), Effects::NONE);
        assert!(taint.is_clean());
        taint.add(
            || "the refusal of `1.sql` line 1".to_owned(),
            Effects::kinds(Kind::Table.bit() | Kind::Index.bit()),
        );
        taint.add(|| "the refusal of `2.sql` line 4".to_owned(), Effects::ROWS);
        assert!(!taint.is_clean());
        // A syntax error depends on nothing.
        assert_eq!(taint.explains(Effects::NONE), None);
        assert_eq!(taint.explains(Effects::kinds(Kind::Function.bit())), None);
        assert_eq!(
            taint.explains(Effects::kinds(Kind::RELATIONS)),
            Some("the refusal of `1.sql` line 1")
        );
        assert_eq!(
            taint.explains(Effects::ROWS),
            Some("the refusal of `2.sql` line 4")
        );
        assert_eq!(
            taint.explains(Effects::ALL),
            Some("the refusal of `1.sql` line 1")
        );
    }
}
