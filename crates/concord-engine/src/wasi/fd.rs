//! The descriptor table: what each fd refers to. Extism's WASI (wasi-common) starts with three
//! pipes, an empty stdin and two sinks, then the preopened directories from fd 3; a guest may
//! open, close and renumber descriptors, and that lasts for the instance. A new descriptor takes
//! the next number never handed out, not the lowest free one, as in wasi-common's table.

use super::errno::{BADF, WasiResult, errno};
use super::snapshot::{NodeId, Preopen, Snapshot};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

#[derive(Debug, Clone)]
pub enum Entry {
    /// A pipe: readable (stdin, always empty) or writable (stdout and stderr, captured).
    Pipe(Stream),
    /// A file of a preopened directory, opened for reading or for nothing.
    File(OpenFile),
    Dir(OpenDir),
}

#[derive(Debug, Clone)]
pub struct OpenFile {
    pub snapshot: Arc<Snapshot>,
    pub node: NodeId,
    /// Opened with the right to read (wasi-common checks it on every read).
    pub read: bool,
    pub position: u64,
    /// The descriptor flags the host keeps for it (append, non-blocking).
    pub flags: u16,
}

impl OpenFile {
    pub fn bytes(&self) -> &[u8] {
        match &self.snapshot.node(self.node).content {
            super::snapshot::Content::File(bytes) => bytes,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenDir {
    pub snapshot: Arc<Snapshot>,
    pub node: NodeId,
    /// The name it was preopened under; `None` for one the guest opened itself.
    pub preopen: Option<String>,
}

impl Entry {
    pub fn readable(&self) -> bool {
        match self {
            Entry::Pipe(stream) => *stream == Stream::Stdin,
            Entry::File(file) => file.read,
            Entry::Dir(_) => false,
        }
    }

    pub fn writable(&self) -> bool {
        matches!(self, Entry::Pipe(Stream::Stdout | Stream::Stderr))
    }
}

#[derive(Debug, Clone)]
pub struct FdTable {
    entries: BTreeMap<u32, Entry>,
    next: u32,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable::new(&[])
    }
}

impl FdTable {
    pub fn new(preopens: &[Preopen]) -> Self {
        let entries = [(0, Stream::Stdin), (1, Stream::Stdout), (2, Stream::Stderr)]
            .into_iter()
            .map(|(fd, stream)| (fd, Entry::Pipe(stream)))
            .collect();
        let mut table = FdTable { entries, next: 3 };
        // In the order of their host paths, as Extism's manifest keeps `allowed_paths` in a map.
        let mut preopens: Vec<_> = preopens.iter().collect();
        preopens.sort_by_key(|p| p.host_path.to_string_lossy().into_owned());
        for preopen in preopens {
            let snapshot = preopen.snapshot.clone();
            let node = snapshot.root();
            table.push(Entry::Dir(OpenDir { snapshot, node, preopen: Some(preopen.guest_path.clone()) }));
        }
        table
    }

    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }

    /// The file (a pipe or an opened file) at `fd`, or `BADF`, for a directory too.
    pub fn file(&self, fd: u32) -> WasiResult<&Entry> {
        match self.entries.get(&fd) {
            Some(Entry::Dir(_)) | None => errno(BADF),
            Some(entry) => Ok(entry),
        }
    }

    pub fn file_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        match self.entries.get_mut(&fd) {
            Some(Entry::Dir(_)) | None => errno(BADF),
            Some(entry) => Ok(entry),
        }
    }

    /// The directory at `fd`, or `BADF`, for a file too.
    pub fn dir(&self, fd: u32) -> WasiResult<&OpenDir> {
        match self.entries.get(&fd) {
            Some(Entry::Dir(dir)) => Ok(dir),
            _ => errno(BADF),
        }
    }

    pub fn entry(&self, fd: u32) -> Option<&Entry> {
        self.entries.get(&fd)
    }

    pub fn push(&mut self, entry: Entry) -> u32 {
        while self.entries.contains_key(&self.next) {
            self.next += 1;
        }
        let fd = self.next;
        self.next += 1;
        self.entries.insert(fd, entry);
        fd
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
