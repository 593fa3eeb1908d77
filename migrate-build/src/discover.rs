//! Finding migrations: the file-name rules, and pairing up and down files by version.
//!
//! A migrations directory is flat; its files are named by the rules of
//! [`migrate_core::naming`]. `README.md` and dotfiles are skipped; every other entry is an error
//! that names it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::layout::{self, Entry, Layout};
use crate::script::Outside;

pub use migrate_core::naming::{FileName, Kind, suggest_file_name};
use migrate_core::naming::{NAMING, NameError, Problem, normalize_name};

/// Parses a file name by the naming rules of [`migrate_core::naming`]; the error says what is
/// wrong and how to fix it: a `file-name` error for a `.sql` file, a `stray-file` warning for
/// anything else.
pub fn parse_file_name(file: &str) -> Result<FileName, Diagnostic> {
    migrate_core::naming::parse_file_name(file).map_err(|error| name_diagnostic(&error))
}

fn name_diagnostic(error: &NameError) -> Diagnostic {
    let file = &error.file;
    let rename = |d: Diagnostic| match suggest_file_name(file) {
        Some(fixed) if fixed != *file => d.help(format!("rename it to `{fixed}`")),
        _ => d.note(NAMING),
    };
    match error.problem {
        Problem::NotSql => Diagnostic::new(Code::StrayFile, error.to_string()).help(
            "move it out of the migrations directory, or allow `stray-file` in `[package.metadata.migrate.lints]`",
        ),
        Problem::NoVersion if looks_like_flyway(file) => {
            Diagnostic::new(Code::FileName, error.to_string()).help(
                "this looks like a Flyway or refinery migration: read the directory as that tool \
                 lays it out, with `layout = \"flyway\"` (or `\"refinery\"`) in \
                 `[package.metadata.migrate]`",
            )
        }
        Problem::SuffixCase | Problem::NoVersion | Problem::BadName => {
            rename(Diagnostic::new(Code::FileName, error.to_string()))
        }
        Problem::NoName(kind) => {
            let version_text: String = file.chars().take_while(char::is_ascii_digit).collect();
            Diagnostic::new(Code::FileName, error.to_string())
                .help(format!("name it `{version_text}_<name>{}`", kind.suffix()))
        }
        Problem::VersionZero | Problem::VersionTooLarge => {
            Diagnostic::new(Code::FileName, error.to_string())
        }
    }
}

/// `V1__name.sql`, `U1_1__name.sql`, `R__name.sql`: Flyway's (and refinery's) names.
fn looks_like_flyway(file: &str) -> bool {
    let Some(rest) = file.strip_prefix(['V', 'U', 'R']) else {
        return false;
    };
    rest.split_once("__").is_some_and(|(version, _)| {
        version
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
    })
}

/// A migration file found on disk.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub name: FileName,
    pub path: PathBuf,
    pub display: String,
    /// What the layout says of running the file outside a transaction (diesel's
    /// `metadata.toml`, sqlx's `-- no-transaction`, Flyway's detection), besides
    /// `-- migrate:no-transaction`.
    pub outside: Outside,
    /// The bytes of the file that hold this script, when the file holds more than one
    /// (dbmate's sections).
    pub section: Option<std::ops::Range<usize>>,
}

/// What discovery found: the files with valid names, sorted by version, and the versions of
/// entries that look like migrations but could not be read as one (`None`: no version either).
pub(crate) struct Listing {
    pub found: Vec<Found>,
    pub unusable: Vec<Option<i64>>,
}

/// Lists a migrations directory laid out as `layout`, with a diagnostic for every entry that is
/// not a migration.
pub(crate) fn discover(
    dir: &Path,
    display_dir: &str,
    layout: Layout,
    out: &mut Vec<Diagnostic>,
) -> Listing {
    let mut unusable = Vec::new();
    let mut found = list(dir, display_dir, layout, &mut unusable, out);
    found.sort_by(|a, b| {
        (a.name.version, a.name.kind, &a.name.name).cmp(&(
            b.name.version,
            b.name.kind,
            &b.name.name,
        ))
    });
    Listing { found, unusable }
}

fn list(
    dir: &Path,
    display_dir: &str,
    layout: Layout,
    unusable: &mut Vec<Option<i64>>,
    out: &mut Vec<Diagnostic>,
) -> Vec<Found> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            let message = if error.kind() == std::io::ErrorKind::NotFound {
                format!("migrations directory `{display_dir}` does not exist")
            } else {
                format!("cannot read migrations directory `{display_dir}`: {error}")
            };
            out.push(Diagnostic::new(Code::Config, message).help(
                "create it, or set `directory` under `[package.metadata.migrate]` in Cargo.toml",
            ));
            return Vec::new();
        }
    };
    if layout.walks() {
        return walk(dir, display_dir, layout, unusable, out);
    }
    let mut found = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                out.push(unreadable(display_dir, &error));
                continue;
            }
        };
        let path = entry.path();
        let Some(file) = entry.file_name().to_str().map(str::to_owned) else {
            out.push(not_utf8(&path));
            continue;
        };
        let display = format!("{display_dir}/{file}");
        if layout != Layout::Native {
            take(
                layout::entry(layout, &path, &file, &display),
                &mut found,
                unusable,
                out,
            );
            continue;
        }
        if file.starts_with('.') || file == "README.md" {
            continue;
        }
        let version_of = |name: &str| {
            let digits: String = name
                .split('_')
                .next()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse::<i64>().ok()
        };
        if path.is_dir() {
            out.push(directory_entry(&path, &file, &display));
            unusable.push(version_of(&file));
            continue;
        }
        match parse_file_name(&file) {
            Ok(name) => found.push(Found {
                name,
                path,
                display,
                outside: Outside::Never,
                section: None,
            }),
            Err(diagnostic) => {
                if diagnostic.is_error() {
                    unusable.push(version_of(&file));
                }
                out.push(diagnostic.at(Location::file(display)));
            }
        }
    }
    found
}

/// Adds what an entry of another tool's layout gave: its files, or its problem (an error's
/// version is a gap in the set).
fn take(
    entry: Entry,
    found: &mut Vec<Found>,
    unusable: &mut Vec<Option<i64>>,
    out: &mut Vec<Diagnostic>,
) {
    match entry {
        Entry::Skip => {}
        Entry::Files(files) => found.extend(files),
        Entry::Problem(diagnostic, version) => {
            if diagnostic.is_error() {
                unusable.push(version);
            }
            out.push(diagnostic);
        }
    }
}

/// A layout whose tool reads nested directories (Flyway's): every file under `dir`, the
/// subdirectories walked.
fn walk(
    dir: &Path,
    display_dir: &str,
    layout: Layout,
    unusable: &mut Vec<Option<i64>>,
    out: &mut Vec<Diagnostic>,
) -> Vec<Found> {
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                out.push(unreadable(display_dir, &error));
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let (Some(file), Some(relative)) = (entry.file_name().to_str(), relative.to_str()) else {
            out.push(not_utf8(entry.path()));
            continue;
        };
        let display = format!("{display_dir}/{}", relative.replace('\\', "/"));
        take(
            layout::entry(layout, entry.path(), file, &display),
            &mut found,
            unusable,
            out,
        );
    }
    layout::finish(&mut found, unusable, out);
    found
}

fn unreadable(display_dir: &str, error: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        Code::Config,
        format!("cannot read migrations directory `{display_dir}`: {error}"),
    )
}

fn not_utf8(path: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::FileName,
        format!(
            "`{}` is not a migration: its name is not UTF-8",
            path.display()
        ),
    )
    .at(Location::file(path.display().to_string()))
}

fn directory_entry(path: &Path, file: &str, display: &str) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::FileName,
        format!("`{file}` is a directory, not a migration"),
    )
    .at(Location::file(format!("{display}/")));
    if !path.join("up.sql").is_file() {
        return diagnostic.help(
            "migrations are files directly in the migrations directory; move other directories out",
        );
    }
    let (version, name) = file.split_once('_').unwrap_or((file, "migration"));
    let digits: String = version.chars().filter(char::is_ascii_digit).collect();
    let flat = format!("{digits}_{}", normalize_name(name));
    diagnostic
        .note("this looks like a diesel migration directory")
        .help(format!(
            "read the directory as diesel lays it out: `layout = \"diesel\"` in \
             `[package.metadata.migrate]`; or move `{file}/up.sql` to `{flat}.up.sql` and \
             `{file}/down.sql` to `{flat}.down.sql`"
        ))
}

/// The files of one migration, matched by version and name.
#[derive(Debug)]
pub(crate) struct Pair {
    pub up: usize,
    pub down: Option<usize>,
}

/// Pairs up and down files, reporting duplicate versions, downs without an up, and a version
/// given both as `.sql` and `.up.sql`. Indices refer to `found`.
pub(crate) fn pair(found: &[Found], out: &mut Vec<Diagnostic>) -> Vec<Pair> {
    let mut by_version: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, f) in found.iter().enumerate() {
        by_version.entry(f.name.version).or_default().push(i);
    }
    let mut pairs = Vec::new();
    for (version, files) in by_version {
        let (mut ups, downs): (Vec<usize>, Vec<usize>) = files
            .into_iter()
            .partition(|&i| found[i].name.kind != Kind::Down);
        ups.sort_by(|&a, &b| {
            (found[a].name.kind, &found[a].name.name)
                .cmp(&(found[b].name.kind, &found[b].name.name))
        });
        let file = |i: usize| {
            Path::new(&found[i].display)
                .file_name()
                .map_or(String::new(), |f| f.to_string_lossy().into_owned())
        };
        if let [first, rest @ ..] = ups.as_slice() {
            for &other in rest {
                let same_name = found[other].name.name == found[*first].name.name;
                let diagnostic = if same_name {
                    Diagnostic::new(
                        Code::DuplicateVersion,
                        format!(
                            "migration {version} is given both as `{}` and `{}`",
                            file(*first),
                            file(other)
                        ),
                    )
                    .help("keep one of them: a `.down.sql` pairs with `.up.sql`; a plain `.sql` is up-only")
                } else {
                    Diagnostic::new(
                        Code::DuplicateVersion,
                        format!(
                            "duplicate migration version {version}: `{}` and `{}`",
                            file(*first),
                            file(other)
                        ),
                    )
                    .help("give one of them a new version")
                };
                out.push(diagnostic.at(Location::file(&found[other].display)));
            }
            if !rest.is_empty() {
                continue;
            }
        }
        let up = ups.first().copied();
        let mut down = None;
        for d in downs {
            let matching = up.filter(|&u| found[u].name.name == found[d].name.name);
            match matching {
                Some(u) if found[u].name.kind == Kind::UpOnly => out.push(
                    Diagnostic::new(
                        Code::OrphanDown,
                        format!(
                            "`{}` is a down migration, but `{}` is up-only",
                            file(d),
                            file(u)
                        ),
                    )
                    .at(Location::file(&found[d].display))
                    .help(format!(
                        "rename `{}` to `{}_{}.up.sql`",
                        file(u),
                        found[u].name.version_text,
                        found[u].name.name
                    )),
                ),
                Some(_) => down = Some(d),
                None => {
                    let mut diagnostic = Diagnostic::new(
                        Code::OrphanDown,
                        format!("`{}` has no up migration", file(d)),
                    )
                    .at(Location::file(&found[d].display));
                    diagnostic = match up {
                        Some(u) => diagnostic
                            .note(format!(
                                "`{}` has the same version but another name",
                                file(u)
                            ))
                            .help(format!(
                                "rename it to `{}_{}.down.sql`",
                                found[d].name.version_text, found[u].name.name
                            )),
                        None => diagnostic.help(format!(
                            "add `{}_{}.up.sql`, or delete the down migration",
                            found[d].name.version_text, found[d].name.name
                        )),
                    };
                    out.push(diagnostic);
                }
            }
        }
        if let Some(up) = up {
            pairs.push(Pair { up, down });
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(file: &str) -> FileName {
        parse_file_name(file).unwrap()
    }

    fn problem(file: &str) -> (String, Option<String>) {
        let d = parse_file_name(file).unwrap_err();
        (d.message, d.help)
    }

    #[test]
    fn invalid_names_say_how_to_fix_them() {
        assert_eq!(
            problem("notes.txt").0,
            "`notes.txt` is not a migration: it is not a `.sql` file, so it is never run"
        );
        assert_eq!(
            parse_file_name("1_a.sql~").unwrap_err().code,
            Code::StrayFile
        );
        assert_eq!(
            problem("1_Add-Users.sql"),
            (
                "`1_Add-Users.sql`: a migration name is lowercase words joined by `_`".into(),
                Some("rename it to `1_add_users.sql`".into())
            )
        );
        assert_eq!(
            problem("1_a.SQL").1.as_deref(),
            Some("rename it to `1_a.sql`")
        );
        assert_eq!(
            problem("0_init.sql").0,
            "`0_init.sql` has version 0; versions start at 1"
        );
        assert_eq!(
            problem("42.sql").0,
            "`42.sql` has no name after its version"
        );
        assert!(
            problem("99999999999999999999_big.sql")
                .0
                .contains("too large")
        );
        assert_eq!(
            problem("2018-04-22-151330_create_user.sql").1.as_deref(),
            Some("rename it to `20180422151330_create_user.sql`")
        );
        assert_eq!(
            problem("20240101_AddComments.sql").1.as_deref(),
            Some("rename it to `20240101_add_comments.sql`")
        );
        assert_eq!(
            problem("7_Add_HTTPServer.UP.SQL").1.as_deref(),
            Some("rename it to `7_add_http_server.up.sql`")
        );
        assert_eq!(
            problem("7_x.UP.sql").1.as_deref(),
            Some("rename it to `7_x.up.sql`")
        );
        assert_eq!(
            problem("V1__init.sql").0,
            "`V1__init.sql` does not start with a version number"
        );
        assert!(
            problem("1_double__underscore.sql")
                .0
                .contains("lowercase words")
        );
    }

    fn found(files: &[&str]) -> Vec<Found> {
        files
            .iter()
            .map(|f| Found {
                name: name(f),
                path: PathBuf::from(f),
                display: format!("migrations/{f}"),
                outside: Outside::Never,
                section: None,
            })
            .collect()
    }

    fn paired(files: &[&str]) -> (Vec<(String, Option<String>)>, Vec<String>) {
        let found = found(files);
        let mut out = Vec::new();
        let pairs = pair(&found, &mut out);
        let pairs = pairs
            .iter()
            .map(|p| {
                (
                    found[p.up].display.clone(),
                    p.down.map(|d| found[d].display.clone()),
                )
            })
            .collect();
        (pairs, out.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn pairs_ups_with_downs() {
        let (pairs, problems) = paired(&["1_a.up.sql", "1_a.down.sql", "2_b.sql", "3_c.up.sql"]);
        assert!(problems.is_empty());
        assert_eq!(
            pairs,
            [
                (
                    "migrations/1_a.up.sql".to_string(),
                    Some("migrations/1_a.down.sql".to_string())
                ),
                ("migrations/2_b.sql".to_string(), None),
                ("migrations/3_c.up.sql".to_string(), None),
            ]
        );
    }

    #[test]
    fn duplicate_versions_name_both_files() {
        let (pairs, problems) = paired(&["1_a.sql", "001_b.up.sql"]);
        assert!(pairs.is_empty());
        assert_eq!(
            problems,
            ["duplicate migration version 1: `001_b.up.sql` and `1_a.sql`"]
        );
    }

    #[test]
    fn same_migration_as_sql_and_up_sql() {
        let (_, problems) = paired(&["1_a.sql", "1_a.up.sql"]);
        assert_eq!(
            problems,
            ["migration 1 is given both as `1_a.up.sql` and `1_a.sql`"]
        );
    }

    #[test]
    fn orphan_and_mismatched_downs() {
        let (pairs, problems) = paired(&[
            "1_a.down.sql",
            "2_b.up.sql",
            "2_c.down.sql",
            "3_d.sql",
            "3_d.down.sql",
        ]);
        assert_eq!(pairs.len(), 2);
        assert_eq!(
            problems,
            [
                "`1_a.down.sql` has no up migration",
                "`2_c.down.sql` has no up migration",
                "`3_d.down.sql` is a down migration, but `3_d.sql` is up-only",
            ]
        );
    }

    /// Every hint names a file that is valid as it stands: one rename settles it.
    #[test]
    fn discovery_reports_strays_and_skips_readme_and_dotfiles() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "1_a.up.sql",
            "README.md",
            ".gitkeep",
            "notes.txt",
            "2_B.sql",
        ] {
            fs::write(dir.path().join(f), "SELECT 1;").unwrap();
        }
        fs::create_dir(dir.path().join("2018-01-01-000000_old")).unwrap();
        fs::write(dir.path().join("2018-01-01-000000_old/up.sql"), "").unwrap();
        let mut out = Vec::new();
        let listing = discover(dir.path(), "migrations", Layout::Native, &mut out);
        assert_eq!(listing.found.len(), 1);
        assert_eq!(listing.unusable.len(), 2);
        let mut problems: Vec<_> = out.iter().map(|d| d.message.clone()).collect();
        problems.sort();
        assert_eq!(
            problems,
            [
                "`2018-01-01-000000_old` is a directory, not a migration",
                "`2_B.sql`: a migration name is lowercase words joined by `_`",
                "`notes.txt` is not a migration: it is not a `.sql` file, so it is never run",
            ]
        );
        let stray = out
            .iter()
            .find(|d| d.message.starts_with("`notes.txt`"))
            .unwrap();
        assert!(!stray.is_error());
        let diesel = out
            .iter()
            .find(|d| d.message.contains("directory"))
            .unwrap();
        assert_eq!(
            diesel.help.as_deref(),
            Some(
                "read the directory as diesel lays it out: `layout = \"diesel\"` in `[package.metadata.migrate]`; or move `2018-01-01-000000_old/up.sql` to `20180101000000_old.up.sql` and `2018-01-01-000000_old/down.sql` to `20180101000000_old.down.sql`"
            )
        );
    }

    #[test]
    fn missing_directory() {
        let mut out = Vec::new();
        assert!(
            discover(
                Path::new("/definitely/not/here"),
                "migrations",
                Layout::Native,
                &mut out
            )
            .found
            .is_empty()
        );
        assert_eq!(
            out[0].message,
            "migrations directory `migrations` does not exist"
        );
    }
}
