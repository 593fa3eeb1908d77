//! Configuration: `[package.metadata.migrate]` in the package's `Cargo.toml`.
//!
//! ```toml
//! [package.metadata.migrate]
//! directory = "migrations"      # relative to the package; the default
//! dialect = "sqlite"            # "sqlite" (the default) or "postgres", or a list of both:
//!                               # ["sqlite", "postgres"] checks every file as each
//! table = "_migrate_history"    # the history table; the default
//! check-setup = "db/setup.sql"  # SQL run in the check's scratch database before the
//!                               # migrations (what the real database has that they do not
//!                               # create: roles, a table another tool owns); or one per
//!                               # dialect: { postgres = "db/pg-setup.sql" }
//!
//! [package.metadata.migrate.lints]
//! empty-down = "allow"          # a lint's level: "allow", "warn" or "deny"
//! ```
//!
//! The build script, the `migrations!()` macro and the CLI all read this one section, so they
//! always agree. Every key is optional; an unknown key is an error, so a typo is never ignored.
//! The codes are listed in [`crate::codes`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::codes::{Code, Severity};
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::layout::Layout;

pub use migrate_core::{DEFAULT_DIRECTORY, DEFAULT_TABLE};

/// A package's migration settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The migrations directory, relative to the package's manifest directory.
    pub directory: String,
    /// The SQL dialects the migrations are written in: every file is checked as each. Never
    /// empty; the first is the one whose statement boundaries the runtime uses (all must agree).
    pub dialects: Vec<Dialect>,
    /// The name of the history table.
    pub table: String,
    /// Lint levels that differ from the codes' defaults: `None` is `allow`.
    pub lints: BTreeMap<Code, Option<Severity>>,
    /// A script run in the check's scratch database before the migrations, per dialect (a path
    /// relative to the manifest directory).
    pub check_setup: Vec<(Dialect, String)>,
    /// The server the PostgreSQL check creates its scratch database on: the value of
    /// `MIGRATE_DEV_DATABASE_URL`, which [`crate::check_package`] reads.
    pub dev_database_url: Option<String>,
    /// `require-down = true`: every migration has a down migration, or is marked
    /// `-- migrate:irreversible <reason>` (`missing-down` otherwise).
    pub require_down: bool,
    /// How the directory is laid out: migrate's own, or another tool's, read in place.
    pub layout: Layout,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            directory: DEFAULT_DIRECTORY.to_owned(),
            dialects: vec![Dialect::Sqlite],
            table: DEFAULT_TABLE.to_owned(),
            lints: BTreeMap::new(),
            check_setup: Vec::new(),
            dev_database_url: None,
            require_down: false,
            layout: Layout::Native,
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    package: Option<Package>,
}

#[derive(Deserialize)]
struct Package {
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    migrate: Option<RawConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    directory: Option<Spanned<String>>,
    dialect: Option<Spanned<toml::Value>>,
    table: Option<Spanned<String>>,
    #[serde(rename = "check-setup")]
    check_setup: Option<Spanned<toml::Value>>,
    #[serde(rename = "require-down")]
    require_down: Option<bool>,
    layout: Option<Spanned<String>>,
    lints: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

impl Config {
    /// The first configured dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialects[0]
    }

    /// What the build script's generated code is for: the directory and the dialects. The macro
    /// includes that code only when its own call would check the same.
    pub fn build_key(&self) -> String {
        let dialects: Vec<&str> = self.dialects.iter().map(|d| d.name()).collect();
        format!("{}|{}", trim_directory(&self.directory), dialects.join(","))
    }

    /// Whether the code a build script generated for `key` (its [`Config::build_key`]) serves
    /// this configuration: the same directory, and each of these dialects among the ones it
    /// checked (every dialect splits a file into the same statements, or the check fails).
    pub fn covered_by(&self, key: &str) -> bool {
        let (directory, dialects) = split_key(key);
        directory == trim_directory(&self.directory)
            && self
                .dialects
                .iter()
                .all(|d| dialects.split(',').any(|name| name == d.name()))
    }

    /// A build key for people: `` `migrations` (as sqlite, postgres) ``.
    pub fn describe_key(key: &str) -> String {
        let (directory, dialects) = split_key(key);
        format!("`{directory}` (as {})", dialects.replace(',', ", "))
    }

    /// A finding at its configured level, or `None` if it is allowed. Fatal findings keep theirs.
    pub(crate) fn level(&self, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
        if diagnostic.code.is_fatal() {
            return Some(diagnostic);
        }
        match self.lints.get(&diagnostic.code) {
            Some(None) => None,
            Some(Some(level)) => {
                diagnostic.severity = *level;
                Some(diagnostic)
            }
            None => Some(diagnostic),
        }
    }

    /// Reads the configuration from `<manifest_dir>/Cargo.toml`.
    pub fn load(manifest_dir: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = manifest_dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&path).map_err(|error| {
            vec![Diagnostic::new(
                Code::Config,
                format!("cannot read `{}`: {error}", path.display()),
            )]
        })?;
        Config::from_manifest(&text)
    }

    /// Reads the configuration from the text of a `Cargo.toml`.
    pub fn from_manifest(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let text: Arc<str> = Arc::from(text);
        let at = |span: Range<usize>| Location::in_text("Cargo.toml", &text, span);
        let manifest: Manifest = toml::from_str(&text).map_err(|error| {
            let mut diagnostic = Diagnostic::new(
                Code::Config,
                format!("invalid `Cargo.toml`: {}", error.message().trim()),
            );
            if let Some(span) = error.span() {
                diagnostic = diagnostic.at(at(span));
            }
            vec![
                diagnostic
                    .help("`[package.metadata.migrate]` takes `directory`, `layout`, `dialect`, `table`, `check-setup`, `require-down` and `[...lints]`"),
            ]
        })?;
        let Some(raw) = manifest
            .package
            .and_then(|p| p.metadata)
            .and_then(|m| m.migrate)
        else {
            return Ok(Config::default());
        };
        let mut config = Config::default();
        let mut problems = Vec::new();
        if let Some(directory) = raw.directory {
            config.directory = directory.get_ref().clone();
        }
        if let Some(dialect) = raw.dialect {
            match parse_dialects(dialect.get_ref()) {
                Ok(dialects) => config.dialects = dialects,
                Err((message, label)) => problems.push(
                    Diagnostic::new(Code::Config, message)
                        .at(at(dialect.span()))
                        .label(label)
                        .help(format!(
                            "the dialects are {}; give one, or a list to check the migrations \
                             as each (`dialect = [\"sqlite\", \"postgres\"]`)",
                            Dialect::ALL.map(|d| format!("`{d}`")).join(" and ")
                        )),
                ),
            }
        }
        if let Some(table) = raw.table {
            match check_identifier(table.get_ref()) {
                Ok(()) => config.table = table.get_ref().clone(),
                Err(why) => problems.push(
                    Diagnostic::new(Code::Config, format!("invalid history table name `{}`: {why}", table.get_ref()))
                        .at(at(table.span()))
                        .label("not a plain identifier")
                        .help("use letters, digits and `_`, starting with a letter or `_`, at most 63 bytes"),
                ),
            }
        }
        config.require_down = raw.require_down.unwrap_or(false);
        if let Some(layout) = raw.layout {
            match Layout::parse(layout.get_ref()) {
                Some(parsed) => config.layout = parsed,
                None => problems.push(
                    Diagnostic::new(
                        Code::Config,
                        format!("unknown layout `{}`", layout.get_ref()),
                    )
                    .at(at(layout.span()))
                    .label("not a layout migrate reads")
                    .help(format!(
                        "the layouts are {}",
                        Layout::ALL.map(|l| format!("`{}`", l.as_str())).join(", ")
                    )),
                ),
            }
        }
        if let Some(setup) = raw.check_setup {
            match parse_setup(setup.get_ref()) {
                Ok(setup) => config.check_setup = setup,
                Err(message) => problems.push(
                    Diagnostic::new(Code::Config, message)
                        .at(at(setup.span()))
                        .help("give a path relative to the package, or a table of them by dialect: `{ postgres = \"db/setup.sql\" }`"),
                ),
            }
        }
        for (code, level) in raw.lints.unwrap_or_default() {
            match parse_lint(code.get_ref(), level.get_ref()) {
                Ok((code, level)) => {
                    config.lints.insert(code, level);
                }
                Err((message, span, help)) => {
                    let span = if span { code.span() } else { level.span() };
                    problems.push(
                        Diagnostic::new(Code::Config, message)
                            .at(at(span))
                            .help(help),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

/// The directory and the comma-separated dialects of a [`Config::build_key`].
fn split_key(key: &str) -> (&str, &str) {
    key.rsplit_once('|').unwrap_or((key, ""))
}

/// A configured directory without `./` before it and `/` after it.
pub(crate) fn trim_directory(directory: &str) -> &str {
    let trimmed = directory.trim_end_matches(['/', '\\']);
    trimmed.strip_prefix("./").unwrap_or(trimmed)
}

/// `"sqlite"` or `["sqlite", "postgres"]`: the dialects, without repeats, or an error message and
/// label.
fn parse_dialects(value: &toml::Value) -> Result<Vec<Dialect>, (String, &'static str)> {
    let names: Vec<&toml::Value> = match value {
        toml::Value::Array(items) if items.is_empty() => {
            return Err(("no dialect given".to_owned(), "empty list"));
        }
        toml::Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut dialects = Vec::new();
    for name in names {
        let Some(name) = name.as_str() else {
            return Err((
                format!("expected a dialect name, found {}", name.type_str()),
                "expected a string or a list of strings",
            ));
        };
        let Some(dialect) = Dialect::from_name(name) else {
            return Err((format!("unknown dialect `{name}`"), "unknown dialect"));
        };
        if !dialects.contains(&dialect) {
            dialects.push(dialect);
        }
    }
    Ok(dialects)
}

/// `"db/setup.sql"` (every dialect) or `{ postgres = "db/pg.sql", sqlite = "db/lite.sql" }`.
fn parse_setup(value: &toml::Value) -> Result<Vec<(Dialect, String)>, String> {
    match value {
        toml::Value::String(path) => Ok(Dialect::ALL.map(|d| (d, path.clone())).to_vec()),
        toml::Value::Table(table) => table
            .iter()
            .map(|(name, path)| {
                let dialect = Dialect::from_name(name)
                    .ok_or_else(|| format!("unknown dialect `{name}` in `check-setup`"))?;
                let path = path.as_str().ok_or_else(|| {
                    format!("expected a path for `{name}`, found {}", path.type_str())
                })?;
                Ok((dialect, path.to_owned()))
            })
            .collect(),
        other => Err(format!(
            "expected a path or a table of paths, found {}",
            other.type_str()
        )),
    }
}

/// A `[lints]` entry: the code and its level (`None` for allow), or a message, whether it is about
/// the key (else the value), and a help line.
type LintError = (String, bool, String);

fn parse_lint(code: &str, level: &str) -> Result<(Code, Option<Severity>), LintError> {
    let Some(parsed) = Code::from_name(code) else {
        let help = match Code::suggest(code) {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => "the codes are listed in docs/diagnostics.md".to_owned(),
        };
        return Err((format!("unknown code `{code}`"), true, help));
    };
    if parsed.is_fatal() {
        return Err((
            format!("`{code}` cannot be configured"),
            true,
            "it means the migrations cannot be built, or the database refuses them".to_owned(),
        ));
    }
    let level = match level {
        "allow" => None,
        "warn" => Some(Severity::Warning),
        "deny" => Some(Severity::Error),
        other => {
            return Err((
                format!("unknown level `{other}`"),
                false,
                "the levels are `allow`, `warn` and `deny`".to_owned(),
            ));
        }
    };
    Ok((parsed, level))
}

/// Checks that a history table name is a plain SQL identifier, safe to quote on every backend:
/// the rule the runtime checks names given at run time by.
pub use migrate_core::check_identifier;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_keys_cover_the_same_directory_and_fewer_dialects() {
        let both = Config {
            dialects: vec![Dialect::Sqlite, Dialect::Postgres],
            ..Config::default()
        };
        let postgres = Config {
            dialects: vec![Dialect::Postgres],
            ..Config::default()
        };
        assert!(postgres.covered_by(&both.build_key()));
        assert!(both.covered_by(&both.build_key()));
        assert!(!both.covered_by(&postgres.build_key()));
        let elsewhere = Config {
            directory: "./db/".to_owned(),
            ..Config::default()
        };
        assert!(!elsewhere.covered_by(&Config::default().build_key()));
        assert!(elsewhere.covered_by("db|sqlite"));
        assert_eq!(
            Config::describe_key(&both.build_key()),
            "`migrations` (as sqlite, postgres)"
        );
    }

    #[test]
    fn defaults_without_a_section() {
        let config =
            Config::from_manifest("[package]\nname = \"app\"\nversion.workspace = true\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.table, "_migrate_history");
    }

    #[test]
    fn reads_every_key() {
        let config = Config::from_manifest(
            "[package]\nname = \"app\"\n[package.metadata.migrate]\ndirectory = \"db/migrations\"\ndialect = \"postgres\"\ntable = \"schema_history\"\nlayout = \"diesel\"\n",
        )
        .unwrap();
        assert_eq!(config.layout, Layout::Diesel);
        assert_eq!(config.directory, "db/migrations");
        assert_eq!(config.dialects, [Dialect::Postgres]);
        assert_eq!(config.table, "schema_history");
    }

    #[test]
    fn lints_and_check_setup() {
        let config = Config::from_manifest(
            "[package]\nname = \"app\"\n[package.metadata.migrate]\ncheck-setup = { postgres = \"db/pg.sql\" }\n[package.metadata.migrate.lints]\nempty-down = \"allow\"\nunchecked = \"deny\"\n",
        )
        .unwrap();
        assert_eq!(
            config.check_setup,
            [(Dialect::Postgres, "db/pg.sql".to_owned())]
        );
        assert_eq!(config.lints.get(&Code::EmptyDown), Some(&None));
        assert_eq!(
            config.lints.get(&Code::Unchecked),
            Some(&Some(Severity::Error))
        );
        let errors = Config::from_manifest(
            "[package]\nname = \"app\"\n[package.metadata.migrate.lints]\nempty-dwon = \"allow\"\nrejected = \"allow\"\nunchecked = \"loud\"\n",
        )
        .unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|d| (d.message.as_str(), d.position().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                ("unknown code `empty-dwon`", "Cargo.toml:4:1".to_owned()),
                (
                    "`rejected` cannot be configured",
                    "Cargo.toml:5:1".to_owned()
                ),
                ("unknown level `loud`", "Cargo.toml:6:13".to_owned()),
            ]
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `empty-down`?")
        );
    }

    #[test]
    fn bad_values_point_into_cargo_toml() {
        let errors = Config::from_manifest(
            "[package]\nname = \"app\"\n[package.metadata.migrate]\ndialect = \"oracle\"\ntable = \"drop table x\"\nlayout = \"liquibase\"\n",
        )
        .unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|d| (d.message.clone(), d.position()))
            .collect();
        assert_eq!(
            found,
            [
                ("unknown dialect `oracle`".to_string(), Some("Cargo.toml:4:11".to_string())),
                (
                    "invalid history table name `drop table x`: it may only contain letters, digits and `_`".to_string(),
                    Some("Cargo.toml:5:9".to_string())
                ),
                ("unknown layout `liquibase`".to_string(), Some("Cargo.toml:6:10".to_string())),
            ]
        );
    }

    #[test]
    fn several_dialects() {
        let config = |value: &str| {
            Config::from_manifest(&format!(
                "[package]\nname = \"app\"\n[package.metadata.migrate]\ndialect = {value}\n"
            ))
        };
        assert_eq!(
            config("[\"sqlite\", \"pg\", \"postgres\"]")
                .unwrap()
                .dialects,
            [Dialect::Sqlite, Dialect::Postgres]
        );
        assert_eq!(
            config("[\"postgres\", \"sqlite\"]").unwrap().dialect(),
            Dialect::Postgres
        );
        for (bad, message) in [
            ("[]", "no dialect given"),
            ("[\"sqlite\", \"oracle\"]", "unknown dialect `oracle`"),
            ("[\"sqlite\", 3]", "expected a dialect name, found integer"),
        ] {
            let errors = config(bad).unwrap_err();
            assert_eq!(errors[0].message, message);
            assert_eq!(errors[0].position().as_deref(), Some("Cargo.toml:4:11"));
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let errors = Config::from_manifest(
            "[package]\nname = \"app\"\n[package.metadata.migrate]\ndirectroy = \"x\"\n",
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("unknown field `directroy`"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].position().as_deref(), Some("Cargo.toml:4:1"));
    }
}
