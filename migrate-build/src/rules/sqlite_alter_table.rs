//! `sqlite-alter-table`: an `ALTER TABLE` that SQLite cannot run.
//!
//! SQLite's `ALTER TABLE` does one thing per statement, and only four things: `RENAME TO`,
//! `RENAME COLUMN`, `ADD COLUMN` and `DROP COLUMN` (3.35+), without `IF [NOT] EXISTS`. sqlparser
//! accepts PostgreSQL's forms (`ALTER COLUMN ... TYPE`, `ADD CONSTRAINT`, several changes separated
//! by commas) under the SQLite dialect, and SQLite rejects them when the migration runs.

use sqlparser::ast::{AlterTableOperation, Statement};

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

const OTHER_CHANGES: &str = "to make any other change, create the new table, copy the rows, drop \
     the old table and rename the new one (https://www.sqlite.org/lang_altertable.html#otheralter)";

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.dialect != Dialect::Sqlite {
        return;
    }
    let Statement::AlterTable(alter) = statement else {
        return;
    };
    if alter.operations.len() > 1 {
        out.push(
            cx.finding(
                Code::SqliteAlterTable,
                "SQLite's `ALTER TABLE` makes one change per statement",
            )
            .label(format!(
                "{} changes in one statement",
                alter.operations.len()
            ))
            .help("write one `ALTER TABLE` statement for each change"),
        );
    }
    for operation in &alter.operations {
        if let AlterTableOperation::DropIndex { name } = operation {
            out.push(
                cx.finding(
                    Code::SqliteAlterTable,
                    "SQLite's `ALTER TABLE` cannot drop an index",
                )
                .label("not supported by SQLite")
                .help(format!(
                    "drop it with its own statement: `DROP INDEX {name};`"
                )),
            );
            continue;
        }
        let problem = match operation {
            AlterTableOperation::AddColumn {
                if_not_exists: true,
                ..
            } => "`ADD COLUMN IF NOT EXISTS`",
            AlterTableOperation::DropColumn {
                if_exists: true, ..
            } => "`DROP COLUMN IF EXISTS`",
            AlterTableOperation::DropColumn { column_names, .. } if column_names.len() > 1 => {
                "dropping several columns at once"
            }
            AlterTableOperation::AddColumn { .. }
            | AlterTableOperation::DropColumn { .. }
            | AlterTableOperation::RenameColumn { .. }
            | AlterTableOperation::RenameTable { .. } => continue,
            AlterTableOperation::AlterColumn { .. } => "`ALTER COLUMN`",
            AlterTableOperation::AddConstraint { .. } => "`ADD CONSTRAINT`",
            AlterTableOperation::DropConstraint { .. } => "`DROP CONSTRAINT`",
            AlterTableOperation::RenameConstraint { .. } => "`RENAME CONSTRAINT`",
            AlterTableOperation::DropPrimaryKey { .. } => "`DROP PRIMARY KEY`",
            _ => "this change",
        };
        out.push(
            cx.finding(
                Code::SqliteAlterTable,
                format!("SQLite's `ALTER TABLE` does not support {problem}"),
            )
            .label("not supported by SQLite")
            .note(
                "SQLite's `ALTER TABLE` can only `RENAME TO`, `RENAME COLUMN`, `ADD COLUMN` \
                     and `DROP COLUMN`",
            )
            .help(OTHER_CHANGES),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::test_support::messages;
    use crate::script::{Check, Role, check_text};

    #[test]
    fn bad() {
        for (sql, message) in [
            (
                "ALTER TABLE t ALTER COLUMN c TYPE BIGINT;",
                "SQLite's `ALTER TABLE` does not support `ALTER COLUMN`",
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT u UNIQUE (c);",
                "SQLite's `ALTER TABLE` does not support `ADD CONSTRAINT`",
            ),
            (
                "ALTER TABLE t DROP INDEX i;",
                "SQLite's `ALTER TABLE` cannot drop an index",
            ),
            (
                "ALTER TABLE t DROP CONSTRAINT u;",
                "SQLite's `ALTER TABLE` does not support `DROP CONSTRAINT`",
            ),
        ] {
            assert_eq!(messages(sql, Dialect::Sqlite), [message], "{sql}");
        }
        // sqlparser's SQLite dialect cannot read `ADD COLUMN IF NOT EXISTS`: SQLite judges it.
        let (script, found) = check_text(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT;",
            Dialect::Sqlite,
            Role::Up,
        );
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(script.statements[0].check, Check::Unchecked);
        assert_eq!(
            messages(
                "ALTER TABLE t ADD COLUMN a INT, ADD COLUMN b INT;",
                Dialect::Sqlite
            ),
            ["SQLite's `ALTER TABLE` makes one change per statement"]
        );
    }

    #[test]
    fn good() {
        for sql in [
            "ALTER TABLE t RENAME TO u;",
            "ALTER TABLE t RENAME COLUMN a TO b;",
            "ALTER TABLE t ADD COLUMN c TEXT;",
            "ALTER TABLE t DROP COLUMN c;",
        ] {
            assert!(messages(sql, Dialect::Sqlite).is_empty(), "{sql}");
        }
        assert!(
            messages(
                "ALTER TABLE t ALTER COLUMN c TYPE BIGINT;",
                Dialect::Postgres
            )
            .is_empty()
        );
    }
}
