//! `sqlite-add-column`: an `ALTER TABLE ... ADD COLUMN` that SQLite refuses.
//!
//! SQLite cannot add a `PRIMARY KEY` or `UNIQUE` column, ever: those are errors. It also refuses a
//! `NOT NULL` column without a non-`NULL` default, a default that is not a constant
//! (`CURRENT_TIMESTAMP`, `datetime('now')`, `(1 + 1)`), and a `STORED` generated column, but only
//! when the table already has rows: the migration passes against an empty development database
//! and fails in production. Those are warnings, since an empty table accepts them.

use sqlparser::ast::{
    AlterTableOperation, ColumnOption, Expr, GeneratedExpressionMode, Statement, UnaryOperator,
    Value,
};

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.dialect != Dialect::Sqlite {
        return;
    }
    let Statement::AlterTable(alter) = statement else {
        return;
    };
    for operation in &alter.operations {
        let AlterTableOperation::AddColumn { column_def, .. } = operation else {
            continue;
        };
        let column = &column_def.name.value;
        let mut not_null = false;
        let mut default = None;
        for option in column_def.options.iter().map(|o| &o.option) {
            match option {
                ColumnOption::PrimaryKey(_) => out.push(
                    cx.finding(
                        Code::SqliteAddColumn,
                        format!("SQLite cannot add a PRIMARY KEY column (`{column}`)"),
                    )
                    .label("adds a PRIMARY KEY column")
                    .help("create the table anew with the key, copy the rows and rename it"),
                ),
                ColumnOption::Unique(_) => out.push(
                    cx.finding(
                        Code::SqliteAddColumn,
                        format!("SQLite cannot add a UNIQUE column (`{column}`)"),
                    )
                    .label("adds a UNIQUE column")
                    .help(format!(
                        "add the column without UNIQUE, then `CREATE UNIQUE INDEX ... ({column})`"
                    )),
                ),
                ColumnOption::NotNull => not_null = true,
                ColumnOption::Default(expr) => default = Some(expr),
                ColumnOption::Generated {
                    generation_expr_mode: Some(GeneratedExpressionMode::Stored),
                    ..
                } => out.push(
                    fails_with_rows(
                        cx,
                        format!("SQLite cannot add a STORED column (`{column}`)"),
                    )
                    .help("make it `VIRTUAL`, or create the table anew"),
                ),
                _ => {}
            }
        }
        let null_default =
            default.is_none_or(|e| matches!(e, Expr::Value(v) if v.value == Value::Null));
        if not_null && null_default {
            out.push(
                fails_with_rows(
                    cx,
                    format!("SQLite cannot add a NOT NULL column without a default (`{column}`)"),
                )
                .help("give it a non-NULL `DEFAULT`, or add it nullable and backfill it"),
            );
        }
        if let Some(expr) = default.filter(|e| !is_constant(e)) {
            out.push(
                fails_with_rows(
                    cx,
                    format!("SQLite cannot add a column whose default is not a constant (`{column}`)"),
                )
                .note(format!("the default is `{expr}`"))
                .help("add the column with a constant default (or none), then backfill it with `UPDATE`"),
            );
        }
    }
}

fn fails_with_rows(cx: &Context<'_>, message: String) -> Diagnostic {
    cx.finding(Code::AddColumnNeedsEmptyTable, message)
        .label("fails when the table has rows")
        .note("SQLite accepts this only while the table is empty, as it is in a fresh database")
}

/// Whether SQLite can evaluate `expr` as an `ADD COLUMN` default: a literal, optionally signed,
/// parenthesised or cast.
fn is_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Value(_) | Expr::TypedString(_) => true,
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. } => is_constant(expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::dialect::Dialect;
    use crate::rules::test_support::diagnostics;

    fn found(sql: &str) -> Vec<(Severity, String)> {
        diagnostics(sql, Dialect::Sqlite)
            .into_iter()
            .map(|d| (d.severity, d.message))
            .collect()
    }

    #[test]
    fn bad() {
        assert_eq!(
            found("ALTER TABLE t ADD COLUMN id INTEGER PRIMARY KEY;"),
            [(
                Severity::Error,
                "SQLite cannot add a PRIMARY KEY column (`id`)".into()
            )]
        );
        assert_eq!(
            found("ALTER TABLE t ADD COLUMN email TEXT UNIQUE;"),
            [(
                Severity::Error,
                "SQLite cannot add a UNIQUE column (`email`)".into()
            )]
        );
        assert_eq!(
            found("ALTER TABLE t ADD COLUMN n INT NOT NULL;"),
            [(
                Severity::Warning,
                "SQLite cannot add a NOT NULL column without a default (`n`)".into()
            )]
        );
        for default in ["CURRENT_TIMESTAMP", "(datetime('now'))", "(1 + 1)"] {
            assert_eq!(
                found(&format!(
                    "ALTER TABLE t ADD COLUMN at TEXT DEFAULT {default};"
                )),
                [(
                    Severity::Warning,
                    "SQLite cannot add a column whose default is not a constant (`at`)".into()
                )],
                "{default}"
            );
        }
    }

    #[test]
    fn good() {
        for sql in [
            "ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 0;",
            "ALTER TABLE t ADD COLUMN s TEXT NOT NULL DEFAULT '';",
            "ALTER TABLE t ADD COLUMN f REAL DEFAULT -1.5;",
            "ALTER TABLE t ADD COLUMN b BOOLEAN NOT NULL DEFAULT FALSE;",
            "ALTER TABLE t ADD COLUMN n INT DEFAULT (0);",
            "ALTER TABLE t ADD COLUMN r INT REFERENCES u (id);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);",
        ] {
            assert!(found(sql).is_empty(), "{sql}: {:?}", found(sql));
        }
    }
}
