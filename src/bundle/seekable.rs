//! The bundle's event lines compressed in zstd's seekable format (facebook/zstd
//! `contrib/seekable_format/zstd_seekable_compression_format.md`): independent zstd frames of
//! [`LINES_PER_FRAME`] lines each (content checksums on), then a skippable frame holding the seek
//! table, so a reader that wants one event decompresses one frame, and any zstd decoder reads the
//! whole as the lines, one after another (it skips the table).
//!
//! Seek table: the skippable frame's magic 0x184D2A5E and its size (u32 each, little-endian), one
//! entry per frame (compressed size, decompressed size: u32 each), then the footer: the number of
//! frames (u32), a descriptor byte (0: entries carry no checksum) and the magic 0x8F92EAB1.

use std::io::Write;

/// Lines in a frame: one event is reached by decompressing at most this many.
pub const LINES_PER_FRAME: usize = 4096;
const LEVEL: i32 = 3;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;

/// Compresses lines (each written whole, with its newline) into frames and, at `finish`, the seek
/// table.
pub struct LinesWriter<W: Write> {
    out: W,
    pending: Vec<u8>,
    lines: usize,
    frames: Vec<(u32, u32)>,
    compressor: zstd::bulk::Compressor<'static>,
}

impl<W: Write> LinesWriter<W> {
    pub fn new(out: W) -> std::io::Result<LinesWriter<W>> {
        let mut compressor = zstd::bulk::Compressor::new(LEVEL)?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
        Ok(LinesWriter {
            out,
            pending: Vec::with_capacity(1 << 20),
            lines: 0,
            frames: Vec::new(),
            compressor,
        })
    }

    /// Adds one line (its bytes, without the newline).
    pub fn line(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.pending.extend_from_slice(line);
        self.pending.push(b'\n');
        self.lines += 1;
        // A frame's sizes are u32s in the table: a frame is cut early rather than pass 1 GB.
        if self.lines == LINES_PER_FRAME || self.pending.len() >= 1 << 30 {
            self.frame()?;
        }
        Ok(())
    }

    fn frame(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let compressed = self.compressor.compress(&self.pending)?;
        self.out.write_all(&compressed)?;
        self.frames
            .push((compressed.len() as u32, self.pending.len() as u32));
        self.pending.clear();
        self.lines = 0;
        Ok(())
    }

    /// Writes the last frame and the seek table; hands back the output.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.frame()?;
        let entries = self.frames.len() as u32;
        let mut table = Vec::with_capacity(17 + 8 * self.frames.len());
        table.extend(SKIPPABLE_MAGIC.to_le_bytes());
        table.extend((9 + 8 * entries).to_le_bytes());
        for (compressed, decompressed) in &self.frames {
            table.extend(compressed.to_le_bytes());
            table.extend(decompressed.to_le_bytes());
        }
        table.extend(entries.to_le_bytes());
        table.push(0);
        table.extend(SEEKABLE_MAGIC.to_le_bytes());
        self.out.write_all(&table)?;
        Ok(self.out)
    }
}

/// The frames of a seekable stream from its seek table (`tail`: the stream's last bytes, at
/// least the table; `len`: the stream's length): (offset, compressed size, decompressed size) of
/// each, or none when the table is not one or does not account for the stream.
pub fn frames(tail: &[u8], len: u64) -> Option<Vec<(u64, u32, u32)>> {
    let n = tail.len();
    let footer = tail.get(n.checked_sub(9)?..)?;
    let u32_at =
        |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
    if u32_at(footer, 5) != SEEKABLE_MAGIC || footer[4] != 0 {
        return None;
    }
    let count = u32_at(footer, 0) as usize;
    let table_len = 8 + 8 * count + 9;
    let table = tail.get(n.checked_sub(table_len)?..)?;
    if u32_at(table, 0) != SKIPPABLE_MAGIC || u32_at(table, 4) as usize != table_len - 8 {
        return None;
    }
    let mut at = 0u64;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let (c, d) = (u32_at(table, 8 + 8 * i), u32_at(table, 12 + 8 * i));
        out.push((at, c, d));
        at += u64::from(c);
    }
    (at == len.checked_sub(table_len as u64)?).then_some(out)
}

/// Line `index` (0-based) of a seekable stream stored at `start..start + len` of `file`, read by
/// decompressing the one frame that would hold it were every frame [`LINES_PER_FRAME`] lines; none
/// when there is no such line. A frame cut early (at 1 GiB) shifts the lines after it, so the
/// caller checks the line it gets (its leaf) and reads every line when it is not the one.
pub fn read_line<F: std::io::Read + std::io::Seek>(
    file: &mut F,
    start: u64,
    len: u64,
    index: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::SeekFrom;
    let Some(count_at) = len.checked_sub(9) else {
        return Ok(None);
    };
    let mut footer = [0u8; 9];
    file.seek(SeekFrom::Start(start + count_at))?;
    file.read_exact(&mut footer)?;
    let count = u64::from(u32::from_le_bytes(footer[..4].try_into().expect("4 bytes")));
    let table_len = 8 + 8 * count + 9;
    if table_len > len || count > 1 << 27 {
        return Ok(None);
    }
    let mut tail = vec![0u8; table_len as usize];
    file.seek(SeekFrom::Start(start + len - table_len))?;
    file.read_exact(&mut tail)?;
    let Some(table) = frames(&tail, len) else {
        return Ok(None);
    };
    let frame = (index / LINES_PER_FRAME as u64) as usize;
    let Some(&(offset, compressed, decompressed)) = table.get(frame) else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; compressed as usize];
    file.seek(SeekFrom::Start(start + offset))?;
    file.read_exact(&mut bytes)?;
    let lines = zstd::bulk::decompress(&bytes, decompressed as usize)?;
    let want = (index % LINES_PER_FRAME as u64) as usize;
    Ok(lines
        .split(|b| *b == b'\n')
        .nth(want)
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frames of a seekable file (compressed offset, compressed size, decompressed size), read
    /// from its seek table; None when the file does not end with one.
    fn frames(file: &[u8]) -> Option<Vec<(u64, u32, u32)>> {
        super::frames(file, file.len() as u64)
    }

    #[test]
    fn one_line_is_read_from_its_frame_alone_anywhere_in_a_file() {
        let lines: Vec<String> = (0..LINES_PER_FRAME * 2 + 5)
            .map(|i| format!("line {i}"))
            .collect();
        let mut w = LinesWriter::new(Vec::new()).unwrap();
        for l in &lines {
            w.line(l.as_bytes()).unwrap();
        }
        let stream = w.finish().unwrap();
        // Stored at byte 100 of a larger file, as in a bundle's zip.
        let mut file = vec![7u8; 100];
        file.extend_from_slice(&stream);
        file.extend_from_slice(&[9u8; 50]);
        let mut cursor = std::io::Cursor::new(file);
        for i in [
            0,
            1,
            LINES_PER_FRAME - 1,
            LINES_PER_FRAME,
            2 * LINES_PER_FRAME + 4,
        ] {
            let got = read_line(&mut cursor, 100, stream.len() as u64, i as u64).unwrap();
            assert_eq!(got.as_deref(), Some(lines[i].as_bytes()), "line {i}");
        }
        let past = read_line(&mut cursor, 100, stream.len() as u64, lines.len() as u64).unwrap();
        assert_eq!(past, None);
        // Not a seekable stream: none, not a wrong line.
        assert_eq!(read_line(&mut cursor, 0, 90, 0).unwrap(), None);
    }

    #[test]
    fn lines_compress_into_frames_any_zstd_decoder_reads_whole_and_the_table_finds_each() {
        let lines: Vec<String> = (0..LINES_PER_FRAME * 2 + 5)
            .map(|i| format!("{{\"seq\":{i},\"event_id\":\"e{i}\"}}"))
            .collect();
        let mut w = LinesWriter::new(Vec::new()).unwrap();
        for l in &lines {
            w.line(l.as_bytes()).unwrap();
        }
        let file = w.finish().unwrap();
        let whole: String = lines.iter().map(|l| format!("{l}\n")).collect();
        // Any decoder: the frames one after another, the table skipped.
        assert_eq!(zstd::decode_all(&file[..]).unwrap(), whole.as_bytes());
        // The table: three frames, 4096, 4096 and 5 lines, one after another from byte 0.
        let table = frames(&file).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table[0].0, 0);
        let third = &table[2];
        let bytes = &file[third.0 as usize..third.0 as usize + third.1 as usize];
        let text = String::from_utf8(zstd::decode_all(bytes).unwrap()).unwrap();
        assert_eq!(text.lines().count(), 5);
        assert_eq!(text.lines().next().unwrap(), lines[LINES_PER_FRAME * 2]);
        assert_eq!(third.2 as usize, text.len());
        // A frame's content checksum is on (zstd's frame header descriptor, bit 2).
        assert_eq!(file[4] & 0b100, 0b100);
        // Something else is not a seekable file.
        assert!(frames(&zstd::encode_all(whole.as_bytes(), 3).unwrap()).is_none());
        assert!(frames(b"").is_none());
    }
}
