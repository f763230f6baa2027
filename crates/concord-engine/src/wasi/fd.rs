//! The descriptor table: what each fd refers to. Extism's WASI (wasi-common) starts with three
//! pipes, an empty stdin and two sinks, and nothing else when no directory is preopened; a guest
//! may close and renumber them, and that lasts for the instance.

use super::errno::{BADF, WasiResult, errno};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A pipe: readable (stdin, always empty) or writable (stdout and stderr, captured).
    Pipe(Stream),
}

impl Entry {
    pub fn readable(&self) -> bool {
        matches!(self, Entry::Pipe(Stream::Stdin))
    }

    pub fn writable(&self) -> bool {
        matches!(self, Entry::Pipe(Stream::Stdout | Stream::Stderr))
    }
}

#[derive(Debug, Clone)]
pub struct FdTable {
    entries: BTreeMap<u32, Entry>,
}

impl Default for FdTable {
    fn default() -> Self {
        let entries = [(0, Stream::Stdin), (1, Stream::Stdout), (2, Stream::Stderr)]
            .into_iter()
            .map(|(fd, stream)| (fd, Entry::Pipe(stream)))
            .collect();
        FdTable { entries }
    }
}

impl FdTable {
    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }

    /// The file at `fd` (every entry is a file until directories are preopened), or `BADF`.
    pub fn file(&self, fd: u32) -> WasiResult<&Entry> {
        self.entries.get(&fd).map_or_else(|| errno(BADF), Ok)
    }

    /// The directory at `fd`: none is preopened, so `BADF`, as for a file in its place.
    pub fn dir(&self, _fd: u32) -> WasiResult<()> {
        errno(BADF)
    }

    pub fn close(&mut self, fd: u32) -> WasiResult {
        self.entries.remove(&fd).map_or_else(|| errno(BADF), |_| Ok(()))
    }

    /// Moves `from` to `to`, replacing what was there; both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        if !self.contains(from) || !self.contains(to) {
            return errno(BADF);
        }
        let entry = self.entries.remove(&from).expect("checked");
        self.entries.insert(to, entry);
        Ok(())
    }
}
