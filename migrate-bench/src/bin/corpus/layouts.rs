//! Reading each project's migrations in its own tool's layout, in the order that tool runs them.
//!
//! The checker reads the native layout, so each migration is written out under a native name
//! (`<n>_<name>.up.sql`), keeping every line where it was: a `-- migrate:no-transaction` line is
//! added only to the few files that ran outside a transaction, and dbmate's two sections become
//! two files with the other section's lines left blank.

use std::fs;
use std::path::{Path, PathBuf};

/// A migration tool's directory layout.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// diesel: `<version>_<name>/up.sql` and `down.sql`; versions compared as strings of digits
    /// (the directory name up to the first `_`, dashes left out).
    Diesel,
    /// sqlx: `<version>_<name>.sql` (up only), or `.up.sql` and `.down.sql`; `-- no-transaction`.
    Sqlx,
    /// Paired files run in file-name order: `NNNN_name.up.sql`/`.down.sql` or
    /// `NNNN_name_up.sql`/`_down.sql` (harness), `V0001.Name.up.sql`/`.down.sql` (authelia).
    Paired,
    /// Flyway: `V<version>__<name>.sql`, up only, versions of dot- or underscore-separated
    /// numbers; a script with `CONCURRENTLY` runs outside a transaction.
    Flyway,
    /// dbmate: one file with `-- migrate:up` and `-- migrate:down` sections; `transaction:false`.
    Dbmate,
}

/// One migration, as its tool would run it.
pub struct Source {
    /// The up file, and its text as the checker and the truth run see it.
    pub up: PathBuf,
    pub up_text: String,
    pub down: Option<(PathBuf, String)>,
    /// A name for the native file.
    pub name: String,
    /// Whether its tool ran it outside a transaction.
    pub no_transaction: bool,
}

/// The migrations of the directories of one part (several are merged in version order, as
/// Flyway merges its locations), in the order their tool runs them.
pub fn read(dirs: &[PathBuf], layout: Layout) -> Vec<Source> {
    let mut keyed: Vec<(Key, Source)> = Vec::new();
    for dir in dirs {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        match layout {
            Layout::Diesel => keyed.extend(diesel(&entries)),
            Layout::Sqlx => keyed.extend(sqlx(&entries)),
            Layout::Paired => keyed.extend(paired(&entries)),
            Layout::Flyway => keyed.extend(flyway(&entries)),
            Layout::Dbmate => keyed.extend(dbmate(&entries)),
        }
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, source)| source).collect()
}

/// How a tool orders its migrations.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Text(String),
    Numbers(Vec<u64>),
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// diesel's `run_in_transaction = false` (in a metadata.toml the corpus does not keep) was set on
/// exactly the directories using `CONCURRENTLY`.
fn concurrently(texts: &[&str]) -> bool {
    texts
        .iter()
        .any(|t| t.to_ascii_lowercase().contains("concurrently"))
}

fn with_no_transaction(text: String, no_transaction: bool) -> String {
    if no_transaction {
        format!("-- migrate:no-transaction\n{text}")
    } else {
        text
    }
}

fn diesel(entries: &[PathBuf]) -> Vec<(Key, Source)> {
    entries
        .iter()
        .filter(|p| p.join("up.sql").is_file())
        .map(|dir| {
            let name = file_name(dir);
            let version: String = name
                .split('_')
                .next()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let up_text = read_text(&dir.join("up.sql"));
            let down_text = dir
                .join("down.sql")
                .is_file()
                .then(|| read_text(&dir.join("down.sql")));
            let no_transaction = concurrently(&[&up_text, down_text.as_deref().unwrap_or("")]);
            let source = Source {
                up: dir.join("up.sql"),
                up_text: with_no_transaction(up_text, no_transaction),
                down: down_text
                    .map(|t| (dir.join("down.sql"), with_no_transaction(t, no_transaction))),
                name: name
                    .split_once('_')
                    .map_or(name.as_str(), |(_, n)| n)
                    .to_owned(),
                no_transaction,
            };
            (Key::Text(version), source)
        })
        .collect()
}

fn sqlx(entries: &[PathBuf]) -> Vec<(Key, Source)> {
    let mut out = Vec::new();
    for path in entries {
        let file = file_name(path);
        let Some(stem) = file.strip_suffix(".sql") else {
            continue;
        };
        if stem.ends_with(".down") {
            continue;
        }
        let stem = stem.strip_suffix(".up").unwrap_or(stem);
        let (version, name) = stem.split_once('_').unwrap_or((stem, "migration"));
        let down = path.with_file_name(format!("{stem}.down.sql"));
        // sqlx's `-- no-transaction` becomes ours, on the same line.
        let native = |text: String| {
            let no_transaction = text.starts_with("-- no-transaction");
            let text = match text.strip_prefix("-- no-transaction") {
                Some(rest) => format!("-- migrate:no-transaction{rest}"),
                None => text,
            };
            (text, no_transaction)
        };
        let (up_text, no_transaction) = native(read_text(path));
        out.push((
            Key::Numbers(vec![version.parse().unwrap_or(0)]),
            Source {
                up: path.clone(),
                up_text,
                down: down
                    .is_file()
                    .then(|| (down.clone(), native(read_text(&down)).0)),
                name: name.to_owned(),
                no_transaction,
            },
        ));
    }
    out
}

fn paired(entries: &[PathBuf]) -> Vec<(Key, Source)> {
    let mut out = Vec::new();
    for path in entries {
        let file = file_name(path);
        let Some(stem) = file
            .strip_suffix(".up.sql")
            .or_else(|| file.strip_suffix("_up.sql"))
        else {
            continue;
        };
        let separator = if file.ends_with(".up.sql") { "." } else { "_" };
        let down = path.with_file_name(format!("{stem}{separator}down.sql"));
        let name = stem
            .split_once(['_', '.'])
            .map_or(stem, |(_, n)| n)
            .to_owned();
        out.push((
            Key::Text(stem.to_owned()),
            Source {
                up: path.clone(),
                up_text: read_text(path),
                down: down.is_file().then(|| (down.clone(), read_text(&down))),
                name,
                no_transaction: false,
            },
        ));
    }
    out
}

fn flyway(entries: &[PathBuf]) -> Vec<(Key, Source)> {
    entries
        .iter()
        .filter_map(|path| {
            let file = file_name(path);
            let rest = file.strip_prefix('V')?.strip_suffix(".sql")?;
            let (version, name) = rest.split_once("__")?;
            let numbers = version
                .split(['.', '_'])
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            // Flyway runs a PostgreSQL script that uses `CONCURRENTLY` outside a transaction.
            let text = read_text(path);
            let no_transaction = concurrently(&[&text]);
            Some((
                Key::Numbers(numbers),
                Source {
                    up: path.clone(),
                    up_text: with_no_transaction(text, no_transaction),
                    down: None,
                    name: name.to_owned(),
                    no_transaction,
                },
            ))
        })
        .collect()
}

fn dbmate(entries: &[PathBuf]) -> Vec<(Key, Source)> {
    entries
        .iter()
        .filter_map(|path| {
            let file = file_name(path);
            let stem = file.strip_suffix(".sql")?;
            let (version, name) = stem.split_once('_')?;
            let text = read_text(path);
            // Each section keeps its lines; the other section's, and the markers, are blank.
            let (mut up, mut down) = (String::new(), String::new());
            let mut section = None;
            let mut no_transaction = false;
            for line in text.split_inclusive('\n') {
                let marker = line.trim_start().strip_prefix("-- migrate:");
                let blank = if line.ends_with('\n') { "\n" } else { "" };
                match marker {
                    Some(m) if m.starts_with("up") => {
                        no_transaction = m.contains("transaction:false");
                        section = Some(true);
                        up.push_str(if no_transaction {
                            "-- migrate:no-transaction\n"
                        } else {
                            blank
                        });
                        down.push_str(blank);
                    }
                    Some(m) if m.starts_with("down") => {
                        section = Some(false);
                        up.push_str(blank);
                        down.push_str(blank);
                    }
                    _ => {
                        let (mine, other) = match section {
                            Some(false) => (&mut down, &mut up),
                            _ => (&mut up, &mut down),
                        };
                        mine.push_str(line);
                        other.push_str(blank);
                    }
                }
            }
            Some((
                Key::Numbers(vec![version.parse().unwrap_or(0)]),
                Source {
                    up: path.clone(),
                    up_text: up,
                    down: Some((path.clone(), down)),
                    name: name.to_owned(),
                    no_transaction,
                },
            ))
        })
        .collect()
}

/// `Add-Users v2` → `add_users_v2`: a valid native name.
pub fn native_name(name: &str) -> String {
    let words: Vec<String> = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        "migration".to_owned()
    } else {
        words.join("_")
    }
}
