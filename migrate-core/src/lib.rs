//! The rules that `migrate`'s build-time checker (`migrate-build`), its runtime
//! (`migrate-runtime`) and its command line (`migrate-cli`) share, written once: the defaults,
//! identifier validation, file naming, and positions in a migration file.
//!
//! It has no dependencies, because the runtime links it into every app.
//!
//! ```
//! use migrate_core::naming::{Kind, parse_file_name};
//!
//! let file = parse_file_name("20250301120000_add_users.up.sql")?;
//! assert_eq!((file.version, file.name.as_str(), file.kind), (20250301120000, "add_users", Kind::Up));
//! assert_eq!(migrate_core::line_col("SELECT 1;\nSELECT 2;", 10), (2, 1));
//! # Ok::<(), migrate_core::naming::NameError>(())
//! ```

#![warn(missing_docs)]

pub mod naming;
mod position;

pub use position::{
    LineIndex, POSITION_BYTES, StatementPosition, decode_positions, encode_positions, line_col,
};

/// The default migrations directory, relative to the package.
pub const DEFAULT_DIRECTORY: &str = "migrations";

/// The default name of the history table. No other migration tool uses it (sqlx uses
/// `_sqlx_migrations`, diesel `__diesel_schema_migrations`, refinery `refinery_schema_history`,
/// golang-migrate and dbmate `schema_migrations`, Flyway `flyway_schema_history`).
pub const DEFAULT_TABLE: &str = "_migrate_history";

/// The prefix of the checksums recorded in the history table: `v1:` then the SHA-256 of the up
/// file's text, in lowercase hex, after removing a leading byte-order mark and turning every CRLF
/// into LF. The prefix names the algorithm, so a later one can be told apart from an edited file.
pub const CHECKSUM_PREFIX: &str = "v1:";

/// The longest identifier PostgreSQL keeps whole, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Checks that a name (a history table, a schema) is a plain SQL identifier, safe to quote on
/// every backend: ASCII letters, digits and `_`, not starting with a digit, at most
/// [`MAX_IDENTIFIER_BYTES`] bytes. The error says what is wrong.
///
/// ```
/// assert!(migrate_core::check_identifier("_migrate_history").is_ok());
/// assert_eq!(migrate_core::check_identifier("1st"), Err("it must start with a letter or `_`"));
/// ```
pub fn check_identifier(name: &str) -> Result<(), &'static str> {
    let mut bytes = name.bytes();
    match bytes.next() {
        None => return Err("it is empty"),
        Some(b) if !(b.is_ascii_alphabetic() || b == b'_') => {
            return Err("it must start with a letter or `_`");
        }
        Some(_) => {}
    }
    if !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("it may only contain letters, digits and `_`");
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err("it is longer than 63 bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(check_identifier("_migrate_history").is_ok());
        assert!(check_identifier("History2").is_ok());
        assert!(check_identifier(&"a".repeat(63)).is_ok());
        for bad in ["", "1abc", "a\"b", "a;drop table b", "é", &"a".repeat(64)] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }
}
