//! Checks run on each statement, one rule per file.
//!
//! A rule looks at one statement, knowing the dialect, the command it starts with and whether
//! the file runs in a transaction, and returns what it finds. Rules that read the statement's
//! words (`transaction_control`, `requires_no_transaction`, `sqlite_foreign_keys`) also cover
//! statements the parser cannot read; the others need its syntax tree. Each rule's module
//! documents what it catches and why, and carries its own good and bad cases; its code is
//! documented in [`crate::codes`].

use std::ops::Range;

use sqlparser::ast::Statement;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::source::SourceFile;

pub(crate) mod requires_no_transaction;
mod sqlite_add_column;
mod sqlite_alter_table;
mod sqlite_foreign_keys;
mod sqlite_serial;
pub(crate) mod transaction_control;
pub(crate) mod unknown_statement;

/// What a rule knows about the statement it checks.
pub(crate) struct Context<'a> {
    /// The dialect being checked.
    pub dialect: Dialect,
    /// Whether the file runs inside a transaction.
    pub transaction: bool,
    /// The command the statement starts with, as the dialect's table writes it (`CREATE INDEX`).
    pub command: &'static str,
    /// The statement's leading keywords, uppercased, up to the first non-word token.
    pub leading: &'a [String],
    /// The statement's unquoted words, uppercased, skipping everything else (`Split::words`).
    pub words: &'a [String],
    /// The statement's first token, where diagnostics point.
    pub at: Location,
    /// The file.
    pub source: &'a SourceFile,
    /// The statement's tokens, whitespace and comments included, and their byte ranges.
    pub tokens: &'a [TokenWithSpan],
    pub ranges: &'a [Range<usize>],
}

impl Context<'_> {
    /// A finding pointing at the statement.
    pub fn finding(&self, code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, message).at(self.at.clone())
    }

    /// The statement's tokens that are not whitespace or comments, with their byte ranges.
    pub fn significant(&self) -> impl Iterator<Item = (&Token, &Range<usize>)> {
        self.tokens
            .iter()
            .zip(self.ranges)
            .filter(|(t, _)| !matches!(t.token, Token::Whitespace(_)))
            .map(|(t, r)| (&t.token, r))
    }

    /// The first `n` leading keywords, joined by spaces: `CREATE EXTENSION`.
    pub fn keywords(&self, n: usize) -> String {
        self.leading[..n.min(self.leading.len())].join(" ")
    }
}

type TreeRule = fn(&Statement, &Context<'_>, &mut Vec<Diagnostic>);
type WordRule = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Rules that need the syntax tree.
const TREE_RULES: &[TreeRule] = &[
    unknown_statement::check,
    sqlite_alter_table::check,
    sqlite_add_column::check,
];

/// Rules that read words, and so also run on statements the parser cannot read.
const WORD_RULES: &[WordRule] = &[
    transaction_control::check,
    requires_no_transaction::check,
    sqlite_foreign_keys::check,
    sqlite_serial::check,
];

/// Runs every rule on one statement; `statement` is its syntax tree, when the parser read it.
pub(crate) fn check(statement: Option<&Statement>, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if let Some(statement) = statement {
        for rule in TREE_RULES {
            rule(statement, cx, out);
        }
    }
    for rule in WORD_RULES {
        rule(cx, out);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs the rules on one statement of SQL, the way the checker does.
    use crate::diagnostic::Diagnostic;
    use crate::dialect::Dialect;
    use crate::script::{Role, check_text};

    /// The diagnostics the whole checker reports for `sql` (before the engine check).
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
