//! `sqlite-serial`: a column whose type is another database's way to number rows.
//!
//! PostgreSQL numbers a `SERIAL` column, MySQL an `AUTO_INCREMENT` one, SQL Server an
//! `IDENTITY` one. SQLite reads each as a type name (any words make a type name in SQLite) and
//! numbers nothing: a row inserted without the column gets `NULL`, even in a `PRIMARY KEY`
//! (only an `INTEGER PRIMARY KEY` is SQLite's row number). SQLite accepts the statement, so
//! only the type words show it. They are read from the tokens, so a statement the parser cannot
//! read (`id INT AUTO_INCREMENT PRIMARY KEY`) is covered too.

use sqlparser::tokenizer::Token;

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Location;
use crate::dialect::Dialect;

/// Type words that mean "number this column" in another database.
const NUMBERING: &[&str] = &[
    "SERIAL",
    "SERIAL2",
    "SERIAL4",
    "SERIAL8",
    "SMALLSERIAL",
    "BIGSERIAL",
    "AUTO_INCREMENT",
    "IDENTITY",
];

/// Words that end a column's type name: its constraints.
const CONSTRAINTS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

/// Words that start a table constraint rather than a column.
const TABLE_CONSTRAINTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<crate::diagnostic::Diagnostic>) {
    if cx.dialect != Dialect::Sqlite || !matches!(cx.command, "CREATE TABLE" | "ALTER TABLE") {
        return;
    }
    let tokens: Vec<(&Token, &std::ops::Range<usize>)> = cx.significant().collect();
    let word = |i: usize| match tokens.get(i) {
        Some((Token::Word(w), _)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    };
    // Where each column definition starts: after the `(` or `,` of a `CREATE TABLE`'s list,
    // or after `ADD [COLUMN]`.
    let mut starts = Vec::new();
    if cx.command == "CREATE TABLE" {
        let mut depth = 0;
        for (i, (token, _)) in tokens.iter().enumerate() {
            // `CREATE TABLE ... AS SELECT`: no column definitions.
            if depth == 0 && starts.is_empty() && word(i).as_deref() == Some("AS") {
                return;
            }
            match token {
                Token::LParen => {
                    depth += 1;
                    if depth == 1 {
                        starts.push(i + 1);
                    }
                }
                Token::RParen => depth -= 1,
                Token::Comma if depth == 1 => starts.push(i + 1),
                _ => {}
            }
        }
    } else if let Some(add) = (0..tokens.len()).find(|&i| word(i).as_deref() == Some("ADD")) {
        let column = if word(add + 1).as_deref() == Some("COLUMN") {
            add + 2
        } else {
            add + 1
        };
        starts.push(column);
    }
    for start in starts {
        if word(start).is_some_and(|w| TABLE_CONSTRAINTS.contains(&w.as_str())) {
            continue;
        }
        let Some((Token::Word(column), _)) = tokens.get(start) else {
            continue;
        };
        // The type name: the words after the column's name, up to a constraint or punctuation.
        let numbering = (start + 1..tokens.len())
            .map_while(|i| match tokens[i].0 {
                Token::Word(w) if w.quote_style.is_none() => {
                    let upper = w.value.to_ascii_uppercase();
                    (!CONSTRAINTS.contains(&upper.as_str())).then_some((i, upper))
                }
                _ => None,
            })
            .find(|(_, upper)| NUMBERING.contains(&upper.as_str()));
        let Some((i, written)) = numbering else {
            continue;
        };
        // Whether the column is the primary key: up to the end of its definition.
        let mut depth = 0;
        let primary = tokens[i..]
            .iter()
            .take_while(|(token, _)| {
                match token {
                    Token::LParen => depth += 1,
                    Token::RParen if depth == 0 => return false,
                    Token::RParen => depth -= 1,
                    Token::Comma if depth == 0 => return false,
                    _ => {}
                }
                true
            })
            .any(|(token, _)| matches!(token, Token::Word(w) if w.value.eq_ignore_ascii_case("PRIMARY")));
        let help = if primary {
            format!(
                "write `{} INTEGER PRIMARY KEY`: SQLite numbers that column itself (add \
                 `AUTOINCREMENT` to never reuse a number)",
                column.value
            )
        } else {
            "write `INTEGER`: SQLite numbers only an `INTEGER PRIMARY KEY` column".to_owned()
        };
        out.push(
            crate::diagnostic::Diagnostic::new(
                Code::SqliteSerial,
                format!(
                    "SQLite does not number `{}`: `{written}` is only a type name to it, and a row \
                     inserted without it gets NULL (or fails, if the column is NOT NULL)",
                    column.value
                ),
            )
            .at(Location::span(cx.source, tokens[i].1.clone()))
            .label("numbers nothing in SQLite")
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::codes::Code;
    use crate::dialect::Dialect;
    use crate::rules::test_support::diagnostics;

    fn found(sql: &str) -> Vec<String> {
        diagnostics(sql, Dialect::Sqlite)
            .into_iter()
            .filter(|d| d.code == Code::SqliteSerial)
            .map(|d| d.position().unwrap_or_default())
            .collect()
    }

    #[test]
    fn the_help_depends_on_whether_the_column_is_the_key() {
        let helps: Vec<String> = diagnostics(
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n SERIAL NOT NULL);",
            Dialect::Sqlite,
        )
        .into_iter()
        .filter_map(|d| d.help)
        .collect();
        assert_eq!(
            helps,
            [
                "write `id INTEGER PRIMARY KEY`: SQLite numbers that column itself (add \
                 `AUTOINCREMENT` to never reuse a number)",
                "write `INTEGER`: SQLite numbers only an `INTEGER PRIMARY KEY` column"
            ]
        );
    }

    #[test]
    fn bad() {
        assert_eq!(
            found("CREATE TABLE t (id SERIAL PRIMARY KEY, n BIGSERIAL NOT NULL);"),
            ["test.sql:1:20", "test.sql:1:42"]
        );
        // The parser cannot read this one; SQLite takes `INT AUTO_INCREMENT` as a type.
        assert_eq!(
            found("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY);"),
            ["test.sql:1:24"]
        );
        assert_eq!(
            found("ALTER TABLE t ADD COLUMN n smallserial;"),
            ["test.sql:1:28"]
        );
    }

    #[test]
    fn good() {
        for sql in [
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, serial TEXT);",
            "CREATE TABLE t (serial TEXT, CONSTRAINT serial_key UNIQUE (serial));",
            "CREATE TABLE t (n INT CHECK (n IN (1, 2)), identity TEXT DEFAULT 'x');",
            "ALTER TABLE t ADD COLUMN serial INTEGER;",
            "CREATE TABLE t AS SELECT coalesce(a, identity) AS b FROM u;",
        ] {
            assert_eq!(found(sql), Vec::<String>::new(), "{sql}");
        }
        assert!(
            diagnostics("CREATE TABLE t (id SERIAL PRIMARY KEY);", Dialect::Postgres)
                .iter()
                .all(|d| d.code != Code::SqliteSerial)
        );
    }
}
