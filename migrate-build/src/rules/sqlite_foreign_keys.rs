//! `sqlite-foreign-keys`: a foreign-key `PRAGMA` that does nothing where it stands.
//!
//! SQLite ignores `PRAGMA foreign_keys` inside a transaction ("This pragma is a no-op within a
//! transaction"). In a migration that runs in one, the table rebuild SQLite documents for every
//! change `ALTER TABLE` cannot make (create the new table, copy the rows, drop the old one,
//! rename the new one) then runs with foreign keys still on, as they are by default in the
//! SQLite the runtime bundles: `DROP TABLE` of the old table deletes the rows that reference it
//! (`ON DELETE CASCADE`) or fails. The data loss is silent, and only happens on a database that
//! has rows. `PRAGMA defer_foreign_keys` is the opposite: it lasts until the end of the current
//! transaction, so in a migration without one (each statement its own transaction) it does
//! nothing.
//!
//! The fix for the rebuild is `-- migrate:foreign-keys-off`, which the runtime honours outside
//! the transaction and follows with a `PRAGMA foreign_key_check` before committing.

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.dialect != Dialect::Sqlite || cx.command != "PRAGMA" {
        return;
    }
    // `PRAGMA schema.name = value`: the name is the last word before the value.
    let name = cx
        .words
        .iter()
        .skip(1)
        .find(|w| matches!(w.as_str(), "FOREIGN_KEYS" | "DEFER_FOREIGN_KEYS"));
    match (name.map(String::as_str), cx.transaction) {
        (Some("FOREIGN_KEYS"), true) => out.push(
            cx.finding(
                Code::SqliteForeignKeys,
                "`PRAGMA foreign_keys` does nothing inside a transaction",
            )
            .label("ignored: the migration runs in a transaction")
            .note(
                "with foreign keys still on, dropping a table that other tables reference \
                 deletes their rows (`ON DELETE CASCADE`) or fails",
            )
            .help(
                "remove the `PRAGMA`s and put `-- migrate:foreign-keys-off` at the top of the \
                 file: the runtime turns foreign keys off before the migration's transaction and \
                 checks them before it commits",
            ),
        ),
        (Some("DEFER_FOREIGN_KEYS"), false) => out.push(
            cx.finding(
                Code::SqliteForeignKeys,
                "`PRAGMA defer_foreign_keys` does nothing outside a transaction",
            )
            .label("lasts only until the end of the current transaction")
            .help(
                "use `-- migrate:foreign-keys-off` instead, or let the migration run in a \
                 transaction",
            ),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::test_support::messages;

    #[test]
    fn bad() {
        for sql in [
            "PRAGMA foreign_keys = OFF;",
            "PRAGMA foreign_keys=0;",
            "pragma main.foreign_keys = false;",
        ] {
            assert_eq!(
                messages(sql, Dialect::Sqlite),
                ["`PRAGMA foreign_keys` does nothing inside a transaction"],
                "{sql}"
            );
        }
        assert_eq!(
            messages(
                "-- migrate:no-transaction\nPRAGMA defer_foreign_keys = ON;",
                Dialect::Sqlite
            ),
            ["`PRAGMA defer_foreign_keys` does nothing outside a transaction"]
        );
    }

    #[test]
    fn good() {
        for sql in [
            "-- migrate:no-transaction\nPRAGMA foreign_keys = OFF;",
            "-- migrate:foreign-keys-off\nDROP TABLE t;",
            "PRAGMA defer_foreign_keys = ON;",
            "PRAGMA legacy_alter_table = ON;",
            "PRAGMA user_version = 3;",
        ] {
            assert!(messages(sql, Dialect::Sqlite).is_empty(), "{sql}");
        }
    }
}
