//! What a live database's schema is, read from its catalog: a map from each object's identity to
//! its definition, so two moments of one database compare (`diff`), and a coarser set of facts a
//! schema model can produce too (`coarse`).
//!
//! Keys are `<kind> <schema>.<name>`: `schema S`, `extension N`, `table S.N`, `column S.T.C`,
//! `constraint S.T.N`, `index S.N`, `view S.N`, `sequence S.N`, `type S.N`,
//! `function S.N(identity arguments)`, `trigger S.T.N`, `policy S.T.N`, `rule S.T.N`. On SQLite
//! the schema is `main` and every name is lowercased; on PostgreSQL names are as the catalog
//! stores them. A value is a list of fields joined by `"; "`: a column's first two are its type and
//! `null` or `not null`; an index's first two are `on T` and `index` or `constraint index`.
//!
//! SQLite keeps a table's definition only as the text that created it, and a table rebuilt (or
//! renamed) has other text for the same schema: tables are read from the pragmas instead, and the
//! few things only the text holds (CHECK constraints, partial and expression index terms, view and
//! trigger bodies) are taken from it normalized: whitespace and comments dropped, keywords and
//! identifiers uppercased and unquoted, string literals kept.

use std::collections::{BTreeMap, BTreeSet};

use migrate_runtime::postgres;
use migrate_runtime::rusqlite;

/// Object identity → its definition.
pub type Snapshot = BTreeMap<String, String>;

/// The fields of a value.
fn fields(value: &str) -> impl Iterator<Item = &str> {
    value.split("; ")
}

/// The coarse facts of a snapshot:
///
/// - `schema S` (a schema other than `public`; PostgreSQL only)
/// - `table S.N`, `view S.N` (views and materialized views), `type S.N` (enums, domains, ranges,
///   standalone composites), `trigger S.T.N`
/// - `sequence S.N` (not the sequence of an identity column)
/// - `function S.N` (functions, procedures and aggregates; no arguments)
/// - `index S.N on T` (not the index of a primary key, unique or exclusion constraint)
/// - `column S.T.C null` or `column S.T.C not null` (table columns only)
/// - `column S.T.C default` (it has a default other than `NULL`) and `column S.T.C generated`
///   (an identity or generated column)
pub fn coarse(snapshot: &Snapshot) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    for (key, value) in snapshot {
        let Some((kind, rest)) = key.split_once(' ') else {
            continue;
        };
        match kind {
            "schema" if rest != "public" => {
                facts.insert(key.clone());
            }
            "table" | "view" | "type" | "trigger" => {
                facts.insert(key.clone());
            }
            "sequence" if !fields(value).any(|f| f.starts_with("identity of ")) => {
                facts.insert(key.clone());
            }
            "function" => {
                let name = rest.split_once('(').map_or(rest, |(name, _)| name);
                facts.insert(format!("function {name}"));
            }
            "index" => {
                let mut fields = fields(value);
                let table = fields.next().and_then(|f| f.strip_prefix("on "));
                if let (Some(table), Some("index")) = (table, fields.next()) {
                    facts.insert(format!("{key} on {table}"));
                }
            }
            "column" => {
                if let Some(nullness) = fields(value).nth(1) {
                    facts.insert(format!("{key} {nullness}"));
                }
                // `DEFAULT NULL` is stored, but is no default: a row gets NULL either way.
                let default = fields(value).find_map(|f| f.strip_prefix("default "));
                let null = |d: &str| {
                    d.split("::")
                        .next()
                        .is_some_and(|d| d.trim().eq_ignore_ascii_case("null"))
                };
                if default.is_some_and(|d| !null(d)) {
                    facts.insert(format!("{key} default"));
                }
                if fields(value).any(|f| f.starts_with("identity ") || f.starts_with("generated "))
                {
                    facts.insert(format!("{key} generated"));
                }
            }
            _ => {}
        }
    }
    facts
}

/// What changed from `before` to `after`, one line per object: `missing K` (gone), `extra K`
/// (new), `changed K: was A, now B` (only the fields that differ; a long field cut to where it
/// differs). A table whose columns are the same but in another order (a column dropped and added
/// again goes last) says `changed K: column order was (...), now (...)`; columns added or dropped
/// show as `extra column` and `missing column` lines only.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut differences = Vec::new();
    for key in keys {
        match (before.get(key), after.get(key)) {
            (Some(_), None) => differences.push(format!("missing {key}")),
            (None, Some(_)) => differences.push(format!("extra {key}")),
            (Some(was), Some(now)) if was != now => {
                if let Some(change) = changed(was, now) {
                    differences.push(format!("changed {key}: {change}"));
                }
            }
            _ => {}
        }
    }
    differences
}

/// A value's `columns (...)` field as a list, and its other fields.
fn columns_apart(value: &str) -> (Option<Vec<&str>>, Vec<&str>) {
    let mut columns = None;
    let mut rest = Vec::new();
    for field in fields(value) {
        match field
            .strip_prefix("columns (")
            .and_then(|f| f.strip_suffix(')'))
        {
            Some(list) if columns.is_none() => {
                columns = Some(if list.is_empty() {
                    Vec::new()
                } else {
                    list.split(", ").collect()
                });
            }
            _ => rest.push(field),
        }
    }
    (columns, rest)
}

/// How a value changed, or `None` if only in columns added or dropped (their keys say so).
fn changed(was: &str, now: &str) -> Option<String> {
    let (was_columns, was_fields) = columns_apart(was);
    let (now_columns, now_fields) = columns_apart(now);
    let mut parts = Vec::new();
    let mut explained = false;
    if let (Some(a), Some(b)) = (&was_columns, &now_columns)
        && a != b
    {
        let kept_a: Vec<&&str> = a.iter().filter(|c| b.contains(c)).collect();
        let kept_b: Vec<&&str> = b.iter().filter(|c| a.contains(c)).collect();
        if kept_a == kept_b {
            explained = true;
        } else {
            parts.push(format!(
                "column order was ({}), now ({})",
                a.join(", "),
                b.join(", ")
            ));
        }
    }
    let lost: Vec<&str> = was_fields
        .iter()
        .filter(|f| !now_fields.contains(f))
        .copied()
        .collect();
    let gained: Vec<&str> = now_fields
        .iter()
        .filter(|f| !was_fields.contains(f))
        .copied()
        .collect();
    if !lost.is_empty() || !gained.is_empty() {
        let (lost, gained) = excerpts(&shown(&lost), &shown(&gained));
        parts.push(format!("was {lost}, now {gained}"));
    } else if parts.is_empty() && !explained {
        // The same fields in another order.
        let (was, now) = excerpts(was, now);
        parts.push(format!("was {was}, now {now}"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn shown(fields: &[&str]) -> String {
    if fields.is_empty() {
        "(nothing)".to_owned()
    } else {
        fields.join("; ")
    }
}

/// Two long texts cut to where they differ, with some context.
fn excerpts(a: &str, b: &str) -> (String, String) {
    const LONG: usize = 160;
    const CONTEXT: usize = 40;
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() <= LONG && b.len() <= LONG {
        return (a.iter().collect(), b.iter().collect());
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(a.len().min(b.len()) - prefix)
        .take_while(|(x, y)| x == y)
        .count();
    let cut = |text: &[char]| {
        let start = prefix.saturating_sub(CONTEXT);
        let end = (text.len() - suffix + CONTEXT).min(text.len());
        format!(
            "{}{}{}",
            if start > 0 { "..." } else { "" },
            text[start..end].iter().collect::<String>(),
            if end < text.len() { "..." } else { "" }
        )
    };
    (cut(&a), cut(&b))
}

// ---------------------------------------------------------------------------------------------
// SQLite

/// The schema of the `main` database of a SQLite connection.
pub fn sqlite(conn: &rusqlite::Connection) -> Result<Snapshot, String> {
    let err = |e: rusqlite::Error| e.to_string();
    // Every object: type, name, table, text.
    let objects: Vec<(String, String, String, Option<String>)> = conn
        .prepare(
            "SELECT type, name, tbl_name, sql FROM main.sqlite_master \
             WHERE lower(substr(name, 1, 7)) <> 'sqlite_' ORDER BY name",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .map_err(err)?;
    let texts: BTreeMap<&str, &str> = objects
        .iter()
        .filter_map(|(_, name, _, sql)| Some((name.as_str(), sql.as_deref()?)))
        .collect();
    // Table kinds and options.
    let options: BTreeMap<String, (String, bool, bool)> = conn
        .prepare("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'")
        .and_then(|mut statement| {
            statement
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        (
                            r.get(1)?,
                            r.get::<_, i64>(2)? != 0,
                            r.get::<_, i64>(3)? != 0,
                        ),
                    ))
                })?
                .collect()
        })
        .map_err(err)?;

    let mut snapshot = Snapshot::new();
    for (kind, name, table, sql) in &objects {
        let lower = name.to_lowercase();
        match kind.as_str() {
            "table" => {
                let mut value =
                    sqlite_table(conn, name, &lower, sql.as_deref(), &mut snapshot, &texts)
                        .map_err(err)?;
                if let Some((kind, without_rowid, strict)) = options.get(name) {
                    if kind == "virtual" {
                        value[0] =
                            format!("virtual table {}", normalize(sql.as_deref().unwrap_or("")));
                    }
                    if *without_rowid {
                        value.push("without rowid".to_owned());
                    }
                    if *strict {
                        value.push("strict".to_owned());
                    }
                }
                snapshot.insert(format!("table main.{lower}"), value.join("; "));
            }
            "view" => {
                // A view whose tables are gone has no columns: say so rather than fail.
                let columns = conn
                    .prepare("SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid")
                    .and_then(|mut statement| {
                        statement
                            .query_map([name], |r| r.get::<_, String>(0))?
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .map(|names| {
                        let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
                        // Not `columns (...)`: a view's columns have no keys of their own.
                        format!("output ({})", names.join(", "))
                    })
                    .unwrap_or_else(|e| format!("invalid: {}", without_sql(&e.to_string())));
                let text = normalize(sql.as_deref().unwrap_or(""));
                snapshot.insert(format!("view main.{lower}"), format!("{columns}; {text}"));
            }
            "trigger" => {
                let table = table.to_lowercase();
                let text = normalize(sql.as_deref().unwrap_or(""));
                snapshot.insert(
                    format!("trigger main.{table}.{lower}"),
                    format!("on {table}; {text}"),
                );
            }
            // Indexes are read with their tables.
            _ => {}
        }
    }
    Ok(snapshot)
}

/// A rusqlite error message without the SQL it adds after ` in `.
fn without_sql(message: &str) -> &str {
    message.split(" in ").next().unwrap_or(message)
}

/// One table: its columns and indexes become keys of their own; the rest is the returned value.
fn sqlite_table(
    conn: &rusqlite::Connection,
    name: &str,
    lower: &str,
    sql: Option<&str>,
    snapshot: &mut Snapshot,
    texts: &BTreeMap<&str, &str>,
) -> rusqlite::Result<Vec<String>> {
    let mut value = vec!["table".to_owned()];

    // Columns.
    let mut statement = conn.prepare_cached(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden \
         FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
    )?;
    let columns = statement
        .query_map([name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut names = Vec::new();
    for (column, declared, notnull, default, pk, hidden) in columns {
        let column = column.to_lowercase();
        let declared = normalize(declared.as_deref().unwrap_or(""));
        let mut fields = vec![
            if declared.is_empty() {
                "(no type)".to_owned()
            } else {
                declared
            },
            if notnull != 0 { "not null" } else { "null" }.to_owned(),
        ];
        if let Some(default) = default {
            fields.push(format!("default {}", normalize(&default)));
        }
        if pk > 0 {
            fields.push(format!("primary key {pk}"));
        }
        match hidden {
            0 => {}
            1 => fields.push("hidden".to_owned()),
            2 => fields.push("generated virtual".to_owned()),
            3 => fields.push("generated stored".to_owned()),
            other => fields.push(format!("hidden {other}")),
        }
        snapshot.insert(format!("column main.{lower}.{column}"), fields.join("; "));
        names.push(column);
    }
    value.push(format!("columns ({})", names.join(", ")));

    // CHECK constraints: only the text has them.
    value.extend(checks(sql.unwrap_or("")));

    // Foreign keys, in a stable order.
    let mut statement = conn.prepare_cached(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" \
         FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq",
    )?;
    let rows = statement
        .query_map([name], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // id → (parent, actions, from, to).
    type Key = (String, String, Vec<String>, Vec<String>);
    let mut keys: BTreeMap<i64, Key> = BTreeMap::new();
    for (id, parent, from, to, on_update, on_delete, matching) in rows {
        let entry = keys.entry(id).or_insert_with(|| {
            let actions = format!("on update {on_update} on delete {on_delete} match {matching}");
            (
                parent.to_lowercase(),
                actions.to_lowercase(),
                Vec::new(),
                Vec::new(),
            )
        });
        entry.2.push(from.to_lowercase());
        if let Some(to) = to {
            entry.3.push(to.to_lowercase());
        }
    }
    let mut foreign: Vec<String> = keys
        .into_values()
        .map(|(parent, actions, from, to)| {
            let to = if to.is_empty() {
                String::new()
            } else {
                format!(" ({})", to.join(", "))
            };
            format!(
                "foreign key ({}) references {parent}{to} {actions}",
                from.join(", ")
            )
        })
        .collect();
    foreign.sort();
    value.extend(foreign);

    // Indexes: those a constraint made go in the table's value (their names are made up);
    // those made by CREATE INDEX become keys.
    let mut statement = conn.prepare_cached(
        "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, 'main') ORDER BY name",
    )?;
    let indexes = statement
        .query_map([name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? != 0,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)? != 0,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut implicit = Vec::new();
    for (index, unique, origin, partial) in indexes {
        let text = texts.get(index.as_str()).copied().unwrap_or("");
        let terms = index_terms(text);
        let mut statement = conn.prepare_cached(
            "SELECT cid, name, \"desc\", coll FROM pragma_index_xinfo(?1, 'main') \
             WHERE key ORDER BY seqno",
        )?;
        let columns = statement
            .query_map([&index], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)? != 0,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let columns: Vec<String> = columns
            .into_iter()
            .enumerate()
            .map(|(i, (cid, column, desc, collation))| {
                let mut term = match (cid, column) {
                    (-2, _) => terms
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| "<expression>".to_owned()),
                    (_, Some(column)) => column.to_lowercase(),
                    (_, None) => "rowid".to_owned(),
                };
                if desc {
                    term.push_str(" desc");
                }
                if let Some(collation) = collation.filter(|c| !c.eq_ignore_ascii_case("binary")) {
                    term.push_str(&format!(" collate {}", collation.to_lowercase()));
                }
                term
            })
            .collect();
        let columns = columns.join(", ");
        match origin.as_str() {
            "c" => {
                let mut fields = vec![
                    format!("on {lower}"),
                    "index".to_owned(),
                    format!("{}({columns})", if unique { "unique " } else { "" }),
                ];
                if partial {
                    fields.push(format!("where {}", partial_clause(text)));
                }
                snapshot.insert(
                    format!("index main.{}", index.to_lowercase()),
                    fields.join("; "),
                );
            }
            "pk" => implicit.push(format!("primary key index ({columns})")),
            _ => implicit.push(format!("unique index ({columns})")),
        }
    }
    implicit.sort();
    value.extend(implicit);
    Ok(value)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Word,
    Str,
    Ident,
    Punct,
}

/// SQL text cut into tokens; whitespace and comments dropped.
fn tokens(sql: &str) -> Vec<(Kind, &str)> {
    let bytes = sql.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && next == Some(b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && next == Some(b'*') {
            i = sql[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |end| i + 2 + end + 2);
        } else if matches!(c, b'\'' | b'"' | b'`' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            let mut j = i + 1;
            while j < bytes.len() {
                if bytes[j] == close {
                    if close != b']' && bytes.get(j + 1) == Some(&close) {
                        j += 2;
                        continue;
                    }
                    j += 1;
                    break;
                }
                j += 1;
            }
            let kind = if c == b'\'' { Kind::Str } else { Kind::Ident };
            out.push((kind, &sql[i..j]));
            i = j;
        } else if word(c) {
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            out.push((Kind::Word, &sql[start..i]));
        } else {
            out.push((Kind::Punct, &sql[i..i + 1]));
            i += 1;
        }
    }
    out
}

/// Tokens back into text: words and unquoted identifiers uppercased, a space only between two
/// words, literals as written.
fn render(tokens: &[(Kind, &str)]) -> String {
    let mut out = String::new();
    let mut previous_wordy = false;
    for &(kind, text) in tokens {
        let wordy = kind != Kind::Punct;
        if wordy && previous_wordy {
            out.push(' ');
        }
        match kind {
            Kind::Word => out.push_str(&text.to_uppercase()),
            Kind::Str | Kind::Punct => out.push_str(text),
            Kind::Ident => {
                let quote = &text[..1];
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                let inner = if quote == "[" {
                    inner.to_owned()
                } else {
                    inner.replace(&format!("{quote}{quote}"), quote)
                };
                out.push_str(&inner.to_uppercase());
            }
        }
        previous_wordy = wordy;
    }
    out
}

/// SQL text with the differences SQLite keeps but that mean nothing taken out.
fn normalize(sql: &str) -> String {
    render(&tokens(sql))
}

fn is_word(token: &(Kind, &str), word: &str) -> bool {
    token.0 == Kind::Word && token.1.eq_ignore_ascii_case(word)
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(tokens: &[(Kind, &str)], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match *token {
            (Kind::Punct, "(") => depth += 1,
            (Kind::Punct, ")") => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len().saturating_sub(1)
}

/// The CHECK constraints of a CREATE TABLE, normalized and sorted.
fn checks(sql: &str) -> Vec<String> {
    let tokens = tokens(sql);
    let mut checks = Vec::new();
    for i in 0..tokens.len() {
        if is_word(&tokens[i], "check") && tokens.get(i + 1) == Some(&(Kind::Punct, "(")) {
            let end = closing(&tokens, i + 1);
            checks.push(format!("check {}", render(&tokens[i + 1..=end])));
        }
    }
    checks.sort();
    checks
}

/// A term of an index's column list without its order and collation (the pragma gives those).
fn index_term(mut term: &[(Kind, &str)]) -> String {
    if let [rest @ .., last] = term
        && (is_word(last, "asc") || is_word(last, "desc"))
    {
        term = rest;
    }
    if let [rest @ .., collate, _] = term
        && is_word(collate, "collate")
    {
        term = rest;
    }
    render(term)
}

/// The terms of a CREATE INDEX's column list, normalized.
fn index_terms(sql: &str) -> Vec<String> {
    let tokens = tokens(sql);
    let Some(on) = tokens.iter().position(|t| is_word(t, "on")) else {
        return Vec::new();
    };
    let Some(open) = (on..tokens.len()).find(|&i| tokens[i] == (Kind::Punct, "(")) else {
        return Vec::new();
    };
    let end = closing(&tokens, open);
    let mut terms = Vec::new();
    let mut depth = 0;
    let mut start = open + 1;
    for i in open + 1..end {
        match tokens[i] {
            (Kind::Punct, "(") => depth += 1,
            (Kind::Punct, ")") => depth -= 1,
            (Kind::Punct, ",") if depth == 0 => {
                terms.push(index_term(&tokens[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < end {
        terms.push(index_term(&tokens[start..end]));
    }
    terms
}

/// The WHERE clause of a partial CREATE INDEX, normalized.
fn partial_clause(sql: &str) -> String {
    let tokens = tokens(sql);
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate() {
        match *token {
            (Kind::Punct, "(") => depth += 1,
            (Kind::Punct, ")") => depth -= 1,
            _ if depth == 0 && is_word(token, "where") => return render(&tokens[i + 1..]),
            _ => {}
        }
    }
    String::new()
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// Schemas that are the system's.
const USER_SCHEMA: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// Not a member of an extension: `catalog` the catalog of object `oid`.
fn own(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// Whitespace runs outside string literals made one space, and the ends trimmed.
fn collapse(text: &str) -> String {
    let mut out = String::new();
    let mut in_literal = false;
    let mut space = false;
    for c in text.chars() {
        if !in_literal && c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c == '\'' {
            in_literal = !in_literal;
        }
        out.push(c);
    }
    out
}

fn pg_error(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

/// The schema of the database a PostgreSQL client is connected to. Read with `search_path` set
/// to `pg_catalog` alone (then set back), so that the catalog's functions name every object with
/// its schema whatever path a migration set.
pub fn postgres(client: &mut postgres::Client) -> Result<Snapshot, String> {
    let path: String = client
        .query_one("SELECT current_setting('search_path')", &[])
        .map_err(pg_error)?
        .get(0);
    client
        .batch_execute("SELECT set_config('search_path', 'pg_catalog', false)")
        .map_err(pg_error)?;
    let snapshot = read_postgres(client);
    let restored = client.query("SELECT set_config('search_path', $1, false)", &[&path]);
    let snapshot = snapshot?;
    restored.map_err(pg_error)?;
    Ok(snapshot)
}

fn read_postgres(client: &mut postgres::Client) -> Result<Snapshot, String> {
    let own_class = own("pg_class", "c.oid");
    let mut snapshot = Snapshot::new();
    let mut query = |sql: &str| client.query(sql, &[]).map_err(pg_error);

    // Schemas.
    for row in query(&format!(
        "SELECT n.nspname FROM pg_namespace n WHERE {USER_SCHEMA} AND {}",
        own("pg_namespace", "n.oid")
    ))? {
        snapshot.insert(
            format!("schema {}", row.get::<_, String>(0)),
            "schema".to_owned(),
        );
    }

    // Extensions.
    for row in query(
        "SELECT x.extname, n.nspname, x.extversion FROM pg_extension x \
         JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname <> 'plpgsql'",
    )? {
        let (name, schema, version): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        snapshot.insert(
            format!("extension {name}"),
            format!("schema {schema}; version {version}"),
        );
    }

    // Columns of tables and standalone composite types, in order.
    let mut columns: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in query(&format!(
        "SELECT n.nspname, c.relname, c.relkind::text, a.attname, \
           format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), \
           a.attidentity::text, a.attgenerated::text, \
           CASE WHEN a.attcollation <> t.typcollation THEN co.collname END \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'c') \
           AND {USER_SCHEMA} AND {own_class} AND {} \
         ORDER BY n.nspname, c.relname, a.attnum",
        own("pg_type", "c.reltype")
    ))? {
        let (schema, relation, kind, column, kind_of): (String, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let notnull: bool = row.get(5);
        let default: Option<String> = row.get(6);
        let identity: String = row.get(7);
        let generated: String = row.get(8);
        let collation: Option<String> = row.get(9);
        if kind == "c" {
            let mut term = format!("{column} {kind_of}");
            if let Some(collation) = collation {
                term.push_str(&format!(" collate {collation}"));
            }
            columns.entry((schema, relation)).or_default().push(term);
            continue;
        }
        let mut fields = vec![
            kind_of,
            if notnull { "not null" } else { "null" }.to_owned(),
        ];
        match (default, generated.as_str()) {
            (Some(expression), "s") => {
                fields.push(format!("generated always as ({expression}) stored"))
            }
            (Some(expression), _) => fields.push(format!("default {expression}")),
            (None, _) => {}
        }
        match identity.as_str() {
            "a" => fields.push("identity always".to_owned()),
            "d" => fields.push("identity by default".to_owned()),
            _ => {}
        }
        if let Some(collation) = collation {
            fields.push(format!("collate {collation}"));
        }
        snapshot.insert(
            format!("column {schema}.{relation}.{column}"),
            fields.join("; "),
        );
        columns.entry((schema, relation)).or_default().push(column);
    }

    // Tables, views, materialized views.
    for row in query(&format!(
        "SELECT n.nspname, c.relname, c.relkind::text, c.relpersistence::text, \
           c.relrowsecurity, c.relforcerowsecurity, \
           CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
           (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' \
                              ORDER BY i.inhseqno) \
              FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
              JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid), \
           pg_get_expr(c.relpartbound, c.oid), \
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, \
           array_to_string(c.reloptions, ', ') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {USER_SCHEMA} AND {own_class}"
    ))? {
        let (schema, name, kind, persistence): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let (rls, force_rls): (bool, bool) = (row.get(4), row.get(5));
        let partition_key: Option<String> = row.get(6);
        let parents: Option<String> = row.get(7);
        let bound: Option<String> = row.get(8);
        let definition: Option<String> = row.get(9);
        let options: Option<String> = row.get(10);
        let mut fields = vec![
            match kind.as_str() {
                "r" => "table",
                "p" => "partitioned table",
                "f" => "foreign table",
                "v" => "view",
                _ => "materialized view",
            }
            .to_owned(),
        ];
        if matches!(kind.as_str(), "r" | "p" | "f") {
            let names = columns
                .get(&(schema.clone(), name.clone()))
                .map(|c| c.join(", "))
                .unwrap_or_default();
            fields.push(format!("columns ({names})"));
        }
        if persistence == "u" {
            fields.push("unlogged".to_owned());
        }
        if let Some(key) = partition_key {
            fields.push(format!("partition by {key}"));
        }
        match (parents, bound) {
            (Some(parent), Some(bound)) => fields.push(format!("partition of {parent} {bound}")),
            (Some(parents), None) => fields.push(format!("inherits {parents}")),
            _ => {}
        }
        if rls {
            fields.push("row level security".to_owned());
        }
        if force_rls {
            fields.push("force row level security".to_owned());
        }
        if let Some(options) = options.filter(|o| !o.is_empty()) {
            fields.push(format!("with ({options})"));
        }
        if let Some(definition) = definition {
            fields.push(collapse(&definition));
        }
        let key = if matches!(kind.as_str(), "v" | "m") {
            "view"
        } else {
            "table"
        };
        snapshot.insert(format!("{key} {schema}.{name}"), fields.join("; "));
    }

    // Constraints of tables.
    for row in query(&format!(
        "SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE k.conrelid <> 0 AND {USER_SCHEMA} AND {own_class}"
    ))? {
        let (schema, table, name, definition): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        snapshot.insert(format!("constraint {schema}.{table}.{name}"), definition);
    }

    // Indexes. A constraint's is the index its primary key, unique or exclusion constraint made
    // (a foreign key's conindid is the referenced table's index: not that).
    for row in query(&format!(
        "SELECT n.nspname, i.relname, c.relname, pg_get_indexdef(i.oid), x.indisvalid, \
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid \
                   AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace \
         WHERE {USER_SCHEMA} AND {own_class}"
    ))? {
        let (schema, name, table, definition): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let (valid, constraint): (bool, bool) = (row.get(4), row.get(5));
        let mut fields = vec![
            format!("on {table}"),
            if constraint {
                "constraint index"
            } else {
                "index"
            }
            .to_owned(),
            definition,
        ];
        if !valid {
            fields.push("invalid".to_owned());
        }
        snapshot.insert(format!("index {schema}.{name}"), fields.join("; "));
    }

    // Sequences, with the column that owns them.
    for row in query(&format!(
        "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart::text, \
           s.seqincrement::text, s.seqmin::text, s.seqmax::text, s.seqcache::text, s.seqcycle, \
           (SELECT CASE d.deptype WHEN 'i' THEN 'identity of ' ELSE 'owned by ' END \
                   || quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' \
                   || quote_ident(a.attname) \
              FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid \
              JOIN pg_namespace tn ON tn.oid = t.relnamespace \
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_SCHEMA} AND {own_class}"
    ))? {
        let (schema, name): (String, String) = (row.get(0), row.get(1));
        let mut fields: Vec<String> = vec![row.get(2)];
        for (i, label) in [
            (3, "start"),
            (4, "increment"),
            (5, "min"),
            (6, "max"),
            (7, "cache"),
        ] {
            fields.push(format!("{label} {}", row.get::<_, String>(i)));
        }
        fields.push(if row.get(8) { "cycle" } else { "no cycle" }.to_owned());
        if let Some(owner) = row.get::<_, Option<String>>(9) {
            fields.push(owner);
        }
        snapshot.insert(format!("sequence {schema}.{name}"), fields.join("; "));
    }

    // Types: enums, domains, ranges, standalone composites.
    for row in query(&format!(
        "SELECT n.nspname, t.typname, t.typtype::text, \
           CASE t.typtype \
             WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(l.enumlabel), \
               ', ' ORDER BY l.enumsortorder) FROM pg_enum l WHERE l.enumtypid = t.oid), '') || ')' \
             WHEN 'd' THEN 'domain; ' || format_type(t.typbasetype, t.typtypmod) \
               || CASE WHEN t.typnotnull THEN '; not null' ELSE '; null' END \
               || coalesce('; default ' || t.typdefault, '') \
               || coalesce('; collate ' || (SELECT co.collname FROM pg_collation co \
                    WHERE co.oid = t.typcollation AND t.typcollation <> \
                    (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)), '') \
               || coalesce((SELECT string_agg('; ' || k.conname || ' ' || pg_get_constraintdef(k.oid), \
                    '' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '') \
             WHEN 'r' THEN (SELECT 'range; ' || format_type(r.rngsubtype, NULL) \
               || coalesce('; subtype diff ' || nullif(r.rngsubdiff::regproc::text, '-'), '') \
               FROM pg_range r WHERE r.rngtypid = t.oid) \
           END \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_class c ON c.oid = t.typrelid \
         WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c')) \
           AND {USER_SCHEMA} AND {}",
        own("pg_type", "t.oid")
    ))? {
        let (schema, name, kind): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let value = match row.get::<_, Option<String>>(3) {
            Some(value) => value,
            None if kind == "c" => {
                let attributes = columns
                    .get(&(schema.clone(), name.clone()))
                    .map(|c| c.join(", "))
                    .unwrap_or_default();
                format!("composite ({attributes})")
            }
            None => kind,
        };
        snapshot.insert(format!("type {schema}.{name}"), value);
    }

    // Functions, procedures, aggregates: the whole definition hashed, whitespace collapsed. Not
    // those a type made for itself (a range's constructors: an internal dependency).
    for row in query(&format!(
        "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), \
           p.prokind::text, pg_get_function_result(p.oid), \
           CASE WHEN p.prokind <> 'a' \
             THEN md5(regexp_replace(pg_get_functiondef(p.oid), '\\s+', ' ', 'g')) END \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE {USER_SCHEMA} AND {} \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                           AND d.objid = p.oid AND d.deptype = 'i')",
        own("pg_proc", "p.oid")
    ))? {
        let (schema, name, arguments, kind): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let result: Option<String> = row.get(4);
        let hash: Option<String> = row.get(5);
        let mut fields = vec![
            match kind.as_str() {
                "p" => "procedure",
                "a" => "aggregate",
                "w" => "window function",
                _ => "function",
            }
            .to_owned(),
        ];
        if let Some(result) = result {
            fields.push(format!("returns {result}"));
        }
        if let Some(hash) = hash {
            fields.push(format!("definition md5 {hash}"));
        }
        snapshot.insert(
            format!("function {schema}.{name}({arguments})"),
            fields.join("; "),
        );
    }

    // Triggers (not those constraints made).
    for row in query(&format!(
        "SELECT n.nspname, c.relname, g.tgname, pg_get_triggerdef(g.oid), g.tgenabled::text \
         FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT g.tgisinternal AND {USER_SCHEMA} AND {own_class}"
    ))? {
        let (schema, table, name, definition, enabled): (String, String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let mut value = definition;
        if enabled != "O" {
            value.push_str(&format!("; enabled {enabled}"));
        }
        snapshot.insert(format!("trigger {schema}.{table}.{name}"), value);
    }

    // Row-level security policies and rewrite rules (other than views').
    for row in query(
        "SELECT n.schemaname, n.tablename, n.policyname, n.permissive, \
           array_to_string(n.roles, ', '), n.cmd, n.qual, n.with_check \
         FROM pg_policies n WHERE n.schemaname NOT LIKE 'pg\\_%' \
           AND n.schemaname <> 'information_schema'",
    )? {
        let (schema, table, name, permissive, roles, command): (
            String,
            String,
            String,
            String,
            String,
            String,
        ) = (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
        );
        let mut fields = vec![
            permissive.to_lowercase(),
            format!("for {command}"),
            format!("to {roles}"),
        ];
        if let Some(using) = row.get::<_, Option<String>>(6) {
            fields.push(format!("using ({})", collapse(&using)));
        }
        if let Some(check) = row.get::<_, Option<String>>(7) {
            fields.push(format!("with check ({})", collapse(&check)));
        }
        snapshot.insert(format!("policy {schema}.{table}.{name}"), fields.join("; "));
    }
    for row in query(
        "SELECT n.schemaname, n.tablename, n.rulename, n.definition FROM pg_rules n \
         WHERE n.schemaname NOT LIKE 'pg\\_%' AND n.schemaname <> 'information_schema'",
    )? {
        let (schema, table, name, definition): (String, String, String, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        snapshot.insert(
            format!("rule {schema}.{table}.{name}"),
            collapse(&definition),
        );
    }

    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_memory() -> rusqlite::Connection {
        rusqlite::Connection::open_in_memory().unwrap()
    }

    #[test]
    fn sqlite_rebuild_keeps_the_snapshot() {
        let conn = sqlite_memory();
        conn.execute_batch(
            "CREATE TABLE u (x TEXT);
             CREATE VIEW v AS SELECT x FROM u;
             CREATE TABLE t (
                 id INTEGER PRIMARY KEY,
                 name TEXT NOT NULL UNIQUE,
                 score integer DEFAULT 0 CHECK (score >= 0),
                 parent INTEGER REFERENCES t (id) ON DELETE CASCADE
             );
             CREATE INDEX t_name ON t (name) WHERE name <> '';
             CREATE INDEX t_lower ON t (lower(name) COLLATE nocase DESC);
             CREATE TRIGGER t_check AFTER INSERT ON t BEGIN SELECT 1; END;",
        )
        .unwrap();
        let before = sqlite(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE new_t (id integer primary key, name text not null unique,
                 score INTEGER default 0 check(score>=0),
                 parent integer references \"t\"(id) on delete cascade);
             INSERT INTO new_t SELECT * FROM t;
             DROP TABLE t;
             ALTER TABLE new_t RENAME TO t;
             CREATE INDEX t_name ON t(name) WHERE name<>'';
             CREATE INDEX t_lower ON t(LOWER(name)collate NOCASE desc);
             create trigger t_check after insert on t begin select 1; end;",
        )
        .unwrap();
        let after = sqlite(&conn).unwrap();
        assert_eq!(diff(&before, &after), Vec::<String>::new());
        assert_eq!(before, after);
        assert_eq!(
            after["index main.t_lower"],
            "on t; index; (LOWER(NAME) desc collate nocase)"
        );
        assert_eq!(
            after["index main.t_name"],
            "on t; index; (name); where NAME<>''"
        );

        let facts = coarse(&after);
        for fact in [
            "table main.t",
            "view main.v",
            "column main.t.id null",
            "column main.t.name not null",
            "index main.t_name on t",
            "index main.t_lower on t",
            "trigger main.t.t_check",
        ] {
            assert!(facts.contains(fact), "{fact} not in {facts:#?}");
        }
        assert!(!facts.iter().any(|f| f.contains("autoindex")), "{facts:#?}");

        conn.execute_batch("ALTER TABLE t ADD COLUMN extra TEXT NOT NULL DEFAULT ''")
            .unwrap();
        let differences = diff(&after, &sqlite(&conn).unwrap());
        assert_eq!(differences, vec!["extra column main.t.extra".to_owned()]);

        // A column dropped and added again goes last; a column added says so alone.
        conn.execute_batch("CREATE TABLE w (x TEXT, y INT)")
            .unwrap();
        let before = sqlite(&conn).unwrap();
        conn.execute_batch("ALTER TABLE w DROP COLUMN x; ALTER TABLE w ADD COLUMN x TEXT")
            .unwrap();
        conn.execute_batch("ALTER TABLE w ADD COLUMN z INT")
            .unwrap();
        assert_eq!(
            diff(&before, &sqlite(&conn).unwrap()),
            vec![
                "extra column main.w.z".to_owned(),
                "changed table main.w: column order was (x, y), now (y, x, z)".to_owned(),
            ]
        );
    }

    #[test]
    fn long_changes_are_cut_to_where_they_differ() {
        let was = format!("{}abc{}", "x".repeat(200), "y".repeat(200));
        let now = format!("{}aXc{}", "x".repeat(200), "y".repeat(200));
        let before = Snapshot::from([("view s.v".to_owned(), was)]);
        let after = Snapshot::from([("view s.v".to_owned(), now)]);
        let (x, y) = ("x".repeat(39), "y".repeat(39));
        assert_eq!(
            diff(&before, &after),
            vec![format!(
                "changed view s.v: was ...{x}abc{y}..., now ...{x}aXc{y}..."
            )]
        );
    }

    const PG_SCHEMA: &str = "
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE TYPE span AS RANGE (subtype = int4);
        CREATE TABLE t (
            id serial PRIMARY KEY,
            name text NOT NULL,
            code text UNIQUE,
            feeling mood DEFAULT 'happy',
            updated_at timestamptz
        );
        CREATE INDEX t_name_idx ON t (name);
        CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t (id));
        CREATE VIEW named AS SELECT id, name FROM t WHERE name <> '';
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER set_updated_at BEFORE UPDATE ON t
            FOR EACH ROW EXECUTE FUNCTION touch();";

    #[test]
    fn postgres_recreation_keeps_the_snapshot() {
        let Some(mut database) = crate::ScratchDatabase::new("introspect_test_snapshot") else {
            return;
        };
        let client = database.client();
        client.batch_execute(PG_SCHEMA).unwrap();
        let before = postgres(client).unwrap();
        // Everything dropped, then made again with other formatting.
        client
            .batch_execute(
                "DROP VIEW named; DROP TABLE u; DROP TABLE t; DROP FUNCTION touch(); DROP TYPE mood;
                 DROP TYPE span;
                 create type mood as enum ('happy','sad');
                 create type span as range (subtype = integer);
                 create table t (id SERIAL primary key, name TEXT not null, code TEXT unique,
                                 feeling mood default 'happy', updated_at TIMESTAMP WITH TIME ZONE);
                 create index t_name_idx on t(name);
                 create table u (id INTEGER primary key, t_id INTEGER references t(id));
                 create view named as select id, name from t where name<>'';
                 create function touch() returns trigger language plpgsql as $$
                 BEGIN  NEW.updated_at := now();  RETURN NEW;  END $$;
                 create trigger set_updated_at before update on t
                 for each row execute function touch();",
            )
            .unwrap();
        let after = postgres(client).unwrap();
        assert_eq!(diff(&before, &after), Vec::<String>::new());

        // The session's search_path changes nothing, and is left as it was.
        client.batch_execute("SET search_path TO nowhere").unwrap();
        assert_eq!(postgres(client).unwrap(), after);
        let path: String = client
            .query_one("SELECT current_setting('search_path')", &[])
            .unwrap()
            .get(0);
        assert_eq!(path, "nowhere");
        client.batch_execute("SET search_path TO DEFAULT").unwrap();

        let facts = coarse(&after);
        for fact in [
            "table public.t",
            "view public.named",
            "type public.mood",
            "type public.span",
            "function public.touch",
            "sequence public.t_id_seq",
            "trigger public.t.set_updated_at",
            "column public.t.id not null",
            "column public.t.code null",
            "index public.t_name_idx on t",
        ] {
            assert!(facts.contains(fact), "{fact} not in {facts:#?}");
        }
        // Not a constraint's index, not the public schema, not a range's constructors.
        for absent in [
            "index public.t_pkey on t",
            "index public.t_code_key on t",
            "schema public",
            "function public.span",
        ] {
            assert!(!facts.contains(absent), "{absent} in {facts:#?}");
        }
        assert!(!facts.iter().any(|f| f.starts_with("column public.named.")));

        client
            .batch_execute("ALTER TABLE t ALTER COLUMN code SET NOT NULL")
            .unwrap();
        let differences = diff(&after, &postgres(client).unwrap());
        assert_eq!(
            differences,
            vec!["changed column public.t.code: was null, now not null".to_owned()]
        );

        // A function made again with another body is caught.
        client
            .batch_execute(
                "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RETURN NEW; END $$",
            )
            .unwrap();
        let differences = diff(&after, &postgres(client).unwrap());
        assert!(
            differences
                .iter()
                .any(|d| d.starts_with("changed function public.touch()")),
            "{differences:#?}"
        );
    }

    #[test]
    fn a_null_default_is_no_default_and_identity_is_generated() {
        let snapshot: Snapshot = [
            ("column public.t.a", "integer; null; default NULL::integer"),
            ("column public.t.b", "integer; not null; default 1"),
            ("column public.t.c", "integer; not null; identity always"),
            (
                "column public.t.d",
                "integer; null; generated always as ((b * 2)) stored",
            ),
            ("column main.u.e", "TEXT; null; default NULL"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let facts: Vec<String> = coarse(&snapshot).into_iter().collect();
        assert_eq!(
            facts,
            [
                "column main.u.e null",
                "column public.t.a null",
                "column public.t.b default",
                "column public.t.b not null",
                "column public.t.c generated",
                "column public.t.c not null",
                "column public.t.d generated",
                "column public.t.d null",
            ]
        );
    }
}
