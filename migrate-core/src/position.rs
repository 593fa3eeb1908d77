//! Positions in a migration file: byte offsets to lines and columns, and the statement positions
//! the build computes and the runtime reads.
//!
//! Lines are counted as sqlparser counts them: only `\n` ends a line, so a `\r` before it is the
//! last character of its line. Columns count characters, not bytes, and a leading byte-order mark
//! is not a column.

const BOM: char = '\u{feff}';

/// The 1-based line and column (in characters) of a byte offset into `text`. An offset past the
/// end is the end.
///
/// ```
/// assert_eq!(migrate_core::line_col("a\r\nbé c", 7), (2, 4));
/// assert_eq!(migrate_core::line_col("\u{feff}SELECT", 3), (1, 1));
/// ```
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = prefix(text, offset);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    (to_u32(line), column(&before[line_start..], line_start))
}

/// Where each line of a text starts, to find many positions in it without scanning it each
/// time. Gives the same answers as [`line_col`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset into the indexed `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let before = prefix(text, offset);
        let line = self.starts.partition_point(|&start| start <= before.len());
        let start = self.starts[line - 1];
        (to_u32(line), column(&before[start..], start))
    }

    /// The byte range of the 1-based `line` (without its `\n`), if the text has it.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        Some(start..end)
    }
}

/// `text` up to `offset`, clamped to the text and to a character boundary.
fn prefix(text: &str, offset: usize) -> &str {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The 1-based column after `line_before`, the part of a line before the offset, which starts at
/// byte `line_start` of the text.
fn column(line_before: &str, line_start: usize) -> u32 {
    let bom = line_start == 0 && line_before.starts_with(BOM);
    to_u32(line_before.chars().count() + 1 - usize::from(bom))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a statement is in its file: computed at build time, read by the runtime to run it and
/// to place the database's errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementPosition {
    /// Byte offset of the statement's first keyword in the file (a byte-order mark counted).
    pub start: u32,
    /// Byte offset just past its `;` (or its last token).
    pub end: u32,
    /// 1-based line of its first keyword.
    pub line: u32,
    /// 1-based column, in characters, of its first keyword.
    pub column: u32,
}

/// Bytes per statement in [`encode_positions`]' output.
pub const POSITION_BYTES: usize = 16;

/// The statement positions of a file as one byte string: `start, end, line, column` of each
/// statement as four little-endian `u32`s. Generated code embeds it as a single byte string
/// literal, which rustc compiles at once however many statements a file has.
///
/// ```
/// use migrate_core::{StatementPosition, decode_positions, encode_positions};
///
/// let positions = [StatementPosition { start: 0, end: 9, line: 1, column: 1 }];
/// let bytes = encode_positions(&positions);
/// assert_eq!(decode_positions(&bytes).collect::<Vec<_>>(), positions);
/// ```
pub fn encode_positions(positions: &[StatementPosition]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(positions.len() * POSITION_BYTES);
    for p in positions {
        for n in [p.start, p.end, p.line, p.column] {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
    }
    bytes
}

/// Reads what [`encode_positions`] wrote. Trailing bytes short of a whole position are ignored.
pub fn decode_positions(bytes: &[u8]) -> impl ExactSizeIterator<Item = StatementPosition> + '_ {
    bytes.chunks_exact(POSITION_BYTES).map(|chunk| {
        let number =
            |i: usize| u32::from_le_bytes([chunk[i], chunk[i + 1], chunk[i + 2], chunk[i + 3]]);
        StatementPosition {
            start: number(0),
            end: number(4),
            line: number(8),
            column: number(12),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_and_only_newlines() {
        let text = "CREATE TABLE é (\r\n  x INT);\n";
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 3));
        assert_eq!(line_col(text, 0), (1, 1));
        let cr = text.find('\r').unwrap();
        assert_eq!(line_col(text, cr), (1, 17));
        assert_eq!(line_col(text, text.len() + 10), (3, 1));
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}CREATE TABLE a (x INT);\nSELECT 1;";
        assert_eq!(line_col(text, 3), (1, 1));
        assert_eq!(line_col(text, text.find('a').unwrap()), (1, 14));
        assert_eq!(line_col(text, text.find("SELECT").unwrap()), (2, 1));
    }

    #[test]
    fn offsets_inside_a_character_are_its_start() {
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn the_index_agrees_with_the_scan() {
        let text = "\u{feff}a\nbé\r\n\nc";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 1 {
            assert_eq!(
                index.line_col(text, offset),
                line_col(text, offset),
                "{offset}"
            );
        }
        assert_eq!(index.line_range(text, 2), Some(5..9));
        assert_eq!(index.line_range(text, 4), Some(11..12));
        assert_eq!(index.line_range(text, 5), None);
    }

    #[test]
    fn positions_round_trip() {
        let positions = [
            StatementPosition {
                start: 3,
                end: 26,
                line: 1,
                column: 1,
            },
            StatementPosition {
                start: 28,
                end: u32::MAX,
                line: 2,
                column: 70_000,
            },
        ];
        let bytes = encode_positions(&positions);
        assert_eq!(bytes.len(), 2 * POSITION_BYTES);
        assert_eq!(&bytes[..4], &[3, 0, 0, 0]);
        assert_eq!(decode_positions(&bytes).collect::<Vec<_>>(), positions);
        assert_eq!(decode_positions(&bytes[..20]).len(), 1);
    }
}
