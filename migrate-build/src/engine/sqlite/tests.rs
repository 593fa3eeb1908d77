//! The SQLite check's findings about what SQLite accepts when a migration runs but refuses
//! later: the foreign-key trap of a table rebuild, defaults and generated columns that call
//! functions SQLite does not have, and foreign keys to parents that do not exist.

use crate::codes::Code;
use crate::testing::{findings, sqlite};

const TABLES: (&str, &str) = (
    "1_tables.sql",
    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
     CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n\
     CREATE TABLE other (id INTEGER PRIMARY KEY);\n",
);

#[test]
fn a_teardown_of_a_group_of_tables_is_no_trap_but_a_survivor_is() {
    // The referenced table first, the tables that reference it later in the same file: no row
    // that survives the migration is deleted.
    let teardown = "DROP TABLE parent;\nDROP TABLE child;\nDROP TABLE other;\n";
    assert_eq!(findings(&sqlite(&[TABLES, ("2_down.sql", teardown)])), []);
    // A referencing table left behind still loses its rows.
    let survivor = "DROP TABLE parent;\nDROP TABLE other;\n";
    assert_eq!(
        findings(&sqlite(&[TABLES, ("2_down.sql", survivor)])),
        [
            // And the table left behind refers to one that is gone.
            (
                Code::MissingObject,
                "migrations/1_tables.sql:2:74".into(),
                "table `parent`, which `child` refers to, does not exist when the migrations \
                 end"
                .into()
            ),
            (
                Code::SqliteForeignKeys,
                "migrations/2_down.sql:1:1".into(),
                "dropping `parent`, which `child` references, with foreign keys on".into()
            )
        ]
    );
    // Dropped in another migration does not count: this one leaves `child` behind.
    let later = ("3_child.sql", "DROP TABLE child;\n");
    assert_eq!(
        findings(&sqlite(&[TABLES, ("2_down.sql", survivor), later]))
            .into_iter()
            .map(|(code, _, _)| code)
            .collect::<Vec<_>>(),
        [Code::SqliteForeignKeys]
    );
}

#[test]
fn a_default_that_calls_a_function_sqlite_does_not_have() {
    let checked = sqlite(&[(
        "1_notes.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, at TEXT DEFAULT (now()), d TEXT DEFAULT CURRENT_TIMESTAMP);\n\
         CREATE TABLE days (day TEXT DEFAULT (date('now')));\n\
         CREATE TABLE slugs (slug TEXT DEFAULT (app_slug('x')));\n",
    )]);
    assert_eq!(
        findings(&checked),
        [
            (
                Code::MissingObject,
                "migrations/1_notes.sql:1:62".into(),
                "SQLite accepts this default of `at`, but refuses every insert that uses it: no \
                 such function: now"
                    .into()
            ),
            (
                Code::MissingObject,
                "migrations/1_notes.sql:3:40".into(),
                "SQLite accepts this default of `slug`, but refuses every insert that uses it: \
                 no such function: app_slug"
                    .into()
            ),
        ]
    );
    // An application that registers the function says so.
    let allowed = sqlite(&[(
        "1_notes.sql",
        "-- migrate:allow(missing-object)\n\
         CREATE TABLE slugs (slug TEXT DEFAULT (app_slug('x')));\n",
    )]);
    assert_eq!(findings(&allowed), []);
}

#[test]
fn a_generated_column_that_calls_a_function_sqlite_does_not_have() {
    let checked = sqlite(&[
        (
            "1_notes.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, \
             search TEXT GENERATED ALWAYS AS (to_tsvector(body)) STORED);\n",
        ),
        ("2_index.sql", "CREATE INDEX notes_body ON notes (body);\n"),
    ]);
    let found = findings(&checked);
    assert_eq!(
        found,
        [(
            Code::MissingObject,
            "migrations/1_notes.sql:1:89".into(),
            "SQLite refuses this statement: no such function: to_tsvector".into()
        )]
    );
    let help = checked.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("`to_tsvector` is not one of SQLite's functions"),
        "{help}"
    );
}

#[test]
fn a_foreign_key_to_a_parent_that_never_exists() {
    let checked = sqlite(&[
        (
            "1_notes.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);\n",
        ),
        (
            "2_tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES note (id));\n\
             CREATE TABLE links (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (nope));\n\
             CREATE TABLE titles (title TEXT REFERENCES notes (title));\n",
        ),
        // Created later in the set: fine when the set ends.
        (
            "3_early.sql",
            "CREATE TABLE early (later_id INTEGER REFERENCES later (id));\n",
        ),
        (
            "4_later.sql",
            "CREATE TABLE later (id INTEGER PRIMARY KEY);\n",
        ),
        // Rebuilt under another name and renamed: the key is where the rebuild writes it.
        (
            "5_rebuild.sql",
            "CREATE TABLE tags_new (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes (id), x REFERENCES gone);\n\
             DROP TABLE tags;\n\
             ALTER TABLE tags_new RENAME TO tags;\n",
        ),
    ]);
    let found: Vec<(String, String)> = findings(&checked)
        .into_iter()
        .map(|(code, at, message)| {
            assert_eq!(code, Code::MissingObject);
            (at, message)
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "migrations/2_tags.sql:2:72".to_owned(),
                "table `notes` has no column `nope`".to_owned()
            ),
            (
                "migrations/2_tags.sql:3:44".to_owned(),
                "`notes (title)` is neither the primary key of `notes` nor unique".to_owned()
            ),
            (
                "migrations/5_rebuild.sql:1:100".to_owned(),
                "table `gone`, which `tags` refers to, does not exist when the migrations end"
                    .to_owned()
            ),
        ]
    );
    // The first `tags` refers to `note`, which is gone with it: nothing to say.
    let typo = sqlite(&[
        (
            "1_notes.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);\n",
        ),
        (
            "2_tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES note (id));\n",
        ),
    ]);
    assert_eq!(
        typo.diagnostics[0].help.as_deref(),
        Some("did you mean `notes`?")
    );
}
