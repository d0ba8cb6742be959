//! Reading a source file for import: opened read-only, fingerprinted with sha256 over its raw bytes
//! while they stream past, and decompressed (gzip, zstd) by magic number, not by file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    fn sniff(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Hashes and counts the raw (still compressed) bytes at the file level, so every byte read from
/// disk is hashed exactly once whatever buffers and decoders sit above.
struct Fingerprinting {
    file: File,
    hasher: Arc<Mutex<Sha256>>,
    bytes: Arc<AtomicU64>,
}

impl Read for Fingerprinting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.hasher.lock().expect("hasher lock").update(&buf[..n]);
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

const CHUNK: usize = 1 << 20;

/// Reads, hashes and decompresses on a thread of its own, a few chunks ahead of the framer, so the
/// import's one Rust thread spends its time framing and staging rows.
struct Prefetch {
    chunks: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
    worker: Option<JoinHandle<()>>,
}

impl Prefetch {
    fn spawn(mut inner: Box<dyn BufRead + Send>) -> Prefetch {
        let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(4);
        let worker = std::thread::spawn(move || loop {
            let mut chunk = vec![0u8; CHUNK];
            let mut filled = 0;
            let outcome = loop {
                match inner.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == CHUNK {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            chunk.truncate(filled);
            let last = filled == 0 || outcome.is_err();
            let message = match outcome {
                Err(e) => Err(e),
                Ok(()) if filled == 0 => break,
                Ok(()) => Ok(chunk),
            };
            // The reader went away (the import stopped): nothing more to do.
            if tx.send(message).is_err() || last {
                break;
            }
        });
        Prefetch {
            chunks: rx,
            current: Vec::new(),
            pos: 0,
            done: false,
            worker: Some(worker),
        }
    }

    /// Waits until everything has been read (and so hashed) by the worker.
    fn drain(&mut self) -> io::Result<()> {
        loop {
            self.consume(self.current.len() - self.pos);
            if self.fill_buf()?.is_empty() {
                break;
            }
        }
        if let Some(worker) = self.worker.take() {
            worker
                .join()
                .map_err(|_| io::Error::other("the reading thread failed"))?;
        }
        Ok(())
    }
}

impl Read for Prefetch {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Prefetch {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() && !self.done {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.current.len());
    }
}

/// An open source: the decompressed content as a buffered reader, fingerprinted as it goes.
pub struct Source {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub compression: Compression,
    /// Raw bytes consumed so far (for progress).
    pub bytes_read: Arc<AtomicU64>,
    inner: Prefetch,
    hasher: Arc<Mutex<Sha256>>,
    /// A second handle on the same open file (shared offset), to hash what decoders leave unread.
    tail: File,
}

impl Source {
    pub fn open(path: &Path) -> Result<Source> {
        let unreadable = |e: io::Error| Error::SourceUnreadable {
            path: path.to_path_buf(),
            cause: e.to_string(),
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if meta.is_dir() {
            return Err(Error::SourceUnreadable {
                path: path.to_path_buf(),
                cause: "it is a directory, not a file".into(),
            });
        }
        // File::open opens read-only: a source is evidence and is never modified.
        let file = File::open(path).map_err(unreadable)?;
        let tail = file.try_clone().map_err(unreadable)?;
        let bytes = Arc::new(AtomicU64::new(0));
        let hasher = Arc::new(Mutex::new(Sha256::new()));
        let mut raw = BufReader::with_capacity(
            1 << 20,
            Fingerprinting {
                file,
                hasher: hasher.clone(),
                bytes: bytes.clone(),
            },
        );
        let compression = Compression::sniff(raw.fill_buf().map_err(unreadable)?);
        let inner: Box<dyn BufRead + Send> = match compression {
            Compression::None => Box::new(raw),
            Compression::Gzip => Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(raw),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::stream::read::Decoder::with_buffer(raw).map_err(unreadable)?,
            )),
        };
        Ok(Source {
            path: path.to_path_buf(),
            size_bytes: meta.len(),
            compression,
            bytes_read: bytes,
            inner: Prefetch::spawn(inner),
            hasher,
            tail,
        })
    }

    pub fn reader(&mut self) -> &mut (dyn BufRead + Send) {
        &mut self.inner
    }

    /// The whole decompressed content, or its first `limit + 1` bytes when it is longer (so the
    /// caller can tell "over the limit" from "exactly at it").
    ///
    /// Read into a buffer of the size the file declares, when it declares one: a buffer grown by
    /// doubling is copied on each growth, and the allocator keeps what it frees for a while, so a
    /// 200 MB document peaked at 400 MB more than the process's base.
    pub fn read_whole(&mut self, limit: u64) -> Result<Vec<u8>> {
        let declared = self.declared_size().unwrap_or(0).min(limit + 1);
        let mut whole = Vec::with_capacity(declared as usize);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut self.inner, limit + 1),
            &mut whole,
        )
        .map_err(|e| self.read_error(e))?;
        Ok(whole)
    }

    /// The decompressed size the file declares: a plain file's length, gzip's last member's size
    /// (modulo 4 GiB, from its trailer), a zstd frame's content size when its header holds one.
    /// Only a hint: a file with several members or frames declares less than it holds.
    fn declared_size(&self) -> Option<u64> {
        let mut file = File::open(&self.path).ok()?;
        match self.compression {
            Compression::None => Some(self.size_bytes),
            Compression::Gzip => {
                let mut trailer = [0u8; 4];
                file.seek(io::SeekFrom::End(-4)).ok()?;
                file.read_exact(&mut trailer).ok()?;
                Some(u32::from_le_bytes(trailer) as u64)
            }
            Compression::Zstd => {
                let mut header = [0u8; 18];
                let n = file.read(&mut header).ok()?;
                zstd::zstd_safe::get_frame_content_size(&header[..n]).ok()?
            }
        }
    }

    /// Up to `n` bytes of decompressed content, without consuming them.
    pub fn peek(&mut self, n: usize) -> Result<Vec<u8>> {
        // Chunks are full 1 MiB (but the last), so one fill_buf covers the detection sample.
        match self.inner.fill_buf() {
            Ok(buf) => Ok(buf[..buf.len().min(n)].to_vec()),
            Err(e) => Err(self.read_error(e)),
        }
    }

    pub fn read_error(&self, e: io::Error) -> Error {
        Error::SourceUnreadable {
            path: self.path.clone(),
            cause: match self.compression {
                Compression::None => e.to_string(),
                c => format!("its {} data is damaged ({e})", c.name()),
            },
        }
    }

    /// Reads whatever is left and returns the sha256 of the whole raw file.
    pub fn finish(mut self) -> Result<String> {
        self.inner.drain().map_err(|e| self.read_error(e))?;
        let mut rest = Vec::new();
        self.tail.read_to_end(&mut rest)?;
        let mut hasher = self.hasher.lock().expect("hasher lock");
        hasher.update(&rest);
        self.bytes_read
            .fetch_add(rest.len() as u64, Ordering::Relaxed);
        Ok(hex::encode(hasher.clone().finalize()))
    }
}

pub use crate::store::sql::{sha256_file, sha256_text};

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that differ from one position to the next, so a chunk copied twice or out of place shows.
    fn numbered(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn reading_a_source_whole_keeps_every_byte_whatever_size_it_declares_and_stops_one_past_the_limit(
    ) {
        let dir = tempfile::tempdir().unwrap();
        let content = numbered((9 << 20) + 3);
        let gzip = |part: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            io::Write::write_all(&mut gz, part).unwrap();
            gz.finish().unwrap()
        };
        let files = [
            ("plain.json", content.clone()),
            ("packed.json.gz", gzip(&content)),
            // Two members: the trailer declares the last one's size only.
            (
                "members.json.gz",
                [gzip(&content[..1 << 20]), gzip(&content[1 << 20..])].concat(),
            ),
            // A streamed frame (no size in its header) and a one-shot one (its size declared).
            ("frame.json.zst", zstd::encode_all(&content[..], 1).unwrap()),
            ("sized.json.zst", {
                let frame = zstd::bulk::compress(&content, 1).unwrap();
                let declared = zstd::zstd_safe::get_frame_content_size(&frame[..18]).unwrap();
                assert_eq!(
                    declared,
                    Some(content.len() as u64),
                    "the fixture declares its size"
                );
                frame
            }),
            // A trailer that declares far less than the file holds (a crafted file).
            ("lying.json.gz", {
                let mut g = gzip(&content);
                let n = g.len();
                g[n - 4..].copy_from_slice(&7u32.to_le_bytes());
                g
            }),
        ];
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let whole = Source::open(&path).unwrap().read_whole(10 << 20);
            // A damaged trailer is the decoder's to find, not the read's to hide.
            if name == "lying.json.gz" {
                assert!(whole.is_err(), "{name}");
                continue;
            }
            let whole = whole.unwrap();
            assert!(whole == content, "{name}: {} bytes", whole.len());
            // Exactly at the limit: all of it, nothing more to tell it from a longer file.
            let at = Source::open(&path)
                .unwrap()
                .read_whole(content.len() as u64)
                .unwrap();
            assert_eq!(at.len(), content.len(), "{name}");
            // Over the limit: the limit and one byte.
            let over = Source::open(&path).unwrap().read_whole(5 << 20).unwrap();
            assert!(over[..] == content[..(5 << 20) + 1], "{name}");
        }
        let empty = dir.path().join("empty.json");
        std::fs::write(&empty, b"").unwrap();
        assert!(Source::open(&empty)
            .unwrap()
            .read_whole(10)
            .unwrap()
            .is_empty());
    }
}
