//! The descriptor table: what each fd refers to. Extism's WASI (wasmtime-wasi's preview1 adapter)
//! starts with stdio, an empty stdin and two sinks, then the preopened directories from fd 3; a
//! guest may open, close and renumber descriptors, and that lasts for the instance. A new
//! descriptor takes the highest number closed and not reused yet, else one past the highest open,
//! as the adapter's table hands them out.

use super::errno::{BADF, SPIPE, WasiResult, errno};
use super::snapshot::{NodeId, Preopen, Snapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdin,
    Stdout,
    Stderr,
}

#[derive(Debug, Clone)]
pub enum Entry {
    /// Stdio: stdin (closed: every read is 0 bytes) or stdout and stderr (captured).
    Pipe(Stream),
    /// A file of a preopened directory, opened for reading (the adapter opens every file it may
    /// not write for reading, whatever rights were asked).
    File(OpenFile),
    Dir(OpenDir),
}

#[derive(Debug, Clone)]
pub struct OpenFile {
    pub snapshot: Arc<Snapshot>,
    pub node: NodeId,
    /// The adapter's own position, unsigned: a seek may take it past `i64::MAX`, where the OS
    /// then refuses to read at it.
    pub position: u64,
    pub append: bool,
    pub nonblocking: bool,
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

#[derive(Debug, Clone)]
pub struct FdTable {
    entries: BTreeMap<u32, Entry>,
    /// Numbers closed (or renumbered away from) and not handed out again yet.
    free: BTreeSet<u32>,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable::new(&[])
    }
}

impl FdTable {
    pub fn new(preopens: &[Preopen]) -> Self {
        let mut table = FdTable { entries: BTreeMap::new(), free: BTreeSet::new() };
        for stream in [Stream::Stdin, Stream::Stdout, Stream::Stderr] {
            table.push(Entry::Pipe(stream));
        }
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

    /// Whatever is at `fd`, or `BADF`.
    pub fn entry(&self, fd: u32) -> WasiResult<&Entry> {
        self.entries.get(&fd).map_or_else(|| errno(BADF), Ok)
    }

    /// The opened file at `fd`, or `BADF` (for stdio and directories too).
    pub fn file(&self, fd: u32) -> WasiResult<&OpenFile> {
        match self.entries.get(&fd) {
            Some(Entry::File(file)) => Ok(file),
            _ => errno(BADF),
        }
    }

    pub fn file_mut(&mut self, fd: u32) -> WasiResult<&mut OpenFile> {
        match self.entries.get_mut(&fd) {
            Some(Entry::File(file)) => Ok(file),
            _ => errno(BADF),
        }
    }

    /// A file that has a position: stdio is `SPIPE`, anything else `BADF`.
    pub fn seekable(&mut self, fd: u32) -> WasiResult<&mut OpenFile> {
        match self.entries.get_mut(&fd) {
            Some(Entry::File(file)) => Ok(file),
            Some(Entry::Pipe(_)) => errno(SPIPE),
            _ => errno(BADF),
        }
    }

    /// The directory at `fd`, or `BADF`, for a file too.
    pub fn dir(&self, fd: u32) -> WasiResult<&OpenDir> {
        match self.entries.get(&fd) {
            Some(Entry::Dir(dir)) => Ok(dir),
            _ => errno(BADF),
        }
    }

    /// A file or directory, something of the file system: stdio is `BADF`.
    pub fn filesystem(&self, fd: u32) -> WasiResult<&Entry> {
        match self.entries.get(&fd) {
            Some(entry @ (Entry::File(_) | Entry::Dir(_))) => Ok(entry),
            _ => errno(BADF),
        }
    }

    pub fn push(&mut self, entry: Entry) -> u32 {
        let fd = self.free.pop_last().unwrap_or_else(|| self.unused());
        self.entries.insert(fd, entry);
        fd
    }

    /// One past the highest number open; at `u32::MAX`, the highest not open.
    fn unused(&self) -> u32 {
        match self.entries.last_key_value() {
            None => 0,
            Some((&last, _)) => last
                .checked_add(1)
                .unwrap_or_else(|| (0..u32::MAX).rev().find(|fd| !self.entries.contains_key(fd)).unwrap_or(0)),
        }
    }

    pub fn close(&mut self, fd: u32) -> WasiResult {
        if self.entries.remove(&fd).is_none() {
            return errno(BADF);
        }
        self.free.insert(fd);
        Ok(())
    }

    /// Moves `from` to `to`, closing what was there; both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        if !self.entries.contains_key(&from) || !self.entries.contains_key(&to) {
            return errno(BADF);
        }
        if from == to {
            return Ok(());
        }
        self.close(to)?;
        let entry = self.entries.remove(&from).expect("checked");
        self.free.insert(from);
        self.free.remove(&to);
        self.entries.insert(to, entry);
        Ok(())
    }
}
