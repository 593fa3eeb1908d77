//! The model, statement kind by statement kind: what it finds, and what it must not.

use super::replay;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect::{self, Postgres, Sqlite};
use crate::engine::Step;
use crate::script::{Role, Script, check_text};

/// Replays migrations (up, optional down) in the model alone and returns its findings, as
/// `code: message` lines.
fn replay_all(dialect: Dialect, migrations: &[(&str, Option<&str>)]) -> Vec<String> {
    replayed(dialect, migrations)
        .into_iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

/// Replays migrations (up, optional down) in the model alone and returns its findings.
fn replayed(dialect: Dialect, migrations: &[(&str, Option<&str>)]) -> Vec<Diagnostic> {
    let scripts: Vec<(Script, Option<Script>)> = migrations
        .iter()
        .map(|(up, down)| {
            let (up, _) = check_text(up, dialect, Role::Up);
            let down = down.map(|d| check_text(d, dialect, Role::Down).0);
            (up, down)
        })
        .collect();
    let steps: Vec<Step<'_>> = scripts
        .iter()
        .enumerate()
        .map(|(i, (up, down))| Step {
            version: i as i64 + 1,
            up: (2 * i, up),
            down: down.as_ref().map(|d| (2 * i + 1, d)),
        })
        .collect();
    replay(dialect, &steps, None, None)
        .into_iter()
        .map(|(_, d)| d)
        .collect()
}

fn ups(dialect: Dialect, ups: &[&str]) -> Vec<String> {
    let migrations: Vec<(&str, Option<&str>)> = ups.iter().map(|u| (*u, None)).collect();
    replay_all(dialect, &migrations)
}

fn codes(found: &[String]) -> Vec<Code> {
    found
        .iter()
        .map(|f| Code::from_name(f.split(':').next().unwrap()).unwrap())
        .collect()
}

#[test]
fn tables_columns_and_indexes_that_exist_are_fine() {
    for dialect in [Sqlite, Postgres] {
        let found = ups(
            dialect,
            &[
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);",
                "ALTER TABLE users ADD COLUMN name TEXT;\nCREATE INDEX users_name ON users (name);",
                "INSERT INTO users (id, email, name) VALUES (1, 'a', 'b');\nDROP INDEX users_name;",
                "ALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users RENAME TO people;\nCREATE INDEX people_full_name ON people (full_name);",
                "DROP TABLE people;",
            ],
        );
        assert_eq!(found, Vec::<String>::new(), "{dialect}");
    }
}

#[test]
fn using_what_does_not_exist_is_found() {
    let found = ups(
        Sqlite,
        &[
            "CREATE TABLE users (id INTEGER PRIMARY KEY);",
            "ALTER TABLE user ADD COLUMN name TEXT;",
            "CREATE INDEX users_name ON users (name);",
            "INSERT INTO users (id, nmae) VALUES (1, 'a');",
            "DROP INDEX users_email;",
            "ALTER TABLE users DROP COLUMN email;",
        ],
    );
    assert_eq!(
        found,
        [
            "missing-object: table `user` does not exist",
            "missing-object: column `name` of table `users` does not exist",
            "missing-object: column `nmae` of table `users` does not exist",
            "missing-object: index `users_email` does not exist",
            "missing-object: column `email` of table `users` does not exist",
        ]
    );
}

#[test]
fn an_object_created_by_a_later_migration_is_an_ordering_error() {
    let found = ups(
        Postgres,
        &[
            "CREATE INDEX posts_user ON posts (user_id);",
            "CREATE TABLE posts (id INT, user_id INT);",
        ],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("does not exist yet: it is created by a later migration, `test.sql`"),
        "{found:?}"
    );
}

#[test]
fn if_exists_and_if_not_exists_are_respected() {
    for dialect in [Sqlite, Postgres] {
        let found = ups(
            dialect,
            &[
                "CREATE TABLE IF NOT EXISTS t (a INT);\nCREATE TABLE IF NOT EXISTS t (a INT);",
                "DROP TABLE IF EXISTS nothing;\nDROP INDEX IF EXISTS nothing_idx;\nCREATE INDEX IF NOT EXISTS t_a ON t (a);\nCREATE INDEX IF NOT EXISTS t_a ON t (a);",
            ],
        );
        assert_eq!(found, Vec::<String>::new(), "{dialect}");
    }
}

#[test]
fn creating_twice_is_found() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE t (a INT, a TEXT);",
            "CREATE TABLE t (b INT);",
            "ALTER TABLE t ADD COLUMN a INT;\nCREATE INDEX t ON t (a);",
            "CREATE TYPE mood AS ENUM ('sad');\nCREATE TYPE mood AS ENUM ('ok');",
        ],
    );
    assert_eq!(codes(&found), [Code::AlreadyExists; 5], "{found:#?}");
}

#[test]
fn the_sqlite_table_rebuild_keeps_the_model_exact() {
    let up = "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
INSERT INTO users_new (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_email ON users (email);";
    let down = "CREATE TABLE users_old (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
INSERT INTO users_old (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;";
    let found = replay_all(
        Sqlite,
        &[
            (
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);",
                None,
            ),
            (up, Some(down)),
            ("CREATE INDEX users_email2 ON users (email);", None),
        ],
    );
    // Each rebuild creates the new table, copies, drops the old one and renames: the down's
    // table is the one before the up, and the index the up made went with the table the down
    // dropped.
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn a_down_that_leaves_what_its_up_added_is_asymmetric() {
    let found = replay_all(
        Sqlite,
        &[
            ("CREATE TABLE responses (id INTEGER PRIMARY KEY);", None),
            (
                "ALTER TABLE responses ADD COLUMN total_tokens INTEGER;\nCREATE INDEX idx_tokens ON responses (total_tokens);\nCREATE TABLE extra (id INTEGER);",
                Some("DROP INDEX idx_tokens;"),
            ),
        ],
    );
    assert_eq!(
        found,
        [
            "asymmetric-down: `test.sql` leaves column `responses.total_tokens` that the up added",
            "asymmetric-down: `test.sql` leaves table `extra` that the up created",
        ]
    );
}

#[test]
fn an_asymmetry_no_down_can_undo_says_so_and_how_to_mark_it() {
    let found = replayed(
        Postgres,
        &[
            ("CREATE TYPE mood AS ENUM ('sad');", None),
            (
                "ALTER TYPE mood ADD VALUE 'ok';\nCREATE TABLE extra (id INT);",
                Some("COMMENT ON TYPE mood IS 'moods';"),
            ),
        ],
    );
    let said: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|d| (d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        said,
        [
            (
                "`test.sql` leaves label `ok` of enum `mood` that the up added",
                Some(
                    "no down can undo it: if that is acceptable, put \
                     `-- migrate:allow(asymmetric-down)` on the line before the down's first \
                     statement; otherwise mark the up `-- migrate:irreversible <reason>` and \
                     delete the down"
                )
            ),
            // What a down can undo gets the usual help.
            (
                "`test.sql` leaves table `extra` that the up created",
                Some(
                    "make the down undo exactly what the up does, so reverting leaves the \
                     schema as it was"
                )
            ),
        ]
    );
    assert!(
        found[0]
            .notes
            .iter()
            .any(|n| n.starts_with("PostgreSQL cannot remove a value from an enum type"))
    );
}

#[test]
fn a_down_that_recreates_a_column_differently_is_asymmetric() {
    let found = replay_all(
        Postgres,
        &[
            (
                "CREATE TABLE users (id INT PRIMARY KEY, email TEXT NOT NULL);",
                None,
            ),
            (
                "ALTER TABLE users DROP COLUMN email;",
                Some("ALTER TABLE users ADD COLUMN email TEXT;"),
            ),
            (
                "ALTER TABLE users ALTER COLUMN id TYPE BIGINT;",
                Some("ALTER TABLE users ALTER COLUMN id TYPE int4;"),
            ),
        ],
    );
    assert_eq!(
        found,
        [
            "asymmetric-down: `test.sql` recreates `users.email` as `TEXT NULL`; it was `TEXT NOT NULL`"
        ]
    );
}

#[test]
fn a_down_that_drops_a_name_the_up_never_created_is_found_with_the_name_meant() {
    let up = "CREATE TABLE usergroup_reviewers (id INT);\nCREATE INDEX usergroup_reviewers_id ON usergroup_reviewers (id);";
    // The database refuses the down: that is the error, and what it leaves is not compared.
    let found = replay_all(
        Postgres,
        &[(
            up,
            Some("DROP INDEX usergroup_reviewers_idx;\nDROP TABLE usergroup_reviewers;"),
        )],
    );
    assert_eq!(
        found,
        [
            "missing-object: index `usergroup_reviewers_idx` does not exist: neither the up nor an earlier migration creates it"
        ]
    );
    // `IF EXISTS` hides the typo from the database: the table stays.
    let found = replay_all(
        Postgres,
        &[(up, Some("DROP TABLE IF EXISTS usergroups_reviewers;"))],
    );
    assert_eq!(
        found,
        ["asymmetric-down: `test.sql` leaves table `usergroup_reviewers` that the up created"]
    );
}

#[test]
fn a_constraint_dropped_as_an_index_and_the_reverse_are_found() {
    let found = replay_all(
        Postgres,
        &[
            (
                "CREATE TABLE versions (id INT, crate_id INT, num TEXT);",
                None,
            ),
            (
                "CREATE UNIQUE INDEX versions_crate_id_num ON versions (crate_id, num);",
                Some("ALTER TABLE versions DROP CONSTRAINT versions_crate_id_num;"),
            ),
        ],
    );
    assert_eq!(
        found[0],
        "missing-object: constraint `versions_crate_id_num` of table `versions` does not exist: neither the up nor an earlier migration creates it"
    );
}

#[test]
fn postgres_names_unnamed_constraints_as_postgres_does() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT UNIQUE, age INT CHECK (age > 0));",
            "CREATE TABLE posts (id INT, user_id INT REFERENCES users (id));",
            "ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users DROP CONSTRAINT users_age_check;\nALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;\nALTER TABLE users DROP CONSTRAINT users_pkey;\nDROP SEQUENCE users_id_seq CASCADE;",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn cascade_and_foreign_keys_on_postgres() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE posts (id INT, user_id INT REFERENCES users (id));",
            "DROP TABLE users;",
            "DROP TABLE users CASCADE;\nCREATE TABLE users (id INT PRIMARY KEY);",
            "ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;",
        ],
    );
    assert_eq!(
        found,
        [
            "still-used: table `users` cannot be dropped: foreign key `posts_user_id_fkey` of table `posts` refers to it",
            // CASCADE dropped the foreign key with the table.
            "missing-object: constraint `posts_user_id_fkey` of table `posts` does not exist",
        ]
    );
}

#[test]
fn schemas_and_the_search_path() {
    let found = ups(
        Postgres,
        &[
            "CREATE SCHEMA app;\nCREATE TABLE app.users (id INT);\nCREATE TABLE users (id INT);",
            "SET search_path TO app;\nCREATE INDEX users_id ON users (id);\nDROP TABLE public.users;",
            "DROP SCHEMA app;",
            "DROP TABLE users;\nDROP INDEX nope;",
        ],
    );
    assert_eq!(
        found,
        [
            "still-used: schema `app` cannot be dropped: it still holds `users`",
            "missing-object: index `nope` does not exist",
        ]
    );
}

#[test]
fn what_the_model_cannot_read_makes_it_silent_not_wrong() {
    // A `DO` block that may create a type, a function whose body creates triggers, and an
    // extension that may bring anything.
    let found = ups(
        Postgres,
        &[
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad'); EXCEPTION WHEN duplicate_object THEN null; END $$;",
            "ALTER TYPE mood ADD VALUE 'ok';",
            "CREATE FUNCTION manage(t regclass) RETURNS void AS $$ BEGIN EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE PROCEDURE f()', t); END $$ LANGUAGE plpgsql;",
            "CREATE TABLE t (id INT);\nSELECT manage('t');",
            "DROP TRIGGER set_updated_at ON t;",
            "CREATE EXTENSION postgis;\nDROP TABLE spatial_ref_sys;",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
    // A table the parser cannot read exists, with unknown columns.
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE measurements (id INT) PARTITION BY RANGE (id) WITH (fillfactor = 70) TABLESPACE fast;",
            "ALTER TABLE measurements ADD COLUMN x INT;\nCREATE INDEX m_x ON measurements (x);",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn sqlite_refuses_to_drop_an_indexed_column() {
    let found = ups(
        Sqlite,
        &[
            "CREATE TABLE t (a INTEGER, b INTEGER);\nCREATE INDEX t_b ON t (b);",
            "ALTER TABLE t DROP COLUMN b;",
            "DROP INDEX t_b;\nALTER TABLE t DROP COLUMN b;",
        ],
    );
    assert_eq!(
        found,
        ["still-used: column `t.b` cannot be dropped: index `t_b` uses it"]
    );
}

#[test]
fn views_functions_triggers_and_types_are_symmetric_when_undone() {
    let found = replay_all(
        Postgres,
        &[
            ("CREATE TABLE t (id INT, mood TEXT);", None),
            (
                "CREATE VIEW v AS SELECT id FROM t;\nCREATE FUNCTION f(a integer) RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nCREATE TYPE mood AS ENUM ('a', 'b');\nCREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION g();\nCREATE SEQUENCE s;",
                Some(
                    "DROP VIEW v;\nDROP FUNCTION f(int4);\nDROP TYPE mood;\nDROP TRIGGER trg ON t;\nDROP SEQUENCE s;",
                ),
            ),
            (
                "CREATE FUNCTION h() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
                Some("SELECT 1;"),
            ),
        ],
    );
    assert_eq!(
        found,
        ["asymmetric-down: `test.sql` leaves function `h` that the up created"]
    );
}

#[test]
fn foreign_keys_know_the_columns_they_refer_to() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE users (id INT PRIMARY KEY, uuid TEXT UNIQUE);\nCREATE TABLE posts (id INT, user_uuid TEXT REFERENCES users (uuid), user_id INT REFERENCES users);",
            // `user_id` refers to the primary key, `user_uuid` to `uuid`.
            "ALTER TABLE users DROP COLUMN id;",
        ],
    );
    assert_eq!(
        found,
        [
            "still-used: column `users.id` cannot be dropped: foreign key `posts_user_id_fkey` of table `posts` refers to it"
        ]
    );
}

#[test]
fn a_statement_dropping_both_ends_of_a_foreign_key_is_fine() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a);",
            "DROP TABLE a, b;\nCREATE TABLE a (id INT);",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn postgres_names_expression_indexes_and_cuts_long_names() {
    let long = "a_name_that_is_much_longer_than_the_sixty_three_bytes_postgres_keeps";
    let create = format!(
        "CREATE TABLE t (name TEXT);\nCREATE UNIQUE INDEX ON t (lower(name));\nCREATE INDEX {long} ON t (name);"
    );
    let found = ups(
        Postgres,
        &[
            &create,
            &format!("DROP INDEX t_lower_idx;\nDROP INDEX {};", &long[..63]),
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn a_constraint_can_take_over_an_index() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE t (id INT NOT NULL);\nCREATE UNIQUE INDEX t_id ON t (id);",
            "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id;",
            "DROP INDEX t_id;",
            "ALTER TABLE t DROP CONSTRAINT t_pkey;",
        ],
    );
    assert_eq!(found, ["missing-object: index `t_id` does not exist"]);
}

#[test]
fn drop_function_cascade_takes_its_triggers_and_a_materialized_view_its_indexes() {
    let found = replay_all(
        Postgres,
        &[
            ("CREATE TABLE t (id INT);", None),
            (
                "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\nCREATE TRIGGER t_f BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE MATERIALIZED VIEW m AS SELECT id FROM t;\nCREATE UNIQUE INDEX m_id ON m (id);",
                Some("DROP FUNCTION f CASCADE;\nDROP MATERIALIZED VIEW m;"),
            ),
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn renaming_a_type_renames_its_columns_type() {
    let up = "ALTER TYPE mode RENAME TO mode_old;
CREATE TYPE mode AS ENUM ('open', 'closed', 'invite');
ALTER TABLE site ALTER COLUMN mode TYPE mode USING mode::text::mode;
DROP TYPE mode_old;";
    let down = "ALTER TYPE mode RENAME TO mode_new;
CREATE TYPE mode AS ENUM ('open', 'closed');
ALTER TABLE site ALTER COLUMN mode TYPE mode USING mode::text::mode;
DROP TYPE mode_new;";
    let found = replay_all(
        Postgres,
        &[
            (
                "CREATE TYPE mode AS ENUM ('open', 'closed');\nCREATE TABLE site (mode mode NOT NULL);",
                None,
            ),
            (up, Some(down)),
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn unreadable_ddl_makes_only_what_it_names_unknown() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE t (a INT);\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_a2 ON t (a);",
            // The parser cannot read `CONCURRENTLY` here: `t_a` may be gone, nothing else.
            "DROP INDEX CONCURRENTLY IF EXISTS t_a;",
            "DROP INDEX t_a;\nDROP INDEX t_b;",
        ],
    );
    assert_eq!(found, ["missing-object: index `t_b` does not exist"]);
}

#[test]
fn unreadable_statements_that_change_no_object_leave_the_model_as_it_was() {
    // Each names a kind of object (`SCHEMA`, `TABLES`, `TRIGGER`, `CREATE ... SCHEMA`) that
    // it cannot create, drop or alter: the tables stay known, and a missing one is found.
    for unread in [
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;",
        "CREATE STATISTICS s ON a, b FROM t;",
        "DROP EVENT TRIGGER IF EXISTS e;",
        "CREATE POLICY p ON t USING (a > 0);",
        "DO $$ BEGIN REVOKE CREATE ON SCHEMA public FROM PUBLIC; END $$;",
        "DO $$ BEGIN ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC; END $$;",
    ] {
        let found = ups(
            Postgres,
            &[
                "CREATE TABLE t (a INT, b INT);",
                unread,
                "ALTER TABLE missing ADD COLUMN c INT;
CREATE INDEX t_c ON t (c);",
            ],
        );
        assert_eq!(
            codes(&found),
            [Code::MissingObject, Code::MissingObject],
            "{unread}: {found:#?}"
        );
    }
    // What can change tables does make them unknown: the near misses.
    for unread in [
        "DROP OWNED BY app;",
        "DROP COLLATION c CASCADE;",
        "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN c INT'; END $$;",
    ] {
        let found = ups(
            Postgres,
            &[
                "CREATE TABLE t (a INT, b INT);",
                unread,
                "CREATE INDEX t_c ON t (c);",
            ],
        );
        assert_eq!(found, Vec::<String>::new(), "{unread}");
    }
}

#[test]
fn a_column_dropped_and_added_back_with_another_default_is_asymmetric_but_default_null_is_none() {
    let found = replay_all(
        Sqlite,
        &[
            (
                "CREATE TABLE t (a TEXT, b TEXT NOT NULL DEFAULT 'x');",
                None,
            ),
            (
                "ALTER TABLE t DROP COLUMN a;\nALTER TABLE t DROP COLUMN b;",
                Some(
                    "ALTER TABLE t ADD COLUMN a TEXT DEFAULT NULL;\nALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'y';",
                ),
            ),
        ],
    );
    assert_eq!(
        found,
        [
            "asymmetric-down: `test.sql` recreates `t.b` as `TEXT NOT NULL DEFAULT 'y'`; it was `TEXT NOT NULL DEFAULT 'x'`"
        ]
    );
}

#[test]
fn a_foreign_key_recreated_with_another_action_is_named_once() {
    let found = replay_all(
        Sqlite,
        &[
            (
                "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE b (a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);",
                None,
            ),
            (
                "CREATE TABLE b2 (a_id INTEGER REFERENCES a (id) ON DELETE SET NULL);\nDROP TABLE b;\nALTER TABLE b2 RENAME TO b;",
                Some(
                    "CREATE TABLE b2 (a_id INTEGER REFERENCES a (id));\nDROP TABLE b;\nALTER TABLE b2 RENAME TO b;",
                ),
            ),
        ],
    );
    assert_eq!(
        found,
        [
            "asymmetric-down: `test.sql` recreates foreign key (a_id) ON DELETE NO ACTION ON UPDATE NO ACTION on table `b`; it was foreign key (a_id) ON DELETE CASCADE ON UPDATE NO ACTION"
        ]
    );
}

#[test]
fn postgres_types_and_sequences_must_exist() {
    let found = ups(
        Postgres,
        &[
            "CREATE TYPE mood AS ENUM ('ok');\nCREATE SEQUENCE ids;",
            "CREATE TABLE t (a mood, b mood[], c int4range, d serial, e tsvector, f INT DEFAULT nextval('ids'::regclass), g t2);",
            "CREATE TABLE u (a moood, b INT DEFAULT nextval('idz'));",
        ],
    );
    assert_eq!(
        found,
        [
            "missing-object: type `t2` does not exist",
            "missing-object: type `moood` does not exist",
            "missing-object: sequence `idz` does not exist",
        ]
    );
    // SQLite takes any type name.
    assert_eq!(
        ups(Sqlite, &["CREATE TABLE t (a moood);"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_key_a_foreign_key_needs_cannot_be_dropped_without_cascade() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE users (id INT PRIMARY KEY, email TEXT UNIQUE);\nCREATE TABLE posts (user_id INT REFERENCES users);",
            "ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users DROP CONSTRAINT users_pkey;",
            "ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;\nALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;",
        ],
    );
    assert_eq!(
        found,
        [
            "still-used: constraint `users_pkey` of table `users` cannot be dropped: foreign key `posts_user_id_fkey` of table `posts` needs it",
            "missing-object: constraint `posts_user_id_fkey` of table `posts` does not exist",
        ]
    );
}

#[test]
fn catalogs_not_null_names_cascades_through_views_and_partial_indexes() {
    let found = ups(
        Postgres,
        &[
            "CREATE TABLE t (a INT NOT NULL, b TEXT, c BOOL);\nCREATE VIEW v1 AS SELECT a FROM t;\nCREATE VIEW v2 AS SELECT a FROM v1;\nCREATE INDEX t_b ON t (b) WHERE c;",
            // PostgreSQL's catalogs; PostgreSQL 18's name for `a`'s NOT NULL.
            "UPDATE pg_index SET indisvalid = true WHERE false;\nALTER TABLE t RENAME CONSTRAINT t_a_not_null TO t_a_required;",
            // The cascade takes v1, and v2 with it; dropping `c` takes the partial index.
            "DROP VIEW v1 CASCADE;\nCREATE VIEW v2 AS SELECT 1;\nALTER TABLE t DROP COLUMN c;\nCREATE INDEX t_b ON t (b);",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn renames_carry_what_refers_to_the_renamed() {
    let found = replay_all(
        Postgres,
        &[
            (
                "CREATE TABLE cat (id INT PRIMARY KEY, parent INT REFERENCES cat);\nCREATE TABLE item (cat_id INT REFERENCES cat (id));",
                None,
            ),
            (
                // A table that refers to itself, renamed; a column a foreign key refers to.
                "ALTER TABLE cat RENAME TO cat_old;\nCREATE TABLE cat (id INT PRIMARY KEY, p INT REFERENCES cat);\nALTER TABLE cat_old RENAME COLUMN id TO old_id;\nALTER TABLE cat_old ADD COLUMN id UUID;",
                Some(
                    "DROP TABLE cat;\nALTER TABLE cat_old DROP COLUMN id;\nALTER TABLE cat_old RENAME COLUMN old_id TO id;\nALTER TABLE cat_old RENAME TO cat;",
                ),
            ),
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn what_the_model_does_not_follow_stays_unknown() {
    let found = ups(
        Postgres,
        &[
            "CREATE SCHEMA s;\nCREATE TABLE t (a INT, range TSRANGE, EXCLUDE USING gist (range WITH &&));\nCREATE TABLE u (email TEXT, data JSONB);\nCREATE INDEX u_email ON u ((data->>'email'));\nCREATE INDEX ON u (lower(email)) INCLUDE (data);",
            // Moved to another schema; an unnamed exclusion constraint; a column named like a
            // string in an index expression; a temporary table; SELECT INTO.
            "ALTER TABLE t SET SCHEMA s;\nALTER TABLE u DROP COLUMN email;\nCREATE TEMP TABLE scratch (x INT);\nSELECT 1 AS x INTO copied;",
            "DROP TABLE s.t;\nDROP INDEX u_email;\nDROP INDEX u_lower_data_idx;\nCREATE TEMP TABLE scratch (x INT);\nDROP TABLE copied;",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
    let found = ups(
        Sqlite,
        &[
            "CREATE TABLE t (a TEXT);\nCREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;",
            "INSERT INTO t (rowid, a) VALUES (1, 'x');\nDROP TRIGGER temp.tr;",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn second_review_cases_stay_silent() {
    let found = ups(
        Postgres,
        &[
            "CREATE SCHEMA app;\nSET LOCAL search_path = nowhere;\nSET search_path = app;\nCREATE TABLE orders (id INT);",
            "ALTER TABLE orders ADD COLUMN c INT;",
            // A check that calls a function named like a column; an expression on a quoted
            // column; a schema dropped with the type a column of another schema uses.
            "SET search_path = public;\nCREATE TABLE t (name TEXT, length INT, \"Email\" TEXT, CONSTRAINT c CHECK (length(name) > 0));\nCREATE INDEX i ON t (lower(\"Email\"));\nCREATE SCHEMA s;\nCREATE TYPE s.mood AS ENUM ('ok');\nCREATE TABLE u (m s.mood);",
            "ALTER TABLE t DROP COLUMN length;\nALTER TABLE t DROP CONSTRAINT c;\nALTER TABLE t DROP COLUMN \"Email\";\nCREATE INDEX i ON t (name);\nDROP SCHEMA s CASCADE;\nALTER TABLE u ADD COLUMN m TEXT;",
        ],
    );
    assert_eq!(found, Vec::<String>::new());
}
