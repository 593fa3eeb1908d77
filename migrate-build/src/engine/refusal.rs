//! What a database's refusal may depend on: nothing but the statement (a syntax error), or some
//! part of the database's state (a table that does not exist, a row that breaks a constraint).
//!
//! After a statement fails, the scratch database lacks what that statement would have made, so
//! a later refusal may follow from the first failure and is not reported as an error of its
//! own. But only a refusal that depends on what the failed statement could have changed can
//! follow from it: `near "INOT": syntax error` never depends on the database, and `no such
//! function` in SQLite cannot follow from a failed `CREATE TABLE`, which makes no function. The
//! replay compares what a refusal depends on ([`sqlite`], [`postgres`]) with what each earlier
//! failure could have changed ([`crate::effects`]); only where they meet is the refusal demoted.
//!
//! A refusal that is not recognised depends on everything: demoting it says "unchecked", which is
//! true; calling it certain could be false.

use crate::effects::Effects;
use crate::kind::Kind;

const RELATIONS: Effects = Effects::RELATIONS;

/// What a refusal of SQLite may depend on: its message, and the statement's command (as the
/// dialect's table writes it).
pub(crate) fn sqlite(message: &str, command: Option<&str>) -> Effects {
    let creates_table = matches!(command, Some("CREATE TABLE" | "CREATE VIRTUAL TABLE"));
    let starts = |prefix: &str| message.starts_with(prefix);
    let has = |part: &str| message.contains(part);
    // The parser's errors, and what the statement alone decides.
    if (starts("near \"") && has("syntax error"))
        || message == "incomplete input"
        || starts("unrecognized token")
        || starts("AUTOINCREMENT is only allowed")
        || (starts("table \"") && has("has more than one primary key"))
        || (starts("default value of column") && has("is not constant"))
        || starts("unknown datatype for")
        || starts("generated columns cannot be part of the PRIMARY KEY")
        || has("must have at least one non-generated column")
        || starts("RAISE() may only be used within a trigger-program")
        || starts("object name reserved for internal use")
        || starts("temporary trigger may not have qualified name")
        || starts("Cannot add a PRIMARY KEY column")
        || starts("Cannot add a UNIQUE column")
        || starts("wrong number of arguments to function")
        || starts("misuse of aggregate")
        // No statement creates a SQLite function: the application registers it, or no one.
        || starts("no such function")
        || (starts("duplicate column name") && creates_table)
    {
        return Effects::NONE;
    }
    if starts("no such table")
        || starts("no such view")
        || starts("no such column")
        || (starts("table ") && has(" has no column named "))
        || starts("duplicate column name")
        || starts("there is already")
        || starts("views may not be indexed")
        || starts("cannot modify") && has("because it is a view")
        || (starts("table ") && has("may not be"))
    {
        return RELATIONS;
    }
    // `table t already exists`, `index i ...`, `trigger g ...`.
    if has("already exists") {
        return RELATIONS.union(Effects::kinds(Kind::Trigger.bit()));
    }
    if starts("no such index") {
        return Effects::kinds(Kind::Index.bit());
    }
    if starts("no such trigger") {
        return Effects::kinds(Kind::Trigger.bit());
    }
    // Constraints and types checked against rows.
    if has("constraint failed")
        || starts("datatype mismatch")
        || (starts("cannot store") && has("value in"))
        || starts("Cannot add a NOT NULL column")
        || starts("Cannot add a column with non-constant default")
        || starts("foreign key mismatch")
    {
        return RELATIONS.union(Effects::ROWS);
    }
    // `cannot drop column`, `error in view/trigger ... after rename`, and the rest.
    Effects::ALL
}

/// What a refusal of PostgreSQL may depend on: its SQLSTATE, its message, and the statement
/// (its command, and its text).
pub(crate) fn postgres(sqlstate: &str, message: &str, command: Option<&str>, sql: &str) -> Effects {
    let creates_table = command == Some("CREATE TABLE") && own_columns_only(sql);
    let object = |noun: &str| message.starts_with(noun);
    match sqlstate {
        // syntax_error, invalid_name, name_too_long, reserved_name, statement_too_complex:
        // the parser's, before it looks at the database.
        "42601" | "42602" | "42622" | "42939" | "54001" => Effects::NONE,
        // duplicate_column, invalid_column_definition: within a `CREATE TABLE`, its own
        // columns; elsewhere, the table's.
        "42701" | "42611" if creates_table => Effects::NONE,
        "42701" | "42611" | "42703" | "42P16" | "42809" => {
            RELATIONS.union(Effects::kinds(Kind::Type.bit()))
        }
        // undefined_table, duplicate_table.
        "42P01" | "42P07" => RELATIONS,
        // invalid_schema_name, duplicate_schema.
        "3F000" | "42P06" => Effects::kinds(Kind::ALL),
        // undefined_function, duplicate_function, ambiguous_function: a function, found by the
        // types of its arguments, which columns may give.
        // An operator, found like a function, but an operator is no object the model has.
        "42883" | "42725" if object("operator") => Effects::ALL,
        "42883" | "42723" | "42725" => {
            Effects::kinds(Kind::Function.bit() | Kind::Type.bit()).union(RELATIONS)
        }
        // undefined_object, duplicate_object: by the noun the message starts with.
        "42704" | "42710" => {
            if object("type ") {
                Effects::kinds(Kind::Type.bit() | Kind::Schema.bit())
            } else if object("index ") {
                Effects::kinds(Kind::Index.bit())
            } else if object("trigger ") {
                Effects::kinds(Kind::Trigger.bit()).union(RELATIONS)
            } else if object("constraint ") {
                // Of a table, or of a domain.
                RELATIONS.union(Effects::kinds(Kind::Type.bit()))
            } else {
                Effects::ALL
            }
        }
        // Integrity constraints and data exceptions: rows, and the constraints and types that
        // check them.
        code if code.starts_with("23") || code.starts_with("22") => RELATIONS
            .union(Effects::kinds(Kind::Type.bit()))
            .union(Effects::ROWS),
        _ => Effects::ALL,
    }
}

/// Whether a PostgreSQL `CREATE TABLE` declares its columns itself: a column list with no
/// `LIKE` element, and no `INHERITS` after it (`PARTITION OF` and `OF type` have no column list
/// of their own). Read from the tokens, so a `LIKE` in a `CHECK`, a string or a comment is
/// nothing; `false` when the text does not tokenise.
fn own_columns_only(sql: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return false;
    };
    // Whitespace tokens hold comments too.
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let keyword = |t: Option<&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let Some(mut at) = tokens.iter().position(|t| keyword(Some(t), "TABLE")) else {
        return false;
    };
    at += 1;
    if keyword(tokens.get(at), "IF") {
        at += 3;
    }
    // The name, qualified or not.
    at += 1;
    while tokens.get(at) == Some(&Token::Period) {
        at += 2;
    }
    if tokens.get(at) != Some(&Token::LParen) {
        return false;
    }
    let mut depth = 0;
    let mut element_starts = true;
    for (index, token) in tokens.iter().enumerate().skip(at) {
        if depth == 1 && element_starts && keyword(Some(token), "LIKE") {
            return false;
        }
        element_starts = false;
        match token {
            Token::LParen => {
                depth += 1;
                element_starts = depth == 1;
            }
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return !keyword(tokens.get(index + 1), "INHERITS");
                }
            }
            Token::Comma => element_starts = depth == 1,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect::{self, Postgres, Sqlite};

    /// Every message the corpus truth run's databases refused a statement with (SQLite 3.54,
    /// PostgreSQL 15; `cargo run -p migrate-bench --bin corpus -- --messages`), with the command
    /// of the statement refused, and whether the refusal depends on nothing but the statement.
    const CORPUS: &[(Dialect, &str, &str, Option<&str>, bool)] = &[
        (
            Postgres,
            "2BP01",
            "cannot drop table groups because other objects depend on it",
            Some("DROP TABLE"),
            false,
        ),
        (
            Postgres,
            "2BP01",
            "cannot drop table mod_change_community_visibility because other objects depend on it",
            Some("DROP TABLE"),
            false,
        ),
        (
            Postgres,
            "2BP01",
            "cannot drop table pipelines because other objects depend on it",
            Some("DROP TABLE"),
            false,
        ),
        (
            Postgres,
            "2BP01",
            "cannot drop type community_follower_state__ because other objects depend on it",
            Some("DROP TYPE"),
            false,
        ),
        (
            Postgres,
            "2BP01",
            "cannot drop type community_visibility__ because other objects depend on it",
            Some("DROP TYPE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"api_key\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"avatar_color\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"client_kdf_memory\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"deleted_at\" of relation \"ciphers\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"email\" of relation \"users\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"enabled\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"expires_at\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"external_id\" of relation \"collections\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"external_id\" of relation \"users_organizations\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"hide_email\" of relation \"sends\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"hide_passwords\" of relation \"users_collections\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"instance_id\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"key\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"key\" of relation \"ciphers\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"last_used\" of relation \"twofactor\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"manage\" of relation \"users_collections\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_hide_community_id\" named in key does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_lock_post_id_new\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_lock_post_id_new\" of relation \"modlog_combined\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_remove_comment_id_new\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_remove_community_id_new\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_remove_post_id_new\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"mod_transfer_community_id_new\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"newest_comment_time_at\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"newest_comment_time_necro_at\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"pictrs_delete_token\" of relation \"local_image\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"private_key\" of relation \"organizations\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"published_at\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column \"published_at\" of relation \"notification\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"push_uuid\" of relation \"devices\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"reprompt\" of relation \"ciphers\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"reset_password_key\" of relation \"users_organizations\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"stamp_exception\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42701",
            "column \"verified_at\" of relation \"users\" already exists",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column a.published_at does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42703",
            "column m.published_at does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42702",
            "column reference \"banned\" is ambiguous",
            Some("SELECT"),
            false,
        ),
        (
            Postgres,
            "42704",
            "constraint \"person_shared_inbox_url_not_null\" for table \"person\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "constraint \"unique_nodes\" of relation \"nodes\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "constraint \"versions_crate_id_num_no_build_uindex\" of relation \"versions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"idx_post_actions_hidden_not_null\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"idx_post_actions_read_not_null\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"idx_post_community_published\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"idx_post_featured_community_published\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"repositories_parent_id_uid\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42704",
            "index \"spaces_parent_id\" does not exist",
            Some("DROP INDEX"),
            false,
        ),
        (
            Postgres,
            "42501",
            "must be member of role \"supabase_admin\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "must be member of role \"supabase_auth_admin\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "must be superuser to alter superuser roles or change superuser attribute",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "must be superuser to alter superusers",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to create event trigger \"issue_graphql_placeholder\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to create event trigger \"issue_pg_cron_access\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to create event trigger \"issue_pg_graphql_access\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to create event trigger \"pgrst_ddl_watch\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to create event trigger \"pgrst_drop_watch\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42501",
            "permission denied to set parameter \"session_preload_libraries\"",
            Some("CREATE EVENT TRIGGER"),
            false,
        ),
        (
            Postgres,
            "42P07",
            "relation \"auth_requests\" already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"comment_actions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"community_actions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"instance_actions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"local_image\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"mod_hide_community\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"modlog\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"notification\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P07",
            "relation \"organization_api_key\" already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"person_actions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"person_aggregates\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"person_content_combined\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"person_liked_combined\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"person_saved_combined\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"post_actions\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"post_aggregates\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P01",
            "relation \"public.person_aggregates\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42P07",
            "relation \"pullreq_reviewers\" already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Postgres,
            "42P07",
            "relation \"totp_configurations_username_key\" already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "role \"pgsodium_keyholder\" does not exist",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Postgres,
            "42601",
            "subquery in FROM must have an alias",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Postgres,
            "42601",
            "syntax error at or near \"ALTER\"",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Postgres,
            "42601",
            "syntax error at or near \"NOT\"",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Postgres,
            "42601",
            "syntax error at or near \"ON\"",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Postgres,
            "42P01",
            "table \"usergroups_reviewers\" does not exist",
            Some("DROP TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "type \"modlog_kind\" does not exist",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Postgres,
            "42704",
            "type \"notification_type_enum\" does not exist",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: api_key",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: avatar_color",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: client_kdf_memory",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: client_kdf_type",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: deleted_at",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: enabled",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: external_id",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: hide_email",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: hide_passwords",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: key",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: last_used",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: manage",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: password_history",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: private_key",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: push_uuid",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: reprompt",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: reset_password_key",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: stamp_exception",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: twofactor_remember",
            Some("ALTER TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "duplicate column name: verified_at",
            Some("ALTER TABLE"),
            false,
        ),
        (Sqlite, "", "error", Some("ALTER TABLE"), false),
        (
            Sqlite,
            "",
            "index idx_spaces_lower_space_uid already exists",
            Some("CREATE INDEX"),
            false,
        ),
        (
            Sqlite,
            "",
            "index repositories_deleted already exists",
            Some("CREATE INDEX"),
            false,
        ),
        (
            Sqlite,
            "",
            "index repositories_parent_id_uid already exists",
            Some("CREATE INDEX"),
            false,
        ),
        (
            Sqlite,
            "",
            "index spaces_deleted_parent_id already exists",
            Some("CREATE INDEX"),
            false,
        ),
        (
            Sqlite,
            "",
            "index spaces_parent_id already exists",
            Some("CREATE INDEX"),
            false,
        ),
        (
            Sqlite,
            "",
            "near \"EXISTS\": syntax error",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Sqlite,
            "",
            "near \"INSERT\": syntax error",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Sqlite,
            "",
            "near \"ON\": syntax error",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Sqlite,
            "",
            "near \"SELECT\": syntax error",
            Some("ALTER TABLE"),
            true,
        ),
        (
            Sqlite,
            "",
            "near \"index\": syntax error",
            Some("ALTER TABLE"),
            true,
        ),
        (Sqlite, "", "no such column: \"key\"", Some("INSERT"), false),
        (
            Sqlite,
            "",
            "no such column: i.iamge_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: pullreq_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: pullreqs.pullreq_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: repo_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: repositories.repo_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: space_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such column: spaces.space_root_space_id",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such function: BIN2B64",
            Some("INSERT"),
            true,
        ),
        (
            Sqlite,
            "",
            "no such table: _bkp_UP_V0003_webauthn_devices",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such table: _bkp_UP_V0007_webauthn_devices",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such table: main.pullreqs",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such table: usergroups_reviewers",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such table: webauthn_credentials",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "no such table: webauthn_devices",
            Some("INSERT"),
            false,
        ),
        (
            Sqlite,
            "",
            "table auth_requests already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "table folders_ciphers already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "table organization_api_key already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "table pullreq_reviewers already exists",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "there is already another table or index with this name: repositories",
            Some("CREATE TABLE"),
            false,
        ),
        (
            Sqlite,
            "",
            "there is already another table or index with this name: spaces",
            Some("CREATE TABLE"),
            false,
        ),
    ];

    #[test]
    fn every_refusal_of_the_corpus_truth_run() {
        for (dialect, code, message, command, certain) in CORPUS {
            let depends = match dialect {
                Sqlite => sqlite(message, *command),
                Postgres => postgres(code, message, *command, ""),
            };
            assert_eq!(
                depends.is_none(),
                *certain,
                "{dialect}: {message}: {depends:?}"
            );
        }
    }

    /// Every refusal message the corpus truth run produced (SQLite 3.40 and 3.54, PostgreSQL 15),
    /// and refusals of the same families, with what they may depend on: nothing (certain after
    /// any earlier failure), relations, or more.
    #[test]
    fn sqlite_refusals() {
        let certain = [
            ("near \"INOT\": syntax error", Some("INSERT")),
            ("near \"EXISTS\": syntax error", Some("ALTER TABLE")),
            ("near \"ON\": syntax error", Some("DROP INDEX")),
            ("near \"ALTER\": syntax error", Some("ALTER TABLE")),
            ("near \"index\": syntax error", Some("ALTER TABLE")),
            ("near \"CREATE\": syntax error", Some("CREATE TABLE")),
            ("incomplete input", Some("CREATE TABLE")),
            ("unrecognized token: \"'abc\"", Some("SELECT")),
            (
                "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
                Some("CREATE TABLE"),
            ),
            (
                "table \"t\" has more than one primary key",
                Some("CREATE TABLE"),
            ),
            (
                "default value of column [d] is not constant",
                Some("CREATE TABLE"),
            ),
            ("unknown datatype for t.a: \"VARCHR\"", Some("CREATE TABLE")),
            ("duplicate column name: a", Some("CREATE TABLE")),
            ("Cannot add a UNIQUE column", Some("ALTER TABLE")),
            (
                "wrong number of arguments to function substr()",
                Some("SELECT"),
            ),
        ];
        for (message, command) in certain {
            assert_eq!(sqlite(message, command), Effects::NONE, "{message}");
        }
        let relations = [
            ("no such table: notes", Some("INSERT")),
            ("no such table: main.note", Some("INSERT")),
            ("no such column: iamge_id", Some("INSERT")),
            ("table notes has no column named nope", Some("INSERT")),
            ("duplicate column name: a", Some("ALTER TABLE")),
            ("table users already exists", Some("CREATE TABLE")),
            ("index users_email already exists", Some("CREATE INDEX")),
            (
                "there is already an index named users_email",
                Some("CREATE TABLE"),
            ),
        ];
        for (message, command) in relations {
            let depends = sqlite(message, command);
            assert!(
                depends.meets(Effects::kinds(Kind::Table.bit())),
                "{message}"
            );
            assert!(
                !depends.meets(Effects::kinds(Kind::Function.bit())),
                "{message}"
            );
        }
        assert!(
            sqlite("no such index: job_group_id", Some("DROP INDEX"))
                .meets(Effects::kinds(Kind::Index.bit()))
        );
        for message in [
            "UNIQUE constraint failed: users.email",
            "NOT NULL constraint failed: t.a",
            "FOREIGN KEY constraint failed",
            "CHECK constraint failed: positive",
            "Cannot add a NOT NULL column with default value NULL",
        ] {
            assert!(
                sqlite(message, Some("INSERT")).meets(Effects::ROWS),
                "{message}"
            );
        }
        for message in [
            "cannot drop column \"a\": indexed",
            "error in view v: no such column: a",
            "something SQLite may say one day",
        ] {
            assert_eq!(
                sqlite(message, Some("ALTER TABLE")),
                Effects::ALL,
                "{message}"
            );
        }
    }

    #[test]
    fn what_a_refusal_reads_beyond_its_statement_makes_it_uncertain() {
        // Columns a `CREATE TABLE` takes from another table.
        let duplicate = "column \"a\" specified more than once";
        for sql in [
            "CREATE TABLE c (a int, LIKE p)",
            "CREATE TABLE c (LIKE p INCLUDING ALL, a int)",
            "CREATE TABLE IF NOT EXISTS s.c (a int) INHERITS (p)",
            "CREATE TABLE c PARTITION OF p FOR VALUES IN (1)",
            "CREATE TABLE c OF t (a WITH OPTIONS NOT NULL)",
            "CREATE TABLE c (a int", // not a statement the check can read
        ] {
            assert!(
                !postgres("42701", duplicate, Some("CREATE TABLE"), sql).is_none(),
                "{sql}"
            );
        }
        // Its own columns, whatever else its text holds.
        for sql in [
            "CREATE TABLE c (a int, a int)",
            "CREATE TABLE c (email text CHECK (email LIKE '%@%'), email text)",
            "CREATE TABLE IF NOT EXISTS \"s\".c (a int, a int) PARTITION BY LIST (a)",
            "CREATE TABLE c ( -- like the old one\n a int, a int)",
            "CREATE TABLE \"like\" (\"of\" int, \"of\" int)",
        ] {
            assert!(
                postgres("42701", duplicate, Some("CREATE TABLE"), sql).is_none(),
                "{sql}"
            );
        }
        // A trigger that exists, an operator, a domain's constraint.
        let trigger = Effects::kinds(Kind::Trigger.bit());
        assert!(sqlite("trigger t_guard already exists", Some("CREATE TRIGGER")).meets(trigger));
        assert_eq!(
            postgres(
                "42883",
                "operator does not exist: text = integer",
                Some("SELECT"),
                ""
            ),
            Effects::ALL
        );
        assert!(
            postgres(
                "42704",
                "constraint \"positive\" of domain \"price\" does not exist",
                Some("ALTER DOMAIN"),
                ""
            )
            .meets(Effects::kinds(Kind::Type.bit()))
        );
    }

    #[test]
    fn postgres_refusals() {
        let certain = [
            ("42601", "syntax error at or near \"INOT\"", Some("INSERT")),
            (
                "42601",
                "syntax error at or near \";\"",
                Some("CREATE TABLE"),
            ),
            (
                "42601",
                "syntax error at end of input",
                Some("CREATE TABLE"),
            ),
            (
                "42701",
                "column \"a\" specified more than once",
                Some("CREATE TABLE"),
            ),
            (
                "42611",
                "multiple default values specified for column \"a\" of table \"t\"",
                Some("CREATE TABLE"),
            ),
            ("42622", "identifier too long", Some("CREATE TABLE")),
        ];
        for (code, message, command) in certain {
            assert_eq!(
                postgres(code, message, command, "CREATE TABLE t (a int, a int)"),
                Effects::NONE,
                "{message}"
            );
        }
        let table = Effects::kinds(Kind::Table.bit());
        let function = Effects::kinds(Kind::Function.bit());
        let ty = Effects::kinds(Kind::Type.bit());
        for (code, message, meets, misses) in [
            (
                "42P01",
                "relation \"notes\" does not exist",
                table,
                function,
            ),
            ("42P07", "relation \"t\" already exists", table, function),
            (
                "42703",
                "column \"nope\" of relation \"notes\" does not exist",
                table,
                function,
            ),
            (
                "42701",
                "column \"a\" of relation \"t\" already exists",
                table,
                function,
            ),
            ("42704", "type \"integr\" does not exist", ty, table),
            (
                "42704",
                "index \"job_group_id\" does not exist",
                Effects::kinds(Kind::Index.bit()),
                function,
            ),
            (
                "42883",
                "function nosuch(integer) does not exist",
                function,
                Effects::kinds(Kind::Trigger.bit()),
            ),
            (
                "3F000",
                "schema \"app\" does not exist",
                Effects::kinds(Kind::Schema.bit()),
                Effects::ROWS,
            ),
            (
                "23505",
                "duplicate key value violates unique constraint \"t_pkey\"",
                Effects::ROWS,
                function,
            ),
            (
                "23503",
                "insert or update on table \"a\" violates foreign key constraint",
                Effects::ROWS,
                function,
            ),
        ] {
            let depends = postgres(code, message, Some("ALTER TABLE"), "");
            assert!(depends.meets(meets), "{message}: {depends:?}");
            assert!(!depends.meets(misses), "{message}: {depends:?}");
        }
        for (code, message) in [
            (
                "2BP01",
                "cannot drop table groups because other objects depend on it",
            ),
            (
                "0A000",
                "cannot alter type of a column used by a view or rule",
            ),
            ("P0001", "raised by a DO block"),
        ] {
            assert_eq!(
                postgres(code, message, Some("DROP TABLE"), ""),
                Effects::ALL,
                "{message}"
            );
        }
    }
}
