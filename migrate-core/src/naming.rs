//! Migration file names: `<version>_<name>.up.sql` with an optional `<version>_<name>.down.sql`,
//! or `<version>_<name>.sql` for an up-only migration. `<version>` is a positive integer (a
//! `YYYYMMDDHHMMSS` timestamp or a sequence number, leading zeros allowed); `<name>` is lowercase
//! words of ASCII letters and digits joined by `_`.

use std::fmt;

/// The naming rules in one sentence, for messages.
pub const NAMING: &str = "migrations are named `<version>_<name>.up.sql` with an optional \
     `<version>_<name>.down.sql`, or `<version>_<name>.sql` for an up-only migration; `<version>` \
     is a positive integer and `<name>` is lowercase words joined by `_`";

/// Which file of a migration a name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `<version>_<name>.up.sql`
    Up,
    /// `<version>_<name>.sql`
    UpOnly,
    /// `<version>_<name>.down.sql`
    Down,
}

impl Kind {
    /// The end of the file name: `.up.sql`, `.sql` or `.down.sql`.
    pub const fn suffix(self) -> &'static str {
        match self {
            Kind::Up => ".up.sql",
            Kind::UpOnly => ".sql",
            Kind::Down => ".down.sql",
        }
    }
}

/// A valid migration file name, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    /// The version as a number.
    pub version: i64,
    /// The version as written (leading zeros kept).
    pub version_text: String,
    /// The name part.
    pub name: String,
    /// Up, up-only or down.
    pub kind: Kind,
}

impl FileName {
    /// The file name of this migration's file of `kind`.
    ///
    /// ```
    /// # use migrate_core::naming::{Kind, parse_file_name};
    /// let up = parse_file_name("007_add_users.up.sql")?;
    /// assert_eq!(up.with_kind(Kind::Down), "007_add_users.down.sql");
    /// # Ok::<(), migrate_core::naming::NameError>(())
    /// ```
    pub fn with_kind(&self, kind: Kind) -> String {
        format!("{}_{}{}", self.version_text, self.name, kind.suffix())
    }
}

/// Why a file name is not a migration's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// The file name.
    pub file: String,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// It does not end in `.sql` in any case: not a migration at all.
    NotSql,
    /// It ends in `.SQL` or another case of it.
    SuffixCase,
    /// It does not start with digits and `_`.
    NoVersion,
    /// Nothing follows the version.
    NoName(Kind),
    /// The version is 0.
    VersionZero,
    /// The version does not fit in an `i64`.
    VersionTooLarge,
    /// The name is not lowercase words joined by `_`.
    BadName,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = &self.file;
        match self.problem {
            Problem::NotSql => write!(
                f,
                "`{file}` is not a migration: it is not a `.sql` file, so it is never run"
            ),
            Problem::SuffixCase => write!(f, "`{file}` must end in `.sql`, in lowercase"),
            Problem::NoVersion => write!(f, "`{file}` does not start with a version number"),
            Problem::NoName(_) => write!(f, "`{file}` has no name after its version"),
            Problem::VersionZero => write!(f, "`{file}` has version 0; versions start at 1"),
            Problem::VersionTooLarge => write!(
                f,
                "the version of `{file}` is too large (the largest is {})",
                i64::MAX
            ),
            Problem::BadName => write!(
                f,
                "`{file}`: a migration name is lowercase words joined by `_`"
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// Parses a file name by the naming rules.
pub fn parse_file_name(file: &str) -> Result<FileName, NameError> {
    let error = |problem| {
        Err(NameError {
            file: file.to_owned(),
            problem,
        })
    };
    let Some(stem) = file.strip_suffix(".sql") else {
        if file.to_ascii_lowercase().ends_with(".sql") {
            return error(Problem::SuffixCase);
        }
        return error(Problem::NotSql);
    };
    let (stem, kind) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Kind::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Kind::Down)
    } else {
        (stem, Kind::UpOnly)
    };
    let (version_text, name) = stem.split_once('_').unwrap_or((stem, ""));
    if version_text.is_empty() || !version_text.bytes().all(|b| b.is_ascii_digit()) {
        return error(Problem::NoVersion);
    }
    if name.is_empty() {
        return error(Problem::NoName(kind));
    }
    let version = match version_text.parse::<i64>() {
        Ok(0) => return error(Problem::VersionZero),
        Ok(v) => v,
        Err(_) => return error(Problem::VersionTooLarge),
    };
    if !is_valid_name(name) {
        return error(Problem::BadName);
    }
    Ok(FileName {
        version,
        version_text: version_text.to_owned(),
        name: name.to_owned(),
        kind,
    })
}

/// Whether `name` is a valid migration name: lowercase words of ASCII letters and digits joined
/// by single `_`s.
pub fn is_valid_name(name: &str) -> bool {
    name.split('_').all(|word| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A name in the form the rules want: lowercase words joined by `_`, split at every character
/// that is not an ASCII letter or digit and between the words of `CamelCase`. Empty if nothing is
/// left.
///
/// ```
/// use migrate_core::naming::normalize_name;
/// assert_eq!(normalize_name("AddComments"), "add_comments");
/// assert_eq!(normalize_name("add users table!"), "add_users_table");
/// assert_eq!(normalize_name("HTTPServer2"), "http_server2");
/// ```
pub fn normalize_name(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0
                && c.is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || chars.get(i + 1).is_some_and(char::is_ascii_lowercase)
                        && chars[i - 1].is_ascii_uppercase());
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words.join("_")
}

/// The valid migration file name closest to `file`, in one step: the suffix in lowercase, the
/// version in digits only, the name normalised ([`normalize_name`]). `None` if no valid name can
/// be made from it (no version digits, no name).
///
/// ```
/// use migrate_core::naming::suggest_file_name;
/// assert_eq!(suggest_file_name("2024-01-02_AddUsers.UP.SQL").as_deref(), Some("20240102_add_users.up.sql"));
/// assert_eq!(suggest_file_name("add_users.sql"), None);
/// ```
pub fn suggest_file_name(file: &str) -> Option<String> {
    let lower = file.to_ascii_lowercase();
    let suffix = [".up.sql", ".down.sql", ".sql"]
        .into_iter()
        .find(|s| lower.ends_with(s))?;
    let stem = &file[..file.len() - suffix.len()];
    let (version, name) = stem.split_once('_')?;
    if !version.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let digits: String = version.chars().filter(char::is_ascii_digit).collect();
    let name = normalize_name(name);
    let valid = digits.parse::<i64>().is_ok_and(|v| v > 0) && is_valid_name(&name);
    valid.then(|| format!("{digits}_{name}{suffix}"))
}

/// A Flyway version as Flyway compares versions: its numbers (separated by `.` or `_`) without
/// leading zeros, trailing zero parts dropped, joined by `.`. `1_2`, `1.02` and `1.2.0` are all
/// `1.2`: one version to Flyway, whichever of those texts it recorded. `None` if `text` is not
/// numbers so separated.
///
/// ```
/// use migrate_core::naming::flyway_version;
///
/// assert_eq!(flyway_version("001_2_0").as_deref(), Some("1.2"));
/// assert_eq!(flyway_version("1.x"), None);
/// ```
pub fn flyway_version(text: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in text.split(['.', '_']) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = part.trim_start_matches('0');
        parts.push(if digits.is_empty() { "0" } else { digits });
    }
    while parts.len() > 1 && parts.last() == Some(&"0") {
        parts.pop();
    }
    Some(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(file: &str) -> Problem {
        parse_file_name(file).unwrap_err().problem
    }

    #[test]
    fn valid_names() {
        let up = parse_file_name("0001_create_users.up.sql").unwrap();
        assert_eq!(
            (up.version, up.version_text.as_str(), up.kind),
            (1, "0001", Kind::Up)
        );
        assert_eq!(parse_file_name("2_a1_b.sql").unwrap().kind, Kind::UpOnly);
        assert_eq!(parse_file_name("2_a.down.sql").unwrap().kind, Kind::Down);
    }

    #[test]
    fn each_problem_is_told_apart() {
        assert_eq!(problem("README.md"), Problem::NotSql);
        assert_eq!(problem("1_a.SQL"), Problem::SuffixCase);
        assert_eq!(problem("v1_a.sql"), Problem::NoVersion);
        assert_eq!(problem("_a.sql"), Problem::NoVersion);
        assert_eq!(problem("1.up.sql"), Problem::NoName(Kind::Up));
        assert_eq!(problem("0_a.sql"), Problem::VersionZero);
        assert_eq!(
            problem("99999999999999999999_a.sql"),
            Problem::VersionTooLarge
        );
        for bad in ["1_A.sql", "1_a__b.sql", "1_a-b.sql", "1_a_.sql", "1_é.sql"] {
            assert_eq!(problem(bad), Problem::BadName, "{bad}");
        }
    }

    #[test]
    fn normalised_names_are_valid_or_empty() {
        for raw in [
            "Add Users",
            "  x  ",
            "a--b",
            "ÉtéAdd",
            "__",
            "MyHTTPThing",
            "v2Api",
        ] {
            let name = normalize_name(raw);
            assert!(name.is_empty() || is_valid_name(&name), "{raw} -> {name}");
        }
        assert_eq!(normalize_name("--"), "");
        assert_eq!(normalize_name("MyHTTPThing"), "my_http_thing");
    }

    #[test]
    fn suggestions_parse() {
        for file in [
            "1_Add-Users.sql",
            "20240101_AddComments.UP.SQL",
            "2018-04-22-151330_Create__User.down.sql",
            "3_v2Migration.sql",
            "4_a.Down.Sql",
            "1_Add Users.DOWN.SQL",
        ] {
            let fixed = suggest_file_name(file).unwrap();
            assert!(parse_file_name(&fixed).is_ok(), "{file} -> {fixed}");
            assert_eq!(suggest_file_name(&fixed).as_deref(), Some(fixed.as_str()));
        }
        assert_eq!(suggest_file_name("V1__init.sql"), None);
    }
}
