//! Helpers the unit tests share: a migrations directory checked as a build checks it.

use crate::{Checked, Code, Config, Dialect, check_directory};

/// Checks `files` (name, text) as a `migrations` directory, as `dialects`.
pub(crate) fn check(files: &[(&str, &str)], dialects: &[Dialect]) -> Checked {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("migrations").join(name), text).unwrap();
    }
    let config = Config {
        dialects: dialects.to_vec(),
        ..Config::default()
    };
    check_directory(dir.path(), &config)
}

/// [`check`] as SQLite.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite(files: &[(&str, &str)]) -> Checked {
    check(files, &[Dialect::Sqlite])
}

/// Code, `file:line:col` and message of every finding.
pub(crate) fn findings(checked: &Checked) -> Vec<(Code, String, String)> {
    checked
        .diagnostics
        .iter()
        .map(|d| (d.code, d.position().unwrap_or_default(), d.message.clone()))
        .collect()
}

/// Code and `file:line:col` of every finding.
pub(crate) fn codes_at(checked: &Checked) -> Vec<(Code, String)> {
    findings(checked)
        .into_iter()
        .map(|(code, at, _)| (code, at))
        .collect()
}
