//! The replay after a failure: what is still certain, what may follow from it, and what the
//! scratch database keeps of a migration that failed.

use crate::codes::Code;
use crate::testing::{codes_at, findings, sqlite};

#[test]
fn a_refusal_no_earlier_failure_can_explain_is_an_error() {
    let checked = sqlite(&[
        (
            "1_notes.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);\n\
             INSERT INTO notes (title, nope) VALUES ('a', 1);\n",
        ),
        // SQLite never has `ADD COLUMN IF NOT EXISTS`: a syntax error depends on nothing.
        (
            "2_body.sql",
            "ALTER TABLE notes ADD COLUMN IF NOT EXISTS body TEXT;\n",
        ),
        // A keyword SQLite does not know where it stands.
        (
            "3_tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tags (id) VALUS (1);\n",
        ),
    ]);
    assert_eq!(
        findings(&checked),
        [
            (
                Code::Rejected,
                "migrations/1_notes.sql:2:1".into(),
                "SQLite refuses this statement: table notes has no column named nope".into()
            ),
            (
                Code::Rejected,
                "migrations/2_body.sql:1:37".into(),
                "SQLite refuses this statement: near \"EXISTS\": syntax error".into()
            ),
            (
                Code::Rejected,
                "migrations/3_tags.sql:2:23".into(),
                "SQLite refuses this statement: near \"VALUS\": syntax error".into()
            ),
        ]
    );
}

#[test]
fn a_failed_up_keeps_what_it_made_for_its_down_and_later_migrations() {
    // The up fails at its last statement: its table and index are there for the down, which
    // the replay still runs, and for the next migration.
    let checked = sqlite(&[
        (
            "1_notes.up.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);\n\
             CREATE INDEX notes_title_idx ON notes (title);\n\
             INSERT INTO notes (title, nope) VALUES ('a', 1);\n",
        ),
        (
            "1_notes.down.sql",
            "DROP INDEX notes_title_idx;\nDROP TABLE notes;\n",
        ),
        (
            "2_more.sql",
            "DELETE FROM notes NOT INDEXED WHERE title = 'a';\nINSERT INTO notes (title) VALUES ('b');\n",
        ),
    ]);
    assert_eq!(
        findings(&checked),
        [(
            Code::Rejected,
            "migrations/1_notes.up.sql:3:1".into(),
            "SQLite refuses this statement: table notes has no column named nope".into()
        )]
    );
}

#[test]
fn a_refusal_that_may_follow_from_an_earlier_failure_says_which() {
    // `CREATE TABLE` fails (a STRICT table's unknown type): what later uses the table may
    // follow from it, and says so; a syntax error later does not.
    let checked = sqlite(&[
        (
            "1_notes.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHR) STRICT;\n",
        ),
        (
            "2_clean.sql",
            "DELETE FROM notes NOT INDEXED WHERE title = 'a';\nINSERT INTO notes (title) VALUS ('b');\n",
        ),
    ]);
    let found = findings(&checked);
    assert_eq!(
        found
            .iter()
            .map(|(code, at, _)| (*code, at.as_str()))
            .collect::<Vec<_>>(),
        [
            (Code::Rejected, "migrations/1_notes.sql:1:1"),
            (Code::Unchecked, "migrations/2_clean.sql:1:1"),
            (Code::Rejected, "migrations/2_clean.sql:2:27"),
        ],
        "{found:#?}"
    );
    assert!(
        found[1].2.ends_with(
            "(SQLite refused it (no such table: notes), which may follow from the refusal of \
             `migrations/1_notes.sql` line 1)"
        ),
        "{}",
        found[1].2
    );
    assert_eq!(
        found[2].2,
        "SQLite refuses this statement: near \"VALUS\": syntax error"
    );
}

#[test]
fn a_failure_that_changes_nothing_a_refusal_depends_on_explains_nothing() {
    // A failed `INSERT` changes rows, not tables: a missing table later is certain. A failed
    // table does not explain a missing index; a failed statement that changes nothing at all
    // (SQLite's `SELECT`) leaves nothing to explain.
    let checked = sqlite(&[
        (
            "1_t.sql",
            "CREATE TABLE t (a INT);\nINSERT INTO t (b) VALUES (1);\nSELECT 1 FROM t WHERE b = 1;\n",
        ),
        (
            "2_u.sql",
            "DELETE FROM u NOT INDEXED WHERE a = 1;\nDROP INDEX t_b;\n",
        ),
    ]);
    let found = codes_at(&checked);
    assert_eq!(
        found,
        [
            (Code::Rejected, "migrations/1_t.sql:2:1".to_owned()),
            (Code::Rejected, "migrations/1_t.sql:3:23".to_owned()),
            (Code::Rejected, "migrations/2_u.sql:1:1".to_owned()),
            (Code::Rejected, "migrations/2_u.sql:2:1".to_owned()),
        ]
    );
}

#[test]
fn an_up_is_reported_before_its_down() {
    // Alphabetically `.down.sql` comes first; the replay runs the up first, and a root cause
    // is listed before what may follow from it.
    let checked = sqlite(&[
        (
            "1_t.up.sql",
            "CREATE TABLE t (a INT);\nINSERT INTO t (b) VALUES (1);\n",
        ),
        ("1_t.down.sql", "DROP TABLE u;\n"),
        ("2_u.sql", "INSERT INTO t (c) VALUES (1);\n"),
    ]);
    let files: Vec<String> = findings(&checked)
        .into_iter()
        .map(|(_, at, _)| at)
        .collect();
    assert_eq!(
        files,
        [
            "migrations/1_t.up.sql:2:1",
            "migrations/1_t.down.sql:1:1",
            "migrations/2_u.sql:1:1"
        ]
    );
}

#[test]
fn an_up_that_failed_is_not_run_again_after_its_down() {
    // The refused `SELECT` changes nothing, so nothing is missing after it; running the up
    // again would only fail again at the same statement.
    let checked = sqlite(&[
        (
            "1_t.up.sql",
            "CREATE TABLE t (a INT);\nSELECT nope FROM t;\n",
        ),
        ("1_t.down.sql", "DROP TABLE t;\n"),
    ]);
    assert_eq!(
        findings(&checked),
        [(
            Code::Rejected,
            "migrations/1_t.up.sql:2:8".into(),
            "SQLite refuses this statement: no such column: nope".into()
        )]
    );
}

/// A table whose trigger's `RAISE(ROLLBACK)` undoes the whole transaction of any insert.
const GUARDED: &str = "CREATE TABLE t (a INT);\n\
     CREATE TRIGGER t_guard BEFORE INSERT ON t BEGIN SELECT RAISE(ROLLBACK, 'no rows here'); END;\n";

#[test]
fn a_rollback_raised_by_a_trigger_is_the_statements_error() {
    let checked = sqlite(&[
        ("1_guard.sql", GUARDED),
        ("2_seed.sql", "INSERT INTO t (a) VALUES (1);\n"),
        ("3_more.sql", "CREATE TABLE u (b INT);\n"),
    ]);
    assert_eq!(
        findings(&checked),
        [(
            Code::Rejected,
            "migrations/2_seed.sql:1:1".into(),
            "SQLite refuses this statement: no rows here".into()
        )]
    );
}

#[test]
fn a_rollback_of_the_whole_transaction_stops_the_file() {
    // The trigger's `RAISE(ROLLBACK)` undoes the down's transaction: the rest of the down must
    // not run outside it (it would drop the table for good), and the next migration sees it.
    let checked = sqlite(&[
        ("1_t.up.sql", GUARDED),
        (
            "1_t.down.sql",
            "INSERT INTO t (a) VALUES (1);\nDROP TRIGGER t_guard;\nDROP TABLE t;\n",
        ),
        ("2_more.sql", "ALTER TABLE t ADD COLUMN b INT;\n"),
    ]);
    assert_eq!(
        findings(&checked),
        [(
            Code::Rejected,
            "migrations/1_t.down.sql:1:1".into(),
            "SQLite refuses this statement: no rows here".into()
        )]
    );
}

#[test]
fn what_depends_on_nothing_is_reported_after_any_failure() {
    // A default that calls a function SQLite does not have is found after an unrelated failure.
    let checked = sqlite(&[
        ("1_a.sql", "CREATE TABLE a (x VARCHR) STRICT;\n"),
        ("2_b.sql", "CREATE TABLE b (d TEXT DEFAULT (now()));\n"),
    ]);
    let codes = codes_at(&checked);
    assert_eq!(
        codes,
        [
            (Code::Rejected, "migrations/1_a.sql:1:1".to_owned()),
            (Code::MissingObject, "migrations/2_b.sql:1:33".to_owned()),
        ]
    );
}

#[test]
fn a_file_the_database_undid_shows_nothing_only_its_end_could_tell() {
    // The drop of `parent` would lose `child`'s rows only if `child` survived the file; the drop
    // that removes it never runs, since the trigger's rollback undoes the file before it.
    let tables = format!(
        "{GUARDED}CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE child (p INTEGER REFERENCES parent (id));\n"
    );
    let checked = sqlite(&[
        ("1_tables.sql", &tables),
        (
            "2_teardown.sql",
            "DROP TABLE parent;\nINSERT INTO t (a) VALUES (1);\nDROP TABLE child;\n",
        ),
    ]);
    assert_eq!(
        codes_at(&checked),
        [(Code::Rejected, "migrations/2_teardown.sql:2:1".to_owned())]
    );
    // Near miss: a rebuild of `parent` that leaves `child` behind, with no failure, is the trap.
    let checked = sqlite(&[
        ("1_tables.sql", &tables),
        (
            "2_rebuild.sql",
            "DROP TABLE parent;\nCREATE TABLE parent (id INTEGER PRIMARY KEY);\n",
        ),
    ]);
    assert_eq!(
        codes_at(&checked),
        [(
            Code::SqliteForeignKeys,
            "migrations/2_rebuild.sql:1:1".to_owned()
        )]
    );
}
