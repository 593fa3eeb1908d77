//! Checks run on each parsed statement, one rule per file.
//!
//! A rule looks at one statement, knowing the dialect and whether the file runs in a transaction,
//! and returns what it finds. `requires_no_transaction` looks at the statement's words instead, so
//! it also covers statements the parser does not support (`REINDEX`, `DROP INDEX CONCURRENTLY`). Each rule's module documents what it catches and why, and carries its
//! own good and bad cases.

use sqlparser::ast::Statement;

use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;

pub(crate) mod requires_no_transaction;
mod sqlite_add_column;
mod sqlite_alter_table;
mod sqlite_unsupported_statement;
mod transaction_control;

/// What a rule knows about the statement it checks.
pub(crate) struct Context<'a> {
    /// The dialect being checked.
    pub dialect: Dialect,
    /// Whether the file runs inside a transaction.
    pub transaction: bool,
    /// The statement's leading keywords, uppercased (`["CREATE", "EXTENSION"]`).
    pub words: &'a [String],
    /// The statement's first token, where diagnostics point.
    pub at: Location,
}

impl Context<'_> {
    /// An error pointing at the statement.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message).at(self.at.clone())
    }

    /// A warning pointing at the statement.
    pub fn warning(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(message).at(self.at.clone())
    }

    /// The first `n` leading keywords, joined by spaces: `CREATE EXTENSION`.
    pub fn keywords(&self, n: usize) -> String {
        self.words[..n.min(self.words.len())].join(" ")
    }
}

type Rule = fn(&Statement, &Context<'_>, &mut Vec<Diagnostic>);

const RULES: &[Rule] = &[
    transaction_control::check,
    sqlite_unsupported_statement::check,
    sqlite_alter_table::check,
    sqlite_add_column::check,
];

/// Runs every rule on one statement.
pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for rule in RULES {
        rule(statement, cx, out);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs the rules on one statement of SQL, the way the checker does.
    use crate::diagnostic::Diagnostic;
    use crate::dialect::Dialect;
    use crate::script::{Role, check_text};

    /// The diagnostics the whole checker reports for `sql`.
    pub fn diagnostics(sql: &str, dialect: Dialect) -> Vec<Diagnostic> {
        check_text(sql, dialect, Role::Up).1
    }

    /// The messages of the diagnostics reported for `sql`.
    pub fn messages(sql: &str, dialect: Dialect) -> Vec<String> {
        diagnostics(sql, dialect)
            .into_iter()
            .map(|d| d.message)
            .collect()
    }
}
