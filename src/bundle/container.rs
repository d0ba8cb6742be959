//! The bundle's zip, written canonically so that `verify` can rebuild every byte of it that is not
//! an entry's content and compare: a bundle that differs from what was signed anywhere in the file
//! (a header's date, an attribute, an extra field, a comment, bytes between entries or after the
//! end) is named, not only one whose contents differ.
//!
//! The canonical container (`zip-canonical/1`, the manifest's `container`), all integers
//! little-endian, per PKWARE's APPNOTE 6.3:
//!
//! - entries in the manifest's order of files, then `manifest.json`, then `signature.json` when
//!   signed, each a local header directly followed by its content, nothing between or after;
//! - every entry STORED (method 0: the content is the file's bytes, so nothing depends on a
//!   compressor's version), flags 0x0800 (names are UTF-8), date 1980-01-01 00:00 (DOS date
//!   0x0021, time 0), version needed 4.5;
//! - every entry in ZIP64 form (an entry's size is not known when its header is written): the
//!   local header's sizes 0xFFFFFFFF and a ZIP64 extra field (0x0001) holding both sizes; the
//!   central header's sizes and offset 0xFFFFFFFF and a ZIP64 extra holding the three; made by
//!   Unix 4.5, external attributes 0x81A40000 (a regular file, rw-r--r--), no comment;
//! - a ZIP64 end of central directory record, its locator, and an end of central directory
//!   record whose counts, size and offset are 0xFFFF / 0xFFFFFFFF (see ZIP64) and no comment.

use std::io::{Seek, SeekFrom, Write};

/// The manifest's `container` for a bundle written this way.
pub const CANONICAL: &str = "zip-canonical/1";

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
const END: u32 = 0x0605_4b50;
const NEEDED: u16 = 45;
const MADE_BY: u16 = (3 << 8) | 45;
const UTF8_NAMES: u16 = 0x0800;
const DOS_DATE_1980_01_01: u16 = 0x0021;
const REGULAR_FILE_0644: u32 = 0x81A4_0000;
const ZIP64_EXTRA: u16 = 0x0001;
const FFFF: u16 = 0xFFFF;
const FFFFFFFF: u32 = 0xFFFF_FFFF;

/// One entry: where its local header starts, its name, its content's CRC-32 and size.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub offset: u64,
    pub crc32: u32,
    pub size: u64,
}

/// Where each byte of a local header lies, to name what differs.
const LOCAL_FIELDS: [(usize, &str); 12] = [
    (0, "signature"),
    (4, "version needed"),
    (6, "flags"),
    (8, "compression method"),
    (10, "modification time"),
    (12, "modification date"),
    (14, "CRC-32"),
    (18, "compressed size"),
    (22, "size"),
    (26, "name length"),
    (28, "extra field length"),
    (30, "name or extra field"),
];

const CENTRAL_FIELDS: [(usize, &str); 18] = [
    (0, "signature"),
    (4, "version made by"),
    (6, "version needed"),
    (8, "flags"),
    (10, "compression method"),
    (12, "modification time"),
    (14, "modification date"),
    (16, "CRC-32"),
    (20, "compressed size"),
    (24, "size"),
    (28, "name length"),
    (30, "extra field length"),
    (32, "comment length"),
    (34, "disk number"),
    (36, "internal attributes"),
    (38, "external attributes"),
    (42, "local header offset"),
    (46, "name or extra field"),
];

/// The field at `at` bytes into a structure laid out as `fields`.
fn field_at(fields: &[(usize, &'static str)], at: usize) -> &'static str {
    fields
        .iter()
        .rev()
        .find(|(start, _)| *start <= at)
        .map_or("start", |(_, name)| name)
}

/// A local header's canonical bytes.
fn local_header(name: &str, crc32: u32, size: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(50 + name.len());
    h.extend(LOCAL.to_le_bytes());
    h.extend(NEEDED.to_le_bytes());
    h.extend(UTF8_NAMES.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(DOS_DATE_1980_01_01.to_le_bytes());
    h.extend(crc32.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend((name.len() as u16).to_le_bytes());
    h.extend(20u16.to_le_bytes());
    h.extend(name.as_bytes());
    h.extend(ZIP64_EXTRA.to_le_bytes());
    h.extend(16u16.to_le_bytes());
    h.extend(size.to_le_bytes());
    h.extend(size.to_le_bytes());
    h
}

/// A central directory header's canonical bytes.
fn central_header(e: &Entry) -> Vec<u8> {
    let mut h = Vec::with_capacity(74 + e.name.len());
    h.extend(CENTRAL.to_le_bytes());
    h.extend(MADE_BY.to_le_bytes());
    h.extend(NEEDED.to_le_bytes());
    h.extend(UTF8_NAMES.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(DOS_DATE_1980_01_01.to_le_bytes());
    h.extend(e.crc32.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend((e.name.len() as u16).to_le_bytes());
    h.extend(28u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(REGULAR_FILE_0644.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend(e.name.as_bytes());
    h.extend(ZIP64_EXTRA.to_le_bytes());
    h.extend(24u16.to_le_bytes());
    h.extend(e.size.to_le_bytes());
    h.extend(e.size.to_le_bytes());
    h.extend(e.offset.to_le_bytes());
    h
}

/// The ZIP64 end record, its locator and the end record, for `count` entries whose central
/// directory (`size` bytes) starts at `offset`.
fn end_records(count: u64, offset: u64, size: u64) -> Vec<u8> {
    let end64_at = offset + size;
    let mut h = Vec::with_capacity(98);
    h.extend(END64.to_le_bytes());
    h.extend(44u64.to_le_bytes());
    h.extend(MADE_BY.to_le_bytes());
    h.extend(NEEDED.to_le_bytes());
    h.extend(0u32.to_le_bytes());
    h.extend(0u32.to_le_bytes());
    h.extend(count.to_le_bytes());
    h.extend(count.to_le_bytes());
    h.extend(size.to_le_bytes());
    h.extend(offset.to_le_bytes());
    h.extend(LOCATOR64.to_le_bytes());
    h.extend(0u32.to_le_bytes());
    h.extend(end64_at.to_le_bytes());
    h.extend(1u32.to_le_bytes());
    h.extend(END.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h.extend(FFFF.to_le_bytes());
    h.extend(FFFF.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend(FFFFFFFF.to_le_bytes());
    h.extend(0u16.to_le_bytes());
    h
}

/// Writes a canonical container: `start` an entry, write its content, `start` the next, `finish`.
pub struct Writer<W: Write + Seek> {
    out: W,
    at: u64,
    done: Vec<Entry>,
    current: Option<(Entry, crc32fast::Hasher)>,
}

impl<W: Write + Seek> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer {
            out,
            at: 0,
            done: Vec::new(),
            current: None,
        }
    }

    /// Ends the entry being written (if any) and begins `name`.
    pub fn start(&mut self, name: &str) -> std::io::Result<()> {
        self.end_entry()?;
        let entry = Entry {
            name: name.to_string(),
            offset: self.at,
            crc32: 0,
            size: 0,
        };
        let header = local_header(name, 0, 0);
        self.out.write_all(&header)?;
        self.at += header.len() as u64;
        self.current = Some((entry, crc32fast::Hasher::new()));
        Ok(())
    }

    /// Puts the entry's CRC-32 and size into its local header.
    fn end_entry(&mut self) -> std::io::Result<()> {
        let Some((mut entry, crc)) = self.current.take() else {
            return Ok(());
        };
        entry.crc32 = crc.finalize();
        self.out.seek(SeekFrom::Start(entry.offset))?;
        self.out
            .write_all(&local_header(&entry.name, entry.crc32, entry.size))?;
        self.out.seek(SeekFrom::Start(self.at))?;
        self.done.push(entry);
        Ok(())
    }

    /// Writes the central directory and end records; hands back the output and the entries.
    pub fn finish(mut self) -> std::io::Result<(W, Vec<Entry>)> {
        self.end_entry()?;
        let offset = self.at;
        let mut size = 0u64;
        for e in &self.done {
            let h = central_header(e);
            self.out.write_all(&h)?;
            size += h.len() as u64;
        }
        self.out
            .write_all(&end_records(self.done.len() as u64, offset, size))?;
        self.out.flush()?;
        Ok((self.out, self.done))
    }
}

impl<W: Write + Seek> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some((entry, crc)) = self.current.as_mut() else {
            return Err(std::io::Error::other("no zip entry started"));
        };
        let n = self.out.write(buf)?;
        crc.update(&buf[..n]);
        entry.size += n as u64;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Where a container with these entries (name, CRC-32, size; in order) differs from the file of
/// `len` bytes whose bytes `read_at(offset, n)` gives: None when every byte that is not an entry's
/// content is the canonical one and the file ends where the container does; else a sentence.
pub fn compare(
    entries: &[(String, u32, u64)],
    len: u64,
    mut read_at: impl FnMut(u64, usize) -> std::io::Result<Vec<u8>>,
) -> std::io::Result<Option<String>> {
    let mut at = 0u64;
    let mut placed = Vec::with_capacity(entries.len());
    let mut differs = |expected: &[u8], at: u64, what: &dyn Fn(usize) -> String| {
        let available = len.saturating_sub(at).min(expected.len() as u64) as usize;
        let found = if available == 0 {
            Vec::new()
        } else {
            read_at(at, available)?
        };
        let first = expected
            .iter()
            .zip(&found)
            .position(|(a, b)| a != b)
            .or((found.len() < expected.len()).then_some(found.len()));
        Ok::<_, std::io::Error>(first.map(|i| {
            format!(
                "byte {} of the file, in {}, is not the canonical container's{}",
                at + i as u64,
                what(i),
                if i >= found.len() {
                    " (the file ends before it)"
                } else {
                    ""
                }
            )
        }))
    };
    for (name, crc32, size) in entries {
        let header = local_header(name, *crc32, *size);
        let describe = |i: usize| {
            format!(
                "the local header of {name} (its {})",
                field_at(&LOCAL_FIELDS, i)
            )
        };
        if let Some(d) = differs(&header, at, &describe)? {
            return Ok(Some(d));
        }
        placed.push(Entry {
            name: name.clone(),
            offset: at,
            crc32: *crc32,
            size: *size,
        });
        at += header.len() as u64 + size;
    }
    let directory_at = at;
    for e in &placed {
        let header = central_header(e);
        let describe = |i: usize| {
            format!(
                "the central directory's header of {} (its {})",
                e.name,
                field_at(&CENTRAL_FIELDS, i)
            )
        };
        if let Some(d) = differs(&header, at, &describe)? {
            return Ok(Some(d));
        }
        at += header.len() as u64;
    }
    let end = end_records(placed.len() as u64, directory_at, at - directory_at);
    if let Some(d) = differs(&end, at, &|_| "the end of central directory records".into())? {
        return Ok(Some(d));
    }
    at += end.len() as u64;
    Ok((len > at).then(|| {
        format!(
            "the file has {} bytes after the end of the container (at byte {at})",
            len - at
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(entries: &[(&str, &[u8])]) -> (Vec<u8>, Vec<Entry>) {
        let mut w = Writer::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            w.start(name).unwrap();
            w.write_all(content).unwrap();
        }
        let (out, done) = w.finish().unwrap();
        (out.into_inner(), done)
    }

    #[test]
    fn a_canonical_container_is_read_by_the_zip_crate_and_every_other_byte_is_checked() {
        let files: [(&str, &[u8]); 3] = [
            ("events/events.jsonl", b"{\"a\":1}\n{\"b\":2}\n"),
            ("README.txt", b"hello"),
            ("manifest.json", b"{}\n"),
        ];
        let (bytes, done) = written(&files);
        // Another reader finds the same names and contents, stored, dated 1980-01-01.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        for (i, (name, content)) in files.iter().enumerate() {
            let mut e = zip.by_index(i).unwrap();
            assert_eq!(e.name().unwrap(), *name);
            assert_eq!(e.compression(), zip::CompressionMethod::Stored);
            let d = e.last_modified().unwrap();
            assert_eq!((d.year(), d.month(), d.day()), (1980, 1, 1));
            assert_eq!(e.unix_mode(), Some(0o100644));
            let mut got = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut got).unwrap();
            assert_eq!(&got, content);
            // CRC-32 as the standard defines it (crc32fast is the zip crate's own).
            assert_eq!(done[i].crc32, crc32fast::hash(content));
        }
        let entries: Vec<(String, u32, u64)> = done
            .iter()
            .map(|e| (e.name.clone(), e.crc32, e.size))
            .collect();
        let read = |bytes: &[u8]| {
            let b = bytes.to_vec();
            move |at: u64, n: usize| Ok(b[at as usize..at as usize + n].to_vec())
        };
        assert_eq!(
            compare(&entries, bytes.len() as u64, read(&bytes)).unwrap(),
            None
        );
        // Every byte that is not content, flipped, is found; content bytes are the digests' work.
        let content: Vec<std::ops::Range<usize>> = done
            .iter()
            .map(|e| {
                let start = e.offset as usize + 50 + e.name.len();
                start..start + e.size as usize
            })
            .collect();
        let mut checked = 0;
        for i in 0..bytes.len() {
            if content.iter().any(|r| r.contains(&i)) {
                continue;
            }
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x01;
            let found = compare(&entries, flipped.len() as u64, read(&flipped)).unwrap();
            assert!(found.is_some(), "byte {i} flipped was not found");
            checked += 1;
        }
        assert_eq!(checked, bytes.len() - 16 - 5 - 3);
        // The date of the first local header (byte 12) is named as such.
        let mut dated = bytes.clone();
        dated[12] = 0x22;
        let said = compare(&entries, dated.len() as u64, read(&dated))
            .unwrap()
            .unwrap();
        assert!(
            said.starts_with(
                "byte 12 of the file, in the local header of events/events.jsonl (its modification date)"
            ),
            "{said}"
        );
        // Bytes after the end, and a file cut short.
        let mut longer = bytes.clone();
        longer.extend(b"PK");
        let said = compare(&entries, longer.len() as u64, read(&longer))
            .unwrap()
            .unwrap();
        assert!(said.contains("2 bytes after the end"), "{said}");
        let short = bytes[..bytes.len() - 1].to_vec();
        let said = compare(&entries, short.len() as u64, read(&short))
            .unwrap()
            .unwrap();
        assert!(said.contains("the file ends before it"), "{said}");
    }
}
