//! The path functions and the directory listing, on a preopened snapshot, as wasmtime-wasi's
//! preview1 adapter answers them for a directory Extism's manifest preopens read-only (`ro:` in
//! `allowed_paths`, `FsPerms::ReadOnly`): the descriptor checked, then each path read from guest
//! memory (paid for in the call's fuel, `NOMEM` past it; out of bounds a fault; invalid UTF-8
//! `ILSEQ`), then resolved beneath the directory. `path_open` reads its path first.
//!
//! Every change is refused with `PERM` before the path is looked at, in every directory below the
//! preopened one too, as wasmtime-wasi refuses it for a read-only directory.

use super::Wasi;
use super::args::{
    Args, FDFLAG_APPEND, FDFLAG_NONBLOCK, FDFLAGS, FDFLAGS_SYNC, LOOKUPFLAGS, OFLAGS, RIGHT_FD_WRITE, fd, flag, times,
};
use super::errno::{self, BADF, Errno, Fail, ILSEQ, INVAL, NOTDIR, NOTSUP, PERM, WasiResult};
use super::fd::{Entry, OpenDir, OpenFile};
use super::memory::Guest;
use super::snapshot::write_filestat;
use super::snapshot::{Content, FILETYPE_DIRECTORY, NodeId};

const SYMLINK_FOLLOW: u32 = 1;
const OFLAG_CREAT: u32 = 1;
const OFLAG_DIRECTORY: u32 = 2;
const OFLAG_EXCL: u32 = 4;
const OFLAG_TRUNC: u32 = 8;
const DIRENT_SIZE: u32 = 24;

fn dir(w: &Wasi, fd: u32) -> WasiResult<OpenDir> {
    w.fds.dir(fd).cloned()
}

/// A path as the adapter reads one: its bytes paid for in fuel, then read and decoded.
fn path(g: &mut Guest, ptr: u32, len: u32) -> WasiResult<String> {
    g.spend(u64::from(len))?;
    unpaid_path(g, ptr, len)
}

/// A path read without paying for it, as `path_unlink_file` reads its one.
fn unpaid_path(g: &mut Guest, ptr: u32, len: u32) -> WasiResult<String> {
    String::from_utf8(g.bytes(ptr, len)?.into_owned()).map_err(|_| Fail::Errno(ILSEQ))
}

fn read_only<T>() -> WasiResult<T> {
    errno::errno(PERM)
}

fn resolved(dir: &OpenDir, path: &str, follow: bool) -> WasiResult<usize> {
    dir.snapshot.resolve(dir.node, path, follow).map_err(Fail::Errno)
}

pub fn path_create_directory(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    dir(w, fd(a, 0)?)?;
    path(g, a.u32(1)?, a.u32(2)?)?;
    read_only()
}

pub fn path_filestat_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let follow = flag(a.i32(1)?, LOOKUPFLAGS)? & SYMLINK_FOLLOW != 0;
    let dir = dir(w, fd(a, 0)?)?;
    let path = path(g, a.u32(2)?, a.u32(3)?)?;
    // Not following, cap-std stats a path of one plain component by its name alone, as
    // `Path::components` reads it, so `hello.txt/` and `hello.txt/.` name the file.
    let path = match (follow, one_component(&path)) {
        (false, Some(name)) => name,
        _ => path,
    };
    let node = resolved(&dir, &path, follow)?;
    write_filestat(g, a.u32(4)?, &dir.snapshot.node(node).stat)
}

fn one_component(path: &str) -> Option<String> {
    use std::path::{Component, Path};
    let mut components = Path::new(path).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) => name.to_str().map(str::to_string),
        _ => None,
    }
}

pub fn path_filestat_set_times(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    flag(a.i32(1)?, LOOKUPFLAGS)?;
    times(a.i32(6)?)?;
    dir(w, fd(a, 0)?)?;
    path(g, a.u32(2)?, a.u32(3)?)?;
    read_only()
}

/// `PERM` for the read-only directory comes before the `INVAL` that following a link to link it
/// would get, so the lookup flags are only converted.
pub fn path_link(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    flag(a.i32(1)?, LOOKUPFLAGS)?;
    dir(w, fd(a, 0)?)?;
    dir(w, fd(a, 4)?)?;
    path(g, a.u32(2)?, a.u32(3)?)?;
    path(g, a.u32(5)?, a.u32(6)?)?;
    read_only()
}

pub fn path_open(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let follow = flag(a.i32(1)?, LOOKUPFLAGS)? & SYMLINK_FOLLOW != 0;
    let oflags = flag(a.i32(4)?, OFLAGS)?;
    let rights = errno::rights(a.i64(5)?)?;
    errno::rights(a.i64(6)?)?;
    let fdflags = flag(a.i32(7)?, FDFLAGS)? as u16;
    let path = path(g, a.u32(2)?, a.u32(3)?)?;
    // Opening relative to a file is `NOTDIR`; relative to stdio or nothing, `BADF`.
    let dir = match w.fds.entry(fd(a, 0)?)? {
        Entry::Dir(dir) => dir.clone(),
        Entry::File(_) => return errno::errno(NOTDIR),
        Entry::Pipe(_) => return errno::errno(BADF),
    };
    // wasmtime-wasi's `open_at`, before the path is looked at: the sync flags it cannot open
    // with, a directory that cannot be created or truncated, then the directory's permissions:
    // creating, truncating or the right to write is a change.
    if fdflags & FDFLAGS_SYNC != 0 {
        return errno::errno(NOTSUP);
    }
    if oflags & OFLAG_DIRECTORY != 0 && oflags & (OFLAG_CREAT | OFLAG_EXCL | OFLAG_TRUNC) != 0 {
        return errno::errno(INVAL);
    }
    if oflags & (OFLAG_CREAT | OFLAG_TRUNC) != 0 || rights & RIGHT_FD_WRITE != 0 {
        return read_only();
    }
    // What is opened is looked at after the open, so `O_DIRECTORY` on a file is checked last; a
    // symlink not followed is refused by `O_NOFOLLOW` (the adapter does not pass `O_DIRECTORY`).
    let node = resolved(&dir, &path, follow)?;
    let entry = match &dir.snapshot.node(node).content {
        Content::Dir(_) => Entry::Dir(OpenDir { snapshot: dir.snapshot.clone(), node, preopen: None }),
        Content::File(_) if oflags & OFLAG_DIRECTORY != 0 => return errno::errno(NOTDIR),
        Content::File(_) => Entry::File(OpenFile {
            snapshot: dir.snapshot.clone(),
            node,
            position: 0,
            append: fdflags & FDFLAG_APPEND != 0,
            nonblocking: fdflags & FDFLAG_NONBLOCK != 0,
        }),
        Content::Symlink(_) => return errno::errno(errno::LOOP),
    };
    let opened = w.fds.push(entry);
    Ok(g.write_u32(a.u32(8)?, opened)?)
}

/// A link's target, cut to the buffer as readlink cuts it; an absolute target leads outside, so
/// cap-std refuses it.
pub fn path_readlink(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let dir = dir(w, fd(a, 0)?)?;
    let path = path(g, a.u32(1)?, a.u32(2)?)?;
    let node = link_named(&dir, &path).map_err(Fail::Errno)?;
    let Content::Symlink(target) = &dir.snapshot.node(node).content else { return errno::errno(INVAL) };
    if target.starts_with('/') {
        return errno::errno(PERM);
    }
    let length = target.len().min(a.u32(4)? as usize);
    g.write_bytes(a.u32(3)?, &target.as_bytes()[..length])?;
    Ok(g.write_u32(a.u32(5)?, length as u32)?)
}

/// The node a `readlink` of `path` reads, found as cap-std finds it: through its parent, the
/// directory part opened first (links in it followed, a directory required), then the last
/// component looked up there and not followed; a path that ends in `/` or `/.` reads `.` of the
/// directory it names.
fn link_named(dir: &OpenDir, path: &str) -> Result<NodeId, Errno> {
    use std::path::{Component, Path};
    if path.is_empty() {
        return Err(errno::NOENT);
    }
    let names_dir = path.ends_with('/') || path.ends_with("/.");
    let mut components = Path::new(path).components();
    let (parent, name) = match components.next_back() {
        Some(Component::Normal(name)) if !names_dir => (components.as_path(), name.to_str().unwrap_or_default()),
        Some(Component::CurDir) if !names_dir => (components.as_path(), "."),
        _ => (Path::new(path), "."),
    };
    let at = match parent.to_str().unwrap_or_default() {
        "" => dir.node,
        parent => {
            let at = dir.snapshot.resolve(dir.node, parent, true)?;
            if !matches!(dir.snapshot.node(at).content, Content::Dir(_)) {
                return Err(NOTDIR);
            }
            at
        }
    };
    dir.snapshot.resolve(at, name, false)
}

pub fn path_remove_directory(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    dir(w, fd(a, 0)?)?;
    path(g, a.u32(1)?, a.u32(2)?)?;
    read_only()
}

pub fn path_rename(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    dir(w, fd(a, 0)?)?;
    dir(w, fd(a, 3)?)?;
    path(g, a.u32(1)?, a.u32(2)?)?;
    path(g, a.u32(4)?, a.u32(5)?)?;
    read_only()
}

pub fn path_symlink(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    dir(w, fd(a, 2)?)?;
    path(g, a.u32(0)?, a.u32(1)?)?;
    path(g, a.u32(3)?, a.u32(4)?)?;
    read_only()
}

pub fn path_unlink_file(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    dir(w, fd(a, 0)?)?;
    unpaid_path(g, a.u32(1)?, a.u32(2)?)?;
    read_only()
}

/// The entries from `cookie` on: `.` and `..` first (both with the directory's own inode, as
/// the adapter lists them), then the host's order. Each is a 24-byte dirent and its name, cut
/// where the buffer ends, and a full buffer tells the guest to ask again.
pub fn fd_readdir(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let dir = w.fds.dir(fd(a, 0)?)?.clone();
    let (mut buf, buf_len, cookie) = (a.u32(1)?, a.u32(2)?, a.i64(3)? as u64);
    let node = dir.snapshot.node(dir.node);
    let Content::Dir(children) = &node.content else { return errno::errno(NOTDIR) };
    let dots = [(".", node.stat.ino, FILETYPE_DIRECTORY), ("..", node.stat.ino, FILETYPE_DIRECTORY)];
    let listed = children.iter().map(|(name, id)| {
        let stat = dir.snapshot.node(*id).stat;
        (name.as_str(), stat.ino, stat.filetype)
    });
    let mut used = 0u32;
    for (index, (name, ino, filetype)) in dots.into_iter().chain(listed).enumerate().skip(cookie as usize) {
        let mut dirent = [0u8; DIRENT_SIZE as usize];
        dirent[0..8].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        dirent[8..16].copy_from_slice(&ino.to_le_bytes());
        dirent[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
        dirent[20] = filetype;
        for part in [&dirent[..], name.as_bytes()] {
            let copied = (part.len() as u32).min(buf_len - used);
            g.write_bytes(buf, &part[..copied as usize])?;
            if copied < part.len() as u32 {
                return Ok(g.write_u32(a.u32(4)?, buf_len)?);
            }
            buf = Guest::field(buf, copied)?;
            used += copied;
        }
    }
    Ok(g.write_u32(a.u32(4)?, used)?)
}
