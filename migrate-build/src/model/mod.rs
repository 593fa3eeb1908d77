//! The schema model: what the schema is after each statement, derived from sqlparser's syntax
//! tree, with no database.
//!
//! The replay applies every migration's statements in version order to a [`Model`]: schemas,
//! tables (columns with type, nullability, default, identity; primary, unique, foreign key and
//! check constraints), indexes, views, sequences, types, functions, procedures and triggers. It
//! gives two kinds of finding:
//!
//! - *ordering* (`missing-object`, `already-exists`, `still-used`): a statement uses what no
//!   earlier migration made, makes what already exists, or drops what something still uses;
//! - *symmetry* (`asymmetric-down`): a down migration that does not leave the schema as it was
//!   before its up.
//!
//! The model never guesses. What it does not understand, it marks as unknown: one object
//! ([`Object::Maybe`], a table whose columns are not known), or a whole kind of object (a
//! function body or `DO` block that may create triggers, an extension that may create types).
//! Checks say nothing on unknown ground. Rows are out of scope: a down cannot bring back deleted
//! data, and the model does not try to tell.
//!
//! The model runs after the database check. Where the database ran a statement, its verdict
//! stands: a statement it accepted changes the model whatever the model thought of it, and is
//! never an error of the model; one it refused gets the model's finding as a note.

use std::collections::{BTreeSet, HashMap};

use crate::dialect::Dialect;

mod apply;
mod replay;
mod symmetry;

pub(crate) use crate::kind::{Kind, Kinds};
pub(crate) use replay::{facts_after_each, replay};

/// The namespace an object's name lives in. Tables, views, indexes and sequences share one, as
/// they do in both databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Space {
    Relation,
    Type,
    Function,
    Trigger,
    Schema,
}

/// Where an object is: its namespace, schema and name, normalized as the database compares
/// names (PostgreSQL folds unquoted names to lower case; SQLite ignores ASCII case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub space: Space,
    pub schema: String,
    pub name: String,
}

impl Key {
    pub(crate) fn new(space: Space, schema: &str, name: &str) -> Key {
        Key {
            space,
            schema: schema.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// An object of the schema.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Object {
    Table(Table),
    View(View),
    Index(Index),
    Sequence(Sequence),
    Type(UserType),
    Function(Function),
    Trigger(Trigger),
    Schema,
    /// May or may not exist, and if it does, nothing is known of it: a view a `CASCADE` may have
    /// dropped, a table created by a statement the parser could not read.
    Maybe,
}

impl Object {
    pub(crate) fn kind(&self) -> Option<Kind> {
        Some(match self {
            Object::Table(_) => Kind::Table,
            Object::View(_) => Kind::View,
            Object::Index(_) => Kind::Index,
            Object::Sequence(_) => Kind::Sequence,
            Object::Type(_) => Kind::Type,
            Object::Function(_) => Kind::Function,
            Object::Trigger(_) => Kind::Trigger,
            Object::Schema => Kind::Schema,
            Object::Maybe => return None,
        })
    }
}

/// A table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// False when a statement the model does not understand may have changed its columns or
    /// constraints: then only its existence is known.
    pub known: bool,
}

impl Table {
    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Column {
    /// Normalized name.
    pub name: String,
    /// The type, canonical: upper case, one space between words, PostgreSQL's aliases resolved.
    pub ty: String,
    pub not_null: bool,
    /// The default expression as written (normalized text), if any.
    pub default: Option<String>,
    /// `GENERATED ... AS IDENTITY` or a generated column's expression.
    pub generated: bool,
}

/// What a constraint is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey {
        /// The referenced table, when it could be resolved.
        table: Option<Key>,
        /// The referenced columns (the referenced table's primary key when none are written),
        /// empty when not known.
        references: Vec<String>,
        /// `ON DELETE ... ON UPDATE ...`, the defaults written out.
        actions: String,
    },
    Check,
    Exclude,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Constraint {
    /// Its name: as written, or the one the database gives it (PostgreSQL); empty when SQLite
    /// gives it none.
    pub name: String,
    /// Whether the name was written in the statement.
    pub named: bool,
    pub kind: ConstraintKind,
    /// The columns it is on, normalized (a check's: the columns its expression names).
    pub columns: Vec<String>,
}

/// An index.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Index {
    /// The table's key.
    pub table: Key,
    /// The indexed columns, normalized, or an expression's text.
    pub columns: Vec<String>,
    pub unique: bool,
    /// The index of a primary key or unique constraint (PostgreSQL), named like it.
    pub constraint: bool,
    /// The columns its `INCLUDE` lists, and every word of its `WHERE`, lower case: dropping a
    /// column they name drops the index (PostgreSQL), or may.
    pub mentions: BTreeSet<String>,
}

/// A view or materialized view.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct View {
    pub materialized: bool,
    /// Every word of its query, lower case: what it may depend on.
    pub mentions: BTreeSet<String>,
}

/// A sequence.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sequence {
    /// The table whose column owns it (`SERIAL`, identity, `OWNED BY`).
    pub owner: Option<Key>,
    /// That column.
    pub column: Option<String>,
}

/// A user-defined type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UserType {
    Enum(Vec<String>),
    Domain(String),
    Other,
}

/// A function or procedure, with all its overloads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Function {
    /// The argument types of each overload, canonical.
    pub signatures: BTreeSet<String>,
    /// What calling it may change, from its body.
    pub effects: Kinds,
}

/// A trigger.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Trigger {
    pub table: Key,
    /// The function it runs, normalized (last part of its name), when the model read it.
    pub function: Option<String>,
}

/// What a name refers to.
#[derive(Debug)]
pub(crate) enum Lookup<'a> {
    Found(&'a Key, &'a Object),
    Absent,
    /// Unknown: the kind is open, the schema is not the model's, or the object is
    /// [`Object::Maybe`].
    Unknown,
}

/// The schema after some statements.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub dialect: Dialect,
    objects: HashMap<Key, Object>,
    /// Kinds of object a statement may have changed in ways the model does not know.
    pub open: Kinds,
    /// PostgreSQL's `search_path`, normalized.
    pub search_path: Vec<String>,
    /// The `search_path` before a `SET LOCAL` changed it, to put back when the file ends.
    pub local_search_path: Option<Vec<String>>,
    /// Whether a temporary object was made since the last file ended.
    temporaries: bool,
    /// Whether the file being applied runs in a transaction (`SET LOCAL` needs one).
    pub in_transaction: bool,
    /// Whether functions the model does not know may change the schema (an extension's): then
    /// calling one makes everything unknown. Otherwise an unknown function is a built-in one.
    pub foreign_code: bool,
    /// The first value each changed key had since [`Model::begin`], to compare and restore.
    journal: Option<Journal>,
    /// The index of the statement being applied, for the journal.
    pub current: usize,
    /// Whether the database check ran the statement being applied and accepted it: then it
    /// changed the schema, whatever the model thinks of it.
    pub accepted: bool,
    /// For each table, the keys of objects that refer to it or did (indexes, triggers,
    /// sequences it owns, tables whose foreign keys name it): a superset, checked on use, so
    /// that dropping or renaming a table does not scan the whole schema.
    referrers: HashMap<Key, std::collections::HashSet<Key>>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Journal {
    /// Each key changed, its value before, and the statement that first changed it.
    pub before: Vec<(Key, Option<Object>, usize)>,
    seen: std::collections::HashSet<Key>,
    /// Kinds opened (or opened again) while journaling.
    pub opened: Kinds,
}

impl Model {
    pub(crate) fn new(dialect: Dialect) -> Model {
        let mut objects = HashMap::new();
        let schemas: &[&str] = match dialect {
            Dialect::Postgres => &["public", "pg_temp"],
            Dialect::Sqlite => &["main", "temp"],
        };
        for schema in schemas {
            objects.insert(Key::new(Space::Schema, "", schema), Object::Schema);
        }
        Model {
            dialect,
            objects,
            open: 0,
            search_path: vec!["public".to_owned()],
            local_search_path: None,
            temporaries: false,
            in_transaction: true,
            foreign_code: false,
            journal: None,
            current: 0,
            accepted: false,
            referrers: HashMap::new(),
        }
    }

    pub(crate) fn is_open(&self, kind: Kind) -> bool {
        self.open & kind.bit() != 0
    }

    /// Marks kinds as changed in ways the model does not know.
    pub(crate) fn open(&mut self, kinds: Kinds) {
        self.open |= kinds;
        if let Some(journal) = &mut self.journal {
            journal.opened |= kinds;
        }
    }

    /// Normalizes a name as the database compares it: PostgreSQL folds unquoted names to lower
    /// case and cuts every name to 63 bytes; SQLite ignores ASCII case.
    pub(crate) fn normalize(&self, ident: &sqlparser::ast::Ident) -> String {
        match (self.dialect, ident.quote_style) {
            (Dialect::Postgres, Some(_)) => truncate(ident.value.clone()),
            (Dialect::Postgres, None) => truncate(ident.value.to_ascii_lowercase()),
            (Dialect::Sqlite, _) => ident.value.to_ascii_lowercase(),
        }
    }

    /// The schemas an unqualified name is looked up in, in order.
    pub(crate) fn lookup_path(&self) -> Vec<String> {
        match self.dialect {
            Dialect::Postgres => std::iter::once("pg_temp".to_owned())
                .chain(self.search_path.iter().cloned())
                .collect(),
            Dialect::Sqlite => vec!["temp".to_owned(), "main".to_owned()],
        }
    }

    /// The schema an unqualified name is created in.
    pub(crate) fn creation_schema(&self, temporary: bool) -> Option<String> {
        match (self.dialect, temporary) {
            (Dialect::Postgres, true) => Some("pg_temp".to_owned()),
            (Dialect::Sqlite, true) => Some("temp".to_owned()),
            (Dialect::Sqlite, false) => Some("main".to_owned()),
            (Dialect::Postgres, false) => self
                .search_path
                .iter()
                .find(|s| self.schema_known(s) == Some(true))
                .cloned(),
        }
    }

    /// Whether a schema exists: `None` when the model cannot tell.
    pub(crate) fn schema_known(&self, schema: &str) -> Option<bool> {
        if self.dialect == Dialect::Postgres
            && matches!(schema, "pg_catalog" | "information_schema")
        {
            return None;
        }
        match self.objects.get(&Key::new(Space::Schema, "", schema)) {
            Some(Object::Schema) => Some(true),
            Some(_) => None,
            None if self.is_open(Kind::Schema) => None,
            None => Some(false),
        }
    }

    /// Looks a name up in a namespace: in `schema`, or along the search path.
    pub(crate) fn lookup(
        &self,
        space: Space,
        kind: Kind,
        schema: Option<&str>,
        name: &str,
    ) -> Lookup<'_> {
        let schemas = match schema {
            Some(schema) => vec![schema.to_owned()],
            None => self.lookup_path(),
        };
        let mut unknown = false;
        for schema in &schemas {
            match self.schema_known(schema) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    unknown = true;
                    continue;
                }
            }
            let key = Key::new(space, schema, name);
            match self.objects.get_key_value(&key) {
                Some((_, Object::Maybe)) => return Lookup::Unknown,
                Some((key, object)) => return Lookup::Found(key, object),
                None => {}
            }
        }
        // An object of another kind in the same namespace is found above; the kind being open
        // means one may exist that the model does not know.
        let open = match space {
            Space::Relation => {
                self.open
                    & (Kind::Table.bit()
                        | Kind::View.bit()
                        | Kind::Index.bit()
                        | Kind::Sequence.bit())
                    != 0
            }
            _ => self.is_open(kind),
        };
        // PostgreSQL's catalogs (`pg_index`, `pg_class`) come first in every search path.
        let catalog =
            self.dialect == Dialect::Postgres && schema.is_none() && name.starts_with("pg_");
        if unknown || open || catalog {
            Lookup::Unknown
        } else {
            Lookup::Absent
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<&Object> {
        self.objects.get(key)
    }

    /// The object at `key`, to change: its value before is journaled first.
    pub(crate) fn get_mut(&mut self, key: &Key) -> Option<&mut Object> {
        self.remember(key);
        self.objects.get_mut(key)
    }

    pub(crate) fn insert(&mut self, key: Key, object: Object) {
        self.remember(&key);
        if matches!(key.schema.as_str(), "pg_temp" | "temp") {
            self.temporaries = true;
        }
        self.link(&key, &object);
        self.objects.insert(key, object);
    }

    /// Records that `key` refers to the tables its object names.
    fn link(&mut self, key: &Key, object: &Object) {
        let targets: Vec<&Key> = match object {
            Object::Index(i) => vec![&i.table],
            Object::Trigger(t) => vec![&t.table],
            Object::Sequence(s) => s.owner.iter().collect(),
            Object::Table(t) => t
                .constraints
                .iter()
                .filter_map(|c| match &c.kind {
                    ConstraintKind::ForeignKey {
                        table: Some(target),
                        ..
                    } => Some(target),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for target in targets {
            self.referrers
                .entry(target.clone())
                .or_default()
                .insert(key.clone());
        }
    }

    /// Records that `key` (now) refers to `target`, after a change made through
    /// [`Model::get_mut`].
    pub(crate) fn link_to(&mut self, key: &Key, target: &Key) {
        self.referrers
            .entry(target.clone())
            .or_default()
            .insert(key.clone());
    }

    /// The keys of the objects that may refer to `target`, each once, in order.
    pub(crate) fn referring(&self, target: &Key) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .referrers
            .get(target)
            .map(|keys| {
                keys.iter()
                    .filter(|k| self.objects.contains_key(*k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        keys.sort();
        keys
    }

    pub(crate) fn remove(&mut self, key: &Key) -> Option<Object> {
        self.remember(key);
        self.objects.remove(key)
    }

    fn remember(&mut self, key: &Key) {
        if let Some(journal) = &mut self.journal
            && journal.seen.insert(key.clone())
        {
            journal
                .before
                .push((key.clone(), self.objects.get(key).cloned(), self.current));
        }
    }

    /// What a file's end changes: a `SET LOCAL` ends with its transaction, and temporary
    /// objects may go with their session (or at commit), so they become unknown.
    pub(crate) fn end_of_file(&mut self) {
        if let Some(path) = self.local_search_path.take() {
            self.search_path = path;
        }
        if !std::mem::take(&mut self.temporaries) {
            return;
        }
        let temporary =
            |k: &Key| matches!(k.schema.as_str(), "pg_temp" | "temp") && k.space != Space::Schema;
        for key in self.keys_where(|k, o| temporary(k) && !matches!(o, Object::Maybe)) {
            self.insert(key, Object::Maybe);
        }
        self.temporaries = false;
    }

    /// Starts recording the first value of every key changed from now on.
    pub(crate) fn begin(&mut self) {
        self.journal = Some(Journal::default());
    }

    /// Stops recording, and returns what was recorded.
    pub(crate) fn end(&mut self) -> Journal {
        self.journal.take().unwrap_or_default()
    }

    /// Puts back the values a journal recorded.
    pub(crate) fn restore(&mut self, journal: Journal) {
        for (key, before, _) in journal.before.into_iter().rev() {
            match before {
                Some(object) => {
                    self.link(&key, &object);
                    self.objects.insert(key, object);
                }
                None => {
                    self.objects.remove(&key);
                }
            }
        }
    }

    /// Whether a sequence is an identity column's (not a `SERIAL`'s, whose default names it).
    fn identity(&self, sequence: &Sequence) -> bool {
        let (Some(owner), Some(column)) = (&sequence.owner, &sequence.column) else {
            return false;
        };
        matches!(self.objects.get(owner), Some(Object::Table(t)) if t.column(column).is_some_and(|c| c.generated && c.default.is_none()))
    }

    /// The name of an object of `kind` closest to a misspelt `name`, if one is close enough.
    pub(crate) fn similar(&self, kind: Kind, name: &str) -> Option<String> {
        let candidates = self
            .objects
            .iter()
            .filter(|(_, o)| o.kind() == Some(kind))
            .map(|(k, _)| {
                let n = k.name.rsplit('\0').next().unwrap_or(&k.name).to_owned();
                (n.clone(), n)
            });
        crate::source::closest(name, candidates)
    }

    /// Every object matching a predicate, by key.
    pub(crate) fn keys_where(&self, mut f: impl FnMut(&Key, &Object) -> bool) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .objects
            .iter()
            .filter(|(k, o)| f(k, o))
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort();
        keys
    }

    /// The schema as facts, one string per object and per column of a table whose columns are
    /// known, in the form the corpus tool reads off a real database's catalog; with the
    /// prefixes of facts the model cannot tell (an open kind, an unknown object or table).
    pub(crate) fn facts(&self) -> Facts {
        let mut facts = BTreeSet::new();
        let mut unknown = Vec::new();
        for kind in [
            Kind::Table,
            Kind::View,
            Kind::Index,
            Kind::Sequence,
            Kind::Type,
            Kind::Function,
            Kind::Trigger,
            Kind::Schema,
        ] {
            if self.is_open(kind) {
                unknown.push(format!("{} ", kind.noun()));
            }
        }
        if self.is_open(Kind::Table) {
            unknown.push("column ".to_owned());
        }
        for (key, object) in &self.objects {
            let name = format!("{}.{}", key.schema, key.name);
            match object {
                Object::Maybe => {
                    // Whatever it is, the facts about that name are unknown.
                    for noun in [
                        "table", "view", "index", "sequence", "type", "function", "trigger",
                    ] {
                        unknown.push(format!("{noun} {name}"));
                    }
                    unknown.push(format!("column {name}."));
                }
                Object::Table(table) => {
                    facts.insert(format!("table {name}"));
                    if !table.known {
                        unknown.push(format!("column {name}."));
                        continue;
                    }
                    for column in &table.columns {
                        let null = if column.not_null { "not null" } else { "null" };
                        let column_name = format!("column {name}.{}", column.name);
                        facts.insert(format!("{column_name} {null}"));
                        if column.default.is_some() {
                            facts.insert(format!("{column_name} default"));
                        }
                        if column.generated {
                            facts.insert(format!("{column_name} generated"));
                        }
                    }
                }
                Object::View(_) => {
                    facts.insert(format!("view {name}"));
                }
                Object::Index(index) if !index.constraint => {
                    facts.insert(format!("index {name} on {}", index.table.name));
                }
                Object::Index(_) => {}
                // An identity column's sequence is the column's, not listed apart.
                Object::Sequence(sequence) if !self.identity(sequence) => {
                    facts.insert(format!("sequence {name}"));
                }
                Object::Sequence(_) => {}
                Object::Type(_) => {
                    facts.insert(format!("type {name}"));
                }
                Object::Function(_) => {
                    facts.insert(format!("function {name}"));
                }
                Object::Trigger(trigger) => {
                    let name = key.name.rsplit('\0').next().unwrap_or(&key.name);
                    facts.insert(format!(
                        "trigger {}.{}.{name}",
                        key.schema, trigger.table.name
                    ));
                }
                Object::Schema => {
                    let builtin =
                        matches!(key.name.as_str(), "public" | "pg_temp" | "main" | "temp");
                    if !builtin {
                        facts.insert(format!("schema {}", key.name));
                    }
                }
            }
        }
        Facts { facts, unknown }
    }
}

/// The schema as facts, as [`crate::model_facts`] gives them after each migration.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// `table public.users`, `column public.users.email not null`, `column ... default` (it
    /// has a default), `column ... generated` (an identity or generated column), `index public.i
    /// on users`, `view`, `sequence`, `type`, `function`, `trigger S.T.N`, `schema S`.
    pub facts: BTreeSet<String>,
    /// Prefixes of facts the model cannot tell: a fact starting with one may or may not hold.
    pub unknown: Vec<String>,
}

impl Facts {
    /// Whether the model can tell whether `fact` holds.
    pub fn knows(&self, fact: &str) -> bool {
        !self
            .unknown
            .iter()
            .any(|prefix| fact.starts_with(prefix.as_str()))
    }
}

/// PostgreSQL's longest name, in bytes (`NAMEDATALEN - 1`).
const NAME_MAX: usize = 63;

/// A name cut to PostgreSQL's longest, at a character boundary, as the server cuts it.
fn truncate(mut name: String) -> String {
    if name.len() > NAME_MAX {
        let mut end = NAME_MAX;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

/// The name PostgreSQL makes from a table, some columns and a label (`users_email_key`),
/// shortening the longer part first as it does when the result would be too long.
pub(crate) fn postgres_name(table: &str, columns: &str, label: &str) -> String {
    let overhead = label.len() + if columns.is_empty() { 1 } else { 2 };
    let avail = NAME_MAX.saturating_sub(overhead);
    let (mut a, mut b) = (table.len(), columns.len());
    while a + b > avail {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    let mut name = clip(table, a);
    if !columns.is_empty() {
        name.push('_');
        name.push_str(&clip(columns, b));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// A type's canonical text, so that two spellings of one type compare equal: upper case, single
/// spaces, and on PostgreSQL its aliases resolved (`int4` is `INTEGER`). `None` for a type the
/// model does not know to be built in (its aliases are unknown).
pub(crate) fn canonical_type(dialect: Dialect, text: &str) -> (String, bool) {
    let upper = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
        .replace(" (", "(")
        .replace(", ", ",");
    if dialect == Dialect::Sqlite {
        return (upper, true);
    }
    let upper = upper
        .strip_prefix("PG_CATALOG.")
        .unwrap_or(&upper)
        .to_owned();
    let (base, args) = match upper.find('(') {
        Some(i) => (upper[..i].trim().to_owned(), upper[i..].to_owned()),
        None => (upper.clone(), String::new()),
    };
    // An array's brackets stay as written.
    let (base, array) = match base.find('[') {
        Some(i) => (base[..i].trim().to_owned(), base[i..].to_owned()),
        None => (base, String::new()),
    };
    let canonical = match base.as_str() {
        "INT" | "INT4" | "INTEGER" | "SERIAL" | "SERIAL4" => "INTEGER",
        "INT8" | "BIGINT" | "BIGSERIAL" | "SERIAL8" => "BIGINT",
        "INT2" | "SMALLINT" | "SMALLSERIAL" | "SERIAL2" => "SMALLINT",
        "BOOL" | "BOOLEAN" => "BOOLEAN",
        "VARCHAR" | "CHARACTER VARYING" => "VARCHAR",
        "CHAR" | "CHARACTER" | "BPCHAR" => "CHAR",
        "FLOAT8" | "DOUBLE PRECISION" | "FLOAT" => "DOUBLE PRECISION",
        "FLOAT4" | "REAL" => "REAL",
        "DECIMAL" | "NUMERIC" => "NUMERIC",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMPTZ",
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => "TIMESTAMP",
        "TIMETZ" | "TIME WITH TIME ZONE" => "TIMETZ",
        "TIME" | "TIME WITHOUT TIME ZONE" => "TIME",
        "TEXT" | "DATE" | "UUID" | "JSON" | "JSONB" | "BYTEA" | "INTERVAL" | "INET" | "CIDR"
        | "MONEY" | "XML" | "TSVECTOR" | "OID" | "MACADDR" => base.as_str(),
        _ => return (format!("{base}{args}{array}"), false),
    };
    // `FLOAT(p)`: a precision up to 24 is REAL; not worth telling apart.
    if canonical == "DOUBLE PRECISION" && !args.is_empty() {
        return (format!("{base}{args}{array}"), false);
    }
    let args = if canonical == "CHAR" && args.is_empty() && array.is_empty() {
        "(1)".to_owned()
    } else {
        args
    };
    (format!("{canonical}{args}{array}"), true)
}

#[cfg(test)]
mod tests;
