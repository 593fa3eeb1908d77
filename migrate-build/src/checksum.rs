//! Migration checksums, stable across line endings and a byte-order mark.
//!
//! Version 1, written `v1:<64 lowercase hex digits>`: SHA-256 of the file's text after removing a
//! leading UTF-8 byte-order mark and replacing every CRLF with LF. A lone CR is kept. The prefix
//! names the algorithm so that a later version can be told apart from an edited file.

use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256, Sha384};
use siphasher::sip::SipHasher13;

pub use migrate_core::CHECKSUM_PREFIX;

/// The version-1 checksum of a migration's text.
pub fn checksum(raw: &str) -> String {
    let text = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut hasher = Sha256::new();
    let mut rest = text;
    while let Some(i) = rest.find("\r\n") {
        hasher.update(&rest.as_bytes()[..i]);
        rest = &rest[i + 1..];
    }
    hasher.update(rest.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(CHECKSUM_PREFIX.len() + 64);
    out.push_str(CHECKSUM_PREFIX);
    push_hex(&mut out, &digest);
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for byte in bytes {
        out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
}

/// sqlx's checksum of a migration file, as `_sqlx_migrations` records it (a `BYTEA`/`BLOB`),
/// in lowercase hex: the SHA-384 of the file exactly as it is, byte-order mark and line endings
/// included.
pub fn sqlx(raw: &str) -> String {
    let mut out = String::with_capacity(96);
    push_hex(&mut out, &Sha384::digest(raw.as_bytes()));
    out
}

/// refinery's checksum of a migration file, as `refinery_schema_history` records it: SipHash-1-3
/// (keys zero) of the name (the word characters after `V<version>__`), the version and the SQL,
/// each hashed as Rust's `Hash` hashes a string and an integer. The version is an `i32` unless
/// refinery's `int8-versions` feature makes it an `i64`, so both are given, separated by a
/// space (the first left out for a version too large for an `i32`).
pub fn refinery(name: &str, version: i64, raw: &str) -> String {
    fn hash(name: &str, version: impl Hash, raw: &str) -> u64 {
        let mut hasher = SipHasher13::new();
        name.hash(&mut hasher);
        version.hash(&mut hasher);
        raw.hash(&mut hasher);
        hasher.finish()
    }
    let wide = hash(name, version, raw);
    match i32::try_from(version) {
        Ok(narrow) => format!("{} {wide}", hash(name, narrow, raw)),
        Err(_) => wide.to_string(),
    }
}

/// Flyway's checksum of a migration file, as `flyway_schema_history` records it: the CRC-32 of
/// its lines' UTF-8 bytes without their line breaks (`\n`, `\r\n` or `\r`) and without a
/// leading byte-order mark, as a signed 32-bit integer.
pub fn flyway(raw: &str) -> String {
    let text = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut hasher = crc32fast::Hasher::new();
    for line in text.split(['\n', '\r']) {
        hasher.update(line.as_bytes());
    }
    // Java's `(int) crc.getValue()`: the same bits, read as signed.
    (hasher.finalize() as i32).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Computed independently: `sha384sum`; Java's `BufferedReader.readLine` and
    // `java.util.zip.CRC32` as Flyway reads a file (the first line's byte-order mark removed);
    // refinery's read back from the table refinery 0.10's runner wrote for this file. The peer
    // benchmark's `--takeover` checks all three against the tools again.
    #[test]
    fn other_tools_checksums() {
        assert_eq!(
            sqlx("CREATE TABLE a (id INTEGER PRIMARY KEY);\n"),
            "d68f57d137725bffa4ff18085a34a255a03102fa3523869019dd3aafc1f407973bce2e1ed489a6bb8ab20e2714bdbaf1"
        );
        assert_eq!(
            flyway("CREATE TABLE a (id INTEGER PRIMARY KEY);\r\n"),
            "-787013892"
        );
        assert_eq!(
            flyway("\u{feff}CREATE TABLE a (x INT);\r\n\r\nSELECT 1;\rSELECT 2;\n"),
            "-493344406"
        );
        // Line endings do not count for Flyway; they do for sqlx.
        assert_eq!(
            flyway("SELECT 1;\nSELECT 2;"),
            flyway("SELECT 1;\r\nSELECT 2;\r\n")
        );
        assert_ne!(sqlx("SELECT 1;\n"), sqlx("SELECT 1;\r\n"));
        assert_eq!(
            refinery("create_a", 1, "CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
                .split(' ')
                .next(),
            Some("13520557463068773899")
        );
        // Two values, for refinery's 32-bit and 64-bit versions, which hash differently; one
        // past what 32 bits hold.
        let both: Vec<String> = refinery("create_a", 1, "SELECT 1;")
            .split(' ')
            .map(str::to_owned)
            .collect();
        assert_eq!(both.len(), 2);
        assert_ne!(both[0], both[1]);
        assert!(both.iter().all(|c| c.parse::<u64>().is_ok()), "{both:?}");
        assert!(!refinery("create_a", 1 << 40, "SELECT 1;").contains(' '));
        assert_ne!(
            refinery("create_a", 1, "SELECT 1;"),
            refinery("create_b", 1, "SELECT 1;")
        );
    }

    // Pinned values: changing them breaks every database that recorded a checksum. Computed
    // independently with `printf '...' | sha256sum`.
    #[test]
    fn pinned_values() {
        assert_eq!(
            checksum("SELECT 1;\n"),
            "v1:b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd"
        );
        assert_eq!(
            checksum("\u{feff}CREATE TABLE a (x INT);\r\nSELECT 1;\r\n"),
            "v1:e416a358dc9ee3e5db04c229ab1647cbf3cc59b546118633cb059d4cdf556fe1"
        );
        assert_eq!(
            checksum(""),
            "v1:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn line_endings_and_bom_do_not_change_the_checksum() {
        let lf = checksum("CREATE TABLE a (x INT);\nSELECT 1;\n");
        assert_eq!(checksum("CREATE TABLE a (x INT);\r\nSELECT 1;\r\n"), lf);
        assert_eq!(
            checksum("\u{feff}CREATE TABLE a (x INT);\r\nSELECT 1;\n"),
            lf
        );
    }

    #[test]
    fn content_changes_do() {
        assert_ne!(checksum("SELECT 1;\n"), checksum("SELECT 2;\n"));
        assert_ne!(checksum("SELECT 1;\n"), checksum("SELECT 1;\r"));
    }

    proptest! {
        #[test]
        fn crlf_and_lf_agree(lines in proptest::collection::vec("[^\r\n]{0,20}", 0..8)) {
            prop_assert_eq!(checksum(&lines.join("\r\n")), checksum(&lines.join("\n")));
        }
    }
}
