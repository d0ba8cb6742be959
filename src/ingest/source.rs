//! Reading a source file for import: opened read-only, fingerprinted with sha256 over its raw bytes
//! while they stream past, and decompressed (gzip, zstd) by magic number, not by file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
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
