//! The library half of the `migrate` command line: what the binary and the benchmarks share.
//!
//! - [`load`]: a checked migration set as the runtime's values, built at run time from the same
//!   compiler output the `migrations!()` macro embeds at compile time, so the CLI and
//!   `cargo build` run exactly the same statements.
//! - [`DatabaseUrl`]: the database URLs the CLI takes, and their display with the password hidden.

#![warn(missing_docs)]

use std::fmt;
use std::path::PathBuf;

use migrate_build::Checked;
use migrate_runtime::{Migration, Migrations, Predecessor, Script};

/// The migrations of a [`Checked`] set as runtime values, made the way the macro's generated code
/// makes them. They live as long as the program (a command line makes one set).
///
/// Refused for a set with errors: the statements of a broken file are not known.
pub fn load(checked: &Checked) -> Result<&'static Migrations, String> {
    if checked.has_errors() {
        return Err("the migrations have errors".to_owned());
    }
    Ok(load_listing(checked))
}

/// The migrations of a set whose files could be read and paired, even when some have errors:
/// their names, versions and checksums are right, so enough to show states, never to run.
pub fn load_listing(checked: &Checked) -> &'static Migrations {
    fn script(script: &migrate_build::Script) -> Script {
        Script::__new(
            leak(&script.source.display),
            leak(&script.source.raw()),
            script.transaction,
            script.foreign_keys_off,
            Box::leak(script.statement_positions().into_boxed_slice()),
        )
    }
    let list: Vec<&'static Migration> = checked
        .migrations
        .iter()
        .map(|m| {
            let mut migration = Migration::__new(
                m.version,
                leak(&m.name),
                leak(&m.checksum),
                script(&m.up),
                m.down.as_ref().map(script),
            );
            if let Some(reason) = &m.up.irreversible {
                migration = migration.__irreversible(leak(reason));
            }
            if let Some(version) = &m.recorded_version {
                migration = migration.__recorded_version(leak(version));
            }
            if let Some(checksum) = &m.recorded_checksum {
                migration = migration.__recorded_checksum(leak(checksum));
            }
            &*Box::leak(Box::new(migration))
        })
        .collect();
    let mut set = Migrations::__new(
        leak(&checked.config.table),
        Box::leak(list.into_boxed_slice()),
    );
    if let Some(predecessor) = Predecessor::from_name(checked.config.layout.as_str()) {
        set = set.__after(predecessor);
    }
    Box::leak(Box::new(set))
}

/// A set with no migrations, recorded in `table`: for what only reads and writes the history.
pub fn empty_set(table: &str) -> &'static Migrations {
    Box::leak(Box::new(Migrations::__new(leak(table), &[])))
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// A database the CLI works on.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite:path`, `sqlite://path`, `sqlite:///absolute/path`, optionally with
    /// `?mode=ro` (read only), `?mode=rw` or `?mode=rwc`.
    Sqlite {
        /// The file.
        path: PathBuf,
        /// `?mode=ro`: nothing may write to it.
        read_only: bool,
    },
    /// A PostgreSQL server: `postgres://` or `postgresql://`.
    Postgres {
        /// The URL as given.
        url: String,
        /// The secrets in it (the password, wherever it is written), to hide wherever text
        /// derived from the URL is shown.
        secrets: Vec<String>,
    },
}

impl DatabaseUrl {
    /// Reads a URL. The error never contains the password.
    ///
    /// ```
    /// use migrate_cli::DatabaseUrl;
    /// let sqlite = DatabaseUrl::parse("sqlite://app.db?mode=rwc")?;
    /// assert_eq!(sqlite, DatabaseUrl::Sqlite { path: "app.db".into(), read_only: false });
    /// let pg = DatabaseUrl::parse("postgres://app:s3cret@db:5432/app")?;
    /// assert_eq!(pg.to_string(), "postgres://app:***@db:5432/app");
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() {
                return Err(
                    "the SQLite URL has no file path: write `sqlite:path/to/app.db`".into(),
                );
            }
            let mut read_only = false;
            for parameter in query.split('&').filter(|p| !p.is_empty()) {
                match parameter {
                    "mode=ro" => read_only = true,
                    "mode=rw" | "mode=rwc" => {}
                    other => {
                        return Err(format!(
                            "unsupported SQLite URL parameter `{other}`: the only one is `mode` \
                             (`ro`, `rw` or `rwc`)"
                        ));
                    }
                }
            }
            return Ok(DatabaseUrl::Sqlite {
                path: PathBuf::from(path),
                read_only,
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: url.to_owned(),
                secrets: secrets(url),
            });
        }
        let shown = redact_url(url);
        Err(format!(
            "unsupported database URL `{shown}`: use `sqlite:path/to/app.db`, \
             `sqlite://path/to/app.db` or `postgres://user@host/database`"
        ))
    }

    /// Hides this URL's secrets in `text`, which was derived from the URL (a driver's message
    /// about it, a host name it parsed out of it).
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        if let DatabaseUrl::Postgres { secrets, .. } = self {
            for secret in secrets {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    }
}

impl fmt::Display for DatabaseUrl {
    /// The URL with its password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path, .. } => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres { url, .. } => f.write_str(&redact_url(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Where the password of `scheme://user:password@host/...` is: from the first `:` after the
/// scheme to the last `@` of the URL. Unescaped `/`, `?` or `@` in a password are common (made
/// by a generator, pasted from a console), and belong to it whichever way a driver reads them.
fn password_range(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let at = start + url[start..].rfind('@')?;
    let colon = start + url[start..at].find(':')?;
    Some(colon + 1..at)
}

/// The values of `password=` and `sslpassword=` query parameters, as ranges.
fn parameter_secrets(url: &str) -> Vec<std::ops::Range<usize>> {
    let Some(query) = url.find('?') else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    let mut offset = query + 1;
    for parameter in url[query + 1..].split('&') {
        if let Some((key, _)) = parameter.split_once('=')
            && matches!(key.trim(), "password" | "sslpassword")
        {
            let value = offset + key.len() + 1;
            ranges.push(value..offset + parameter.len());
        }
        offset += parameter.len() + 1;
    }
    ranges
}

/// The secrets of a URL: its password (and, when the password has `@`s, which a driver may read
/// as the end of it, each part), and its password parameters.
fn secrets(url: &str) -> Vec<String> {
    let mut secrets: Vec<String> = Vec::new();
    let ranges = password_range(url)
        .into_iter()
        .chain(parameter_secrets(url));
    for range in ranges {
        let password = url[range].to_owned();
        if password.is_empty() {
            continue;
        }
        secrets.extend(
            password
                .split('@')
                .filter(|part| part.len() >= 3 && *part != password)
                .map(str::to_owned),
        );
        secrets.push(password);
    }
    // Longest first, so a part never spoils the replacement of the whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// `url` with its password and password parameters replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut ranges: Vec<_> = password_range(url)
        .into_iter()
        .chain(parameter_secrets(url))
        .filter(|r| !r.is_empty())
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.start));
    let mut shown = url.to_owned();
    for range in ranges {
        shown.replace_range(range, "***");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        for (url, path, read_only) in [
            ("sqlite:app.db", "app.db", false),
            ("sqlite://data/app.db", "data/app.db", false),
            ("sqlite:///var/lib/app.db", "/var/lib/app.db", false),
            ("sqlite://app.db?mode=rwc", "app.db", false),
            ("sqlite:app.db?mode=ro", "app.db", true),
        ] {
            let expected = DatabaseUrl::Sqlite {
                path: path.into(),
                read_only,
            };
            assert_eq!(DatabaseUrl::parse(url), Ok(expected), "{url}");
        }
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite:app.db?cache=shared").is_err());
    }

    #[test]
    fn passwords_never_show() {
        for (url, secret) in [
            (
                "postgres://app:pa:ss@w0rd@db.internal:5432/app",
                "pa:ss@w0rd",
            ),
            (
                "postgresql://app:ab/cd?e@db.internal/app?sslmode=disable",
                "ab/cd?e",
            ),
            (
                "postgres://app@db.internal/app?sslpassword=k3y&password=pa55",
                "pa55",
            ),
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains(secret), "{shown}");
            assert!(
                shown.contains("***") && shown.contains("db.internal"),
                "{shown}"
            );
            let parsed = DatabaseUrl::parse(url).unwrap();
            assert_eq!(parsed.to_string(), shown);
            assert!(
                !parsed
                    .redact(&format!("driver says: {secret}"))
                    .contains(secret)
            );
        }
        assert_eq!(
            redact_url("postgres://app@db/app?sslpassword=k3y&password=pa55"),
            "postgres://app@db/app?sslpassword=***&password=***"
        );
        // A driver that reads the first `@` as the end of the password takes the rest for the
        // host: that part is hidden too.
        let odd = DatabaseUrl::parse("postgres://u:p@ssw0rd@h/d").unwrap();
        assert_eq!(
            odd.redact("cannot connect to ssw0rd@h"),
            "cannot connect to ***@h"
        );
        let error = DatabaseUrl::parse("mysql://u:hunter2@h/d").unwrap_err();
        assert!(
            !error.contains("hunter2") && error.contains("mysql://u:***@h/d"),
            "{error}"
        );
        assert_eq!(redact_url("postgres://app@db/app"), "postgres://app@db/app");
    }
}
