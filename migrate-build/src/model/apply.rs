//! Applying one statement to the model, and what it finds on the way: a statement that uses
//! what does not exist, makes what already exists, or drops what something still uses.

use sqlparser::ast::{
    self, AlterColumnOperation, AlterIndexOperation, AlterTableOperation, AlterTypeOperation,
    ColumnDef, ColumnOption, CreateFunctionBody, DataType, Expr, Ident, ObjectName, ObjectNamePart,
    ObjectType, SchemaName, Statement as Ast, TableConstraint, TableFactor, TableObject,
    UserDefinedTypeRepresentation,
};
use sqlparser::tokenizer::{Span, Token, Tokenizer};

use super::{
    Column, Constraint, ConstraintKind, Function, Index, Key, Kind, Kinds, Lookup, Model, Object,
    Sequence, Space, Table, Trigger, UserType, View, canonical_type, postgres_name,
};
use crate::codes::Code;
use crate::dialect::Dialect;
use crate::effects;
use crate::heads;

/// Something a statement does that the database would refuse.
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    pub code: Code,
    pub message: String,
    /// Where, in the file's lines and columns (from the parser's spans); `None` for the
    /// statement's start.
    pub span: Option<Span>,
    pub label: Option<String>,
    pub help: Option<String>,
    /// What was missing, to say whether a later migration creates it.
    pub missing: Option<(Kind, String)>,
    /// The kind of object it is about (a column's is its table's): when the model no longer
    /// knows that kind, the finding is dropped.
    pub kind: Kind,
}

impl Finding {
    /// Dropping what something still uses: `help` says what to drop first.
    fn still_used(message: String, span: Span, help: &str) -> Finding {
        Finding::new(Code::StillUsed, message, Some(span))
            .label("still used")
            .help(help.to_owned())
    }

    fn new(code: Code, message: String, span: Option<Span>) -> Finding {
        Finding {
            code,
            message,
            span,
            label: None,
            help: None,
            missing: None,
            kind: Kind::Table,
        }
    }

    fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = Some(label.into());
        self
    }

    fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

/// What a `CREATE`, `ALTER` or `DROP` the parser could not read names.
struct Unread {
    verb: sqlparser::keywords::Keyword,
    kind: Kind,
    names: Vec<ObjectName>,
    cascade: bool,
    rename: bool,
}

/// A resolved name: where it lives, and where it was written.
struct Name {
    schema: Option<String>,
    name: String,
    span: Span,
}

/// Extensions known to add only functions, types and operators, which the model leaves open
/// without giving up on tables.
const FUNCTION_EXTENSIONS: &[&str] = &[
    "uuid-ossp",
    "pgcrypto",
    "citext",
    "hstore",
    "pg_trgm",
    "btree_gin",
    "btree_gist",
    "unaccent",
    "fuzzystrmatch",
    "ltree",
    "intarray",
    "cube",
    "earthdistance",
    "tablefunc",
    "plpgsql",
    "isn",
    "seg",
    "vector",
];

/// PostgreSQL's built-in type names (`pg_catalog`'s types that are not a table's row type, read
/// off PostgreSQL 15), with the SQL spellings sqlparser does not give a type of its own.
const POSTGRES_TYPES: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "bit",
    "bool",
    "box",
    "bpchar",
    "bytea",
    "char",
    "cid",
    "cidr",
    "circle",
    "cstring",
    "date",
    "datemultirange",
    "daterange",
    "event_trigger",
    "fdw_handler",
    "float4",
    "float8",
    "gtsvector",
    "index_am_handler",
    "inet",
    "int2",
    "int2vector",
    "int4",
    "int4multirange",
    "int4range",
    "int8",
    "int8multirange",
    "int8range",
    "internal",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "language_handler",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "nummultirange",
    "numrange",
    "oid",
    "oidvector",
    "path",
    "pg_brin_bloom_summary",
    "pg_brin_minmax_multi_summary",
    "pg_ddl_command",
    "pg_dependencies",
    "pg_lsn",
    "pg_mcv_list",
    "pg_ndistinct",
    "pg_node_tree",
    "pg_snapshot",
    "point",
    "polygon",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "table_am_handler",
    "text",
    "tid",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "trigger",
    "tsm_handler",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "unknown",
    "uuid",
    "varbit",
    "varchar",
    "void",
    "xid",
    "xid8",
    "xml",
    // Spellings the parser may leave as names.
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallserial",
    "bigserial",
    "int",
    "integer",
    "smallint",
    "bigint",
    "real",
    "float",
    "decimal",
    "dec",
    "boolean",
    "character",
    "nchar",
];

/// Functions that read or set values but never change the schema.
const PURE_FUNCTIONS: &[&str] = &[
    "setval",
    "nextval",
    "currval",
    "lastval",
    "set_config",
    "current_setting",
    "pg_advisory_lock",
    "pg_advisory_unlock",
    "pg_advisory_xact_lock",
    "pg_try_advisory_lock",
    "pg_sleep",
    "pg_notify",
    "now",
    "count",
    "max",
    "min",
    "sum",
    "avg",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "format",
    "concat",
    "lower",
    "upper",
    "length",
    "substring",
    "to_char",
    "to_timestamp",
    "to_date",
    "gen_random_uuid",
    "uuid_generate_v4",
    "random",
    "version",
    "pg_get_serial_sequence",
    "quote_ident",
    "quote_literal",
    "array_agg",
    "string_agg",
    "jsonb_build_object",
    "json_build_object",
    "row_number",
    "date_trunc",
    "extract",
    "abs",
    "round",
    "floor",
    "ceil",
    "md5",
    "encode",
    "decode",
    "trim",
    "replace",
    "split_part",
    "regexp_replace",
    "generate_series",
    "unnest",
    "exists",
];

impl Model {
    /// Applies a parsed statement; `text` is its SQL. What it finds about a kind of object the
    /// model no longer knows is dropped: the model never guesses.
    pub(crate) fn apply(&mut self, statement: &Ast, text: &str, out: &mut Vec<Finding>) {
        let open = self.open;
        let before = out.len();
        self.apply_known(statement, text, out);
        let relations =
            Kind::Table.bit() | Kind::View.bit() | Kind::Index.bit() | Kind::Sequence.bit();
        let mut i = before;
        while i < out.len() {
            let bits = match out[i].kind {
                Kind::Table | Kind::View | Kind::Index | Kind::Sequence => relations,
                other => other.bit(),
            };
            if open & bits != 0 {
                out.remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn apply_known(&mut self, statement: &Ast, text: &str, out: &mut Vec<Finding>) {
        match statement {
            Ast::CreateTable(create) => self.create_table(create, out),
            Ast::AlterTable(alter) => self.alter_table(alter, out),
            Ast::CreateIndex(create) => self.create_index(create, out),
            Ast::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                ..
            } => self.drop(*object_type, *if_exists, names, *cascade, out),
            Ast::CreateView(create) => self.create_view(create, out),
            Ast::AlterView { name, query, .. } => {
                if let Some(name) = self.name(name)
                    && let Lookup::Found(key, Object::View(view)) =
                        self.find(Space::Relation, Kind::View, &name)
                {
                    let (key, mut view) = (key.clone(), view.clone());
                    view.mentions = mentions(&query.to_string());
                    self.insert(key, Object::View(view));
                }
            }
            Ast::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => self.rename_relation(name, index_name, Kind::Index, out),
            Ast::CreateSequence {
                temporary,
                if_not_exists,
                name,
                owned_by,
                ..
            } => {
                let (owner, column) = owned_by.as_ref().and_then(|o| self.owner_of(o)).unzip();
                self.create_simple(
                    name,
                    (*temporary, *if_not_exists),
                    Object::Sequence(Sequence { owner, column }),
                    out,
                );
            }
            Ast::CreateType {
                name,
                representation,
            } => {
                let ty = match representation {
                    Some(UserDefinedTypeRepresentation::Enum { labels }) => {
                        UserType::Enum(labels.iter().map(|l| l.value.clone()).collect())
                    }
                    _ => UserType::Other,
                };
                self.create_simple(name, (false, false), Object::Type(ty), out);
            }
            Ast::CreateDomain(domain) => {
                let ty = canonical_type(self.dialect, &domain.data_type.to_string()).0;
                self.create_simple(
                    &domain.name,
                    (false, false),
                    Object::Type(UserType::Domain(ty)),
                    out,
                );
            }
            Ast::AlterType(alter) => self.alter_type(alter, out),
            Ast::DropDomain(drop) => self.drop(
                ObjectType::Type,
                drop.if_exists,
                std::slice::from_ref(&drop.name),
                false,
                out,
            ),
            Ast::CreateFunction(create) => {
                let args = create
                    .args
                    .iter()
                    .flatten()
                    .filter(|a| !matches!(a.mode, Some(ast::ArgMode::Out)))
                    .map(|a| a.data_type.clone())
                    .collect::<Vec<_>>();
                let body = match &create.function_body {
                    Some(CreateFunctionBody::AsBeforeOptions { body, .. })
                    | Some(CreateFunctionBody::AsAfterOptions(body))
                    | Some(CreateFunctionBody::Return(body)) => body.to_string(),
                    Some(other) => format!("{other:?}"),
                    None => String::new(),
                };
                self.create_function(&create.name, &args, create.or_replace, &body, out);
            }
            Ast::CreateProcedure {
                or_alter,
                name,
                params,
                body,
                ..
            } => {
                let args = params
                    .iter()
                    .flatten()
                    .map(|p| p.data_type.clone())
                    .collect::<Vec<_>>();
                self.create_function(name, &args, *or_alter, &body.to_string(), out);
            }
            Ast::DropFunction(drop) => {
                let cascade = matches!(drop.drop_behavior, Some(ast::DropBehavior::Cascade));
                for desc in &drop.func_desc {
                    self.drop_function(&desc.name, desc.args.as_deref(), drop.if_exists, out);
                    if cascade {
                        self.drop_triggers_running(&desc.name);
                        self.drop_callers(&desc.name);
                    }
                }
            }
            Ast::DropProcedure {
                if_exists,
                proc_desc,
                ..
            } => {
                for desc in proc_desc {
                    self.drop_function(&desc.name, desc.args.as_deref(), *if_exists, out);
                }
            }
            Ast::CreateTrigger(create) => self.create_trigger(create, text, out),
            Ast::DropTrigger(drop) => self.drop_trigger(drop, out),
            Ast::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => {
                let ident = match schema_name {
                    SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                        name.0.last().and_then(ObjectNamePart::as_ident).cloned()
                    }
                    SchemaName::UnnamedAuthorization(role) => Some(role.clone()),
                };
                let Some(ident) = ident else {
                    self.open(Kind::Schema.bit());
                    return;
                };
                let name = self.normalize(&ident);
                match self.schema_known(&name) {
                    Some(true) if !*if_not_exists => out.push(self.exists(
                        "schema",
                        &name,
                        ident.span,
                        "use `CREATE SCHEMA IF NOT EXISTS`, or drop this statement",
                    )),
                    Some(true) => {}
                    Some(false) => self.insert(Key::new(Space::Schema, "", &name), Object::Schema),
                    None => self.insert(Key::new(Space::Schema, "", &name), Object::Maybe),
                }
            }
            Ast::CreateExtension(create) => self.extension(&create.name.value),
            Ast::DropExtension(drop) => {
                for name in &drop.names {
                    self.extension(&name.value);
                }
            }
            Ast::Set(set) => self.set(set),
            Ast::Reset(reset) => {
                let path = match &reset.reset {
                    ast::Reset::ALL => true,
                    ast::Reset::ConfigurationParameter(name) => {
                        name.to_string().eq_ignore_ascii_case("search_path")
                    }
                    ast::Reset::SessionAuthorization => false,
                };
                if path {
                    let default = vec!["public".to_owned()];
                    self.session_search_path(&default);
                    self.search_path = default;
                }
            }
            // An attached database holds what the model does not know.
            Ast::AttachDatabase { schema_name, .. } => {
                let name = self.normalize(schema_name);
                self.insert(Key::new(Space::Schema, "", &name), Object::Maybe);
            }
            Ast::Insert(insert) => self.insert_into(insert, out),
            Ast::Update(update) => {
                if let TableFactor::Table { name, .. } = &update.table.relation {
                    self.uses_table(name, "update", out);
                }
            }
            Ast::Delete(delete) => {
                let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                    &delete.from;
                if delete.tables.is_empty()
                    && let [table] = from.as_slice()
                    && let TableFactor::Table { name, .. } = &table.relation
                {
                    self.uses_table(name, "delete from", out);
                }
            }
            Ast::Query(query)
                if matches!(
                    &*query.body,
                    ast::SetExpr::SetOperation { .. } | ast::SetExpr::Query(_)
                ) && words(text, usize::MAX).iter().any(|w| w == "INTO") =>
            {
                // A `SELECT ... INTO` inside a set operation: a table the model cannot name.
                self.open(Kind::Table.bit());
            }
            Ast::Query(query) => {
                // `SELECT ... INTO t` makes a table, with columns the model does not follow.
                if let ast::SetExpr::Select(select) = &*query.body
                    && let Some(into) = &select.into
                    && let [target] = into.targets.as_slice()
                    && let Some(name) = match target {
                        Expr::Identifier(ident) => Some(ObjectName::from(vec![ident.clone()])),
                        Expr::CompoundIdentifier(parts) => Some(ObjectName::from(parts.clone())),
                        _ => None,
                    }
                    && let Some(name) = self.name(&name)
                    && let Some(key) = self.creation_key(
                        name.schema.as_deref(),
                        into.temporary,
                        &name.name,
                        Space::Relation,
                    )
                {
                    let table = Table {
                        columns: Vec::new(),
                        constraints: Vec::new(),
                        known: false,
                    };
                    self.insert(key, Object::Table(table));
                }
                let effects = self.call_effects(text);
                self.open(effects);
            }
            Ast::Call(_) => {
                let effects = self.call_effects(text);
                self.open(effects);
            }
            _ => self.unknown(text),
        }
    }

    /// Applies a statement the parser could not read (or that is not run): what its command
    /// may change becomes unknown.
    pub(crate) fn unknown(&mut self, text: &str) {
        let words = words(text, usize::MAX);
        let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let command = heads::command(self.dialect, &words[..words.len().min(8)], false);
        match word(0) {
            "DO" => {
                let effects = self.body_effects(text);
                self.open(effects);
            }
            "SELECT" | "CALL" | "PERFORM" | "WITH" | "VALUES" => {
                let effects = self.call_effects(text);
                self.open(effects);
            }
            "CREATE" | "ALTER" | "DROP" => match self.names_of(text) {
                Some(read) => self.unknown_ddl(&read, text),
                None if command == Some("CREATE EXTENSION") => {
                    let name = words
                        .iter()
                        .skip(2)
                        .find(|w| !matches!(w.as_str(), "IF" | "NOT" | "EXISTS"));
                    // The words are upper case; extension names are lower case.
                    self.extension(&name.map(|n| n.to_ascii_lowercase()).unwrap_or_default());
                }
                None => {
                    // What the command may change, by the grammar: a function the model cannot
                    // name may do anything when called.
                    let kinds = effects::of_command(self.dialect, command, &words).kinds;
                    if kinds & Kind::Function.bit() != 0 {
                        self.foreign_code = true;
                    }
                    self.open(kinds);
                }
            },
            // Every other command, by what its grammar lets it change: `IMPORT FOREIGN SCHEMA`
            // makes tables; `GRANT`, `COMMENT`, `VACUUM`, `PRAGMA` change nothing the model has.
            _ => self.open(effects::of_command(self.dialect, command, &words).kinds),
        }
    }

    /// What a `CREATE`, `ALTER` or `DROP` the parser could not read is about: its verb, the
    /// kind of object, the names, and whether it ends in `CASCADE`. `None` when even that
    /// cannot be read.
    fn names_of(&self, text: &str) -> Option<Unread> {
        use sqlparser::keywords::Keyword as K;
        let tokens = Tokenizer::new(self.dialect.parser_dialect(), text)
            .tokenize_with_location()
            .ok()?;
        let mut parser = sqlparser::parser::Parser::new(self.dialect.parser_dialect())
            .with_tokens_with_locations(tokens);
        let verb = parser.parse_one_of_keywords(&[K::CREATE, K::ALTER, K::DROP])?;
        let _ = parser.parse_keywords(&[K::OR, K::REPLACE]);
        while parser
            .parse_one_of_keywords(&[
                K::GLOBAL,
                K::LOCAL,
                K::TEMPORARY,
                K::TEMP,
                K::UNLOGGED,
                K::UNIQUE,
                K::MATERIALIZED,
                K::RECURSIVE,
                K::CONSTRAINT,
            ])
            .is_some()
        {}
        let kind = match parser.parse_one_of_keywords(&[
            K::TABLE,
            K::VIEW,
            K::INDEX,
            K::SEQUENCE,
            K::TYPE,
            K::DOMAIN,
            K::FUNCTION,
            K::PROCEDURE,
            K::AGGREGATE,
            K::TRIGGER,
            K::SCHEMA,
        ])? {
            K::TABLE => Kind::Table,
            K::VIEW => Kind::View,
            K::INDEX => Kind::Index,
            K::SEQUENCE => Kind::Sequence,
            K::TYPE | K::DOMAIN => Kind::Type,
            K::TRIGGER => Kind::Trigger,
            K::SCHEMA => Kind::Schema,
            _ => Kind::Function,
        };
        let _ = parser.parse_keyword(K::CONCURRENTLY);
        let _ = parser.parse_keywords(&[K::IF, K::NOT, K::EXISTS]);
        let _ = parser.parse_keywords(&[K::IF, K::EXISTS]);
        let _ = parser.parse_keyword(K::ONLY);
        let mut names = vec![parser.parse_object_name(false).ok()?];
        // A `DROP` names a list; a function's argument types follow its name.
        loop {
            if parser.consume_token(&Token::LParen) {
                let mut depth = 1;
                while depth > 0 {
                    match parser.next_token().token {
                        Token::LParen => depth += 1,
                        Token::RParen => depth -= 1,
                        Token::EOF => return None,
                        _ => {}
                    }
                }
            }
            if verb == K::DROP && parser.consume_token(&Token::Comma) {
                names.push(parser.parse_object_name(false).ok()?);
            } else {
                break;
            }
        }
        let upper = text.to_ascii_uppercase();
        Some(Unread {
            verb,
            kind,
            names,
            cascade: words(&upper, usize::MAX).iter().any(|w| w == "CASCADE"),
            rename: words(&upper, usize::MAX).iter().any(|w| w == "RENAME"),
        })
    }

    /// A `CREATE`, `ALTER` or `DROP` the parser could not read: what it names becomes unknown,
    /// and only that where the model can tell.
    fn unknown_ddl(&mut self, read: &Unread, text: &str) {
        use sqlparser::keywords::Keyword as K;
        let space = match read.kind {
            Kind::Type => Space::Type,
            Kind::Function => Space::Function,
            Kind::Trigger => Space::Trigger,
            Kind::Schema => Space::Schema,
            _ => Space::Relation,
        };
        // Triggers are named by table on PostgreSQL, and renames move names the model would
        // have to guess.
        if read.kind == Kind::Trigger || (read.rename && read.kind == Kind::Table) {
            let kinds = if read.kind == Kind::Table {
                Kind::ALL
            } else {
                read.kind.bit()
            };
            self.open(kinds);
            return;
        }
        let upper_words = words(text, usize::MAX);
        let has = |pair: [&str; 2]| {
            upper_words
                .windows(2)
                .any(|w| w[0] == pair[0] && w[1] == pair[1])
        };
        // A schema renamed, or an object moved to another schema (`SET SCHEMA`), or a quoted
        // new name: the model cannot follow what goes where.
        let quoted_rename = text
            .to_ascii_uppercase()
            .find("RENAME TO")
            .is_some_and(|i| text[i + "RENAME TO".len()..].trim_start().starts_with('"'));
        if read.verb == K::ALTER
            && (read.kind == Kind::Schema && read.rename || has(["SET", "SCHEMA"]) || quoted_rename)
        {
            for name in &read.names {
                if let Some(name) = self.name(name) {
                    if read.kind == Kind::Schema {
                        self.insert(Key::new(Space::Schema, "", &name.name), Object::Maybe);
                    } else if let Lookup::Found(key, _) = self.find(space, read.kind, &name) {
                        let key = key.clone();
                        self.insert(key, Object::Maybe);
                    }
                }
            }
            self.open(if read.kind == Kind::Table || read.kind == Kind::Schema {
                Kind::ALL
            } else {
                read.kind.bit()
            });
            return;
        }
        // `ALTER SEQUENCE ... OWNED BY`: which table owns it is not followed.
        if read.verb == K::ALTER && read.kind == Kind::Sequence && has(["OWNED", "BY"]) {
            for name in &read.names {
                if let Some(name) = self.name(name)
                    && let Lookup::Found(key, _) = self.find(space, read.kind, &name)
                {
                    let key = key.clone();
                    self.insert(key, Object::Maybe);
                }
            }
            return;
        }
        if read.rename && read.verb == K::ALTER {
            // `ALTER ... RENAME TO new`: the old name is gone, the new one holds what it held
            // (a function keeps its effects), as far as the model can tell.
            let upper = words(text, usize::MAX);
            let original = words_as_written(text);
            let new = upper
                .windows(2)
                .position(|w| w[0] == "RENAME" && w[1] == "TO")
                .and_then(|i| original.get(i + 2).cloned());
            let (Some(new), Some(old)) = (new, read.names.first().and_then(|n| self.name(n)))
            else {
                self.open(read.kind.bit());
                return;
            };
            let new = self.normalize(&Ident::new(new));
            let found = match self.find(space, read.kind, &old) {
                Lookup::Found(key, object) => Some((key.clone(), object.clone())),
                _ => None,
            };
            match found {
                Some((key, object)) => {
                    self.remove(&key);
                    let moved = match object {
                        Object::Function(f) => Object::Function(f),
                        _ => Object::Maybe,
                    };
                    self.insert(Key::new(space, &key.schema, &new), moved);
                }
                None => {
                    if let Some(key) = self.creation_key(old.schema.as_deref(), false, &new, space)
                    {
                        self.insert(key, Object::Maybe);
                    }
                }
            }
            return;
        }
        for name in &read.names {
            let Some(name) = self.name(name) else {
                self.open(read.kind.bit());
                continue;
            };
            if read.kind == Kind::Schema {
                self.insert(Key::new(Space::Schema, "", &name.name), Object::Maybe);
                continue;
            }
            let found = match self.find(space, read.kind, &name) {
                Lookup::Found(key, _) => Some(key.clone()),
                _ => None,
            };
            match (read.verb, read.kind) {
                (K::CREATE | K::ALTER, Kind::Table) => match found {
                    Some(key) => {
                        if let Some(Object::Table(t)) = self.get_mut(&key) {
                            t.known = false;
                        }
                    }
                    None => {
                        if let Some(key) =
                            self.creation_key(name.schema.as_deref(), false, &name.name, space)
                        {
                            let table = Table {
                                columns: Vec::new(),
                                constraints: Vec::new(),
                                known: false,
                            };
                            self.insert(key, Object::Table(table));
                        }
                    }
                },
                (K::CREATE, Kind::Function) => {
                    let effects = self.body_effects(text);
                    let Some(key) = found.or_else(|| {
                        self.creation_key(name.schema.as_deref(), false, &name.name, space)
                    }) else {
                        continue;
                    };
                    let mut function = match self.get(&key) {
                        Some(Object::Function(f)) => f.clone(),
                        _ => Function {
                            signatures: Default::default(),
                            effects: 0,
                        },
                    };
                    // An overload whose argument types were not read.
                    function.signatures.insert("?".to_owned());
                    function.effects |= effects;
                    self.insert(key, Object::Function(function));
                }
                // `ALTER SEQUENCE ... RESTART`, `ALTER FUNCTION ... OWNER TO`: nothing the
                // model has, but a type may have gained a value.
                (K::ALTER, Kind::Type) => {
                    if let Some(key) = found {
                        self.insert(key, Object::Maybe);
                    }
                }
                (K::ALTER, _) => {}
                // Created or dropped, as far as the model can tell, with what goes with it.
                _ => {
                    let key = found.or_else(|| {
                        self.creation_key(name.schema.as_deref(), false, &name.name, space)
                    });
                    if let Some(key) = key {
                        for dependent in self.referring(&key) {
                            self.insert(dependent, Object::Maybe);
                        }
                        self.insert(key, Object::Maybe);
                    }
                }
            }
        }
        if read.verb == K::DROP && read.cascade {
            // What may depend on the dropped object, in PostgreSQL's catalog: views, indexes,
            // triggers and functions of a relation's row type; a function's triggers, and the
            // views, expression indexes, defaults and checks that call it; a type's columns,
            // functions, views and indexes.
            let kinds = match read.kind {
                Kind::Table | Kind::View => {
                    Kind::set(&[Kind::View, Kind::Index, Kind::Trigger, Kind::Function])
                }
                Kind::Function => Kind::set(&[Kind::Trigger, Kind::View, Kind::Index, Kind::Table]),
                Kind::Type => Kind::set(&[Kind::Table, Kind::Function, Kind::View, Kind::Index]),
                _ => Kind::ALL,
            };
            self.open(kinds);
        }
    }

    fn extension(&mut self, name: &str) {
        if FUNCTION_EXTENSIONS.contains(&name.to_ascii_lowercase().as_str()) {
            self.open(Kind::Type.bit() | Kind::Function.bit());
        } else {
            self.open(Kind::ALL);
            self.foreign_code = true;
        }
    }

    fn set(&mut self, set: &ast::Set) {
        if let ast::Set::SingleAssignment {
            variable,
            values,
            scope,
            ..
        } = set
            && variable.to_string().eq_ignore_ascii_case("search_path")
        {
            let path: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Expr::Identifier(ident) => self.normalize(ident),
                    Expr::Value(v) => v.to_string().trim_matches('\'').to_owned(),
                    other => other.to_string(),
                })
                .filter(|s| s != "$user" && s != "\"$user\"")
                .collect();
            let local = matches!(scope, Some(ast::ContextModifier::Local));
            // Outside a transaction, `SET LOCAL` does nothing.
            if local && !self.in_transaction {
                return;
            }
            let path = if path.iter().any(|s| s.eq_ignore_ascii_case("default")) {
                vec!["public".to_owned()]
            } else {
                path
            };
            if local {
                // It lasts until the migration's transaction ends.
                if self.local_search_path.is_none() {
                    self.local_search_path = Some(self.search_path.clone());
                }
            } else {
                self.session_search_path(&path);
            }
            self.search_path = path;
        }
    }

    /// A session-level change of the `search_path`: it is what a `SET LOCAL` earlier in the
    /// file gives way to when the transaction ends.
    fn session_search_path(&mut self, path: &[String]) {
        if let Some(saved) = &mut self.local_search_path {
            *saved = path.to_vec();
        }
    }

    /// What the functions a `SELECT` or `CALL` calls may change.
    fn call_effects(&self, text: &str) -> Kinds {
        let Ok(tokens) = Tokenizer::new(self.dialect.parser_dialect(), text).tokenize() else {
            return Kind::ALL;
        };
        let significant: Vec<&Token> = tokens
            .iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect();
        let mut effects = 0;
        for (i, token) in significant.iter().enumerate() {
            let Token::Word(word) = token else { continue };
            if significant.get(i + 1) != Some(&&Token::LParen) {
                continue;
            }
            let name = match (self.dialect, word.quote_style) {
                (Dialect::Postgres, Some(_)) => word.value.clone(),
                _ => word.value.to_ascii_lowercase(),
            };
            if word.quote_style.is_none()
                && word.keyword != sqlparser::keywords::Keyword::NoKeyword
                && !self.has_function(&name)
            {
                // `IN (`, `VALUES (`, `COUNT(`: keywords, and the built-in functions named
                // like them.
                continue;
            }
            if name == "set_config" && text.to_ascii_lowercase().contains("search_path") {
                // The search path changes in a way the model does not follow.
                return Kind::ALL;
            }
            if PURE_FUNCTIONS.contains(&name.as_str()) {
                continue;
            }
            effects |= self.function_effects(&name);
        }
        effects
    }

    /// What calling the function `name` (any schema) may change: what its body may, if the
    /// model knows it; anything if not.
    fn function_effects(&self, name: &str) -> Kinds {
        let known: Vec<Kinds> = self
            .lookup_path()
            .iter()
            .filter_map(
                |schema| match self.get(&Key::new(Space::Function, schema, name)) {
                    Some(Object::Function(f)) => Some(f.effects),
                    _ => None,
                },
            )
            .collect();
        if known.is_empty() {
            // Not a function the migrations made: a built-in one, or one of an extension
            // known to make no schema objects, neither of which changes the schema; unless
            // functions the model does not know may (another extension's, say).
            if self.foreign_code { Kind::ALL } else { 0 }
        } else {
            known.into_iter().fold(0, |a, b| a | b)
        }
    }

    /// What a function body or `DO` block may change: the kinds its DDL names (in its code or
    /// in the strings it executes), everything if it executes SQL it builds from other text.
    fn body_effects(&self, text: &str) -> Kinds {
        // The body's statements, as words: each to its `;`, where a `DROP`'s `CASCADE` is.
        let statements: Vec<Vec<String>> = text
            .split(';')
            .map(|statement| words(statement, usize::MAX))
            .collect();
        let upper: Vec<String> = statements.concat();
        let mut effects = 0;
        let mut ddl = false;
        for statement in &statements {
            for (i, word) in statement.iter().enumerate() {
                if !matches!(word.as_str(), "CREATE" | "ALTER" | "DROP") {
                    continue;
                }
                // A statement of the body, by its command: `GRANT CREATE ON SCHEMA` is none.
                let rest = &statement[i..];
                let head = &rest[..rest.len().min(8)];
                let Some(command) = heads::command(self.dialect, head, false) else {
                    continue;
                };
                ddl = true;
                effects |= effects::of_command(self.dialect, Some(command), rest).kinds;
            }
        }
        if upper.iter().any(|w| w == "EXECUTE") && !ddl {
            return Kind::ALL;
        }
        // Calls to functions the model knows, with their own effects.
        for word in &upper {
            let lower = word.to_ascii_lowercase();
            if self.has_function(&lower) {
                let f = self.function_effects(&lower);
                if f != Kind::ALL {
                    effects |= f;
                }
            }
        }
        effects
    }

    fn has_function(&self, name: &str) -> bool {
        self.lookup_path()
            .iter()
            .any(|schema| self.get(&Key::new(Space::Function, schema, name)).is_some())
    }

    /// Looks a resolved name up (see [`Model::lookup`]).
    fn find(&self, space: Space, kind: Kind, name: &Name) -> Lookup<'_> {
        self.lookup(space, kind, name.schema.as_deref(), &name.name)
    }

    /// The schema and name of an object name; `None` for a form the model does not read.
    fn name(&self, name: &ObjectName) -> Option<Name> {
        let parts: Vec<&Ident> = name
            .0
            .iter()
            .map(ObjectNamePart::as_ident)
            .collect::<Option<_>>()?;
        let (schema, last) = match parts.as_slice() {
            [last] => (None, *last),
            [schema, last] | [_, schema, last] => (Some(self.normalize(schema)), *last),
            _ => return None,
        };
        Some(Name {
            schema,
            name: self.normalize(last),
            span: last.span,
        })
    }

    /// Where an object named `name` in `schema` (or unqualified) is created: `None` when the
    /// schema is not the model's.
    fn creation_key(
        &self,
        schema: Option<&str>,
        temporary: bool,
        name: &str,
        space: Space,
    ) -> Option<Key> {
        let schema = match schema {
            Some(schema) => schema.to_owned(),
            None => self.creation_schema(temporary)?,
        };
        (self.schema_known(&schema) == Some(true)).then(|| Key::new(space, &schema, name))
    }

    /// Reports a missing object, unless the model cannot tell.
    fn missing(&self, kind: Kind, name: &Name, verb: &str, out: &mut Vec<Finding>) {
        let mut finding = Finding::new(
            Code::MissingObject,
            format!("{} `{}` does not exist", kind.noun(), display(name)),
            Some(name.span),
        )
        .label(format!(
            "{verb} {} no earlier migration creates",
            a(kind.noun())
        ));
        finding.missing = Some((kind, name.name.clone()));
        finding.kind = kind;
        if let Some(schema) = &name.schema
            && self.schema_known(schema) == Some(false)
        {
            finding.message = format!("schema `{schema}` does not exist");
            finding.missing = Some((Kind::Schema, schema.clone()));
            finding.kind = Kind::Schema;
        }
        out.push(finding);
    }

    fn exists(&self, what: &str, name: &str, span: Span, hint: &str) -> Finding {
        let mut finding = Finding::new(
            Code::AlreadyExists,
            format!("{what} `{name}` already exists"),
            Some(span),
        )
        .label("created by an earlier statement")
        .help(hint.to_owned());
        finding.kind = match what {
            "index" => Kind::Index,
            "view" => Kind::View,
            "sequence" => Kind::Sequence,
            "type" | "enum label" => Kind::Type,
            "function" => Kind::Function,
            "trigger" => Kind::Trigger,
            "schema" => Kind::Schema,
            _ => Kind::Table,
        };
        finding
    }

    /// Checks that a table exists, for a statement that uses it.
    fn uses_table(&self, name: &ObjectName, verb: &str, out: &mut Vec<Finding>) -> Option<Key> {
        let name = self.name(name)?;
        match self.find(Space::Relation, Kind::Table, &name) {
            Lookup::Found(key, _) => Some(key.clone()),
            Lookup::Absent => {
                self.missing(Kind::Table, &name, verb, out);
                None
            }
            Lookup::Unknown => None,
        }
    }

    /// Creates a sequence or a type: `temporary` and `if_not_exists` as written.
    fn create_simple(
        &mut self,
        name: &ObjectName,
        (temporary, if_not_exists): (bool, bool),
        object: Object,
        out: &mut Vec<Finding>,
    ) {
        let (space, kind) = match &object {
            Object::Type(_) => (Space::Type, Kind::Type),
            _ => (Space::Relation, Kind::Sequence),
        };
        let Some(name) = self.name(name) else {
            self.open(kind.bit());
            return;
        };
        let Some(key) = self.creation_key(name.schema.as_deref(), temporary, &name.name, space)
        else {
            if name
                .schema
                .as_deref()
                .is_some_and(|s| self.schema_known(s) == Some(false))
            {
                self.missing(Kind::Schema, &name, "creates in", out);
            }
            return;
        };
        match self.get(&key) {
            Some(Object::Maybe) if if_not_exists => {}
            Some(Object::Maybe) => self.insert(key, object),
            Some(existing) if !if_not_exists => {
                let what = existing.kind().map_or("object", Kind::noun);
                out.push(self.exists(
                    what,
                    &display(&name),
                    name.span,
                    &format!(
                        "use `CREATE {} IF NOT EXISTS`, or drop this statement",
                        kind.noun().to_ascii_uppercase()
                    ),
                ));
            }
            Some(_) => {}
            None if self.is_open(kind) && if_not_exists => self.insert(key, Object::Maybe),
            None => self.insert(key, object),
        }
    }

    fn create_table(&mut self, create: &ast::CreateTable, out: &mut Vec<Finding>) {
        let Some(name) = self.name(&create.name) else {
            self.open(Kind::Table.bit());
            return;
        };
        let Some(key) = self.creation_key(
            name.schema.as_deref(),
            create.temporary,
            &name.name,
            Space::Relation,
        ) else {
            if name
                .schema
                .as_deref()
                .is_some_and(|s| self.schema_known(s) == Some(false))
            {
                self.missing(Kind::Schema, &name, "creates in", out);
            }
            return;
        };
        match self.get(&key) {
            Some(Object::Maybe) if create.if_not_exists => return,
            Some(Object::Maybe) => {}
            Some(existing) => {
                if !create.if_not_exists {
                    let what = existing.kind().map_or("object", Kind::noun);
                    out.push(self.exists(
                        what,
                        &display(&name),
                        name.span,
                        "use `CREATE TABLE IF NOT EXISTS`, or drop the table first",
                    ));
                }
                return;
            }
            None if create.if_not_exists && self.is_open(Kind::Table) => {
                self.insert(key, Object::Maybe);
                return;
            }
            None => {}
        }
        // `LIKE ... INCLUDING ALL` copies indexes and identity sequences under names the
        // model does not follow.
        if create.like.is_some() {
            self.open(Kind::Index.bit() | Kind::Sequence.bit());
        }
        let mut table = Table {
            columns: Vec::new(),
            constraints: Vec::new(),
            known: create.query.is_none()
                && create.like.is_none()
                && create.clone.is_none()
                && create.inherits.is_none()
                && create.partition_of.is_none(),
        };
        // The table is in the model while its columns are read, for a foreign key to itself.
        self.insert(key.clone(), Object::Table(table.clone()));
        for column in &create.columns {
            self.add_column(&key, &mut table, column, false, out);
        }
        for constraint in &create.constraints {
            self.add_constraint(&key, &mut table, constraint, out);
        }
        self.insert(key, Object::Table(table));
    }

    /// Adds a column to `table` (at `key`), with its inline constraints.
    fn add_column(
        &mut self,
        key: &Key,
        table: &mut Table,
        column: &ColumnDef,
        if_not_exists: bool,
        out: &mut Vec<Finding>,
    ) {
        let name = self.normalize(&column.name);
        if table.column(&name).is_some() {
            if !if_not_exists && table.known {
                out.push(
                    Finding::new(
                        Code::AlreadyExists,
                        format!("column `{name}` of table `{}` already exists", key.name),
                        Some(column.name.span),
                    )
                    .label("defined before")
                    .help(
                        "remove one of the two, or add the column with `ADD COLUMN IF NOT EXISTS`",
                    ),
                );
            }
            return;
        }
        out.extend(self.type_exists(&column.data_type));
        for option in &column.options {
            if let ColumnOption::Default(expr) = &option.option {
                out.extend(self.sequence_exists(expr));
            }
        }
        let type_text = if column.data_type == DataType::Unspecified {
            String::new()
        } else {
            column.data_type.to_string()
        };
        let serial = self.dialect == Dialect::Postgres
            && matches!(
                type_text.to_ascii_uppercase().as_str(),
                "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" | "SERIAL4" | "SERIAL8" | "SERIAL2"
            );
        let mut col = Column {
            name: name.clone(),
            ty: canonical_type(self.dialect, &type_text).0,
            not_null: serial,
            default: None,
            generated: false,
        };
        let mut identity = false;
        let mut inline = Vec::new();
        for option in &column.options {
            match &option.option {
                ColumnOption::NotNull => col.not_null = true,
                ColumnOption::Null => col.not_null = false,
                ColumnOption::Default(expr) => col.default = default_of(expr),
                ColumnOption::Generated {
                    generated_as,
                    generation_expr,
                    ..
                } => {
                    col.generated = true;
                    if generation_expr.is_none()
                        && !matches!(generated_as, ast::GeneratedAs::ExpStored)
                    {
                        identity = true;
                    }
                }
                ColumnOption::Identity(_) => {
                    col.generated = true;
                    identity = true;
                }
                ColumnOption::PrimaryKey(pk) => {
                    let mut pk = pk.clone();
                    pk.name = option.name.clone().or(pk.name);
                    inline.push(TableConstraint::PrimaryKey(pk));
                }
                ColumnOption::Unique(unique) => {
                    let mut unique = unique.clone();
                    unique.name = option.name.clone().or(unique.name);
                    inline.push(TableConstraint::Unique(unique));
                }
                ColumnOption::ForeignKey(fk) => {
                    let mut fk = fk.clone();
                    fk.name = option.name.clone().or(fk.name);
                    inline.push(TableConstraint::ForeignKey(fk));
                }
                ColumnOption::Check(check) => {
                    let mut check = check.clone();
                    check.name = option.name.clone().or(check.name);
                    inline.push(TableConstraint::Check(check));
                }
                _ => {}
            }
        }
        if identity {
            col.not_null = true;
        }
        if (serial || identity) && self.dialect == Dialect::Postgres {
            let sequence =
                self.free_relation_name(&key.schema, &postgres_name(&key.name, &name, "seq"));
            if serial {
                col.default = Some(format!("nextval('{sequence}')"));
            }
            self.insert(
                Key::new(Space::Relation, &key.schema, &sequence),
                Object::Sequence(Sequence {
                    owner: Some(key.clone()),
                    column: Some(name.clone()),
                }),
            );
        }
        table.columns.push(col);
        for constraint in inline {
            // An inline constraint without columns is on its own column.
            let constraint = with_column(constraint, &column.name);
            self.add_constraint(key, table, &constraint, out);
        }
    }

    /// A relation name not taken in `schema`, from `name` as PostgreSQL picks one: `name`, or
    /// `name` with a number after its label.
    fn free_relation_name(&self, schema: &str, name: &str) -> String {
        if self.get(&Key::new(Space::Relation, schema, name)).is_none() {
            return name.to_owned();
        }
        let (stem, label) = name.rsplit_once('_').unwrap_or((name, ""));
        (1..)
            .map(|n| {
                let (table, columns) = stem.split_once('_').unwrap_or((stem, ""));
                postgres_name(table, columns, &format!("{label}{n}"))
            })
            .find(|candidate| {
                self.get(&Key::new(Space::Relation, schema, candidate))
                    .is_none()
            })
            .unwrap_or_else(|| name.to_owned())
    }

    /// Adds a constraint to `table`, naming it as the database does.
    fn add_constraint(
        &mut self,
        key: &Key,
        table: &mut Table,
        constraint: &TableConstraint,
        out: &mut Vec<Finding>,
    ) {
        let (name, kind, columns, label) = match constraint {
            TableConstraint::PrimaryKey(pk) => (
                pk.name.as_ref(),
                ConstraintKind::PrimaryKey,
                self.index_columns(&pk.columns),
                "pkey",
            ),
            TableConstraint::Unique(unique) => (
                unique.name.as_ref(),
                ConstraintKind::Unique,
                self.index_columns(&unique.columns),
                "key",
            ),
            TableConstraint::ForeignKey(fk) => {
                let target = self.foreign_key_target(key, fk, out);
                let mut references: Vec<String> = fk
                    .referred_columns
                    .iter()
                    .map(|c| self.normalize(c))
                    .collect();
                if references.is_empty() {
                    // The referenced table's primary key (this table's own, while it is made).
                    let pk = |t: &Table| {
                        t.constraints
                            .iter()
                            .find(|c| c.kind == ConstraintKind::PrimaryKey)
                            .map(|c| c.columns.clone())
                    };
                    references = match &target {
                        Some(t) if t == key => pk(table),
                        Some(t) => match self.get(t) {
                            Some(Object::Table(t)) => pk(t),
                            _ => None,
                        },
                        None => None,
                    }
                    .unwrap_or_default();
                }
                (
                    fk.name.as_ref(),
                    ConstraintKind::ForeignKey {
                        table: target,
                        references,
                        actions: format!(
                            "ON DELETE {} ON UPDATE {}",
                            fk.on_delete
                                .map_or("NO ACTION".to_owned(), |a| a.to_string()),
                            fk.on_update
                                .map_or("NO ACTION".to_owned(), |a| a.to_string())
                        ),
                    },
                    fk.columns.iter().map(|c| self.normalize(c)).collect(),
                    "fkey",
                )
            }
            TableConstraint::Check(check) => {
                let mut columns: Vec<String> = identifiers(self, &check.expr.to_string())
                    .into_iter()
                    .filter(|w| table.column(w).is_some())
                    .collect();
                columns.dedup();
                (check.name.as_ref(), ConstraintKind::Check, columns, "check")
            }
            // The name PostgreSQL gives an exclusion constraint is not followed.
            TableConstraint::Exclude(exclude) if exclude.name.is_none() => {
                table.known = false;
                return;
            }
            TableConstraint::Exclude(exclude) => (
                exclude.name.as_ref(),
                ConstraintKind::Exclude,
                Vec::new(),
                "excl",
            ),
            // MySQL's index forms and others: the constraints are no longer known.
            _ => {
                table.known = false;
                return;
            }
        };
        // Every column a key names must exist (a check's were found among them).
        if table.known && !matches!(kind, ConstraintKind::Check | ConstraintKind::Exclude) {
            for column in &columns {
                if table.column(column).is_none() && !column.starts_with('(') {
                    out.push(
                        Finding::new(
                            Code::MissingObject,
                            format!("column `{column}` of table `{}` does not exist", key.name),
                            None,
                        )
                        .label("a constraint on a column the table does not have"),
                    );
                }
            }
        }
        let named = name.is_some();
        let name = match (name, self.dialect) {
            (Some(name), _) => self.normalize(name),
            (None, Dialect::Sqlite) => String::new(),
            (None, Dialect::Postgres) => {
                let joined = match kind {
                    ConstraintKind::PrimaryKey => String::new(),
                    ConstraintKind::Check if columns.len() != 1 => String::new(),
                    _ => columns.join("_"),
                };
                let base = postgres_name(&key.name, &joined, label);
                match kind {
                    ConstraintKind::PrimaryKey
                    | ConstraintKind::Unique
                    | ConstraintKind::Exclude => self.free_relation_name(&key.schema, &base),
                    _ => {
                        let taken = |n: &str| table.constraints.iter().any(|c| c.name == n);
                        if taken(&base) {
                            (1..)
                                .map(|n| postgres_name(&key.name, &joined, &format!("{label}{n}")))
                                .find(|c| !taken(c))
                                .unwrap_or(base)
                        } else {
                            base
                        }
                    }
                }
            }
        };
        if named
            && self.dialect == Dialect::Postgres
            && table.known
            && table.constraints.iter().any(|c| c.name == name)
        {
            out.push(
                Finding::new(
                    Code::AlreadyExists,
                    format!("constraint `{name}` of table `{}` already exists", key.name),
                    None,
                )
                .label("a constraint of this name was created before")
                .help("give the constraint another name, or drop the old one first"),
            );
            return;
        }
        if matches!(kind, ConstraintKind::PrimaryKey)
            && table.known
            && table
                .constraints
                .iter()
                .any(|c| c.kind == ConstraintKind::PrimaryKey)
        {
            out.push(
                Finding::new(
                    Code::AlreadyExists,
                    format!("table `{}` already has a primary key", key.name),
                    None,
                )
                .label("a second primary key")
                .help("a table has one primary key: drop the old one first, or make this one `UNIQUE`"),
            );
            return;
        }
        let implicit_index = self.dialect == Dialect::Postgres
            && matches!(
                kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclude
            );
        if implicit_index {
            let index_key = Key::new(Space::Relation, &key.schema, &name);
            if named
                && let Some(existing) = self.get(&index_key).filter(|o| !matches!(o, Object::Maybe))
            {
                let what = existing.kind().map_or("relation", Kind::noun);
                out.push(
                    Finding::new(
                        Code::AlreadyExists,
                        format!("{what} `{name}` already exists"),
                        None,
                    )
                    .label("the constraint's index would take this name")
                    .help("give the constraint another name"),
                );
                return;
            }
            self.insert(
                index_key,
                Object::Index(Index {
                    table: key.clone(),
                    columns: columns.clone(),
                    unique: true,
                    constraint: true,
                    mentions: Default::default(),
                }),
            );
        }
        if kind == ConstraintKind::PrimaryKey {
            self.key_not_null(table, &columns);
        }
        table.constraints.push(Constraint {
            name,
            named,
            kind,
            columns,
        });
    }

    /// PostgreSQL makes a primary key's columns `NOT NULL`, and they stay so when the key is
    /// dropped; SQLite lets any key but an `INTEGER PRIMARY KEY` hold NULL.
    fn key_not_null(&self, table: &mut Table, columns: &[String]) {
        if self.dialect == Dialect::Postgres {
            for column in &mut table.columns {
                if columns.contains(&column.name) {
                    column.not_null = true;
                }
            }
        }
    }

    /// Checks a foreign key's target (PostgreSQL refuses a missing one; SQLite does not look).
    fn foreign_key_target(
        &self,
        from: &Key,
        fk: &ast::ForeignKeyConstraint,
        out: &mut Vec<Finding>,
    ) -> Option<Key> {
        let name = self.name(&fk.foreign_table)?;
        let found = match self.find(Space::Relation, Kind::Table, &name) {
            Lookup::Found(key, object) => Some((key.clone(), object.clone())),
            Lookup::Absent => None,
            Lookup::Unknown => return None,
        };
        match found {
            Some((key, Object::Table(table))) => {
                if self.dialect == Dialect::Postgres && table.known && &key != from {
                    for column in &fk.referred_columns {
                        let column = self.normalize(column);
                        if table.column(&column).is_none() {
                            out.push(
                                Finding::new(
                                    Code::MissingObject,
                                    format!(
                                        "column `{column}` of table `{}` does not exist",
                                        key.name
                                    ),
                                    None,
                                )
                                .label("the foreign key refers to it"),
                            );
                        }
                    }
                }
                Some(key)
            }
            Some((key, _)) => Some(key),
            None => {
                if self.dialect == Dialect::Postgres {
                    self.missing(Kind::Table, &name, "refers to", out);
                }
                self.creation_key(name.schema.as_deref(), false, &name.name, Space::Relation)
            }
        }
    }

    fn index_columns(&self, columns: &[ast::IndexColumn]) -> Vec<String> {
        columns
            .iter()
            .map(|c| {
                // A collation does not make a column an expression.
                let expr = match &c.column.expr {
                    Expr::Collate { expr, .. } => &**expr,
                    other => other,
                };
                match expr {
                    Expr::Identifier(ident) => self.normalize(ident),
                    // An expression: in parentheses, so it is never taken for a column.
                    other => format!("({other})"),
                }
            })
            .collect()
    }

    fn alter_table(&mut self, alter: &ast::AlterTable, out: &mut Vec<Finding>) {
        let Some(name) = self.name(&alter.name) else {
            self.open(Kind::Table.bit());
            return;
        };
        let (key, object) = match self.find(Space::Relation, Kind::Table, &name) {
            Lookup::Found(key, object) => (key.clone(), object.clone()),
            Lookup::Absent => {
                if !alter.if_exists {
                    self.missing(Kind::Table, &name, "alters", out);
                }
                return;
            }
            Lookup::Unknown => {
                for operation in &alter.operations {
                    if let AlterTableOperation::RenameTable { table_name } = operation {
                        let (ast::RenameTableNameKind::As(new) | ast::RenameTableNameKind::To(new)) =
                            table_name;
                        if let Some(new) = self.name(new)
                            && let Some(key) = self.creation_key(
                                name.schema.as_deref(),
                                false,
                                &new.name,
                                Space::Relation,
                            )
                        {
                            self.insert(key, Object::Maybe);
                        }
                    }
                }
                return;
            }
        };
        let Object::Table(mut table) = object else {
            // `ALTER TABLE` on a view or sequence: only a rename is followed.
            for operation in &alter.operations {
                if let AlterTableOperation::RenameTable { table_name } = operation {
                    let (ast::RenameTableNameKind::As(new) | ast::RenameTableNameKind::To(new)) =
                        table_name;
                    self.rename_relation(&alter.name, new, Kind::Table, out);
                }
            }
            return;
        };
        let mut key = key;
        for operation in &alter.operations {
            match operation {
                AlterTableOperation::AddColumn {
                    if_not_exists,
                    column_def,
                    ..
                } => {
                    self.add_column(&key, &mut table, column_def, *if_not_exists, out);
                }
                AlterTableOperation::DropColumn {
                    column_names,
                    if_exists,
                    drop_behavior,
                    ..
                } => {
                    let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                    for column in column_names {
                        self.drop_column(&key, &mut table, column, *if_exists, cascade, out);
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let (old, new) = (
                        self.normalize(old_column_name),
                        self.normalize(new_column_name),
                    );
                    if table.column(&old).is_none() {
                        if table.known {
                            out.push(self.missing_column(
                                &key,
                                &table,
                                &old,
                                old_column_name.span,
                                "renames",
                            ));
                        }
                        continue;
                    }
                    if table.column(&new).is_some() && old != new {
                        out.push(self.exists(
                            "column",
                            &format!("{}.{new}", key.name),
                            new_column_name.span,
                            "pick another name, or drop that column first",
                        ));
                        continue;
                    }
                    for column in &mut table.columns {
                        if column.name == old {
                            column.name = new.clone();
                        }
                    }
                    for constraint in &mut table.constraints {
                        for column in &mut constraint.columns {
                            if *column == old {
                                *column = new.clone();
                            }
                        }
                    }
                    // What names the column follows it: indexes (their expressions and
                    // `WHERE`s name columns by position), the sequence it owns, and the foreign
                    // keys of other tables that refer to it.
                    for referrer in self.referring(&key) {
                        match self.get_mut(&referrer) {
                            Some(Object::Index(index)) if index.table == key => {
                                for column in &mut index.columns {
                                    if *column == old {
                                        *column = new.clone();
                                    } else if column.starts_with('(') {
                                        *column = replace_word(column, &old, &new);
                                    }
                                }
                                if index.mentions.remove(&old) {
                                    index.mentions.insert(new.clone());
                                }
                            }
                            Some(Object::Sequence(sequence))
                                if sequence.owner.as_ref() == Some(&key)
                                    && sequence.column.as_deref() == Some(old.as_str()) =>
                            {
                                sequence.column = Some(new.clone());
                            }
                            Some(Object::Table(other)) => {
                                for c in &mut other.constraints {
                                    if let ConstraintKind::ForeignKey {
                                        table: Some(target),
                                        references,
                                        ..
                                    } = &mut c.kind
                                        && *target == key
                                    {
                                        for r in references.iter_mut().filter(|r| **r == old) {
                                            *r = new.clone();
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    // This table's own foreign keys to itself.
                    for c in &mut table.constraints {
                        if let ConstraintKind::ForeignKey {
                            table: Some(target),
                            references,
                            ..
                        } = &mut c.kind
                            && *target == key
                        {
                            for r in references.iter_mut().filter(|r| **r == old) {
                                *r = new.clone();
                            }
                        }
                    }
                }
                AlterTableOperation::RenameTable { table_name } => {
                    let (ast::RenameTableNameKind::As(new) | ast::RenameTableNameKind::To(new)) =
                        table_name;
                    let Some(new) = self.name(new) else {
                        self.open(Kind::ALL);
                        return;
                    };
                    let new_key = Key::new(
                        Space::Relation,
                        new.schema.as_deref().unwrap_or(&key.schema),
                        &new.name,
                    );
                    if new_key == key {
                        continue;
                    }
                    match self.get(&new_key) {
                        Some(Object::Maybe) => {}
                        Some(existing) => {
                            let what = existing.kind().map_or("relation", Kind::noun);
                            out.push(self.exists(
                                what,
                                &new.name,
                                new.span,
                                "pick another name, or drop it first",
                            ));
                            continue;
                        }
                        None => {}
                    }
                    self.insert(key.clone(), Object::Table(table.clone()));
                    self.move_relation(&key, &new_key);
                    // The moved table, with its own foreign keys to itself renamed.
                    if let Some(Object::Table(moved)) = self.get(&new_key) {
                        table = moved.clone();
                    }
                    key = new_key;
                }
                AlterTableOperation::AddConstraint {
                    constraint:
                        constraint @ (TableConstraint::PrimaryKeyUsingIndex(using)
                        | TableConstraint::UniqueUsingIndex(using)),
                    ..
                } => {
                    // The index becomes the constraint's, renamed like it.
                    let index = self.normalize(&using.index_name);
                    let index_key = Key::new(Space::Relation, &key.schema, &index);
                    let Some(Object::Index(found)) = self.get(&index_key).cloned() else {
                        table.known = false;
                        continue;
                    };
                    let name = using
                        .name
                        .as_ref()
                        .map_or(index.clone(), |n| self.normalize(n));
                    self.remove(&index_key);
                    self.insert(
                        Key::new(Space::Relation, &key.schema, &name),
                        Object::Index(Index {
                            constraint: true,
                            unique: true,
                            ..found.clone()
                        }),
                    );
                    let primary = matches!(constraint, TableConstraint::PrimaryKeyUsingIndex(_));
                    if primary {
                        self.key_not_null(&mut table, &found.columns);
                    }
                    table.constraints.push(Constraint {
                        name,
                        named: true,
                        kind: if primary {
                            ConstraintKind::PrimaryKey
                        } else {
                            ConstraintKind::Unique
                        },
                        columns: found.columns,
                    });
                }
                AlterTableOperation::AddConstraint { constraint, .. } => {
                    self.add_constraint(&key, &mut table, constraint, out);
                }
                AlterTableOperation::DropConstraint {
                    if_exists,
                    name,
                    drop_behavior,
                } => {
                    let cascade = matches!(drop_behavior, Some(ast::DropBehavior::Cascade));
                    self.drop_constraint(&key, &mut table, name, *if_exists, cascade, out);
                }
                AlterTableOperation::RenameConstraint { old_name, new_name } => {
                    let (old, new) = (self.normalize(old_name), self.normalize(new_name));
                    let all_named = table.constraints.iter().all(|c| c.named);
                    if self.not_null_named(&key, &table, &old).is_some()
                        || self.may_be_not_null(&table, &old)
                    {
                        continue;
                    }
                    match table.constraints.iter_mut().find(|c| c.name == old) {
                        Some(constraint) => {
                            constraint.name = new.clone();
                            constraint.named = true;
                            let old_key = Key::new(Space::Relation, &key.schema, &old);
                            if matches!(self.get(&old_key), Some(Object::Index(i)) if i.constraint)
                            {
                                self.move_relation(
                                    &old_key,
                                    &Key::new(Space::Relation, &key.schema, &new),
                                );
                            }
                        }
                        None if table.known && (all_named || self.dialect == Dialect::Postgres) => {
                            out.push(self.missing_constraint(&key, &old, old_name.span, "renames"));
                        }
                        None => table.known = false,
                    }
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    let name = self.normalize(column_name);
                    let Some(index) = table.columns.iter().position(|c| c.name == name) else {
                        if table.known {
                            out.push(self.missing_column(
                                &key,
                                &table,
                                &name,
                                column_name.span,
                                "alters",
                            ));
                        }
                        continue;
                    };
                    let column = &mut table.columns[index];
                    match op {
                        AlterColumnOperation::SetNotNull => column.not_null = true,
                        AlterColumnOperation::DropNotNull => column.not_null = false,
                        AlterColumnOperation::SetDefault { value } => {
                            out.extend(self.sequence_exists(value));
                            column.default = default_of(value)
                        }
                        AlterColumnOperation::DropDefault => column.default = None,
                        AlterColumnOperation::SetDataType { data_type, .. } => {
                            out.extend(self.type_exists(data_type));
                            column.ty = canonical_type(self.dialect, &data_type.to_string()).0;
                        }
                        AlterColumnOperation::AddGenerated { .. } => {
                            column.generated = true;
                            column.not_null = true;
                            if self.dialect == Dialect::Postgres {
                                let sequence = self.free_relation_name(
                                    &key.schema,
                                    &postgres_name(&key.name, &name, "seq"),
                                );
                                self.insert(
                                    Key::new(Space::Relation, &key.schema, &sequence),
                                    Object::Sequence(Sequence {
                                        owner: Some(key.clone()),
                                        column: Some(name.clone()),
                                    }),
                                );
                            }
                        }
                    }
                }
                // What changes nothing the model has.
                AlterTableOperation::OwnerTo { .. }
                | AlterTableOperation::EnableRowLevelSecurity
                | AlterTableOperation::DisableRowLevelSecurity
                | AlterTableOperation::ForceRowLevelSecurity
                | AlterTableOperation::NoForceRowLevelSecurity
                | AlterTableOperation::EnableTrigger { .. }
                | AlterTableOperation::DisableTrigger { .. }
                | AlterTableOperation::EnableAlwaysTrigger { .. }
                | AlterTableOperation::EnableReplicaTrigger { .. }
                | AlterTableOperation::EnableRule { .. }
                | AlterTableOperation::DisableRule { .. }
                | AlterTableOperation::ReplicaIdentity { .. }
                | AlterTableOperation::ValidateConstraint { .. }
                | AlterTableOperation::SetLogged
                | AlterTableOperation::SetUnlogged
                | AlterTableOperation::SetOptionsParens { .. }
                | AlterTableOperation::SetTblProperties { .. } => {}
                _ => table.known = false,
            }
        }
        if matches!(self.get(&key), Some(Object::Table(_))) {
            self.insert(key, Object::Table(table));
        }
    }

    fn missing_column(
        &self,
        key: &Key,
        table: &Table,
        name: &str,
        span: Span,
        verb: &str,
    ) -> Finding {
        let mut finding = Finding::new(
            Code::MissingObject,
            format!("column `{name}` of table `{}` does not exist", key.name),
            Some(span),
        )
        .label(format!("{verb} a column no earlier migration creates"));
        if let Some(meant) =
            crate::source::closest(name, table.columns.iter().map(|c| (&c.name, &c.name)))
        {
            finding = finding.help(format!("did you mean `{meant}`?"));
        }
        finding
    }

    fn missing_constraint(&self, key: &Key, name: &str, span: Span, verb: &str) -> Finding {
        let mut finding = Finding::new(
            Code::MissingObject,
            format!("constraint `{name}` of table `{}` does not exist", key.name),
            Some(span),
        )
        .label(format!("{verb} a constraint no earlier migration creates"));
        if let Some(Object::Index(_)) = self.get(&Key::new(Space::Relation, &key.schema, name)) {
            finding = finding.help(format!(
                "`{name}` is an index, not a constraint: use `DROP INDEX {name}`"
            ));
        }
        finding
    }

    fn drop_column(
        &mut self,
        key: &Key,
        table: &mut Table,
        column: &Ident,
        if_exists: bool,
        cascade: bool,
        out: &mut Vec<Finding>,
    ) {
        let name = self.normalize(column);
        if table.column(&name).is_none() {
            if table.known && !if_exists {
                out.push(self.missing_column(key, table, &name, column.span, "drops"));
            }
            return;
        }
        let indexes = self.indexes_of(key);
        match self.dialect {
            Dialect::Sqlite => {
                let used_by_index = indexes.iter().find(
                    |k| matches!(self.get(k), Some(Object::Index(i)) if i.columns.contains(&name)),
                );
                // A foreign key is not counted: SQLite drops the column's own `REFERENCES`
                // with it, and the model does not tell it from a table constraint.
                let used_by_key = table.constraints.iter().find(|c| {
                    matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique)
                        && c.columns.contains(&name)
                });
                let what = match (used_by_index, used_by_key) {
                    (Some(index), _) => Some(format!("index `{}`", index.name)),
                    (None, Some(c)) => Some(match c.kind {
                        ConstraintKind::PrimaryKey => "the primary key".to_owned(),
                        ConstraintKind::Unique => "a `UNIQUE` constraint".to_owned(),
                        _ => "a foreign key".to_owned(),
                    }),
                    _ => None,
                };
                if let Some(what) = what {
                    out.push(
                        Finding::still_used(
format!("column `{}.{name}` cannot be dropped: {what} uses it", key.name),
column.span,
"drop the index first, or rebuild the table without the column (create the new table, copy the rows, drop the old one, rename)",
),
                    );
                    // Refused, as far as the model knows: nothing changes. Where the database
                    // ran it and accepted it, it did change.
                    if !self.accepted {
                        return;
                    }
                }
            }
            Dialect::Postgres => {
                // A foreign key of another table refers to it: refused without CASCADE.
                let referring = self.foreign_keys_to(key, Some(&name));
                if let Some((from, constraint)) = referring.first()
                    && !cascade
                {
                    out.push(
                        Finding::still_used(
format!(
                                "column `{}.{name}` cannot be dropped: foreign key `{constraint}` of table `{}` refers to it",
                                key.name, from.name
                            ),
column.span,
"drop the foreign key first, or add `CASCADE` to drop it with the column",
),
                    );
                    if !self.accepted {
                        return;
                    }
                }
                self.drop_foreign_keys(referring);
                if cascade {
                    self.views_unknown(&key.name);
                }
            }
        }
        // The indexes and constraints on the column go with it; an index whose `WHERE` names
        // a word like it may.
        for index_key in indexes {
            if let Some(Object::Index(index)) = self.get(&index_key) {
                if index.columns.contains(&name) {
                    self.remove(&index_key);
                } else if index.mentions.contains(&name)
                    || index
                        .columns
                        .iter()
                        .any(|c| c.starts_with('(') && identifiers(self, c).contains(&name))
                {
                    // An expression or `WHERE` that names a word like the column: the index
                    // may be gone.
                    self.insert(index_key, Object::Maybe);
                }
            }
        }
        table.constraints.retain(|c| !c.columns.contains(&name));
        table.columns.retain(|c| c.name != name);
        for sequence in self.referring(key) {
            if matches!(self.get(&sequence), Some(Object::Sequence(s)) if s.owner.as_ref() == Some(key) && s.column.as_deref() == Some(name.as_str()))
            {
                self.remove(&sequence);
            }
        }
    }

    fn drop_constraint(
        &mut self,
        key: &Key,
        table: &mut Table,
        name: &Ident,
        if_exists: bool,
        cascade: bool,
        out: &mut Vec<Finding>,
    ) {
        let constraint = self.normalize(name);
        // PostgreSQL 18 names a column's `NOT NULL` (`users_email_not_null`): dropping it
        // drops the `NOT NULL`.
        if let Some(column) = self.not_null_named(key, table, &constraint) {
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == column) {
                c.not_null = false;
            }
            return;
        }
        let Some(position) = table.constraints.iter().position(|c| c.name == constraint) else {
            // SQLite names no unnamed constraint, and PostgreSQL's names are the model's guess
            // only when every constraint was named in the statement.
            let certain = table.known
                && !self.may_be_not_null(table, &constraint)
                && (self.dialect == Dialect::Postgres || table.constraints.iter().all(|c| c.named));
            if certain && !if_exists {
                out.push(self.missing_constraint(key, &constraint, name.span, "drops"));
            }
            if !certain {
                table.known = false;
            }
            return;
        };
        let dropping = &table.constraints[position];
        if matches!(
            dropping.kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique
        ) && self.dialect == Dialect::Postgres
        {
            // The foreign keys of other tables that refer to exactly these columns use the
            // constraint's index: PostgreSQL refuses without `CASCADE`.
            let mut columns = dropping.columns.clone();
            columns.sort();
            let dependent: Vec<(Key, String)> = self
                .referring(key)
                .into_iter()
                .filter(|from| from != key)
                .filter_map(|from| match self.get(&from) {
                    Some(Object::Table(t)) => Some(
                        t.constraints
                            .iter()
                            .filter(|c| matches!(&c.kind, ConstraintKind::ForeignKey { table: Some(target), references, .. } if target == key && {
                                let mut r = references.clone();
                                r.sort();
                                r == columns
                            }))
                            .map(|c| (from.clone(), c.name.clone()))
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                })
                .flatten()
                .collect();
            if let Some((from, fk)) = dependent.first()
                && !cascade
            {
                out.push(
                    Finding::still_used(
format!(
                            "constraint `{constraint}` of table `{}` cannot be dropped: foreign key `{fk}` of table `{}` needs it",
                            key.name, from.name
                        ),
name.span,
"drop the foreign key first, or add `CASCADE` to drop it too",
),
                );
                if !self.accepted {
                    return;
                }
            }
            self.drop_foreign_keys(dependent);
        }
        table.constraints.remove(position);
        let index_key = Key::new(Space::Relation, &key.schema, &constraint);
        if matches!(self.get(&index_key), Some(Object::Index(i)) if i.constraint) {
            self.remove(&index_key);
        }
    }

    /// The column whose `NOT NULL` PostgreSQL 18 names `name` (`<table>_<column>_not_null`),
    /// if the table has such a column.
    fn not_null_named(&self, key: &Key, table: &Table, name: &str) -> Option<String> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        table
            .columns
            .iter()
            .find(|c| c.not_null && postgres_name(&key.name, &c.name, "not_null") == name)
            .map(|c| c.name.clone())
    }

    /// Whether `name` may be PostgreSQL 18's name for a `NOT NULL` of the table: such a name
    /// stays what it was when the column or table is renamed, so any `..._not_null` name of a
    /// table with a `NOT NULL` column may be one.
    fn may_be_not_null(&self, table: &Table, name: &str) -> bool {
        self.dialect == Dialect::Postgres
            && name.ends_with("_not_null")
            && table.columns.iter().any(|c| c.not_null)
    }

    /// Removes foreign keys, each given by its table and name.
    fn drop_foreign_keys(&mut self, foreign_keys: Vec<(Key, String)>) {
        for (from, name) in foreign_keys {
            if let Some(Object::Table(t)) = self.get_mut(&from) {
                t.constraints.retain(|c| c.name != name);
            }
        }
    }

    /// The foreign keys referring to `table` (to `column` of it, when given): the referring
    /// table and the constraint's name.
    fn foreign_keys_to(&self, table: &Key, column: Option<&str>) -> Vec<(Key, String)> {
        let mut found = Vec::new();
        for key in self.referring(table) {
            let Some(Object::Table(t)) = self.get(&key) else {
                continue;
            };
            for c in &t.constraints {
                if let ConstraintKind::ForeignKey {
                    table: Some(target),
                    references,
                    ..
                } = &c.kind
                    && target == table
                    && &key != table
                    && column.is_none_or(|col| references.iter().any(|r| r == col))
                {
                    found.push((key.clone(), c.name.clone()));
                }
            }
        }
        found
    }

    /// The keys of the indexes on a table.
    fn indexes_of(&self, table: &Key) -> Vec<Key> {
        self.referring(table)
            .into_iter()
            .filter(|k| matches!(self.get(k), Some(Object::Index(i)) if &i.table == table))
            .collect()
    }

    /// Views whose query mentions `word` may have been dropped by a `CASCADE`, with their
    /// indexes and triggers.
    fn views_unknown(&mut self, word: &str) {
        // A view on a view the cascade takes goes too.
        let mut words = vec![word.to_owned()];
        while let Some(word) = words.pop() {
            for key in
                self.keys_where(|_, o| matches!(o, Object::View(v) if v.mentions.contains(&word)))
            {
                for dependent in self.referring(&key) {
                    self.insert(dependent, Object::Maybe);
                }
                words.push(key.name.clone());
                self.insert(key, Object::Maybe);
            }
        }
    }

    /// A PostgreSQL column type that is no built-in type, no type an earlier migration created
    /// and no table's row type: the database refuses it. SQLite takes any name.
    fn type_exists(&self, data_type: &DataType) -> Option<Finding> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        let name = match data_type {
            DataType::Custom(name, _) => name,
            DataType::Array(
                ast::ArrayElemTypeDef::SquareBracket(inner, _)
                | ast::ArrayElemTypeDef::AngleBracket(inner)
                | ast::ArrayElemTypeDef::Parenthesis(inner),
            ) => return self.type_exists(inner),
            _ => return None,
        };
        let name = self.name(name)?;
        if name.schema.as_deref().is_none_or(|s| s == "pg_catalog")
            && POSTGRES_TYPES.contains(&name.name.as_str())
        {
            return None;
        }
        // An array type's own name (`_text`), and the multirange a range type brings.
        if name.name.starts_with('_') || name.name.ends_with("multirange") {
            return None;
        }
        let row_type = matches!(
            self.find(Space::Relation, Kind::Table, &name),
            Lookup::Found(_, Object::Table(_) | Object::View(_)) | Lookup::Unknown
        );
        match self.find(Space::Type, Kind::Type, &name) {
            Lookup::Absent if !row_type => {
                let mut found = Vec::new();
                self.missing(Kind::Type, &name, "uses", &mut found);
                found.pop()
            }
            _ => None,
        }
    }

    /// A default that takes values from a sequence (`nextval('s')`) no earlier migration
    /// created: PostgreSQL looks the sequence up when the default is set, and refuses.
    fn sequence_exists(&self, expr: &Expr) -> Option<Finding> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        let Expr::Function(function) = expr else {
            return None;
        };
        let called = function.name.0.last().and_then(ObjectNamePart::as_ident)?;
        if !called.value.eq_ignore_ascii_case("nextval") {
            return None;
        }
        let ast::FunctionArguments::List(list) = &function.args else {
            return None;
        };
        let literal = match list.args.first()? {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(expr)) => match expr {
                Expr::Cast { expr, .. } => &**expr,
                other => other,
            },
            _ => return None,
        };
        let Expr::Value(value) = literal else {
            return None;
        };
        let ast::Value::SingleQuotedString(text) = &value.value else {
            return None;
        };
        // A quoted name keeps its case and may hold dots: not followed.
        if text.contains('"') {
            return None;
        }
        let parts: Vec<&str> = text.split('.').collect();
        let (schema, sequence) = match parts.as_slice() {
            [sequence] => (None, sequence.to_ascii_lowercase()),
            [schema, sequence] => (
                Some(schema.to_ascii_lowercase()),
                sequence.to_ascii_lowercase(),
            ),
            _ => return None,
        };
        match self.lookup(
            Space::Relation,
            Kind::Sequence,
            schema.as_deref(),
            &sequence,
        ) {
            Lookup::Absent => {
                let name = Name {
                    schema,
                    name: sequence,
                    span: value.span,
                };
                let mut found = Vec::new();
                self.missing(Kind::Sequence, &name, "takes values from", &mut found);
                found.pop()
            }
            _ => None,
        }
    }

    /// `DROP FUNCTION ... CASCADE`: the triggers that run the function go with it; the model
    /// cannot tell for a trigger whose function it did not read.
    fn drop_triggers_running(&mut self, function: &ObjectName) {
        let Some(name) = self.name(function) else {
            self.open(Kind::Trigger.bit());
            return;
        };
        let mut unknown = false;
        for key in self.keys_where(|_, o| matches!(o, Object::Trigger(_))) {
            match self.get(&key) {
                Some(Object::Trigger(Trigger {
                    function: Some(f), ..
                })) if *f == name.name => {
                    self.remove(&key);
                }
                Some(Object::Trigger(Trigger { function: None, .. })) => unknown = true,
                _ => {}
            }
        }
        if unknown {
            self.open(Kind::Trigger.bit());
        }
    }

    /// What a `DROP FUNCTION ... CASCADE` takes besides triggers: the views that may call the
    /// function (unknown now), the expression indexes and the column defaults that call it.
    fn drop_callers(&mut self, function: &ObjectName) {
        let Some(name) = self.name(function) else {
            self.open(Kind::View.bit() | Kind::Index.bit() | Kind::Table.bit());
            return;
        };
        self.views_unknown(&name.name);
        let calls = |text: &str| crate::source::call_of(text, &name.name).is_some();
        for key in self
            .keys_where(|_, o| matches!(o, Object::Index(i) if i.columns.iter().any(|c| calls(c))))
        {
            self.insert(key, Object::Maybe);
        }
        for key in self.keys_where(|_, o| {
            matches!(o, Object::Table(t) if t.columns.iter().any(|c| c.default.as_deref().is_some_and(calls)))
        }) {
            if let Some(Object::Table(table)) = self.get_mut(&key) {
                for column in &mut table.columns {
                    if column.default.as_deref().is_some_and(calls) {
                        column.default = None;
                    }
                }
            }
        }
    }

    /// The name PostgreSQL gives an index column in an index's name: a column's own, a
    /// function's for a call, `expr` for other expressions.
    fn column_name_of(&self, expr: &Expr) -> String {
        match expr {
            Expr::Identifier(ident) => self.normalize(ident),
            Expr::CompoundIdentifier(parts) => parts
                .last()
                .map_or("expr".to_owned(), |i| self.normalize(i)),
            Expr::Function(f) => f
                .name
                .0
                .last()
                .and_then(ObjectNamePart::as_ident)
                .map_or("expr".to_owned(), |i| self.normalize(i)),
            Expr::Cast { expr, .. } | Expr::Nested(expr) | Expr::Collate { expr, .. } => {
                self.column_name_of(expr)
            }
            _ => "expr".to_owned(),
        }
    }

    /// Moves a relation to a new key, with what refers to it.
    fn move_relation(&mut self, from: &Key, to: &Key) {
        let Some(object) = self.remove(from) else {
            return;
        };
        self.insert(to.clone(), object);
        for key in self.referring(from) {
            self.link_to(&key, to);
            let new_trigger_key = match self.get_mut(&key) {
                Some(Object::Index(i)) => {
                    i.table = to.clone();
                    None
                }
                Some(Object::Trigger(t)) => {
                    t.table = to.clone();
                    // PostgreSQL's triggers are named within their table.
                    key.name.split_once('\0').map(|(_, trigger)| {
                        Key::new(
                            Space::Trigger,
                            &key.schema,
                            &format!("{}\0{trigger}", to.name),
                        )
                    })
                }
                Some(Object::Sequence(s)) => {
                    s.owner = Some(to.clone());
                    None
                }
                Some(Object::Table(t)) => {
                    for c in &mut t.constraints {
                        if let ConstraintKind::ForeignKey { table: Some(k), .. } = &mut c.kind
                            && k == from
                        {
                            *k = to.clone();
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(new_key) = new_trigger_key
                && let Some(trigger) = self.remove(&key)
            {
                self.insert(new_key, trigger);
            }
        }
    }

    /// `ALTER INDEX ... RENAME TO`, `ALTER VIEW ... RENAME TO` and the like.
    fn rename_relation(
        &mut self,
        name: &ObjectName,
        new: &ObjectName,
        kind: Kind,
        out: &mut Vec<Finding>,
    ) {
        let (Some(name), Some(new)) = (self.name(name), self.name(new)) else {
            self.open(kind.bit());
            return;
        };
        let key = match self.find(Space::Relation, kind, &name) {
            Lookup::Found(key, _) => key.clone(),
            Lookup::Absent => {
                self.missing(kind, &name, "renames", out);
                return;
            }
            Lookup::Unknown => {
                if let Some(key) =
                    self.creation_key(name.schema.as_deref(), false, &new.name, Space::Relation)
                {
                    self.insert(key, Object::Maybe);
                }
                return;
            }
        };
        let new_key = Key::new(Space::Relation, &key.schema, &new.name);
        if let Some(existing) = self.get(&new_key).filter(|o| !matches!(o, Object::Maybe)) {
            let what = existing.kind().map_or("relation", Kind::noun);
            out.push(self.exists(
                what,
                &new.name,
                new.span,
                "pick another name, or drop it first",
            ));
            return;
        }
        // Renaming a constraint's index renames the constraint.
        if let Some(Object::Index(index)) = self.get(&key).cloned()
            && index.constraint
            && let Some(Object::Table(table)) = self.get_mut(&index.table)
        {
            for c in &mut table.constraints {
                if c.name == key.name {
                    c.name = new.name.clone();
                }
            }
        }
        self.move_relation(&key, &new_key);
    }

    fn create_index(&mut self, create: &ast::CreateIndex, out: &mut Vec<Finding>) {
        let Some(table_name) = self.name(&create.table_name) else {
            self.open(Kind::Index.bit());
            return;
        };
        let (table_key, table) = match self.find(Space::Relation, Kind::Table, &table_name) {
            Lookup::Found(key, object) => (key.clone(), object.clone()),
            Lookup::Absent => {
                self.missing(Kind::Table, &table_name, "indexes", out);
                return;
            }
            Lookup::Unknown => {
                match create.name.as_ref().and_then(|n| self.name(n)) {
                    Some(name) => {
                        if let Some(key) = self.creation_key(
                            name.schema.as_deref().or(table_name.schema.as_deref()),
                            false,
                            &name.name,
                            Space::Relation,
                        ) {
                            self.insert(key, Object::Maybe);
                        }
                    }
                    None => self.open(Kind::Index.bit()),
                }
                return;
            }
        };
        let columns = self.index_columns(&create.columns);
        let (schema, name, span) = match &create.name {
            Some(name) => {
                let Some(name) = self.name(name) else {
                    self.open(Kind::Index.bit());
                    return;
                };
                let schema = match (self.dialect, name.schema) {
                    (Dialect::Sqlite, Some(schema)) => schema,
                    _ => table_key.schema.clone(),
                };
                (schema, name.name, Some(name.span))
            }
            None => {
                // PostgreSQL's name: the key and `INCLUDE` columns' names, each made unique
                // with a number.
                let mut joined: Vec<String> = Vec::new();
                let names = create
                    .columns
                    .iter()
                    .map(|c| self.column_name_of(&c.column.expr))
                    .chain(create.include.iter().map(|c| self.normalize(c)));
                for name in names {
                    let unique = (0..)
                        .map(|n| {
                            if n == 0 {
                                name.clone()
                            } else {
                                format!("{name}{n}")
                            }
                        })
                        .find(|candidate| !joined.contains(candidate))
                        .unwrap_or(name);
                    joined.push(unique);
                }
                let base = postgres_name(&table_key.name, &joined.join("_"), "idx");
                (
                    table_key.schema.clone(),
                    self.free_relation_name(&table_key.schema, &base),
                    None,
                )
            }
        };
        let key = Key::new(Space::Relation, &schema, &name);
        match self.get(&key) {
            Some(Object::Maybe) if create.if_not_exists => return,
            Some(Object::Maybe) => {}
            Some(existing) => {
                if !create.if_not_exists {
                    let what = existing.kind().map_or("relation", Kind::noun);
                    out.push(self.exists(
                        what,
                        &name,
                        span.unwrap_or(table_name.span),
                        "use `CREATE INDEX IF NOT EXISTS`, or pick another name",
                    ));
                }
                return;
            }
            None => {}
        }
        if let Object::Table(table) = &table
            && table.known
        {
            for (column, written) in columns.iter().zip(&create.columns) {
                if let Expr::Identifier(ident) = &written.column.expr
                    && table.column(column).is_none()
                {
                    out.push(self.missing_column(&table_key, table, column, ident.span, "indexes"));
                    return;
                }
            }
        }
        self.insert(
            key,
            Object::Index(Index {
                table: table_key,
                columns,
                unique: create.unique,
                constraint: false,
                mentions: create
                    .include
                    .iter()
                    .map(|c| self.normalize(c))
                    .chain(
                        create
                            .predicate
                            .iter()
                            .flat_map(|p| identifiers(self, &p.to_string())),
                    )
                    .collect(),
            }),
        );
    }

    fn create_view(&mut self, create: &ast::CreateView, out: &mut Vec<Finding>) {
        let Some(name) = self.name(&create.name) else {
            self.open(Kind::View.bit());
            return;
        };
        let Some(key) = self.creation_key(
            name.schema.as_deref(),
            create.temporary,
            &name.name,
            Space::Relation,
        ) else {
            return;
        };
        let view = Object::View(View {
            materialized: create.materialized,
            mentions: mentions(&create.query.to_string()),
        });
        match self.get(&key) {
            Some(Object::Maybe) if create.if_not_exists => {}
            Some(Object::Maybe) => self.insert(key, view),
            Some(Object::View(old))
                if create.or_replace && old.materialized == create.materialized =>
            {
                self.insert(key, view)
            }
            Some(existing) if !create.if_not_exists => {
                let what = existing.kind().map_or("relation", Kind::noun);
                out.push(self.exists(
                    what,
                    &display(&name),
                    name.span,
                    "use `CREATE OR REPLACE VIEW`, or drop the view first",
                ));
            }
            Some(_) => {}
            None if create.if_not_exists && self.is_open(Kind::View) => {
                self.insert(key, Object::Maybe)
            }
            None => self.insert(key, view),
        }
    }

    fn drop(
        &mut self,
        object_type: ObjectType,
        if_exists: bool,
        names: &[ObjectName],
        cascade: bool,
        out: &mut Vec<Finding>,
    ) {
        let (space, kind) = match object_type {
            ObjectType::Table => (Space::Relation, Kind::Table),
            ObjectType::View | ObjectType::MaterializedView => (Space::Relation, Kind::View),
            ObjectType::Index => (Space::Relation, Kind::Index),
            ObjectType::Sequence => (Space::Relation, Kind::Sequence),
            ObjectType::Type => (Space::Type, Kind::Type),
            ObjectType::Schema => (Space::Schema, Kind::Schema),
            // An object the model does not have: what depends on it (a column on a collation)
            // goes with it under `CASCADE`.
            _ => {
                if cascade {
                    self.open(Kind::ALL);
                }
                return;
            }
        };
        for name in names {
            let Some(name) = self.name(name) else {
                self.open(kind.bit());
                continue;
            };
            if kind == Kind::Schema {
                self.drop_schema(&name, if_exists, cascade, out);
                continue;
            }
            let (key, object) = match self.find(space, kind, &name) {
                Lookup::Found(key, object) => (key.clone(), object.clone()),
                Lookup::Absent => {
                    if !if_exists {
                        self.missing(kind, &name, "drops", out);
                    }
                    continue;
                }
                Lookup::Unknown => {
                    // It may be gone now, with what it took along.
                    match self
                        .creation_key(name.schema.as_deref(), false, &name.name, space)
                        .filter(|key| self.get(key).is_some())
                    {
                        Some(key) => {
                            for dependent in self.referring(&key) {
                                self.insert(dependent, Object::Maybe);
                            }
                            if cascade {
                                self.views_unknown(&key.name);
                            }
                            self.insert(key, Object::Maybe);
                        }
                        None if kind == Kind::Table || cascade => self.open(
                            Kind::Index.bit()
                                | Kind::Trigger.bit()
                                | Kind::Sequence.bit()
                                | Kind::View.bit(),
                        ),
                        None => {}
                    }
                    continue;
                }
            };
            let found_kind = object.kind().unwrap_or(kind);
            let same =
                found_kind == kind || (kind == Kind::View && matches!(&object, Object::View(_)));
            if !same {
                let verb = match found_kind {
                    Kind::View => "DROP VIEW",
                    Kind::Index => "DROP INDEX",
                    Kind::Sequence => "DROP SEQUENCE",
                    _ => "DROP TABLE",
                };
                out.push(
                    Finding::new(
                        Code::MissingObject,
                        format!(
                            "`{}` is a {}, not a {}",
                            display(&name),
                            found_kind.noun(),
                            kind.noun()
                        ),
                        Some(name.span),
                    )
                    .label(format!("a {}", found_kind.noun()))
                    .help(format!("use `{verb}`")),
                );
                continue;
            }
            if let Object::View(view) = &object
                && view.materialized != (object_type == ObjectType::MaterializedView)
            {
                // PostgreSQL refuses the other kind of view; SQLite has only one.
                if self.dialect == Dialect::Postgres {
                    let (is, verb) = if view.materialized {
                        ("a materialized view", "DROP MATERIALIZED VIEW")
                    } else {
                        ("a view", "DROP VIEW")
                    };
                    out.push(
                        Finding::new(
                            Code::MissingObject,
                            format!("`{}` is {is}", display(&name)),
                            Some(name.span),
                        )
                        .label(is)
                        .help(format!("use `{verb}`")),
                    );
                    continue;
                }
            }
            match &object {
                Object::Table(_) => {
                    let referring: Vec<_> = self.foreign_keys_to(&key, None);
                    // Tables dropped by the same statement may refer to it.
                    let outside = referring.iter().find(|(from, _)| {
                        !names
                            .iter()
                            .any(|n| self.name(n).is_some_and(|n| n.name == from.name))
                    });
                    if self.dialect == Dialect::Postgres
                        && !cascade
                        && let Some((from, constraint)) = outside
                    {
                        out.push(
                            Finding::new(
                                Code::StillUsed,
                                format!("table `{}` cannot be dropped: foreign key `{constraint}` of table `{}` refers to it", key.name, from.name),
                                Some(name.span),
                            )
                            .label("still referred to")
                            .help(format!("drop table `{}` (or its foreign key) first, or add `CASCADE`", from.name)),
                        );
                        if !self.accepted {
                            continue;
                        }
                    }
                    if self.dialect == Dialect::Postgres {
                        self.drop_foreign_keys(referring);
                    }
                    self.drop_relation_and_dependents(&key, cascade);
                }
                Object::Index(index) if index.constraint => {
                    out.push(
                        Finding::new(
                            Code::StillUsed,
                            format!(
                                "index `{}` belongs to constraint `{}` of table `{}`",
                                key.name, key.name, index.table.name
                            ),
                            Some(name.span),
                        )
                        .label("the constraint's index")
                        .help(format!(
                            "drop the constraint instead: `ALTER TABLE {} DROP CONSTRAINT {}`",
                            index.table.name, key.name
                        )),
                    );
                }
                Object::Sequence(Sequence {
                    owner: Some(owner), ..
                }) if self.dialect == Dialect::Postgres
                    && !cascade
                    && self.default_uses_sequence(owner, &key.name) =>
                {
                    out.push(
                        Finding::still_used(
format!("sequence `{}` cannot be dropped: a column default of table `{}` uses it", key.name, owner.name),
name.span,
"drop the column's default first, or add `CASCADE`",
),
                    );
                }
                _ => self.drop_relation_and_dependents(&key, cascade),
            }
        }
    }

    fn default_uses_sequence(&self, table: &Key, sequence: &str) -> bool {
        matches!(self.get(table), Some(Object::Table(t)) if t.columns.iter().any(|c| c.default.as_deref().is_some_and(|d| d.contains(sequence))))
    }

    /// Removes a relation with what goes with it: a table's indexes, triggers and owned
    /// sequences; with `CASCADE`, the views that may depend on it become unknown.
    fn drop_relation_and_dependents(&mut self, key: &Key, cascade: bool) {
        let object = self.remove(key);
        if matches!(object, Some(Object::Table(_) | Object::View(_))) {
            for dependent in self.referring(key) {
                let goes = match self.get(&dependent) {
                    Some(Object::Index(i)) => &i.table == key,
                    Some(Object::Trigger(t)) => &t.table == key,
                    Some(Object::Sequence(s)) => s.owner.as_ref() == Some(key),
                    _ => false,
                };
                if goes {
                    self.remove(&dependent);
                }
            }
        }
        if cascade {
            self.views_unknown(&key.name);
        }
        if let Some(Object::Sequence(_)) = object
            && cascade
        {
            for table in self.keys_where(|_, o| matches!(o, Object::Table(t) if t.columns.iter().any(|c| c.default.as_deref().is_some_and(|d| d.contains(&key.name))))) {
                if let Some(Object::Table(t)) = self.get_mut(&table) {
                    for c in &mut t.columns {
                        if c.default.as_deref().is_some_and(|d| d.contains(&key.name)) {
                            c.default = None;
                        }
                    }
                }
            }
        }
        if let Some(Object::Type(_)) = object
            && cascade
        {
            // The columns of the type go with it (an array of it too): the tables whose
            // columns name it are no longer known.
            let word = key.name.to_ascii_lowercase();
            for table in self.keys_where(|_, o| {
                matches!(o, Object::Table(t) if t.columns.iter().any(|c| mentions(&c.ty).contains(&word)))
            }) {
                if let Some(Object::Table(t)) = self.get_mut(&table) {
                    t.known = false;
                }
            }
        }
    }

    fn drop_schema(&mut self, name: &Name, if_exists: bool, cascade: bool, out: &mut Vec<Finding>) {
        match self.schema_known(&name.name) {
            Some(false) => {
                if !if_exists {
                    let schema = Name {
                        schema: None,
                        name: name.name.clone(),
                        span: name.span,
                    };
                    self.missing(Kind::Schema, &schema, "drops", out);
                }
            }
            None => {
                self.insert(Key::new(Space::Schema, "", &name.name), Object::Maybe);
            }
            Some(true) => {
                let inside =
                    self.keys_where(|k, _| k.schema == name.name && k.space != Space::Schema);
                // What may be gone already does not keep the schema.
                let holds = inside
                    .iter()
                    .find(|k| !matches!(self.get(k), Some(Object::Maybe)));
                if let Some(first) = holds
                    && !cascade
                {
                    out.push(
                        Finding::new(
                            Code::StillUsed,
                            format!(
                                "schema `{}` cannot be dropped: it still holds `{}`",
                                name.name,
                                first.name.replace('\0', ".")
                            ),
                            Some(name.span),
                        )
                        .label("not empty")
                        .help("drop what it holds first, or add `CASCADE`"),
                    );
                    if !self.accepted {
                        return;
                    }
                }
                // With `CASCADE`, what other schemas have that depends on it goes too: foreign
                // keys to its tables, views on them.
                for key in inside {
                    if matches!(self.get(&key), Some(Object::Table(_))) {
                        self.drop_foreign_keys(self.foreign_keys_to(&key, None));
                    }
                    if key.space == Space::Relation {
                        self.views_unknown(&key.name);
                    }
                    // Columns of its types, elsewhere, go with them; triggers that run its
                    // functions too.
                    if key.space == Space::Type {
                        let word = key.name.to_ascii_lowercase();
                        for table in self.keys_where(|_, o| {
                            matches!(o, Object::Table(t) if t.columns.iter().any(|c| mentions(&c.ty).contains(&word)))
                        }) {
                            if let Some(Object::Table(t)) = self.get_mut(&table) {
                                t.known = false;
                            }
                        }
                    }
                    if key.space == Space::Function {
                        for trigger in self.keys_where(|_, o| {
                            matches!(o, Object::Trigger(Trigger { function: Some(f), .. }) if *f == key.name)
                        }) {
                            self.insert(trigger, Object::Maybe);
                        }
                    }
                    if self.get(&key).is_some() {
                        self.remove(&key);
                    }
                }
                self.remove(&Key::new(Space::Schema, "", &name.name));
            }
        }
    }

    fn alter_type(&mut self, alter: &ast::AlterType, out: &mut Vec<Finding>) {
        let Some(name) = self.name(&alter.name) else {
            self.open(Kind::Type.bit());
            return;
        };
        let (key, object) = match self.find(Space::Type, Kind::Type, &name) {
            Lookup::Found(key, object) => (key.clone(), object.clone()),
            Lookup::Absent => {
                self.missing(Kind::Type, &name, "alters", out);
                return;
            }
            Lookup::Unknown => {
                if let AlterTypeOperation::Rename(rename) = &alter.operation
                    && let Some(key) = self.creation_key(
                        name.schema.as_deref(),
                        false,
                        &self.normalize(&rename.new_name),
                        Space::Type,
                    )
                {
                    self.insert(key, Object::Maybe);
                }
                return;
            }
        };
        match (&alter.operation, object) {
            (AlterTypeOperation::Rename(rename), object) => {
                let new_key = Key::new(Space::Type, &key.schema, &self.normalize(&rename.new_name));
                // Columns of the type show its new name.
                let (old_ty, new_ty) = (
                    canonical_type(self.dialect, &key.name).0,
                    canonical_type(self.dialect, &new_key.name).0,
                );
                for table in self.keys_where(|_, o| matches!(o, Object::Table(t) if t.columns.iter().any(|c| c.ty == old_ty))) {
                    if let Some(Object::Table(t)) = self.get_mut(&table) {
                        for c in &mut t.columns {
                            if c.ty == old_ty {
                                c.ty = new_ty.clone();
                            }
                        }
                    }
                }
                if self
                    .get(&new_key)
                    .is_some_and(|o| !matches!(o, Object::Maybe))
                {
                    out.push(self.exists(
                        "type",
                        &new_key.name,
                        rename.new_name.span,
                        "pick another name",
                    ));
                    return;
                }
                self.remove(&key);
                self.insert(new_key, object);
            }
            (AlterTypeOperation::AddValue(add), Object::Type(UserType::Enum(mut labels))) => {
                if labels.contains(&add.value.value) {
                    if !add.if_not_exists {
                        out.push(self.exists(
                            "enum label",
                            &add.value.value,
                            add.value.span,
                            "use `ADD VALUE IF NOT EXISTS`",
                        ));
                    }
                    return;
                }
                labels.push(add.value.value.clone());
                self.insert(key, Object::Type(UserType::Enum(labels)));
            }
            (AlterTypeOperation::RenameValue(rename), Object::Type(UserType::Enum(mut labels))) => {
                match labels.iter_mut().find(|l| **l == rename.from.value) {
                    Some(label) => *label = rename.to.value.clone(),
                    None => {
                        out.push(
                            Finding::new(
                                Code::MissingObject,
                                format!("enum `{}` has no label `{}`", key.name, rename.from.value),
                                Some(rename.from.span),
                            )
                            .label("no such label"),
                        );
                        return;
                    }
                }
                self.insert(key, Object::Type(UserType::Enum(labels)));
            }
            _ => {
                self.insert(key, Object::Maybe);
            }
        }
    }

    fn create_function(
        &mut self,
        name: &ObjectName,
        args: &[DataType],
        or_replace: bool,
        body: &str,
        out: &mut Vec<Finding>,
    ) {
        let Some(name) = self.name(name) else {
            self.open(Kind::Function.bit());
            return;
        };
        let Some(key) =
            self.creation_key(name.schema.as_deref(), false, &name.name, Space::Function)
        else {
            return;
        };
        let signature = args
            .iter()
            .map(|t| canonical_type(self.dialect, &t.to_string()).0)
            .collect::<Vec<_>>()
            .join(", ");
        let effects = self.body_effects(body);
        let mut function = match self.get(&key) {
            Some(Object::Function(f)) => f.clone(),
            Some(_) => {
                self.insert(key, Object::Maybe);
                return;
            }
            None => Function {
                signatures: Default::default(),
                effects: 0,
            },
        };
        if function.signatures.contains(&signature) && !or_replace {
            out.push(self.exists(
                "function",
                &format!("{}({signature})", name.name),
                name.span,
                "use `CREATE OR REPLACE FUNCTION`",
            ));
            return;
        }
        function.signatures.insert(signature);
        function.effects |= effects;
        self.insert(key, Object::Function(function));
    }

    fn drop_function(
        &mut self,
        name: &ObjectName,
        args: Option<&[ast::OperateFunctionArg]>,
        if_exists: bool,
        out: &mut Vec<Finding>,
    ) {
        let Some(name) = self.name(name) else {
            self.open(Kind::Function.bit());
            return;
        };
        let (key, function) = match self.find(Space::Function, Kind::Function, &name) {
            Lookup::Found(key, Object::Function(f)) => (key.clone(), f.clone()),
            Lookup::Found(key, _) => {
                let key = key.clone();
                self.insert(key, Object::Maybe);
                return;
            }
            Lookup::Absent => {
                if !if_exists {
                    self.missing(Kind::Function, &name, "drops", out);
                }
                return;
            }
            Lookup::Unknown => return,
        };
        let signature = args.map(|args| {
            args.iter()
                .filter(|a| !matches!(a.mode, Some(ast::ArgMode::Out)))
                .map(|a| canonical_type(self.dialect, &a.data_type.to_string()).0)
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut function = function;
        match signature {
            Some(signature) if function.signatures.remove(&signature) => {}
            None if function.signatures.len() == 1 => function.signatures.clear(),
            // Another spelling of the argument types, or several overloads: not followed.
            _ => {
                self.insert(key, Object::Maybe);
                return;
            }
        }
        if function.signatures.is_empty() {
            self.remove(&key);
        } else {
            self.insert(key, Object::Function(function));
        }
    }

    fn trigger_key(&self, trigger: &Name, table: &Key) -> Key {
        match self.dialect {
            Dialect::Postgres => Key::new(
                Space::Trigger,
                &table.schema,
                &format!("{}\0{}", table.name, trigger.name),
            ),
            Dialect::Sqlite => Key::new(
                Space::Trigger,
                trigger.schema.as_deref().unwrap_or(&table.schema),
                &trigger.name,
            ),
        }
    }

    fn create_trigger(&mut self, create: &ast::CreateTrigger, text: &str, out: &mut Vec<Finding>) {
        let (Some(name), Some(table_name)) =
            (self.name(&create.name), self.name(&create.table_name))
        else {
            self.open(Kind::Trigger.bit());
            return;
        };
        let table = match self.find(Space::Relation, Kind::Table, &table_name) {
            Lookup::Found(key, _) => key.clone(),
            Lookup::Absent => {
                self.missing(Kind::Table, &table_name, "puts a trigger on", out);
                return;
            }
            Lookup::Unknown => {
                self.open(Kind::Trigger.bit());
                return;
            }
        };
        let mut key = self.trigger_key(&name, &table);
        if create.temporary && self.dialect == Dialect::Sqlite && name.schema.is_none() {
            key.schema = "temp".to_owned();
        }
        let if_not_exists = words(text, 8)
            .windows(3)
            .any(|w| w == ["IF", "NOT", "EXISTS"]);
        match self.get(&key) {
            Some(Object::Trigger(_))
                if !create.or_replace && !if_not_exists && !self.is_open(Kind::Trigger) =>
            {
                out.push(self.exists(
                    "trigger",
                    &name.name,
                    name.span,
                    "drop the trigger first, or use `CREATE OR REPLACE TRIGGER`",
                ));
            }
            Some(_) if !create.or_replace => {}
            None if self.is_open(Kind::Trigger) && if_not_exists => self.insert(key, Object::Maybe),
            _ => {
                let function = create.exec_body.as_ref().and_then(|body| {
                    body.func_desc
                        .name
                        .0
                        .last()
                        .and_then(ObjectNamePart::as_ident)
                        .map(|i| self.normalize(i))
                });
                self.insert(key, Object::Trigger(Trigger { table, function }))
            }
        }
    }

    fn drop_trigger(&mut self, drop: &ast::DropTrigger, out: &mut Vec<Finding>) {
        let Some(name) = self.name(&drop.trigger_name) else {
            self.open(Kind::Trigger.bit());
            return;
        };
        let key = match (&drop.table_name, self.dialect) {
            (Some(table_name), _) => {
                let Some(table_name) = self.name(table_name) else {
                    return;
                };
                match self.find(Space::Relation, Kind::Table, &table_name) {
                    Lookup::Found(table, _) => self.trigger_key(&name, &table.clone()),
                    Lookup::Absent => {
                        if !drop.if_exists {
                            self.missing(Kind::Table, &table_name, "drops a trigger of", out);
                        }
                        return;
                    }
                    Lookup::Unknown => return,
                }
            }
            (None, Dialect::Sqlite) => {
                let schemas = match &name.schema {
                    Some(schema) => vec![schema.clone()],
                    None => self.lookup_path(),
                };
                match schemas
                    .iter()
                    .map(|s| Key::new(Space::Trigger, s, &name.name))
                    .find(|k| self.get(k).is_some())
                {
                    Some(key) => key,
                    None => Key::new(Space::Trigger, "main", &name.name),
                }
            }
            (None, Dialect::Postgres) => {
                self.open(Kind::Trigger.bit());
                return;
            }
        };
        match self.get(&key) {
            Some(Object::Trigger(_)) => {
                self.remove(&key);
            }
            Some(_) => {
                self.remove(&key);
            }
            None if self.is_open(Kind::Trigger) || drop.if_exists => {}
            None => self.missing(Kind::Trigger, &name, "drops", out),
        }
    }

    fn insert_into(&mut self, insert: &ast::Insert, out: &mut Vec<Finding>) {
        let TableObject::TableName(name) = &insert.table else {
            return;
        };
        let Some(key) = self.uses_table(name, "inserts into", out) else {
            return;
        };
        let Some(Object::Table(table)) = self.get(&key) else {
            return;
        };
        if !table.known {
            return;
        }
        for column in &insert.columns {
            let Some(ident) = column.0.last().and_then(ObjectNamePart::as_ident) else {
                continue;
            };
            let name = self.normalize(ident);
            let rowid = self.dialect == Dialect::Sqlite
                && matches!(name.as_str(), "rowid" | "oid" | "_rowid_");
            if table.column(&name).is_none() && !rowid {
                out.push(self.missing_column(&key, table, &name, ident.span, "inserts into"));
            }
        }
    }

    fn owner_of(&self, owned_by: &ObjectName) -> Option<(Key, String)> {
        let parts: Vec<&Ident> = owned_by
            .0
            .iter()
            .map(ObjectNamePart::as_ident)
            .collect::<Option<_>>()?;
        let (schema, table, column) = match parts.as_slice() {
            [table, column] => (None, self.normalize(table), self.normalize(column)),
            [schema, table, column] => (
                Some(self.normalize(schema)),
                self.normalize(table),
                self.normalize(column),
            ),
            _ => return None,
        };
        match self.lookup(Space::Relation, Kind::Table, schema.as_deref(), &table) {
            Lookup::Found(key, _) => Some((key.clone(), column)),
            _ => None,
        }
    }
}

/// An inline constraint on its own column: PRIMARY KEY, UNIQUE and REFERENCES without columns.
fn with_column(constraint: TableConstraint, column: &Ident) -> TableConstraint {
    let index_column = || ast::IndexColumn {
        column: ast::OrderByExpr {
            expr: Expr::Identifier(column.clone()),
            options: ast::OrderByOptions::default(),
            with_fill: None,
        },
        operator_class: None,
    };
    match constraint {
        TableConstraint::PrimaryKey(mut pk) if pk.columns.is_empty() => {
            pk.columns.push(index_column());
            TableConstraint::PrimaryKey(pk)
        }
        TableConstraint::Unique(mut unique) if unique.columns.is_empty() => {
            unique.columns.push(index_column());
            TableConstraint::Unique(unique)
        }
        TableConstraint::ForeignKey(mut fk) if fk.columns.is_empty() => {
            fk.columns.push(column.clone());
            TableConstraint::ForeignKey(fk)
        }
        other => other,
    }
}

/// A noun with its article: `a table`, `an index`.
fn a(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

/// A column default as the model keeps it: `DEFAULT NULL` is no default.
fn default_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) if matches!(v.value, ast::Value::Null) => None,
        other => Some(other.to_string()),
    }
}

/// `text` with every whole word `old` replaced by `new`.
fn replace_word(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for c in text.chars().chain(std::iter::once('\0')) {
        if is_word(c) {
            word.push(c);
            continue;
        }
        out.push_str(if word == old { new } else { &word });
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// A name as the user wrote it, schema-qualified when it was.
fn display(name: &Name) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}.{}", name.name),
        None => name.name.clone(),
    }
}

/// The names an expression uses, normalized as `model` compares them: its words that are not
/// in strings (quoted names keep their case on PostgreSQL).
fn identifiers(model: &Model, text: &str) -> std::collections::BTreeSet<String> {
    let Ok(tokens) = Tokenizer::new(model.dialect.parser_dialect(), text).tokenize() else {
        return mentions(text);
    };
    let significant: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    significant
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            // A function's name, or a type after `::`: not a column.
            Token::Word(_) if significant.get(i + 1) == Some(&&Token::LParen) => None,
            Token::Word(_) if i > 0 && significant[i - 1] == &Token::DoubleColon => None,
            Token::Word(w) => Some(model.normalize(&Ident {
                value: w.value.clone(),
                quote_style: w.quote_style,
                span: Span::empty(),
            })),
            _ => None,
        })
        .collect()
}

/// Every word of some SQL, lower case.
pub(crate) fn mentions(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The words of some SQL as written (the same words [`words`] gives, in their own case).
fn words_as_written(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let mut out = Vec::new();
    let mut rest = 0;
    for word in words(&upper, usize::MAX) {
        if let Some(at) = upper[rest..].find(&word) {
            out.push(text[rest + at..rest + at + word.len()].to_owned());
            rest += at + word.len();
        }
    }
    out
}

/// The first `n` words of some SQL, upper case, comments skipped.
fn words(text: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while out.len() < n {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            if rest.is_empty() {
                break;
            }
            rest = &rest[rest.chars().next().map_or(1, char::len_utf8)..];
            continue;
        }
        out.push(rest[..end].to_ascii_uppercase());
        rest = &rest[end..];
    }
    out
}
