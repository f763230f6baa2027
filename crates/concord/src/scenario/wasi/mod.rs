//! WASI itself, differentially: generated sequences of WASI calls (`wasi_ops` guest) run on
//! Concord's WASI under ten configurations and on wasmtime-wasi inside Extism's Rust host (the
//! reference: its WASI is wasmtime's), and every answer is compared: each call's errno and the
//! bytes it wrote. Extism's JavaScript host links Node's WASI, which answers as itself (an errno
//! where wasmtime-wasi traps on a bad argument, other errnos for pipes, an exit code lost, its
//! process ended by some calls): it is reported unsupported here, not judged against wasmtime-wasi. Arguments are drawn by what each
//! parameter is (a descriptor, a result pointer, an iovec array, flags, an enum case), from good
//! values and the edges around them: closed and unknown descriptors, misaligned and out-of-bounds
//! pointers, unknown flag bits, values too wide for their type.
//!
//! Three sequences in four run with a directory preopened read-only at fd 3 (`fixture`), which
//! Extism's Rust host reads from the disk and Concord's WASI from a snapshot; paths are drawn
//! from a table of its entries and of the ways out of it.
//!
//! Some things are kept out, because the real hosts would not survive them or could not repeat
//! them: a sleep is at most 2 ms (wasmtime-wasi really sleeps); the answers of the clocks and of
//! `random_get`, and a filestat's times, are compared by errno only (the guest blanks them); and
//! no call may change the fixture through the holes in Extism's read-only directory (`confine`).

mod fixture;

use super::Model;
use crate::case::{Case, ModuleSource};
use concord_engine::{InstanceConfig, WasiHost};
use proptest::prelude::*;
use proptest::sample::select;
use serde::{Deserialize, Serialize};

pub struct Wasi;

/// The guest's memory layout (`guests/wat/wasi_ops.wat`).
const IOVECS: i64 = 0x1000;
const SUBSCRIPTIONS: i64 = 0x1800;
const WINDOW: i64 = 0x2000;
const TEXT: i64 = 0x3000;
const PATH_TABLE: i64 = 0x3100;
const PAGE_END: i64 = 0x10000;
const POKE: u64 = 100;
const MAX_SUBSCRIPTIONS: u8 = 4;
const MAX_IOVECS: u8 = 3;

/// Each function of preview1, in the guest's order, with what its parameters are:
/// `f` descriptor, `p` result pointer, `v` iovec array, `n` iovec count, `l` length, `g` flags,
/// `e` enum case, `w` 64-bit value, `a` path, `b` buffer, `s` subscriptions, `c` their count,
/// `x` exit status, `d` a directory descriptor (mostly the fixture's), `F` a descriptor a change is
/// asked of (never one opened below the fixture).
const FUNCTIONS: [(&str, &str); 46] = [
    ("args_get", "pp"),
    ("args_sizes_get", "pp"),
    ("environ_get", "pp"),
    ("environ_sizes_get", "pp"),
    ("clock_res_get", "ep"),
    ("clock_time_get", "ewp"),
    ("fd_advise", "fwwe"),
    ("fd_allocate", "fww"),
    ("fd_close", "f"),
    ("fd_datasync", "f"),
    ("fd_fdstat_get", "fp"),
    ("fd_fdstat_set_flags", "fg"),
    ("fd_fdstat_set_rights", "fww"),
    ("fd_filestat_get", "fp"),
    ("fd_filestat_set_size", "fw"),
    ("fd_filestat_set_times", "Fwwg"),
    ("fd_pread", "fvnwp"),
    ("fd_prestat_get", "fp"),
    ("fd_prestat_dir_name", "fbl"),
    ("fd_pwrite", "fvnwp"),
    ("fd_read", "fvnp"),
    ("fd_readdir", "dblwp"),
    ("fd_renumber", "ff"),
    ("fd_seek", "fwep"),
    ("fd_sync", "f"),
    ("fd_tell", "fp"),
    ("fd_write", "fvnp"),
    ("path_create_directory", "Fal"),
    ("path_filestat_get", "dgalp"),
    ("path_filestat_set_times", "Fgalwwg"),
    ("path_link", "FgalFal"),
    ("path_open", "dgalgwwgp"),
    ("path_readlink", "dalblp"),
    ("path_remove_directory", "Fal"),
    ("path_rename", "FalFal"),
    ("path_symlink", "alFal"),
    ("path_unlink_file", "Fal"),
    ("poll_oneoff", "spcp"),
    ("proc_exit", "x"),
    ("proc_raise", "e"),
    ("sched_yield", ""),
    ("random_get", "bl"),
    ("sock_accept", "fgp"),
    ("sock_recv", "fvngpp"),
    ("sock_send", "fvngp"),
    ("sock_shutdown", "fg"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Clock {
        id: i64,
        timeout_ns: u64,
        flags: u16,
    },
    FdRead(i64),
    FdWrite(i64),
    /// A tag that names no event type.
    Unknown(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The iovec record at `index` of the array at 0x1000: `len` bytes at `buf`.
    Iovec { index: u8, buf: i64, len: i64 },
    /// The subscription record at `index` of the array at 0x1800.
    Subscribe { index: u8, userdata: u8, event: Event },
    /// WASI function `function` called with `args`.
    Call { function: String, args: Vec<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub ops: Vec<Op>,
    /// Whether the fixture is preopened at fd 3.
    #[serde(default)]
    pub preopen: bool,
}

fn poke(at: i64, value: u64) -> [u64; 12] {
    let mut op = [0u64; 12];
    op[0] = POKE;
    op[1] = at as u64;
    op[2] = value;
    op
}

impl Op {
    /// The guest's ops for this one: twelve u64s each.
    fn encode(&self) -> Vec<[u64; 12]> {
        match self {
            Op::Iovec { index, buf, len } => {
                vec![poke(IOVECS + 8 * *index as i64, (*buf as u32 as u64) | (*len as u32 as u64) << 32)]
            }
            Op::Subscribe { index, userdata, event } => {
                let at = SUBSCRIPTIONS + 48 * *index as i64;
                let (tag, payload, timeout, flags) = match event {
                    Event::Clock { id, timeout_ns, flags } => (0, *id as u32 as u64, *timeout_ns, *flags as u64),
                    Event::FdRead(fd) => (1, *fd as u32 as u64, 0, 0),
                    Event::FdWrite(fd) => (2, *fd as u32 as u64, 0, 0),
                    Event::Unknown(tag) => (*tag as u64, 0, 0, 0),
                };
                vec![
                    poke(at, *userdata as u64),
                    poke(at + 8, tag),
                    poke(at + 16, payload),
                    poke(at + 24, timeout),
                    poke(at + 32, 0),
                    poke(at + 40, flags),
                ]
            }
            Op::Call { function, args } => {
                let index = FUNCTIONS.iter().position(|(name, _)| name == function).unwrap_or(usize::MAX);
                let mut op = [0u64; 12];
                op[0] = index as u64;
                for (slot, arg) in op[1..].iter_mut().zip(args) {
                    *slot = *arg as u64;
                }
                vec![op]
            }
        }
    }
}

impl Input {
    /// The path table first, then the ops.
    pub fn encode(&self) -> Vec<u8> {
        let table = fixture::PATHS.iter().enumerate().flat_map(|(i, path)| {
            let mut slot = [0u8; fixture::PATH_SLOT];
            slot[..path.len()].copy_from_slice(path);
            let at = PATH_TABLE + (i * fixture::PATH_SLOT) as i64;
            [0, 8].map(|half| poke(at + half as i64, u64::from_le_bytes(slot[half..half + 8].try_into().expect("8"))))
        });
        table.chain(self.ops.iter().flat_map(Op::encode)).flatten().flat_map(u64::to_le_bytes).collect()
    }
}

impl Model for Wasi {
    const NAME: &'static str = "wasi";
    type Input = Input;

    fn inputs() -> BoxedStrategy<Input> {
        (proptest::collection::vec(op(), 1..12), prop_oneof![1 => Just(false), 3 => Just(true)])
            .prop_map(|(ops, preopen)| Input { ops, preopen })
            .boxed()
    }

    fn case(input: &Input) -> Case {
        let calls = input.ops.iter().filter(|op| matches!(op, Op::Call { .. })).count();
        let (name, config) = match input.preopen.then(fixture::preopen) {
            Some(Ok(preopen)) => (format!("{calls}-calls-preopened"), InstanceConfig::default().with_preopen(preopen)),
            Some(Err(why)) => (format!("{calls}-calls ({why})"), InstanceConfig::default()),
            None => (format!("{calls}-calls"), InstanceConfig::default()),
        };
        Case {
            name,
            module: ModuleSource::Guest("wasi_ops".into()),
            export: "run".into(),
            input: input.encode(),
            config,
            calls: 1,
            // Node's WASI (Extism's JavaScript host) answers as itself, not as wasmtime-wasi.
            wasi_hosts: vec![WasiHost::Concord, WasiHost::WasmtimeWasi],
            ..Case::default()
        }
    }
}

/// Mostly good values, so that a sequence gets past its first calls (a trap ends it), and the
/// edges one time in eight.
fn weighted(good: &'static [i64], edges: &'static [i64]) -> BoxedStrategy<i64> {
    prop_oneof![7 => select(good), 1 => select(edges)].boxed()
}

/// A value for a parameter of kind `role`.
fn arg(role: char) -> BoxedStrategy<i64> {
    const W: i64 = WINDOW;
    match role {
        'f' => weighted(&[0, 1, 1, 2, 3, 4, 5], &[-1, 0x7fff_ffff, 1024]),
        'F' => weighted(&[0, 1, 2, 3, 3], &[-1, 1024]),
        'd' => weighted(&[3, 3, 3, 4, 5], &[-1, 0, 1024]),
        'p' => weighted(
            &[W, W + 8, W + 16, W + 32, W + 48, W + 64],
            &[W + 1, W + 2, W + 4, W + 6, PAGE_END - 4, PAGE_END, 0xffff_fff0],
        ),
        'v' => weighted(&[IOVECS, IOVECS + 8, IOVECS + 16], &[IOVECS + 2, IOVECS + 4, PAGE_END - 4, 0xffff_fffc]),
        'n' => weighted(&[0, 1, 2, 3], &[4, 0x1000_0000, -1]),
        'l' => weighted(&[0, 1, 5, 11, 96], &[64, 0x1_0000, -1]),
        'g' => weighted(&[0, 1, 2, 3, 4, 8, 16], &[5, 12, 31, 32, 0xffff, 0x1_0000, -1]),
        'e' => weighted(&[0, 1, 2, 3], &[4, 5, 6, 30, 31, 255, 256, -1]),
        'w' => weighted(&[0, 1, 5], &[-1, 1 << 32, 0x3fff_ffff, 1 << 30, i64::MIN]),
        'a' => weighted(&[TEXT, TEXT + 12, TEXT + 24], &[PAGE_END - 1, PAGE_END]),
        'b' => weighted(&[W, W + 16, TEXT], &[PAGE_END - 1, PAGE_END]),
        's' => weighted(&[SUBSCRIPTIONS], &[SUBSCRIPTIONS + 4, SUBSCRIPTIONS + 8]),
        'c' => weighted(&[0, 1, 1, 2, 3], &[MAX_SUBSCRIPTIONS as i64]),
        'x' => weighted(&[0, 1, 3, 125], &[126, 255, -1]),
        other => unreachable!("no parameter kind {other}"),
    }
}

/// What language runtimes call at start-up and in ordinary use (libc's stdio, preopen scan, stat
/// and opendir, Go's and GHC's clocks and sleeps), drawn more often than the rest; `proc_exit`,
/// which ends a sequence, among the rest.
const COMMON: [&str; 18] = [
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_time_get",
    "fd_close",
    "fd_fdstat_get",
    "fd_filestat_get",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_read",
    "fd_readdir",
    "fd_seek",
    "fd_write",
    "path_filestat_get",
    "path_open",
    "poll_oneoff",
    "random_get",
];

fn call() -> impl Strategy<Value = Op> {
    let of =
        |names: &[&str]| -> Vec<_> { FUNCTIONS.iter().filter(|(name, _)| names.contains(name)).copied().collect() };
    // Writing and reading stdio, what every plugin that prints does, most of all.
    let (stdio, common) = (of(&["fd_write", "fd_read"]), of(&COMMON));
    prop_oneof![1 => select(stdio), 2 => select(common), 1 => select(&FUNCTIONS[..])].prop_flat_map(|(name, roles)| {
        args(roles).prop_map(move |mut args| {
            confine(name, &mut args);
            Op::Call { function: name.to_string(), args }
        })
    })
}

/// The arguments for `roles`; a path and its length (`al`) are drawn together, mostly from the
/// fixture's table.
fn args(roles: &str) -> BoxedStrategy<Vec<i64>> {
    let roles: Vec<char> = roles.chars().collect();
    let mut parts: Vec<BoxedStrategy<Vec<i64>>> = Vec::new();
    let mut i = 0;
    while i < roles.len() {
        if roles[i] == 'a' && roles.get(i + 1) == Some(&'l') {
            let table = (0..fixture::PATHS.len())
                .prop_map(|i| vec![PATH_TABLE + (i * fixture::PATH_SLOT) as i64, fixture::PATHS[i].len() as i64]);
            let edges = (arg('a'), arg('l')).prop_map(|(ptr, len)| vec![ptr, len]);
            parts.push(prop_oneof![7 => table, 1 => edges].boxed());
            i += 2;
        } else {
            parts.push(arg(roles[i]).prop_map(|value| vec![value]).boxed());
            i += 1;
        }
    }
    parts.prop_map(|parts| parts.concat()).boxed()
}

/// Keeps what the guest reads back legible, and a descriptor opened below the fixture off 0..=3,
/// where the calls that would change things (`F`) are aimed. Extism's read-only directory refuses
/// every change (`PERM`, from wasmtime-wasi's `FsPerms::ReadOnly`), `O_CREAT` and the write right
/// included, so those are drawn as they come.
fn confine(function: &str, args: &mut [i64]) {
    match function {
        // The guest blanks each dirent's padding by walking the names' lengths, which a count
        // written over the listing would hide.
        "fd_readdir" => {
            let (buf, len, used) = (args[1] as u32 as u64, args[2] as u32 as u64, args[4] as u32 as u64);
            if used < buf.saturating_add(len) && used + 4 > buf {
                args[4] = args[1] - 8;
            }
        }
        "fd_renumber" if !(0..=3).contains(&args[0]) && (0..=3).contains(&args[1]) => args[1] += 4,
        _ => {}
    }
}

fn event() -> impl Strategy<Value = Event> {
    // Stdio, the fixture's directory, the files opened below it, none. A file is not polled for
    // reading: in wasmtime-wasi that waits on a read in tokio's blocking pool, which a deadline
    // already due or a second file may or may not beat, so the real host's answer is a race.
    let fd = || prop_oneof![select(&[0i64, 1, 2, 3, 4, 4, 5][..]), Just(-1i64)];
    let unread = || prop_oneof![select(&[0i64, 1, 2, 3][..]), Just(-1i64)];
    prop_oneof![
        // An absolute deadline only at the clock's start, and relative ones far apart: the real
        // hosts' clocks run on while the virtual one does not, so closer deadlines could race.
        6 => (arg('e'), select(&[0u64, 0, 2_000_000][..]), select(&[0u16, 0, 1, 2][..]))
            .prop_map(|(id, timeout_ns, flags)| {
                let timeout_ns = if flags == 1 { 0 } else { timeout_ns };
                Event::Clock { id, timeout_ns, flags }
            }),
        2 => unread().prop_map(Event::FdRead),
        1 => fd().prop_map(Event::FdWrite),
        1 => select(&[3u8, 255][..]).prop_map(Event::Unknown),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let buf = weighted(&[WINDOW, WINDOW + 8, TEXT], &[PAGE_END - 8, PAGE_END, 0xffff_ff00]);
    let len = weighted(&[0, 1, 4, 11, 96], &[0x1_0000, -1]);
    prop_oneof![
        6 => call(),
        2 => (0..MAX_IOVECS, buf, len).prop_map(|(index, buf, len)| Op::Iovec { index, buf, len }),
        1 => (0..MAX_SUBSCRIPTIONS, any::<u8>(), event())
            .prop_map(|(index, userdata, event)| Op::Subscribe { index, userdata, event }),
    ]
}
