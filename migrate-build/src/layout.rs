//! Other tools' layouts, read in place (`layout = "..."` in `[package.metadata.migrate]`).
//!
//! Each layout lists its migrations by its tool's own rules, into the same found files the
//! native layout gives, so that pairing, ordering and every check are the same. A migration's
//! name is its tool's, made fit for a Rust identifier ([`normalize_name`]); paths and
//! diagnostics stay the real files'.
//!
//! | layout | files | runs outside a transaction when |
//! |---|---|---|
//! | `diesel` | `<version>_<name>/up.sql`, `down.sql`; the version's digits, dashes ignored, fewer than 14 padded with zeros after them (diesel orders versions as text) | `metadata.toml` says `run_in_transaction = false` |
//! | `sqlx` | `<version>_<name>.sql` (up only), or `.up.sql` and `.down.sql` | the file starts with `-- no-transaction` |
//! | `golang-migrate` | `<version>_<name>.up.sql`, `.down.sql` | never |

use std::fs;
use std::path::Path;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::discover::{FileName, Found, Kind};
use migrate_core::naming::normalize_name;

/// How a migrations directory is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// migrate's own: `<version>_<name>.up.sql`, `.down.sql`, or `.sql` for up only.
    #[default]
    Native,
    /// diesel's: a directory per migration, `<version>_<name>/up.sql` and `down.sql`.
    Diesel,
    /// sqlx's: `<version>_<name>.sql`, or `.up.sql` and `.down.sql`.
    Sqlx,
    /// golang-migrate's: `<version>_<name>.up.sql` and `.down.sql`.
    GolangMigrate,
}

/// The versions of the migrations in `directory`, laid out as `layout`, with the width of each
/// version as written (for numbering the next one); what is not a migration is left out.
pub fn versions(directory: &Path, layout: Layout) -> Vec<(i64, usize)> {
    let mut ignored = Vec::new();
    crate::discover::discover(directory, "", layout, &mut ignored)
        .found
        .iter()
        .map(|f| (f.name.version, f.name.version_text.len()))
        .collect()
}

/// The files of a new migration `version` (digits, as `migrate new` numbers it) named `name`,
/// relative to the migrations directory: the up file, and the down file unless `up_only`.
pub fn new_files(
    layout: Layout,
    version: &str,
    name: &str,
    up_only: bool,
) -> (String, Option<String>) {
    match layout {
        Layout::Native | Layout::Sqlx if up_only => (format!("{version}_{name}.sql"), None),
        Layout::Native | Layout::Sqlx | Layout::GolangMigrate => (
            format!("{version}_{name}.up.sql"),
            (!up_only).then(|| format!("{version}_{name}.down.sql")),
        ),
        Layout::Diesel => {
            // diesel's own form of a timestamp: `2024-03-06-170000`.
            let version = if version.len() == TIMESTAMP {
                format!(
                    "{}-{}-{}-{}",
                    &version[..4],
                    &version[4..6],
                    &version[6..8],
                    &version[8..]
                )
            } else {
                version.to_owned()
            };
            let dir = format!("{version}_{name}");
            (
                format!("{dir}/up.sql"),
                (!up_only).then(|| format!("{dir}/down.sql")),
            )
        }
    }
}

impl Layout {
    /// Every layout, as configured.
    pub const ALL: [Layout; 4] = [
        Layout::Native,
        Layout::Diesel,
        Layout::Sqlx,
        Layout::GolangMigrate,
    ];

    /// The value of `layout` in `[package.metadata.migrate]`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Layout::Native => "native",
            Layout::Diesel => "diesel",
            Layout::Sqlx => "sqlx",
            Layout::GolangMigrate => "golang-migrate",
        }
    }

    /// The layout a configured value names.
    pub fn parse(value: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == value)
    }
}

/// What reading an entry of the directory gave.
pub(crate) enum Entry {
    /// Not a migration, and nothing to say (a dotfile, a README).
    Skip,
    /// Migration files.
    Files(Vec<Found>),
    /// Not a migration: the diagnostic says why, and the version, if one can be read, is a gap
    /// in the set.
    Problem(Diagnostic, Option<i64>),
}

/// The files of one entry of a directory laid out as `layout` (not native).
pub(crate) fn entry(layout: Layout, path: &Path, file: &str, display: &str) -> Entry {
    if file.starts_with('.') || file.eq_ignore_ascii_case("README.md") {
        return Entry::Skip;
    }
    match layout {
        Layout::Diesel => diesel(path, file, display),
        Layout::Sqlx => flat(path, file, display, layout),
        Layout::GolangMigrate => flat(path, file, display, layout),
        Layout::Native => unreachable!("the native layout is listed by `discover`"),
    }
}

/// Digits in a `YYYYMMDDHHMMSS` timestamp, diesel's usual version.
const TIMESTAMP: usize = 14;

/// `<version>_<name>`: the version (for diesel: its digits, dashes dropped, as diesel compares
/// them), the digits as written, and the name made fit for an identifier.
fn version_and_name(stem: &str, diesel: bool) -> Result<(i64, String, String), &'static str> {
    let (version, name) = stem.split_once('_').unwrap_or((stem, ""));
    let digits: String = version.chars().filter(|&c| !(diesel && c == '-')).collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("does not start with a version number");
    }
    // diesel orders versions as text: a date alone (`2024-03-13_name`) comes after
    // `2024-03-06-170000_name`. Padded with zeros to a timestamp's 14 digits, the number orders
    // the same way.
    let padded = if diesel && digits.len() < TIMESTAMP {
        format!("{digits:0<TIMESTAMP$}")
    } else {
        digits.clone()
    };
    let version = padded
        .parse::<i64>()
        .map_err(|_| "has a version too large for a 64-bit integer")?;
    let name = normalize_name(name);
    if name.is_empty() {
        return Err("has no name after its version");
    }
    Ok((version, digits, name))
}

fn bad_name(display: &str, why: &str, layout: Layout, version: Option<i64>) -> Entry {
    let rule = match layout {
        Layout::Diesel => "a diesel migration is a directory `<version>_<name>` holding `up.sql`",
        Layout::Sqlx => "an sqlx migration is `<version>_<name>.sql`, or `.up.sql` and `.down.sql`",
        _ => "a golang-migrate migration is `<version>_<name>.up.sql` and `.down.sql`",
    };
    Entry::Problem(
        Diagnostic::new(Code::FileName, format!("`{display}` {why}"))
            .at(Location::file(display))
            .note(rule),
        version,
    )
}

fn diesel(path: &Path, file: &str, display: &str) -> Entry {
    if !path.is_dir() {
        return Entry::Problem(
            Diagnostic::new(
                Code::StrayFile,
                format!("`{display}` is not a diesel migration: it is not a directory"),
            )
            .at(Location::file(display))
            .help("move it out of the migrations directory"),
            None,
        );
    }
    let (version, version_text, name) = match version_and_name(file, true) {
        Ok(parts) => parts,
        Err(why) => return bad_name(&format!("{display}/"), why, Layout::Diesel, None),
    };
    let up = path.join("up.sql");
    if !up.is_file() {
        return bad_name(
            &format!("{display}/"),
            "has no `up.sql`",
            Layout::Diesel,
            Some(version),
        );
    }
    let transaction = match read_metadata(&path.join("metadata.toml"), display) {
        Ok(transaction) => transaction,
        Err(problem) => return Entry::Problem(problem, Some(version)),
    };
    let found = |kind: Kind, file: &str| Found {
        name: FileName {
            version,
            version_text: version_text.clone(),
            name: name.clone(),
            kind,
        },
        path: path.join(file),
        display: format!("{display}/{file}"),
        outside_transaction: !transaction,
    };
    let mut files = vec![found(Kind::Up, "up.sql")];
    if path.join("down.sql").is_file() {
        files.push(found(Kind::Down, "down.sql"));
    }
    Entry::Files(files)
}

/// `run_in_transaction` in a diesel migration's `metadata.toml` (true without one).
fn read_metadata(path: &Path, display: &str) -> Result<bool, Diagnostic> {
    let shown = format!("{display}/metadata.toml");
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(error) => {
            return Err(Diagnostic::new(
                Code::Unreadable,
                format!("cannot read `{shown}`: {error}"),
            )
            .at(Location::file(&shown)));
        }
    };
    let table: toml::Table = toml::from_str(&text).map_err(|error| {
        Diagnostic::new(
            Code::Directive,
            format!("invalid `{shown}`: {}", error.message().trim()),
        )
        .at(Location::file(&shown))
    })?;
    match table.get("run_in_transaction") {
        None => Ok(true),
        Some(toml::Value::Boolean(value)) => Ok(*value),
        Some(other) => Err(Diagnostic::new(
            Code::Directive,
            format!(
                "`run_in_transaction` in `{shown}` is a {}, not `true` or `false`",
                other.type_str()
            ),
        )
        .at(Location::file(&shown))),
    }
}

/// sqlx's and golang-migrate's files.
fn flat(path: &Path, file: &str, display: &str, layout: Layout) -> Entry {
    if path.is_dir() {
        return Entry::Problem(
            Diagnostic::new(
                Code::FileName,
                format!("`{display}/` is a directory, not a migration"),
            )
            .at(Location::file(format!("{display}/")))
            .help("move it out of the migrations directory"),
            None,
        );
    }
    let Some(stem) = file.strip_suffix(".sql") else {
        return Entry::Problem(
            Diagnostic::new(
                Code::StrayFile,
                format!("`{display}` is not a migration: it is not a `.sql` file, so it is never run"),
            )
            .at(Location::file(display))
            .help("move it out of the migrations directory, or allow `stray-file` in `[package.metadata.migrate.lints]`"),
            None,
        );
    };
    let (stem, kind) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Kind::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Kind::Down)
    } else if layout == Layout::Sqlx {
        (stem, Kind::UpOnly)
    } else {
        return bad_name(
            display,
            "is neither `.up.sql` nor `.down.sql`",
            layout,
            None,
        );
    };
    let (version, version_text, name) = match version_and_name(stem, false) {
        Ok(parts) => parts,
        Err(why) => return bad_name(display, why, layout, None),
    };
    // sqlx reads the directive from the file's first bytes.
    let outside_transaction = layout == Layout::Sqlx
        && fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"-- no-transaction"));
    Entry::Files(vec![Found {
        name: FileName {
            version,
            version_text,
            name,
            kind,
        },
        path: path.to_owned(),
        display: display.to_owned(),
        outside_transaction,
    }])
}
