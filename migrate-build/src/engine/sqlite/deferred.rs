//! What SQLite accepts when a migration runs but refuses at the first write: the check asks at
//! build time.
//!
//! - A column's `DEFAULT` expression is compiled when a row is inserted, not when the table is
//!   created: `DEFAULT (now())` passes `CREATE TABLE` and fails every insert that uses it. Each
//!   default is prepared in the check database right after its statement runs.
//! - A generated column's expression is compiled at `CREATE TABLE`, and SQLite refuses a
//!   function it does not have there; that refusal is reported as the missing function it is.
//! - A foreign key's parent is looked up when a row changes: a `REFERENCES` to a table that no
//!   migration creates, to columns it does not have, or to columns that are neither its
//!   primary key nor unique, fails every write to the table. The keys are checked once every
//!   migration has run.

use rusqlite::Connection;
use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, Expr, Statement as Ast};

use crate::codes::Code;
use crate::engine::{Dangling, DanglingKind, Failure, Kind, Notice};
use crate::script::Script;

/// The columns a `CREATE TABLE` or `ALTER TABLE ... ADD COLUMN` defines.
fn columns(ast: &Ast) -> Vec<&ColumnDef> {
    match ast {
        Ast::CreateTable(create) => create.columns.iter().collect(),
        Ast::AlterTable(alter) => alter
            .operations
            .iter()
            .filter_map(|op| match op {
                AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A column's expressions: its default's, and whether each is a generated column's.
fn expressions(column: &ColumnDef) -> impl Iterator<Item = (&Expr, bool)> {
    column
        .options
        .iter()
        .filter_map(|option| match &option.option {
            ColumnOption::Default(expr) => Some((expr, false)),
            ColumnOption::Generated {
                generation_expr: Some(expr),
                ..
            } => Some((expr, true)),
            _ => None,
        })
}

/// The help for a function SQLite does not have, in a column's expression.
fn help(function: &str, generated: bool) -> String {
    let what = if generated {
        "a generated column calls it for every row"
    } else {
        "a default is computed by every insert that uses it, whatever program inserts"
    };
    format!(
        "`{function}` is not one of SQLite's functions, and {what}: use a built-in one \
         (`CURRENT_TIMESTAMP` for the time now); if the application registers `{function}` on \
         every connection, put `-- migrate:allow(missing-object)` on the line before the \
         statement"
    )
}

/// What a statement that SQLite ran shows about its columns' defaults: one finding per default
/// that calls a function SQLite does not have.
pub(super) fn defaults(conn: &Connection, script: &Script, index: usize) -> Vec<Notice> {
    let statement = &script.statements[index];
    let Some(ast) = &statement.ast else {
        return Vec::new();
    };
    let text = script.text(statement);
    let mut found = Vec::new();
    for column in columns(ast) {
        for (expr, generated) in expressions(column) {
            if generated {
                continue;
            }
            let Err(rusqlite::Error::SqlInputError { msg, .. }) =
                conn.prepare(&format!("SELECT ({expr})"))
            else {
                continue;
            };
            let Some(function) = msg.strip_prefix("no such function: ") else {
                continue;
            };
            found.push(Notice {
                code: Code::MissingObject,
                message: format!(
                    "SQLite accepts this default of `{}`, but refuses every insert that uses it: \
                     no such function: {function}",
                    column.name.value
                ),
                label: "no such function",
                note: None,
                help: help(function, false),
                at: crate::source::call_of(text, function),
                // No statement creates a SQLite function.
                depends: crate::effects::Effects::NONE,
            });
        }
    }
    found
}

/// A refusal of a statement whose generated column calls a function SQLite does not have: the
/// missing function, with what to do.
pub(super) fn generated(failure: &mut Failure, script: &Script, index: usize) {
    let Some(function) = failure.message.strip_prefix("no such function: ") else {
        return;
    };
    let statement = &script.statements[index];
    let Some(ast) = &statement.ast else {
        return;
    };
    let in_generated = columns(ast).iter().any(|column| {
        expressions(column).any(|(expr, generated)| {
            generated && crate::source::call_of(&expr.to_string(), function).is_some()
        })
    });
    if in_generated {
        failure.help = Some(help(function, true));
        failure.kind = Kind::Rejected;
        failure.code = Code::MissingObject;
    }
}

/// The foreign keys of the main database whose parent key does not exist.
pub(super) fn dangling(conn: &Connection) -> rusqlite::Result<Vec<Dangling>> {
    // Each key: its table, its id, the parent, and its columns in order.
    let mut statement = conn.prepare(
        "SELECT m.name, f.id, f.\"table\", f.\"to\" \
         FROM sqlite_schema m, pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY m.name, f.id, f.seq",
    )?;
    let mut keys: Vec<(String, i64, String, Vec<Option<String>>)> = Vec::new();
    let rows = statement.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (table, id, parent, to) = row?;
        match keys.last_mut() {
            Some(key) if key.0 == table && key.1 == id => key.3.push(to),
            _ => keys.push((table, id, parent, vec![to])),
        }
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut found = Vec::new();
    for (table, _, parent, to) in keys {
        // SQLite compares names without regard to ASCII case.
        if !tables.iter().any(|t| t.eq_ignore_ascii_case(&parent)) {
            let meant = crate::source::closest(&parent, tables.iter().map(|t| (t.clone(), t)));
            found.push(Dangling {
                table,
                parent,
                problem: DanglingKind::Table,
                meant,
            });
            continue;
        }
        let columns: Vec<(String, i64)> = conn
            .prepare("SELECT lower(name), pk FROM pragma_table_info(?1) ORDER BY cid")?
            .query_map([&parent], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut primary: Vec<(i64, String)> = columns
            .iter()
            .filter(|(_, pk)| *pk > 0)
            .map(|(name, pk)| (*pk, name.clone()))
            .collect();
        primary.sort();
        let primary: Vec<String> = primary.into_iter().map(|(_, name)| name).collect();
        // No columns written: the parent's primary key.
        let wanted: Vec<String> = if to.iter().all(Option::is_none) {
            primary.clone()
        } else {
            to.iter()
                .map(|c| c.clone().unwrap_or_default().to_lowercase())
                .collect()
        };
        let missing: Vec<String> = wanted
            .iter()
            .filter(|c| !columns.iter().any(|(name, _)| name == *c))
            .cloned()
            .collect();
        if !missing.is_empty() {
            found.push(Dangling {
                table,
                parent,
                problem: DanglingKind::Columns(missing),
                meant: None,
            });
            continue;
        }
        if wanted.is_empty()
            || (!same_columns(&wanted, &primary) && !unique_on(conn, &parent, &wanted)?)
        {
            found.push(Dangling {
                table,
                parent,
                problem: DanglingKind::Unique(wanted),
                meant: None,
            });
        }
    }
    Ok(found)
}

/// Whether `table` has a unique index, not partial, on exactly `columns`.
fn unique_on(conn: &Connection, table: &str, columns: &[String]) -> rusqlite::Result<bool> {
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND NOT partial")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for index in indexes {
        let on: Vec<String> = conn
            .prepare("SELECT lower(name) FROM pragma_index_info(?1)")?
            .query_map([&index], |r| r.get::<_, Option<String>>(0))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        if same_columns(&on, columns) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether two lists name the same columns, in any order.
fn same_columns(a: &[String], b: &[String]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}
