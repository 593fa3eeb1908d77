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
use migrate_runtime::{Migration, Migrations, Script};

/// The migrations of a [`Checked`] set as runtime values, made the way the macro's generated code
/// makes them. They live as long as the program (a command line makes one set).
///
/// Call it only on a set without errors: the statements of a broken file are not known.
pub fn load(checked: &Checked) -> Result<&'static Migrations, String> {
    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }
    fn script(script: &migrate_build::Script) -> Script {
        // The file as `include_str!` reads it: the byte-order mark the positions count.
        let sql = if script.source.bom_len > 0 {
            format!("\u{feff}{}", script.source.text)
        } else {
            script.source.text.to_string()
        };
        Script::__new(
            leak(&script.source.display),
            leak(&sql),
            script.transaction,
            script.foreign_keys_off,
            Box::leak(script.statement_positions().into_boxed_slice()),
        )
    }
    if checked.has_errors() {
        return Err("the migrations have errors".to_owned());
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
            &*Box::leak(Box::new(migration))
        })
        .collect();
    Ok(Box::leak(Box::new(Migrations::__new(
        leak(&checked.config.table),
        Box::leak(list.into_boxed_slice()),
    ))))
}

/// A database the CLI works on.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file: `sqlite:path`, `sqlite://path`, `sqlite:///absolute/path`.
    Sqlite(PathBuf),
    /// A PostgreSQL server: `postgres://` or `postgresql://`.
    Postgres {
        /// The URL as given.
        url: String,
        /// Its password, if it has one, to hide wherever text is shown.
        password: Option<String>,
    },
}

impl DatabaseUrl {
    /// Reads a URL. The error never contains the password.
    ///
    /// ```
    /// use migrate_cli::DatabaseUrl;
    /// assert_eq!(DatabaseUrl::parse("sqlite://app.db?mode=rwc")?, DatabaseUrl::Sqlite("app.db".into()));
    /// let pg = DatabaseUrl::parse("postgres://app:s3cret@db:5432/app")?;
    /// assert_eq!(pg.to_string(), "postgres://app:***@db:5432/app");
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            if path.is_empty() {
                return Err(
                    "the SQLite URL has no file path: write `sqlite:path/to/app.db`".into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: url.to_owned(),
                password: password(url),
            });
        }
        let shown = redact_url(url);
        Err(format!(
            "unsupported database URL `{shown}`: use `sqlite:path/to/app.db`, \
             `sqlite://path/to/app.db` or `postgres://user@host/database`"
        ))
    }

    /// Hides this URL's password in `text`.
    pub fn redact(&self, text: &str) -> String {
        match self {
            DatabaseUrl::Postgres {
                password: Some(password),
                ..
            } if !password.is_empty() => text.replace(password.as_str(), "***"),
            _ => text.to_owned(),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    /// The URL with its password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres { url, .. } => f.write_str(&redact_url(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// The user-info part of a URL, `user:password` in `scheme://user:password@host/...`.
fn user_info(url: &str) -> Option<(usize, &str)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let at = authority.rfind('@')?;
    Some((start, &authority[..at]))
}

fn password(url: &str) -> Option<String> {
    if let Some((_, info)) = user_info(url)
        && let Some((_, password)) = info.split_once(':')
    {
        return Some(password.to_owned());
    }
    let value = &url[url.find("password=")? + "password=".len()..];
    Some(value.split('&').next().unwrap_or(value).to_owned())
}

/// `url` with the password in its user info replaced by `***`; a `password=` parameter too.
pub fn redact_url(url: &str) -> String {
    let mut shown = match user_info(url) {
        Some((start, info)) => match info.split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..start], &url[start + info.len()..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    if let Some(i) = shown.find("password=") {
        let value = i + "password=".len();
        let end = shown[value..].find('&').map_or(shown.len(), |e| value + e);
        shown.replace_range(value..end, "***");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        for (url, path) in [
            ("sqlite:app.db", "app.db"),
            ("sqlite://data/app.db", "data/app.db"),
            ("sqlite:///var/lib/app.db", "/var/lib/app.db"),
            ("sqlite://app.db?mode=rwc", "app.db"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url),
                Ok(DatabaseUrl::Sqlite(path.into())),
                "{url}"
            );
        }
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_never_show() {
        for url in [
            "postgres://app:pa:ss@w0rd@db.internal:5432/app",
            "postgresql://app:pa:ss@w0rd@db.internal/app?sslmode=disable",
            "postgres://app@db.internal/app?password=pa:ss@w0rd&sslmode=disable",
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains("pa:ss@w0rd"), "{shown}");
            assert!(
                shown.contains("***") && shown.contains("db.internal"),
                "{shown}"
            );
        }
        let pg = DatabaseUrl::parse("postgres://u:hunter2@h/d").unwrap();
        assert_eq!(
            pg.redact("password hunter2 was wrong"),
            "password *** was wrong"
        );
        let error = DatabaseUrl::parse("mysql://u:hunter2@h/d").unwrap_err();
        assert!(
            !error.contains("hunter2") && error.contains("mysql://u:***@h/d"),
            "{error}"
        );
    }
}
