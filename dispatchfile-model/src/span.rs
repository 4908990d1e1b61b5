//! Byte spans, source files and line/column positions.

use std::fmt;

/// Identifies one source text inside a [`Files`] table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
///
/// Spans are cheap `Copy` values; they resolve to 1-based line and column numbers only for display,
/// through [`Files::position`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file the offsets point into.
    pub file: FileId,
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` in `file`.
    #[must_use]
    pub fn new(file: FileId, start: u32, end: u32) -> Span {
        Span {
            file,
            start,
            end: end.max(start),
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column; the column counts Unicode scalar values, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line number, from 1.
    pub line: u32,
    /// Column number in characters, from 1.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One named source text with its line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<u32>,
    /// For every `CHECKPOINT` bytes of text: the last character boundary at or before it, and
    /// the characters before that boundary. A column costs at most `CHECKPOINT` bytes of
    /// counting however long its line is, so thousands of diagnostics on one long line (a
    /// minified JSON file) stay linear.
    char_checkpoints: Vec<(u32, u32)>,
}

/// Bytes between two entries of [`SourceFile::char_checkpoints`].
const CHECKPOINT: usize = 256;

/// The first character boundary at or after `i` (at most the text's length).
fn ceil_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The last character boundary at or before `i`.
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceFile {
    /// The file's display name (`Dispatchfile`, `<stdin>`, a module reference).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Resolves a byte offset to a line and column (clamped into the text).
    #[must_use]
    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.text.len());
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        // Offsets may fall inside a multi-byte character (for example from a lossy decoder); count
        // only the characters that start before the offset.
        let column = self.chars_before(offset) - self.chars_before(start);
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The number of characters that start before byte `offset` (at most the text's length).
    fn chars_before(&self, offset: usize) -> usize {
        // A character that starts before `offset` ends at or after the boundary above it.
        let end = ceil_boundary(&self.text, offset);
        let (from, base) = self
            .char_checkpoints
            .get(offset / CHECKPOINT)
            .map_or((0, 0), |&(at, n)| (at as usize, n as usize));
        base + self.text[from.min(end)..end].chars().count()
    }

    /// The byte range of 1-based line `line`, without its line end (empty past the last line).
    fn line_range(&self, line: u32) -> std::ops::Range<usize> {
        let index = line.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(index) else {
            return self.text.len()..self.text.len();
        };
        let start = start as usize;
        let mut end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&next| next as usize - 1);
        while end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// A piece of the line holding byte `offset`, about `before` bytes before it and `after`
    /// bytes from it, cut at character boundaries: `(text, offset of text, whether the line goes
    /// on before it, whether it goes on after it)`. Takes time in the piece's size, not the
    /// line's.
    #[must_use]
    pub fn line_piece(
        &self,
        offset: u32,
        before: usize,
        after: usize,
    ) -> (&str, usize, bool, bool) {
        let line = self.position(offset).line;
        let range = self.line_range(line);
        let at = (offset as usize).clamp(range.start, range.end);
        let from = floor_boundary(&self.text, at.saturating_sub(before).max(range.start));
        let to = ceil_boundary(&self.text, at.saturating_add(after).min(range.end));
        (
            &self.text[from..to],
            from,
            from > range.start,
            to < range.end,
        )
    }

    /// The byte offset of 1-based `line` and 1-based byte `column` (as serde_json reports
    /// positions), clamped to the line's text and moved back to a character boundary.
    #[must_use]
    pub fn offset_of(&self, line: u32, column: u32) -> u32 {
        let line = line.clamp(1, self.line_starts.len() as u32);
        let text = self.line_text(line);
        let start = self.line_starts[line as usize - 1] as usize;
        let mut at = start + (column.max(1) as usize - 1).min(text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at as u32
    }

    /// The text of 1-based line `line`, without its line end.
    #[must_use]
    pub fn line_text(&self, line: u32) -> &str {
        let range = self.line_range(line);
        &self.text[range]
    }
}

/// The table of source texts that spans point into.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    /// An empty table.
    #[must_use]
    pub fn new() -> Files {
        Files::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        let mut char_checkpoints = Vec::with_capacity(text.len() / CHECKPOINT + 1);
        let (mut at, mut chars) = (0usize, 0usize);
        for i in (0..=text.len()).step_by(CHECKPOINT) {
            let next = floor_boundary(&text, i);
            chars += text[at..next].chars().count();
            at = next;
            char_checkpoints.push((at as u32, chars as u32));
        }
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
            char_checkpoints,
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// The file behind `id`, if it exists.
    #[must_use]
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The position where `span` starts, if its file is known.
    #[must_use]
    pub fn position(&self, span: Span) -> Option<Position> {
        self.get(span.file).map(|f| f.position(span.start))
    }

    /// Every file, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let mut files = Files::new();
        let id = files.add("f", "ab\nçé: x\n");
        let span = Span::new(id, 7, 8); // the ':' after two 2-byte characters
        assert_eq!(files.position(span), Some(Position { line: 2, column: 3 }));
        assert_eq!(files.get(id).map(|f| f.line_text(2)), Some("çé: x"));
    }

    /// The column as the definition says: characters starting between the line start and the
    /// offset, counted one by one.
    #[expect(
        clippy::naive_bytecount,
        reason = "the reference counts one byte at a time on purpose"
    )]
    fn naive(text: &str, offset: usize) -> Position {
        let bytes = &text.as_bytes()[..offset.min(text.len())];
        let line_start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = bytes.iter().filter(|&&b| b == b'\n').count();
        let column = bytes[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    proptest::proptest! {
        /// Checkpoints give the same column as counting from the line start, at every offset,
        /// including offsets inside a character, on lines far longer than a checkpoint.
        #[test]
        fn checkpointed_columns_match_counting(
            pieces in proptest::collection::vec(
                proptest::prop_oneof!["a", "é", "€", "𝄞", "\n", "\r\n", "\t", "x{300}"],
                0..60,
            )
        ) {
            let text: String = pieces.concat();
            let mut files = Files::new();
            let id = files.add("f", text.clone());
            let file = files.get(id).expect("added");
            for offset in 0..=text.len() + 2 {
                proptest::prop_assert_eq!(file.position(offset as u32), naive(&text, offset), "offset {}", offset);
            }
        }
    }

    #[test]
    fn line_text_drops_the_line_end() {
        let mut files = Files::new();
        let id = files.add("f", "a\r\nbc\n\nlast");
        let file = files.get(id).expect("added");
        let lines: Vec<&str> = (1..=5).map(|n| file.line_text(n)).collect();
        assert_eq!(lines, ["a", "bc", "", "last", ""]);
    }

    #[test]
    fn a_piece_of_a_long_line_is_cut_at_character_boundaries() {
        let mut files = Files::new();
        let line = "é".repeat(1000);
        let id = files.add("f", format!("x\n{line}\ny"));
        let file = files.get(id).expect("added");
        // Byte 2 starts the long line; offset 1003 is inside a character.
        let (piece, from, before, after) = file.line_piece(1003, 10, 20);
        assert_eq!(
            (piece, from, before, after),
            (&"é".repeat(16)[..], 992, true, true)
        );
        let (piece, from, before, after) = file.line_piece(4, 10, 20);
        assert_eq!(
            (piece, from, before, after),
            (&"é".repeat(11)[..], 2, false, true)
        );
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let mut files = Files::new();
        let id = files.add("f", "a\nb");
        assert_eq!(
            files.position(Span::new(id, 99, 99)),
            Some(Position { line: 2, column: 2 })
        );
    }
}
