//! Migration checksums, stable across line endings and a byte-order mark.
//!
//! Version 1, written `v1:<64 lowercase hex digits>`: SHA-256 of the file's text after removing a
//! leading UTF-8 byte-order mark and replacing every CRLF with LF. A lone CR is kept. The prefix
//! names the algorithm so that a later version can be told apart from an edited file.

use sha2::{Digest, Sha256};

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
    for byte in digest.iter() {
        out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
