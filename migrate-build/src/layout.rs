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
//! | `flyway` | `V<version>__<name>.sql`, undone by `U<version>__<name>.sql`; a version is numbers separated by `.` or `_`; nested directories walked; `R__` files refused | a statement cannot run inside one (as Flyway decides on PostgreSQL) |
//! | `refinery` | `V<version>__<name>.sql`, the version one number; nested directories walked | never |
//! | `dbmate` | `<version>_<name>.sql`: the up after a line `-- migrate:up`, the down after `-- migrate:down` | the section's line says `transaction:false` |
//!
//! A dbmate file holds both of a migration's scripts. Each is checked in a copy of the file with
//! everything outside its section blanked (spaces, the line breaks kept), so that positions are
//! the file's, and the runtime runs the file's own text between those positions.

use std::fs;
use std::path::Path;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::discover::{FileName, Found, Kind};
use crate::script::Outside;
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
    /// Flyway's: `V<version>__<name>.sql`, and `U<version>__<name>.sql` to undo it; nested
    /// directories walked.
    Flyway,
    /// refinery's: `V<version>__<name>.sql`, the version a whole number; nested directories
    /// walked.
    Refinery,
    /// dbmate's: `<version>_<name>.sql`, its up after `-- migrate:up` and its down after
    /// `-- migrate:down`.
    Dbmate,
}

/// The versions of the migrations in `directory`, laid out as `layout`, with the width of each
/// version as written (for numbering the next one); what is not a migration is left out.
pub fn versions(directory: &Path, layout: Layout) -> Vec<(i64, usize)> {
    let mut ignored = Vec::new();
    let found = crate::discover::discover(directory, "", layout, &mut ignored).found;
    // Flyway versions of several numbers: the next is the first number after the largest, as one
    // number (which such a set reads with zeros after it). Never a timestamp, which would not fit.
    if found.iter().any(|f| f.name.version_text.contains('_')) {
        return found
            .iter()
            .map(|f| (f.name.version / PART.pow(PARTS), 1))
            .collect();
    }
    found
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
        Layout::Dbmate => (format!("{version}_{name}.sql"), None),
        Layout::Flyway | Layout::Refinery => (
            format!("V{version}__{name}.sql"),
            (layout == Layout::Flyway && !up_only).then(|| format!("U{version}__{name}.sql")),
        ),
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
    pub const ALL: [Layout; 7] = [
        Layout::Native,
        Layout::Diesel,
        Layout::Sqlx,
        Layout::GolangMigrate,
        Layout::Flyway,
        Layout::Refinery,
        Layout::Dbmate,
    ];

    /// Whether the tool reads nested directories.
    pub(crate) const fn walks(self) -> bool {
        matches!(self, Layout::Flyway | Layout::Refinery)
    }

    /// The value of `layout` in `[package.metadata.migrate]`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Layout::Native => "native",
            Layout::Diesel => "diesel",
            Layout::Sqlx => "sqlx",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Flyway => "flyway",
            Layout::Refinery => "refinery",
            Layout::Dbmate => "dbmate",
        }
    }

    /// The `migrate_runtime::Predecessor` variant of the layout's tool, whose history table a
    /// set's first run takes over; `None` for the native layout.
    pub const fn predecessor(self) -> Option<&'static str> {
        match self {
            Layout::Native => None,
            Layout::Diesel => Some("Diesel"),
            Layout::Sqlx => Some("Sqlx"),
            Layout::GolangMigrate => Some("GolangMigrate"),
            Layout::Flyway => Some("Flyway"),
            Layout::Refinery => Some("Refinery"),
            Layout::Dbmate => Some("Dbmate"),
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
        Layout::Sqlx | Layout::GolangMigrate => flat(path, file, display, layout),
        Layout::Flyway | Layout::Refinery => versioned(path, file, display, layout),
        Layout::Dbmate => dbmate(path, file, display),
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

/// What this layout's tool records of a migration in its history table, for taking it over: the
/// version as the tool writes it where that is not the version in decimal, and the tool's
/// checksum of the up file (`raw`: its text as on disk) where it keeps one.
pub(crate) fn recorded(
    layout: Layout,
    up: &Found,
    raw: impl FnOnce() -> String,
) -> (Option<String>, Option<String>) {
    let name = &up.name;
    let version = match layout {
        // diesel records the digits (dashes dropped, not padded), dbmate the text before `_`.
        Layout::Diesel | Layout::Dbmate => Some(name.version_text.clone()),
        Layout::Flyway => migrate_core::naming::flyway_version(&name.version_text),
        _ => None,
    }
    .filter(|v| *v != name.version.to_string());
    let checksum = match layout {
        Layout::Sqlx => Some(crate::checksum::sqlx(&raw())),
        Layout::Flyway => Some(crate::checksum::flyway(&raw())),
        Layout::Refinery => {
            // refinery's name: the word characters after `V<version>__`.
            let file = up.path.file_name().and_then(|f| f.to_str()).unwrap_or("");
            let after = file.split_once("__").map_or("", |(_, rest)| rest);
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            Some(crate::checksum::refinery(
                &after[..end],
                name.version,
                &raw(),
            ))
        }
        _ => None,
    };
    (version, checksum)
}

/// A file among migrations that is not one: a `stray-file` warning saying `why`.
fn stray(display: &str, why: &str) -> Diagnostic {
    Diagnostic::new(Code::StrayFile, format!("`{display}` is not {why}"))
        .at(Location::file(display))
        .help("move it out of the migrations directory, or allow `stray-file` in `[package.metadata.migrate.lints]`")
}

/// A file that is not SQL, among migrations.
fn not_sql(display: &str) -> Entry {
    Entry::Problem(
        stray(
            display,
            "a migration: it is not a `.sql` file, so it is never run",
        ),
        None,
    )
}

fn bad_name(display: &str, why: &str, layout: Layout, version: Option<i64>) -> Entry {
    let rule = match layout {
        Layout::Diesel => "a diesel migration is a directory `<version>_<name>` holding `up.sql`",
        Layout::Sqlx => "an sqlx migration is `<version>_<name>.sql`, or `.up.sql` and `.down.sql`",
        Layout::Flyway => {
            "a Flyway migration is `V<version>__<name>.sql`, its undo `U<version>__<name>.sql`; \
             a version is numbers separated by `.` or `_`"
        }
        Layout::Refinery => {
            "a refinery migration is `V<version>__<name>.sql`, the version a whole number"
        }
        Layout::Dbmate => {
            "a dbmate migration is `<version>_<name>.sql`, its up after a line `-- migrate:up` \
             and its down after a line `-- migrate:down`"
        }
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
            stray(display, "a diesel migration: it is not a directory"),
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
        section: None,
        outside: if transaction {
            Outside::Never
        } else {
            Outside::Always
        },
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
        return not_sql(display);
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

    let name = FileName {
        version,
        version_text,
        name,
        kind,
    };
    one_file(layout, path, display, name)
}

/// Parts of a Flyway version after the first, and the largest a part may be.
const PARTS: u32 = 3;
const PART: i64 = 1000;

/// A Flyway version (`1`, `1.2`, `1_2_3`): its value if it is one number, else as a number that
/// orders as Flyway orders versions, the first part times 1000³, then up to three more parts
/// under 1000 times 1000², 1000 and 1 (`1.2` is 1,002,000,000); and the parts joined by `_`.
/// A refinery version is a whole number.
fn flyway_number(text: &str, layout: Layout) -> Result<(i64, String), &'static str> {
    let parts: Vec<&str> = text.split(['.', '_']).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("does not have a version of numbers separated by `.` or `_` after its prefix");
    }
    if parts.len() > 1 && layout == Layout::Refinery {
        return Err("has a version of several numbers, and refinery takes one");
    }
    if parts.len() > 1 + PARTS as usize {
        return Err("has a version of more than four numbers");
    }
    let too_large = "has a version too large for a 64-bit integer";
    let first = parts[0].parse::<i64>().map_err(|_| too_large)?;
    if parts.len() == 1 {
        return Ok((first, text.to_owned()));
    }
    let mut version = first.checked_mul(PART.pow(PARTS)).ok_or(too_large)?;
    for (i, part) in parts.iter().enumerate().skip(1) {
        let value: i64 = part.parse().unwrap_or(PART);
        if value >= PART {
            return Err("has a version part of 1000 or more after the first");
        }
        version += value * PART.pow(PARTS - i as u32);
    }
    Ok((version, parts.join("_")))
}

/// Flyway's and refinery's files: `V<version>__<name>.sql`, and Flyway's undo `U...`.
fn versioned(path: &Path, file: &str, display: &str, layout: Layout) -> Entry {
    let Some(stem) = file.strip_suffix(".sql") else {
        return not_sql(display);
    };
    if stem.starts_with("R__") {
        return Entry::Problem(
            Diagnostic::new(
                Code::FileName,
                format!("`{display}` is a repeatable migration, which migrate does not support"),
            )
            .at(Location::file(display))
            .note("migrate runs each migration once, in version order, and never again when its file changes")
            .help("make it a versioned migration (`V<version>__<name>.sql`) that replaces the objects, or run it outside migrate"),
            None,
        );
    }
    let (kind, rest) = match stem.split_at_checked(1) {
        Some(("V", rest)) => (Kind::Up, rest),
        Some(("U", rest)) if layout == Layout::Flyway => (Kind::Down, rest),
        Some(("U", _)) => {
            return bad_name(
                display,
                "is an unversioned refinery migration, which migrate does not support",
                layout,
                None,
            );
        }
        // A Flyway callback (`beforeMigrate.sql`) or another file: not a migration.
        _ => {
            return Entry::Problem(
                stray(display, "a migration: its name does not start with `V`")
                    .note("migrate runs no Flyway callbacks (`beforeMigrate.sql` and the like)"),
                None,
            );
        }
    };
    let Some((version, name)) = rest.split_once("__") else {
        return bad_name(
            display,
            "has no `__` between its version and its name",
            layout,
            None,
        );
    };
    let (version, version_text) = match flyway_number(version, layout) {
        Ok(parts) => parts,
        Err(why) => return bad_name(display, why, layout, None),
    };
    let name = normalize_name(name);
    if name.is_empty() {
        return bad_name(
            display,
            "has no name after its version",
            layout,
            Some(version),
        );
    }
    let name = FileName {
        version,
        version_text,
        kind,
        name,
    };
    one_file(layout, path, display, name)
}

/// An entry that is one migration file: it runs outside a transaction when its layout's tool
/// says (sqlx's marker, Flyway's detection), besides migrate's own directive.
fn one_file(layout: Layout, path: &Path, display: &str, name: FileName) -> Entry {
    let outside = match layout {
        Layout::Sqlx => Outside::WhenMarked,
        Layout::Flyway => Outside::WhenRefused,
        _ => Outside::Never,
    };
    Entry::Files(vec![Found {
        name,
        path: path.to_owned(),
        display: display.to_owned(),
        section: None,
        outside,
    }])
}

/// What Flyway's files need once all are listed. Where any version has several parts, a
/// version of one number is read as that number with more parts of 0 (`2` as `2.0`), so that
/// all order together. An undo pairs with its migration by version alone, so it takes its
/// migration's name.
pub(crate) fn finish(
    found: &mut Vec<Found>,
    unusable: &mut Vec<Option<i64>>,
    out: &mut Vec<Diagnostic>,
) {
    if found.iter().any(|f| f.name.version_text.contains('_')) {
        found.retain_mut(|file| {
            if file.name.version_text.contains('_') {
                return true;
            }
            match file.name.version.checked_mul(PART.pow(PARTS)) {
                Some(version) => {
                    file.name.version = version;
                    true
                }
                None => {
                    out.push(
                        Diagnostic::new(
                            Code::FileName,
                            format!(
                                "`{}` has a version too large to order with the versions of \
                                 several numbers in this directory",
                                file.display
                            ),
                        )
                        .at(Location::file(&file.display)),
                    );
                    unusable.push(Some(file.name.version));
                    false
                }
            }
        });
    }
    let ups: std::collections::HashMap<i64, String> = found
        .iter()
        .filter(|f| f.name.kind != Kind::Down)
        .map(|f| (f.name.version, f.name.name.clone()))
        .collect();
    for file in found.iter_mut().filter(|f| f.name.kind == Kind::Down) {
        if let Some(name) = ups.get(&file.name.version) {
            file.name.name.clone_from(name);
        }
    }
}

/// A dbmate section marker on a line of its own: `-- migrate:up` or `-- migrate:down`, maybe
/// with options (`transaction:false`). The kind, and whether it runs outside a transaction.
fn marker(line: &str) -> Option<(Kind, bool)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let mut words = rest.split_whitespace();
    let kind = match words.next()? {
        "migrate:up" => Kind::Up,
        "migrate:down" => Kind::Down,
        _ => return None,
    };
    let outside = words.any(|option| option == "transaction:false");
    Some((kind, outside))
}

/// The sections of a dbmate file: for each marker, its kind, whether it runs outside a
/// transaction, and the bytes after its line up to the next marker.
pub(crate) fn sections(text: &str) -> Vec<(Kind, bool, std::ops::Range<usize>)> {
    let mut found: Vec<(Kind, bool, std::ops::Range<usize>)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let end = at + line.len();
        if let Some((kind, outside)) = marker(line) {
            if let Some(last) = found.last_mut() {
                last.2.end = at;
            }
            found.push((kind, outside, end..text.len()));
        }
        at = end;
    }
    found
}

/// `text` with every byte outside `keep` a space, line breaks kept: the same positions, one
/// section's statements.
pub(crate) fn blank_outside(text: &str, keep: &std::ops::Range<usize>) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if keep.contains(&i) || c == '\n' || c == '\r' {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect()
}

fn dbmate(path: &Path, file: &str, display: &str) -> Entry {
    if path.is_dir() {
        return bad_name(
            &format!("{display}/"),
            "is a directory, not a migration",
            Layout::Dbmate,
            None,
        );
    }
    let Some(stem) = file.strip_suffix(".sql") else {
        return not_sql(display);
    };
    let (version, version_text, name) = match version_and_name(stem, false) {
        Ok(parts) => parts,
        Err(why) => return bad_name(display, why, Layout::Dbmate, None),
    };
    // An unreadable file is reported when it is read for checking.
    let text = fs::read_to_string(path).unwrap_or_default();
    let sections = sections(&text);
    let count = |kind: Kind| sections.iter().filter(|s| s.0 == kind).count();
    // dbmate refuses SQL before the first section; blanked, it would never run.
    let before = &text[..sections.first().map_or(text.len(), |s| s.2.start)];
    let sql_before = before
        .lines()
        .take_while(|line| marker(line).is_none())
        .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"));
    let problem = if count(Kind::Up) != 1 {
        Some("must have one line `-- migrate:up`")
    } else if sql_before {
        Some("has SQL before its `-- migrate:up` line, which would never run")
    } else if count(Kind::Down) > 1 {
        Some("has more than one line `-- migrate:down`")
    } else if sections.first().is_some_and(|s| s.0 != Kind::Up) {
        Some("has its `-- migrate:down` before its `-- migrate:up`")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Entry::Problem(
            Diagnostic::new(Code::FileName, format!("`{display}` {problem}"))
                .at(Location::file(display))
                .note("a dbmate migration is its up after a line `-- migrate:up`, then its down after a line `-- migrate:down`"),
            Some(version),
        );
    }
    let has_down = count(Kind::Down) == 1;
    let files = sections
        .into_iter()
        .map(|(kind, outside, range)| Found {
            name: FileName {
                version,
                version_text: version_text.clone(),
                name: name.clone(),
                kind: match kind {
                    Kind::Up if !has_down => Kind::UpOnly,
                    other => other,
                },
            },
            path: path.to_owned(),
            display: display.to_owned(),
            outside: if outside {
                Outside::Always
            } else {
                Outside::Never
            },
            section: Some(range),
        })
        .collect();
    Entry::Files(files)
}
