//! Up/down symmetry: the schema after a migration's up and then its down, compared with the
//! schema before the up, object by object, for the objects either of them changed.

use std::collections::HashMap;

use super::{
    Column, ConstraintKind, Journal, Key, Kind, Kinds, Model, Object, Space, canonical_type,
};
use crate::dialect::Dialect;

/// One way the down does not undo the up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    /// What differs, as a sentence that follows the down file's name: "leaves column ...".
    pub message: String,
    /// The up's statement that made the change, when the up made it.
    pub up_statement: Option<usize>,
    /// Why no down can undo it, when the database cannot.
    pub cannot_undo: Option<&'static str>,
}

/// PostgreSQL has `ALTER TYPE ... ADD VALUE` and no way to drop a value.
const ENUM_VALUE: &str = "PostgreSQL cannot remove a value from an enum type (there is no `ALTER \
                          TYPE ... DROP VALUE`): only recreating the type, and every column that \
                          uses it, takes it away";

/// Compares the schema before the up (the journals' first values) with the model now (after the
/// down). Kinds either file changed in ways the model does not know are not compared.
pub(crate) fn compare(model: &Model, up: &Journal, down: &Journal, open: Kinds) -> Vec<Difference> {
    // A kind open before the up: an object the model does not have may have been there.
    let skip = up.opened | down.opened | open;
    let mut before: HashMap<&Key, (Option<&Object>, Option<usize>)> = HashMap::new();
    let mut order: Vec<&Key> = Vec::new();
    for (key, value, statement) in &up.before {
        before.insert(key, (value.as_ref(), Some(*statement)));
        order.push(key);
    }
    for (key, value, _) in &down.before {
        if !before.contains_key(key) {
            before.insert(key, (value.as_ref(), None));
            order.push(key);
        }
    }
    // Objects that go with a table (its indexes, triggers, sequences) are not named again
    // when the table itself differs.
    let mut table_differs: Vec<&Key> = Vec::new();
    let mut found = Vec::new();
    for key in &order {
        let (was, up_statement) = before[key];
        let now = model.get(key);
        if matches!(was, Some(Object::Maybe)) || matches!(now, Some(Object::Maybe)) {
            continue;
        }
        let kind = was.or(now).and_then(Object::kind);
        if kind.is_none_or(|k| skip & k.bit() != 0) {
            continue;
        }
        // What belongs to a table the model no longer knows (its sequences, its indexes) may
        // have gone or come back with it.
        let unknown_owner = [was, now]
            .into_iter()
            .flatten()
            .filter_map(dependent_of)
            .any(|owner| {
                matches!(
                    model.get(owner),
                    Some(Object::Maybe) | Some(Object::Table(super::Table { known: false, .. }))
                )
            });
        if unknown_owner {
            continue;
        }
        let name = display(key);
        let noun = kind.map_or("object", Kind::noun);
        let message = match (was, now) {
            (None, None) => continue,
            (None, Some(object)) => {
                if !said_apart(object, key, &mut table_differs) {
                    continue;
                }
                format!("leaves {noun} `{name}` that the up created")
            }
            (Some(object), None) => {
                if !said_apart(object, key, &mut table_differs) {
                    continue;
                }
                if up_statement.is_some() {
                    format!("does not recreate {noun} `{name}` that the up dropped")
                } else {
                    format!("drops {noun} `{name}`, which the up did not create")
                }
            }
            (Some(was), Some(now)) => {
                for (message, cannot_undo) in changes(model.dialect, key, was, now) {
                    found.push(Difference {
                        message,
                        up_statement,
                        cannot_undo,
                    });
                }
                continue;
            }
        };
        found.push(Difference {
            message,
            up_statement,
            cannot_undo: None,
        });
    }
    found
}

/// How an object changed, each change with why no down can undo it, when none can.
fn changes(
    dialect: Dialect,
    key: &Key,
    was: &Object,
    now: &Object,
) -> Vec<(String, Option<&'static str>)> {
    let (Object::Type(super::UserType::Enum(was)), Object::Type(super::UserType::Enum(now))) =
        (was, now)
    else {
        return object_differences(dialect, key, was, now)
            .into_iter()
            .map(|message| (message, None))
            .collect();
    };
    let name = display(key);
    let added = now.iter().filter(|l| !was.contains(l)).map(|label| {
        (
            format!("leaves label `{label}` of enum `{name}` that the up added"),
            (dialect == Dialect::Postgres).then_some(ENUM_VALUE),
        )
    });
    let removed = was.iter().filter(|l| !now.contains(l)).map(|label| {
        (
            format!("does not restore label `{label}` of enum `{name}`"),
            None,
        )
    });
    added.chain(removed).collect()
}

/// Whether an object that is there on one side only is named on its own: not when it is a
/// constraint's index (the constraint is named) or belongs to a table named already. A table
/// is remembered as named.
fn said_apart<'k>(object: &Object, key: &'k Key, tables: &mut Vec<&'k Key>) -> bool {
    if dependent_of(object).is_some_and(|table| tables.contains(&table))
        || matches!(object, Object::Index(i) if i.constraint)
    {
        return false;
    }
    if matches!(object, Object::Table(_)) {
        tables.push(key);
    }
    true
}

/// The table an index, trigger or owned sequence belongs to.
fn dependent_of(object: &Object) -> Option<&Key> {
    match object {
        Object::Index(i) => Some(&i.table),
        Object::Trigger(t) => Some(&t.table),
        Object::Sequence(s) => s.owner.as_ref(),
        _ => None,
    }
}

fn display(key: &Key) -> String {
    let name = key.name.replace('\0', ".");
    match (key.space, key.schema.as_str()) {
        (Space::Schema, _) | (_, "public" | "main") => name,
        (_, schema) => format!("{schema}.{name}"),
    }
}

/// How an object other than an enum differs from what it was (an enum's changes are
/// [`changes`]).
fn object_differences(dialect: Dialect, key: &Key, was: &Object, now: &Object) -> Vec<String> {
    let name = display(key);
    match (was, now) {
        (Object::Table(was), Object::Table(now)) => {
            if !was.known || !now.known {
                return Vec::new();
            }
            let mut out = Vec::new();
            for column in &was.columns {
                match now.column(&column.name) {
                    None => out.push(format!(
                        "does not restore column `{name}.{}` that the up dropped",
                        column.name
                    )),
                    Some(current) => {
                        if let Some(change) = column_change(dialect, column, current) {
                            out.push(format!("recreates `{name}.{}` as {change}", column.name));
                        }
                    }
                }
            }
            for column in &now.columns {
                if was.column(&column.name).is_none() {
                    out.push(format!(
                        "leaves column `{name}.{}` that the up added",
                        column.name
                    ));
                }
            }
            let dropped_columns = |c: &super::Constraint| {
                c.columns.iter().any(|col| now.column(col).is_none())
                    || c.columns.iter().any(|col| was.column(col).is_none())
            };
            // The same constraint, whether its name was written or given.
            let same = |a: &super::Constraint, b: &super::Constraint| {
                a.name == b.name && a.kind == b.kind && a.columns == b.columns
            };
            let has =
                |list: &[super::Constraint], c: &super::Constraint| list.iter().any(|x| same(x, c));
            // A constraint of the same name and kind on the same columns, defined otherwise
            // (a foreign key's `ON DELETE`, say).
            let counterpart = |c: &super::Constraint, list: &'_ [super::Constraint]| {
                list.iter()
                    .find(|x| {
                        x.name == c.name
                            && x.columns == c.columns
                            && std::mem::discriminant(&x.kind) == std::mem::discriminant(&c.kind)
                            && !same(x, c)
                    })
                    .cloned()
            };
            let redefined =
                |c: &super::Constraint, list: &[super::Constraint]| counterpart(c, list).is_some();
            for constraint in &was.constraints {
                if has(&now.constraints, constraint) || dropped_columns(constraint) {
                    continue;
                }
                match counterpart(constraint, &now.constraints) {
                    Some(current) => out.push(format!(
                        "recreates {} on table `{name}`; it was {}",
                        describe(&current),
                        describe(constraint)
                    )),
                    None => out.push(format!(
                        "does not restore {} of table `{name}` that the up dropped",
                        describe(constraint)
                    )),
                }
            }
            for constraint in &now.constraints {
                if !has(&was.constraints, constraint)
                    && !dropped_columns(constraint)
                    && !redefined(constraint, &was.constraints)
                {
                    out.push(format!(
                        "leaves {} on table `{name}` that the up added",
                        describe(constraint)
                    ));
                }
            }
            out
        }
        (Object::Index(was), Object::Index(now)) => {
            // PostgreSQL rewrites an expression (`date(date)` on a date is the column), so
            // expressions are not compared.
            let expression = |i: &super::Index| i.columns.iter().any(|c| c.starts_with('('));
            if was.constraint || now.constraint || expression(was) || expression(now) {
                return Vec::new();
            }
            if was.table != now.table || was.columns != now.columns || was.unique != now.unique {
                let unique = |u: bool| if u { "unique index" } else { "index" };
                vec![format!(
                    "recreates index `{name}` as {} on `{}` ({}); it was {} on `{}` ({})",
                    unique(now.unique),
                    now.table.name,
                    now.columns.join(", "),
                    unique(was.unique),
                    was.table.name,
                    was.columns.join(", ")
                )]
            } else {
                Vec::new()
            }
        }
        (Object::Function(was), Object::Function(now)) => {
            let mut out = Vec::new();
            for signature in now.signatures.difference(&was.signatures) {
                out.push(format!(
                    "leaves function `{name}({signature})` that the up created"
                ));
            }
            for signature in was.signatures.difference(&now.signatures) {
                out.push(format!(
                    "does not recreate function `{name}({signature})` that the up dropped"
                ));
            }
            out
        }
        (Object::View(was), Object::View(now)) if was.materialized != now.materialized => {
            vec![format!("recreates view `{name}` as another kind of view")]
        }
        (was, now) if was.kind() != now.kind() => {
            vec![format!(
                "leaves `{name}` a {} where it was a {}",
                now.kind().map_or("object", Kind::noun),
                was.kind().map_or("object", Kind::noun)
            )]
        }
        _ => Vec::new(),
    }
}

/// How a column changed, as "`TEXT NULL`; it was `TEXT NOT NULL`", if it did in a way the
/// model can tell.
fn column_change(dialect: Dialect, was: &Column, now: &Column) -> Option<String> {
    // Types are compared when both are spelled in a way the model can resolve.
    let type_known = |ty: &str| dialect == Dialect::Sqlite || canonical_type(dialect, ty).1;
    let type_differs = was.ty != now.ty && type_known(&was.ty) && type_known(&now.ty);
    let null_differs = was.not_null != now.not_null;
    let default_differs = was.default.is_some() != now.default.is_some()
        || match (&was.default, &now.default) {
            // A literal of an enum follows the enum's labels when they are renamed: only
            // built-in types' literals are compared.
            (Some(a), Some(b)) => {
                type_known(&was.ty)
                    && canonical_type(dialect, &was.ty).1
                    && literal(a).zip(literal(b)).is_some_and(|(a, b)| a != b)
            }
            _ => false,
        };
    if !(type_differs || null_differs || default_differs) {
        return None;
    }
    let show = |c: &Column| {
        let mut s = if c.ty.is_empty() {
            "(no type)".to_owned()
        } else {
            c.ty.clone()
        };
        s.push_str(if c.not_null { " NOT NULL" } else { " NULL" });
        if let Some(default) = &c.default {
            s.push_str(" DEFAULT ");
            s.push_str(default);
        }
        s
    };
    Some(format!("`{}`; it was `{}`", show(now), show(was)))
}

/// A default that is a plain number or string, as a value: two defaults are compared only when
/// both are (`0` and `'0'` may be one value to the database).
fn literal(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.split("::").next().unwrap_or(text).trim();
    if let Ok(n) = text.trim_matches('\'').parse::<f64>() {
        return Some(format!("{n}"));
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return Some(text[1..text.len() - 1].to_owned());
    }
    None
}

fn describe(constraint: &super::Constraint) -> String {
    let what = match &constraint.kind {
        ConstraintKind::PrimaryKey => "primary key",
        ConstraintKind::Unique => "unique constraint",
        ConstraintKind::ForeignKey { .. } => "foreign key",
        ConstraintKind::Check => "check constraint",
        ConstraintKind::Exclude => "exclusion constraint",
    };
    let actions = match &constraint.kind {
        ConstraintKind::ForeignKey { actions, .. } => format!(" {actions}"),
        _ => String::new(),
    };
    let columns = constraint.columns.join(", ");
    if constraint.name.is_empty() {
        format!("{what} ({columns}){actions}")
    } else {
        format!("{what} `{}` ({columns}){actions}", constraint.name)
    }
}
