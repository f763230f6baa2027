//! A read-only preopened directory, read once from the host into memory, so that every engine is
//! served the same tree however long the run and whatever the host does to the directory meanwhile.
//! Paths resolve as Extism's WASI resolves them through cap-std's primitives: beneath the directory they start
//! from, symlinks followed within it, and any way out (an absolute path, `..` past the start, a
//! symlink that leads outside) refused with `PERM`.

use super::errno::WasiResult;
use super::errno::{Errno, INVAL, LOOP, NOENT, NOTDIR, PERM};
use super::memory::Guest;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a snapshot may hold, so that a directory given by mistake (a home directory, `/`) is a
/// clear error instead of a host out of memory.
const MAX_BYTES: u64 = 256 * 1024 * 1024;
const MAX_NODES: usize = 100_000;
/// Linux's limit on symlinks followed in one resolution.
const MAX_SYMLINKS: usize = 40;

pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR: u8 = 4;
pub const FILETYPE_SYMLINK: u8 = 7;

/// One node's metadata as the host reported it when the snapshot was taken, and as the guest is
/// shown it: wasmtime-wasi reports every node on device 1, and for its inode a hash of the host's
/// device and inode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

#[derive(Debug)]
pub enum Content {
    File(Vec<u8>),
    /// Entries in the order the host lists them (Extism's WASI lists them in that order too).
    Dir(Vec<(String, NodeId)>),
    Symlink(String),
}

pub type NodeId = usize;

#[derive(Debug)]
pub struct Node {
    pub stat: Stat,
    pub content: Content,
    /// The directory this node was listed in (the root is its own parent).
    parent: NodeId,
}

/// A directory tree held in memory; node 0 is its root.
pub struct Snapshot {
    nodes: Vec<Node>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({} nodes)", self.nodes.len())
    }
}

/// A host directory offered to the guest under `guest_path`, as Extism's manifest's
/// `allowed_paths` with a `ro:` prefix offers one.
#[derive(Debug, Clone)]
pub struct Preopen {
    pub host_path: PathBuf,
    pub guest_path: String,
    pub snapshot: Arc<Snapshot>,
}

impl Preopen {
    pub fn read(host_path: &Path, guest_path: &str) -> io::Result<Preopen> {
        Ok(Preopen {
            host_path: host_path.to_path_buf(),
            guest_path: guest_path.to_string(),
            snapshot: Arc::new(Snapshot::read(host_path)?),
        })
    }
}

struct Reader {
    nodes: Vec<Node>,
    bytes: u64,
}

impl Snapshot {
    pub fn read(root: &Path) -> io::Result<Snapshot> {
        let metadata = std::fs::metadata(root)?;
        if !metadata.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a directory", root.display())));
        }
        let mut reader = Reader { nodes: Vec::new(), bytes: 0 };
        reader.read(root, &metadata, 0)?;
        Ok(Snapshot { nodes: reader.nodes })
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn root(&self) -> NodeId {
        0
    }

    /// The node `path` names, starting from the directory `start`. `follow` says whether a
    /// symlink in the last component is followed (one in any other component always is).
    pub fn resolve(&self, start: NodeId, path: &str, follow: bool) -> Result<NodeId, Errno> {
        if path.is_empty() {
            return Err(NOENT);
        }
        // cap-std hands the whole path to the kernel as a C string first (`openat2`), which
        // refuses a NUL anywhere in it.
        if path.contains('\0') {
            return Err(INVAL);
        }
        let mut walk = Walk { snapshot: self, start, symlinks: 0 };
        let mut at = start;
        walk.components(&mut at, path, follow)?;
        Ok(at)
    }
}

struct Walk<'s> {
    snapshot: &'s Snapshot,
    start: NodeId,
    symlinks: usize,
}

impl Walk<'_> {
    /// Moves `at` along `path`. A path with a trailing slash must name a directory, so its last
    /// symlink is followed.
    fn components(&mut self, at: &mut NodeId, path: &str, follow: bool) -> Result<(), Errno> {
        if path.starts_with('/') {
            return Err(PERM);
        }
        let trailing_slash = path.ends_with('/');
        let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let Content::Dir(entries) = &self.snapshot.node(*at).content else { return Err(NOTDIR) };
            match *part {
                "." => {}
                ".." => {
                    if *at == self.start {
                        return Err(PERM);
                    }
                    *at = self.snapshot.node(*at).parent;
                }
                name => {
                    let child = entries.iter().find(|(entry, _)| entry == name).map(|(_, id)| *id).ok_or(NOENT)?;
                    let follow_this = !last || follow || trailing_slash;
                    match &self.snapshot.node(child).content {
                        Content::Symlink(target) if follow_this => {
                            self.symlinks += 1;
                            if self.symlinks > MAX_SYMLINKS {
                                return Err(LOOP);
                            }
                            // A link's target is relative to the directory that holds it.
                            self.components(at, target, true)?;
                        }
                        _ => *at = child,
                    }
                }
            }
        }
        if trailing_slash && !matches!(self.snapshot.node(*at).content, Content::Dir(_)) {
            return Err(NOTDIR);
        }
        Ok(())
    }
}

impl Reader {
    fn read(&mut self, path: &Path, metadata: &std::fs::Metadata, parent: NodeId) -> io::Result<NodeId> {
        if self.nodes.len() >= MAX_NODES {
            return Err(too_big(format!("more than {MAX_NODES} entries")));
        }
        let id = self.nodes.len();
        let parent = if id == 0 { 0 } else { parent };
        let file_type = metadata.file_type();
        let content = if file_type.is_symlink() {
            let target = std::fs::read_link(path)?;
            Content::Symlink(utf8(path, target.into_os_string())?)
        } else if file_type.is_dir() {
            Content::Dir(Vec::new())
        } else if file_type.is_file() {
            self.bytes += metadata.len();
            if self.bytes > MAX_BYTES {
                return Err(too_big(format!("more than {} MiB", MAX_BYTES >> 20)));
            }
            Content::File(std::fs::read(path)?)
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is neither a file, a directory nor a symlink", path.display()),
            ));
        };
        self.nodes.push(Node { stat: stat(metadata), content, parent });
        if file_type.is_dir() {
            let mut entries = Vec::new();
            for entry in std::fs::read_dir(path)? {
                let entry = entry?;
                let name = utf8(&entry.path(), entry.file_name())?;
                let child = self.read(&entry.path(), &std::fs::symlink_metadata(entry.path())?, id)?;
                entries.push((name, child));
            }
            self.nodes[id].content = Content::Dir(entries);
        }
        Ok(id)
    }
}

fn too_big(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("a preopened directory is read into memory: this one has {what}"),
    )
}

/// Extism's WASI refuses names that are not UTF-8 (`ILSEQ`); a snapshot refuses to hold them.
fn utf8(path: &Path, name: std::ffi::OsString) -> io::Result<String> {
    name.into_string().map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{}: a name that is not UTF-8", path.display()))
    })
}

#[cfg(unix)]
fn stat(metadata: &std::fs::Metadata) -> Stat {
    use std::os::unix::fs::MetadataExt;
    let ns = |time: io::Result<std::time::SystemTime>| {
        time.ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as u64)
    };
    let file_type = metadata.file_type();
    Stat {
        dev: 1,
        ino: identity_hash(metadata.dev(), metadata.ino()),
        filetype: if file_type.is_dir() {
            FILETYPE_DIRECTORY
        } else if file_type.is_symlink() {
            FILETYPE_SYMLINK
        } else {
            FILETYPE_REGULAR
        },
        nlink: metadata.nlink(),
        size: metadata.len(),
        atim: ns(metadata.accessed()),
        mtim: ns(metadata.modified()),
        ctim: ns(metadata.created()),
    }
}

/// wasmtime-wasi's `MetadataHashValue::new`: std's `DefaultHasher` (SipHash with fixed keys) over
/// the host's `(dev, ino)`. Its output may change with the Rust release, which Concord shares
/// with the wasmtime-wasi it is compared with, both being built in one workspace.
#[cfg(unix)]
fn identity_hash(dev: u64, ino: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (dev, ino).hash(&mut hasher);
    hasher.finish()
}

#[cfg(not(unix))]
fn stat(metadata: &std::fs::Metadata) -> Stat {
    let file_type = metadata.file_type();
    Stat {
        filetype: if file_type.is_dir() { FILETYPE_DIRECTORY } else { FILETYPE_REGULAR },
        size: metadata.len(),
        nlink: 1,
        ..Stat::default()
    }
}

/// A filestat as WASI lays it out, at `buf`.
pub(super) fn write_filestat(g: &mut Guest, buf: u32, stat: &Stat) -> WasiResult {
    let fields = [
        (0, stat.dev),
        (8, stat.ino),
        (24, stat.nlink),
        (32, stat.size),
        (40, stat.atim),
        (48, stat.mtim),
        (56, stat.ctim),
    ];
    g.write_u64(buf, stat.dev)?;
    g.write_u64(Guest::field(buf, 8)?, stat.ino)?;
    g.write_u8(Guest::field(buf, 16)?, stat.filetype)?;
    for (offset, value) in &fields[2..] {
        g.write_u64(Guest::field(buf, *offset)?, *value)?;
    }
    Ok(())
}
