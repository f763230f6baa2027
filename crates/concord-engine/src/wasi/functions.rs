//! The 46 functions of `wasi_snapshot_preview1`, each as wasmtime-wasi 49's preview1 adapter
//! (Extism 1.41's WASI, `src/p1.rs`) answers it: arguments converted first by wiggle's glue (an
//! unknown enum case or flag, or a value too wide for its type, traps), then the body's own order,
//! which differs from function to function (a read's iovecs before its descriptor, a path before
//! the directory it is opened in), then the result written through its pointer. Stdio is three
//! streams with no file behind them: they cannot seek (`SPIPE`), sync, be advised or truncated
//! (`BADF`); every socket call on a descriptor that exists is `NOTSOCK`.

use super::args::{
    Args, FDFLAG_APPEND, FDFLAG_NONBLOCK, FDFLAGS, FDFLAGS_SYNC, RIGHT_FD_READ, RIGHT_FD_WRITE, fd, flag, times,
};
use super::errno::{
    self, BADF, Fail, INVAL, NAMETOOLONG, NOTDIR, NOTSOCK, NOTSUP, PERM, SPIPE, SUCCESS, WasiResult, enum_u8, enum_u32,
};
use super::fd::{Entry, OpenFile, Stream};
use super::memory::{Guest, LinearMemory};
use super::paths::{
    fd_readdir, path_create_directory, path_filestat_get, path_filestat_set_times, path_link, path_open, path_readlink,
    path_remove_directory, path_rename, path_symlink, path_unlink_file,
};
use super::snapshot::{FILETYPE_DIRECTORY, FILETYPE_REGULAR, Stat, write_filestat};
use super::{CLOCK_CASES, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_START_NS, Wasi};
use crate::Refusal;
use crate::host::{HostFault, Val, ValType};

type Body = fn(&mut Wasi, &mut Guest, &Args) -> WasiResult;

/// One WASI function: its Wasm signature and its body.
pub struct WasiFunction {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
    body: Body,
}

impl WasiFunction {
    pub fn call(
        &self,
        wasi: &mut Wasi,
        memory: Option<&mut dyn LinearMemory>,
        args: &[Val],
    ) -> Result<Option<Val>, HostFault> {
        let memory = memory.ok_or_else(|| {
            HostFault::kernel(Refusal::OutsideMemory, "WASI call from a module that exports no memory")
        })?;
        let args = Args(args);
        match (self.body)(wasi, &mut Guest::new(memory), &args) {
            Ok(()) => Ok(Some(Val::I32(SUCCESS as i32))),
            Err(Fail::Errno(errno)) => Ok(Some(Val::I32(errno as i32))),
            Err(Fail::Fault(fault)) => Err(fault),
        }
    }
}

/// An array of records a WASI function reads before anything else of the guest's memory: the
/// argument holding its address, the argument holding how many records, and a record's size. A
/// host whose guest memory is in another process sends it along with the call, which saves a
/// round trip on every read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ArrayArg {
    pub pointer: usize,
    pub count: usize,
    pub record_size: u32,
}

impl WasiFunction {
    pub fn reads_first(&self) -> Option<ArrayArg> {
        const IOVECS: ArrayArg = ArrayArg { pointer: 1, count: 2, record_size: 8 };
        match self.name {
            "fd_read" | "fd_pread" | "fd_write" | "fd_pwrite" | "sock_recv" | "sock_send" => Some(IOVECS),
            "poll_oneoff" => Some(ArrayArg { pointer: 0, count: 2, record_size: super::poll::SUBSCRIPTION_SIZE }),
            _ => None,
        }
    }
}

pub fn function(name: &str) -> Option<&'static WasiFunction> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Every function's name, in the specification's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

const I: ValType = ValType::I32;
const L: ValType = ValType::I64;

macro_rules! functions {
    ($($name:ident ( $($param:ident),* ) $(-> $result:ident)?;)*) => {
        const FUNCTIONS: &[WasiFunction] = &[$(WasiFunction {
            name: stringify!($name),
            params: &[$($param),*],
            results: &[$($result)?],
            body: $name,
        }),*];
    };
}

functions! {
    args_get(I, I) -> I;
    args_sizes_get(I, I) -> I;
    environ_get(I, I) -> I;
    environ_sizes_get(I, I) -> I;
    clock_res_get(I, I) -> I;
    clock_time_get(I, L, I) -> I;
    fd_advise(I, L, L, I) -> I;
    fd_allocate(I, L, L) -> I;
    fd_close(I) -> I;
    fd_datasync(I) -> I;
    fd_fdstat_get(I, I) -> I;
    fd_fdstat_set_flags(I, I) -> I;
    fd_fdstat_set_rights(I, L, L) -> I;
    fd_filestat_get(I, I) -> I;
    fd_filestat_set_size(I, L) -> I;
    fd_filestat_set_times(I, L, L, I) -> I;
    fd_pread(I, I, I, L, I) -> I;
    fd_prestat_get(I, I) -> I;
    fd_prestat_dir_name(I, I, I) -> I;
    fd_pwrite(I, I, I, L, I) -> I;
    fd_read(I, I, I, I) -> I;
    fd_readdir(I, I, I, L, I) -> I;
    fd_renumber(I, I) -> I;
    fd_seek(I, L, I, I) -> I;
    fd_sync(I) -> I;
    fd_tell(I, I) -> I;
    fd_write(I, I, I, I) -> I;
    path_create_directory(I, I, I) -> I;
    path_filestat_get(I, I, I, I, I) -> I;
    path_filestat_set_times(I, I, I, I, L, L, I) -> I;
    path_link(I, I, I, I, I, I, I) -> I;
    path_open(I, I, I, I, I, L, L, I, I) -> I;
    path_readlink(I, I, I, I, I, I) -> I;
    path_remove_directory(I, I, I) -> I;
    path_rename(I, I, I, I, I, I) -> I;
    path_symlink(I, I, I, I, I) -> I;
    path_unlink_file(I, I, I) -> I;
    poll_oneoff(I, I, I, I) -> I;
    proc_exit(I);
    proc_raise(I) -> I;
    sched_yield() -> I;
    random_get(I, I) -> I;
    sock_accept(I, I, I) -> I;
    sock_recv(I, I, I, I, I, I) -> I;
    sock_send(I, I, I, I, I) -> I;
    sock_shutdown(I, I) -> I;
}

// Flag widths and counts, from the specification's typenames.
const RIFLAGS: (u32, u32) = (16, 2);
const SDFLAGS: (u32, u32) = (8, 2);
const ADVICE_CASES: u8 = 6;
const WHENCE_CASES: u8 = 3;
const SIGNAL_CASES: u8 = 31;
const WHENCE_SET: u8 = 0;
const WHENCE_CUR: u8 = 1;

/// What the adapter reports a preopened directory may do and pass on, whatever it really allows
/// ("hard-coded set of rights expected by many userlands").
const PREOPEN_RIGHTS: u64 = bits(&[9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 23, 24, 25, 26]);
const PREOPEN_INHERITING_RIGHTS: u64 = PREOPEN_RIGHTS | bits(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 21, 22, 23, 27]);
/// Every right; another descriptor reports these less what it cannot do.
const ALL_RIGHTS: u64 = (1 << 30) - 1;
const RIGHT_FD_SEEK: u64 = 1 << 2;
const RIGHT_FD_READDIR: u64 = 1 << 14;
const RIGHT_PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
/// A file or a directory the guest opened: the adapter opens it for reading and never for writing
/// (that would be refused under a read-only directory), so it lacks only the write right, and a
/// directory what it cannot do to itself.
const FILE_RIGHTS: u64 = ALL_RIGHTS & !RIGHT_FD_WRITE;
const DIRECTORY_RIGHTS: u64 =
    FILE_RIGHTS & !(RIGHT_FD_SEEK | RIGHT_FD_FILESTAT_SET_SIZE | RIGHT_PATH_FILESTAT_SET_SIZE);
const _: () = assert!(FILE_RIGHTS & RIGHT_FD_READ != 0 && DIRECTORY_RIGHTS & RIGHT_FD_READDIR != 0);

const fn bits(positions: &[u32]) -> u64 {
    let mut value = 0;
    let mut i = 0;
    while i < positions.len() {
        value |= 1 << positions[i];
        i += 1;
    }
    value
}
/// Stdio reports `unknown`: the adapter's file type for a stream that is not a terminal.
const FILETYPE_UNKNOWN: u8 = 0;

// ---------------------------------------------------------------------------------------------
// Arguments and environment.

fn args_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    write_strings(g, &w.args, a.u32(0)?, a.u32(1)?)
}

fn environ_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    write_strings(g, &w.env, a.u32(0)?, a.u32(1)?)
}

/// Each string NUL-terminated into `buffer`, its address into `heads`, one after the other.
fn write_strings(g: &mut Guest, strings: &[String], heads: u32, buffer: u32) -> WasiResult {
    let mut cursor = 0u32;
    for (i, string) in strings.iter().enumerate() {
        let at = Guest::field(buffer, cursor)?;
        g.write_bytes(at, string.as_bytes())?;
        g.write_u8(Guest::field(at, string.len() as u32)?, 0)?;
        g.write_u32(Guest::element(heads, i as u32, 4)?, at)?;
        cursor += string.len() as u32 + 1;
    }
    Ok(())
}

fn args_sizes_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    sizes(g, &w.args, a)
}

fn environ_sizes_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    sizes(g, &w.env, a)
}

fn sizes(g: &mut Guest, strings: &[String], a: &Args) -> WasiResult {
    let size: usize = strings.iter().map(|s| s.len() + 1).sum();
    g.write_u32(a.u32(0)?, strings.len() as u32)?;
    g.write_u32(a.u32(1)?, size as u32)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Clocks, scheduling, randomness, the process.

fn clock_res_get(_: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    match enum_u32(a.i32(0)?, CLOCK_CASES)? {
        CLOCK_REALTIME | CLOCK_MONOTONIC => Ok(g.write_u64(a.u32(1)?, 1)?),
        _ => errno::errno(BADF),
    }
}

fn clock_time_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let now = match enum_u32(a.i32(0)?, CLOCK_CASES)? {
        CLOCK_REALTIME => CLOCK_START_NS.saturating_add(w.tick()),
        CLOCK_MONOTONIC => w.tick(),
        _ => return errno::errno(BADF),
    };
    Ok(g.write_u64(a.u32(2)?, now)?)
}

fn poll_oneoff(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let count = super::poll::poll_oneoff(w, g, a.u32(0)?, a.u32(1)?, a.u32(2)?)?;
    Ok(g.write_u32(a.u32(3)?, count)?)
}

fn proc_exit(_: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    let status = a.u32(0)?;
    // wasmtime's WASI refuses statuses outside 0..126 instead of exiting with them.
    Err(Fail::Fault(match status < 126 {
        true => HostFault::Exit(status as i32),
        false => HostFault::kernel(Refusal::BadArgument, "exit with invalid exit status outside of [0..126)"),
    }))
}

fn proc_raise(_: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    enum_u8(a.i32(0)?, SIGNAL_CASES)?;
    errno::errno(NOTSUP)
}

fn sched_yield(_: &mut Wasi, _: &mut Guest, _: &Args) -> WasiResult {
    Ok(())
}

fn random_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (buf, len) = (a.u32(0)?, a.u32(1)?);
    if len == 0 {
        return Ok(());
    }
    g.check(buf, len)?;
    let mut bytes = vec![0; len as usize];
    w.fill_random(&mut bytes);
    Ok(g.write_bytes(buf, &bytes)?)
}

// ---------------------------------------------------------------------------------------------
// Descriptors: stdio, and the files and directories of a preopened snapshot, which answer as the
// host's file system answers the adapter for a file opened read-only under a read-only directory.

fn fd_advise(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    enum_u8(a.i32(3)?, ADVICE_CASES)?;
    w.fds.file(fd(a, 0)?)?;
    // posix_fadvise refuses only a negative length.
    if a.i64(2)? < 0 { errno::errno(INVAL) } else { Ok(()) }
}

fn fd_allocate(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    w.fds.file(fd(a, 0)?)?;
    errno::errno(NOTSUP)
}

fn fd_close(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    w.fds.close(fd(a, 0)?)
}

/// Syncing a file succeeds (there is nothing to sync); stdio and directories are `BADF`.
fn fd_datasync(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    w.fds.file(fd(a, 0)?).map(drop)
}

fn fd_sync(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    fd_datasync(w, g, a)
}

fn fd_fdstat_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (filetype, flags, base, inheriting) = match w.fds.entry(fd(a, 0)?)? {
        Entry::Pipe(Stream::Stdin) => (FILETYPE_UNKNOWN, 0, RIGHT_FD_READ, RIGHT_FD_READ),
        Entry::Pipe(Stream::Stdout | Stream::Stderr) => (FILETYPE_UNKNOWN, 0, RIGHT_FD_WRITE, RIGHT_FD_WRITE),
        Entry::Dir(dir) if dir.preopen.is_some() => (FILETYPE_DIRECTORY, 0, PREOPEN_RIGHTS, PREOPEN_INHERITING_RIGHTS),
        Entry::Dir(_) => (FILETYPE_DIRECTORY, 0, DIRECTORY_RIGHTS, DIRECTORY_RIGHTS),
        Entry::File(file) => {
            let flags =
                if file.append { FDFLAG_APPEND } else { 0 } | if file.nonblocking { FDFLAG_NONBLOCK } else { 0 };
            (FILETYPE_REGULAR, flags, FILE_RIGHTS, FILE_RIGHTS)
        }
    };
    let buf = a.u32(1)?;
    g.write_u8(buf, filetype)?;
    g.write_u16(Guest::field(buf, 2)?, flags)?;
    g.write_u64(Guest::field(buf, 8)?, base)?;
    g.write_u64(Guest::field(buf, 16)?, inheriting)?;
    Ok(())
}

fn fd_fdstat_set_flags(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    let flags = flag(a.i32(1)?, FDFLAGS)? as u16;
    let file = w.fds.file_mut(fd(a, 0)?)?;
    if flags & FDFLAGS_SYNC != 0 {
        return errno::errno(INVAL);
    }
    file.append = flags & FDFLAG_APPEND != 0;
    file.nonblocking = flags & FDFLAG_NONBLOCK != 0;
    Ok(())
}

fn fd_fdstat_set_rights(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    errno::rights(a.i64(1)?)?;
    errno::rights(a.i64(2)?)?;
    w.fds.filesystem(fd(a, 0)?)?;
    errno::errno(NOTSUP)
}

/// Stdio's filestat is all zeros (its file type `unknown` is 0 too); a file's or directory's is
/// the host's as the snapshot kept it.
fn fd_filestat_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let stat = match w.fds.entry(fd(a, 0)?)? {
        Entry::Pipe(_) => Stat::default(),
        Entry::File(file) => file.snapshot.node(file.node).stat,
        Entry::Dir(dir) => dir.snapshot.node(dir.node).stat,
    };
    write_filestat(g, a.u32(1)?, &stat)
}

/// A file under a read-only directory cannot be truncated (`PERM`); anything else is `BADF`.
fn fd_filestat_set_size(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    w.fds.file(fd(a, 0)?)?;
    errno::errno(PERM)
}

/// The flags are checked before the descriptor; a preopened snapshot is read-only (see `paths`).
fn fd_filestat_set_times(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    times(a.i32(3)?)?;
    w.fds.filesystem(fd(a, 0)?)?;
    errno::errno(PERM)
}

/// A preopened directory's name length; anything else is `BADF`.
fn fd_prestat_get(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let name = preopen_name(w, fd(a, 0)?).ok_or(Fail::Errno(BADF))?;
    let buf = a.u32(1)?;
    g.write_u8(buf, 0)?;
    g.write_u32(Guest::field(buf, 4)?, name.len() as u32)?;
    Ok(())
}

/// The adapter answers a descriptor that is not a preopened directory with `NOTDIR` here.
fn fd_prestat_dir_name(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let fd = fd(a, 0)?;
    w.fds.entry(fd)?;
    let name = preopen_name(w, fd).ok_or(Fail::Errno(NOTDIR))?;
    if name.len() > a.u32(2)? as usize {
        return errno::errno(NAMETOOLONG);
    }
    Ok(g.write_bytes(a.u32(1)?, name.as_bytes())?)
}

fn preopen_name(w: &Wasi, fd: u32) -> Option<String> {
    w.fds.dir(fd).ok()?.preopen.clone()
}

/// The first buffer of an iovec array that is not empty, as the adapter finds it: the array's
/// bytes and then that buffer's paid for in the call's fuel (`NOMEM` past it), the records read
/// in order up to it (each one checked), and `(0, 0)` when every buffer is empty. The adapter
/// reads or writes only that buffer.
fn first_buffer(g: &mut Guest, array: u32, count: u32) -> WasiResult<(u32, u32)> {
    g.spend(u64::from(count) * 8)?;
    for i in 0..count {
        let iov = Guest::element(array, i, 8)?;
        let (buf, len) = (g.read_u32(iov)?, g.read_u32(Guest::field(iov, 4)?)?);
        if len > 0 {
            g.spend(u64::from(len))?;
            return Ok((buf, len));
        }
    }
    Ok((0, 0))
}

/// The bytes of `file` from `offset` that fit in `len`.
fn file_bytes(file: &OpenFile, offset: u64, len: u32) -> &[u8] {
    let bytes = file.bytes();
    let start = offset.min(bytes.len() as u64) as usize;
    &bytes[start..(start + len as usize).min(bytes.len())]
}

/// The OS reads and writes a file at an offset as a signed one: past `i64::MAX` it is `INVAL`.
fn os_offset(offset: u64) -> WasiResult<u64> {
    if offset > i64::MAX as u64 { errno::errno(INVAL) } else { Ok(offset) }
}

/// stdin is closed: every read is 0 bytes, and nothing is copied, so its buffer is not checked.
/// A file's buffer is checked whole before it reads from its position, and moves it on.
fn fd_read(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (buf, len) = first_buffer(g, a.u32(1)?, a.u32(2)?)?;
    let fd = fd(a, 0)?;
    let read = match w.fds.entry(fd)? {
        Entry::Pipe(Stream::Stdin) => 0,
        Entry::File(_) => {
            g.check(buf, len)?;
            let file = w.fds.file_mut(fd)?;
            let bytes = file_bytes(file, os_offset(file.position)?, len);
            let read = bytes.len() as u32;
            g.write_bytes(buf, bytes)?;
            file.position += u64::from(read);
            read
        }
        _ => return errno::errno(BADF),
    };
    Ok(g.write_u32(a.u32(3)?, read)?)
}

/// stdin cannot read at an offset (`SPIPE`); a file reads at one without moving, and only the
/// bytes it read are checked against the buffer.
fn fd_pread(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (buf, len) = first_buffer(g, a.u32(1)?, a.u32(2)?)?;
    let read = match w.fds.entry(fd(a, 0)?)? {
        Entry::Pipe(Stream::Stdin) => return errno::errno(SPIPE),
        Entry::File(file) => {
            let bytes = file_bytes(file, os_offset(a.i64(3)? as u64)?, len);
            g.write_bytes(buf, bytes)?;
            bytes.len() as u32
        }
        _ => return errno::errno(BADF),
    };
    Ok(g.write_u32(a.u32(4)?, read)?)
}

/// stdout and stderr take the first buffer that is not empty, whole; a file, opened read-only,
/// is refused by the OS (`BADF`, or `INVAL` first for an offset it cannot take).
fn fd_write(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (buf, len) = first_buffer(g, a.u32(1)?, a.u32(2)?)?;
    let written = match w.fds.entry(fd(a, 0)?)? {
        Entry::Pipe(stream @ (Stream::Stdout | Stream::Stderr)) => {
            let sink = if *stream == Stream::Stderr { &mut w.stderr } else { &mut w.stdout };
            g.check(buf, len)?;
            let kept = len.min(u32::try_from(sink.room()).unwrap_or(u32::MAX));
            sink.push(&g.bytes(buf, kept)?, len);
            len
        }
        Entry::File(file) => return refused_write(g, (buf, len), file, file.position),
        _ => return errno::errno(BADF),
    };
    Ok(g.write_u32(a.u32(3)?, written)?)
}

/// A write to a file, which the adapter opened read-only: its buffer is copied out first, then
/// the OS refuses it, `INVAL` first for an offset it cannot take (an append takes none), else
/// `BADF`.
fn refused_write(g: &mut Guest, (buf, len): (u32, u32), file: &OpenFile, offset: u64) -> WasiResult {
    g.check(buf, len)?;
    if !file.append {
        os_offset(offset)?;
    }
    errno::errno(BADF)
}

/// stdio cannot write at an offset (`SPIPE`); a file is refused as by `fd_write`.
fn fd_pwrite(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let (buf, len) = first_buffer(g, a.u32(1)?, a.u32(2)?)?;
    match w.fds.entry(fd(a, 0)?)? {
        Entry::Pipe(Stream::Stdout | Stream::Stderr) => errno::errno(SPIPE),
        Entry::File(file) => refused_write(g, (buf, len), file, a.i64(3)? as u64),
        _ => errno::errno(BADF),
    }
}

fn fd_renumber(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    w.fds.renumber(fd(a, 0)?, fd(a, 1)?)
}

/// Stdio cannot seek (`SPIPE`); a file's position moves anywhere from 0 to `u64::MAX`, past its
/// end too.
fn fd_seek(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let whence = enum_u8(a.i32(2)?, WHENCE_CASES)?;
    let offset = a.i64(1)?;
    let file = w.fds.seekable(fd(a, 0)?)?;
    let position = match whence {
        WHENCE_SET => u64::try_from(offset).ok(),
        WHENCE_CUR => file.position.checked_add_signed(offset),
        _ => (file.bytes().len() as u64).checked_add_signed(offset),
    };
    file.position = position.ok_or(Fail::Errno(INVAL))?;
    let position = file.position;
    Ok(g.write_u64(a.u32(3)?, position)?)
}

fn fd_tell(w: &mut Wasi, g: &mut Guest, a: &Args) -> WasiResult {
    let position = w.fds.seekable(fd(a, 0)?)?.position;
    Ok(g.write_u64(a.u32(1)?, position)?)
}

// ---------------------------------------------------------------------------------------------
// Sockets: no descriptor is one. The flags are converted, the descriptor looked up, and nothing
// else read.

fn not_a_socket(w: &Wasi, a: &Args) -> WasiResult {
    w.fds.entry(fd(a, 0)?)?;
    errno::errno(NOTSOCK)
}

fn sock_accept(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    flag(a.i32(1)?, FDFLAGS)?;
    not_a_socket(w, a)
}

fn sock_recv(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    flag(a.i32(3)?, RIFLAGS)?;
    not_a_socket(w, a)
}

fn sock_send(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    errno::plain_u16(a.i32(3)?)?;
    not_a_socket(w, a)
}

fn sock_shutdown(w: &mut Wasi, _: &mut Guest, a: &Args) -> WasiResult {
    flag(a.i32(1)?, SDFLAGS)?;
    not_a_socket(w, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wasi::GuestMemory;

    /// Calls `name` on `wasi` over 64 KiB of memory: the errno, or the fault.
    fn call(wasi: &mut Wasi, memory: &mut [u8], name: &str, args: &[Val]) -> Result<i32, HostFault> {
        let result = wasi.call(name, Some(&mut GuestMemory::new(memory)), args)?;
        Ok(match result {
            Some(Val::I32(errno)) => errno,
            other => panic!("{name} answered {other:?}"),
        })
    }

    #[test]
    fn stdio_answers_as_the_preview1_adapter_does() {
        let (mut wasi, mut memory) = (Wasi::default(), vec![0u8; 65536]);
        let i = Val::I32;
        // Seeking stdio is SPIPE, even to a negative offset (the descriptor is looked at first).
        assert_eq!(call(&mut wasi, &mut memory, "fd_seek", &[i(1), Val::I64(0), i(1), i(0)]), Ok(70));
        assert_eq!(call(&mut wasi, &mut memory, "fd_seek", &[i(1), Val::I64(-1), i(0), i(0)]), Ok(70));
        // A whence too wide for its type is a trap in wiggle's glue, before the function runs.
        assert!(call(&mut wasi, &mut memory, "fd_seek", &[i(1), Val::I64(0), i(256), i(0)]).is_err());
        // Opening a path relative to stdio is BADF, as relative to nothing.
        let open = |fd| [i(fd), i(0), i(0), i(0), i(0), Val::I64(0), Val::I64(0), i(0), i(0)];
        assert_eq!(call(&mut wasi, &mut memory, "path_open", &open(1)), Ok(8));
        assert_eq!(call(&mut wasi, &mut memory, "path_open", &open(3)), Ok(8));
        // stdout's fdstat: an unknown file type, no flags, the right to write, inherited too.
        assert_eq!(call(&mut wasi, &mut memory, "fd_fdstat_get", &[i(1), i(64)]), Ok(0));
        assert_eq!(memory[64..72], [0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(u64::from_le_bytes(memory[72..80].try_into().unwrap()), 1 << 6);
        assert_eq!(u64::from_le_bytes(memory[80..88].try_into().unwrap()), 1 << 6);
        // Two iovecs, 3 and 2 bytes: only the first is written.
        memory[0x100..0x110].copy_from_slice(&[0, 2, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0]);
        assert_eq!(call(&mut wasi, &mut memory, "fd_write", &[i(1), i(0x100), i(2), i(8)]), Ok(0));
        assert_eq!((memory[8], wasi.stdout.total), (3, 3));
        // An iovec array whose bytes are more than a call may copy: NOMEM, before any is read.
        assert_eq!(call(&mut wasi, &mut memory, "fd_write", &[i(1), i(0x100), i(-1), i(8)]), Ok(48));
        // A misaligned result pointer is a fault, not an errno.
        assert!(call(&mut wasi, &mut memory, "fd_fdstat_get", &[i(1), i(68)]).is_err());
        // Closed stdout: BADF from then on.
        assert_eq!(call(&mut wasi, &mut memory, "fd_close", &[i(1)]), Ok(0));
        assert_eq!(call(&mut wasi, &mut memory, "fd_write", &[i(1), i(0), i(0), i(8)]), Ok(8));
    }

    #[test]
    fn a_sleep_moves_the_virtual_clock_and_returns_at_once() {
        let (mut wasi, mut memory) = (Wasi::default(), vec![0u8; 65536]);
        let i = Val::I32;
        // One relative clock subscription at 0: userdata 7, monotonic, 5 s.
        memory[0] = 7;
        memory[16] = 1;
        memory[24..32].copy_from_slice(&5_000_000_000u64.to_le_bytes());
        assert_eq!(call(&mut wasi, &mut memory, "poll_oneoff", &[i(0), i(64), i(1), i(128)]), Ok(0));
        assert_eq!((memory[64], memory[128]), (7, 1));
        assert_eq!(call(&mut wasi, &mut memory, "clock_time_get", &[i(1), Val::I64(0), i(256)]), Ok(0));
        let now = u64::from_le_bytes(memory[256..264].try_into().unwrap());
        assert!(now > 5_000_000_000 && now < 5_000_100_000, "{now}");
        assert_eq!(call(&mut wasi, &mut memory, "poll_oneoff", &[i(0), i(64), i(0), i(128)]), Ok(28));
    }

    #[test]
    fn an_exit_status_of_126_or_more_is_refused() {
        let (mut wasi, mut memory) = (Wasi::default(), vec![0u8; 16]);
        assert_eq!(call(&mut wasi, &mut memory, "proc_exit", &[Val::I32(3)]), Err(HostFault::Exit(3)));
        assert!(matches!(call(&mut wasi, &mut memory, "proc_exit", &[Val::I32(126)]), Err(HostFault::Kernel(_))));
    }

    #[test]
    fn there_are_46_functions_each_once() {
        let mut names: Vec<_> = names().collect();
        assert_eq!(names.len(), 46);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 46);
    }
}
