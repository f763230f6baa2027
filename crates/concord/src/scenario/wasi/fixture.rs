//! The directory the `wasi` scenario preopens: a few files, a subdirectory and symlinks of every
//! kind a path may meet (to a file, to a directory, out of the directory, absolute, dangling, to
//! itself). Written once into the system's temporary directory and reused; Extism's Rust host
//! reads it from the disk (`ro:` in `allowed_paths`), Concord's WASI from its snapshot, so both
//! see the same inodes, sizes and listing order.

use concord_engine::wasi::Preopen;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Bump when the contents change, so that an old fixture is not reused.
const VERSION: u32 = 1;
pub const GUEST_PATH: &str = "/fixture";

/// The paths the generated calls name, each at most `PATH_SLOT` bytes (the guest holds them in
/// slots of that size): entries of the fixture, the ways out of it, and a name that is not UTF-8.
pub const PATHS: [&[u8]; 20] = [
    b"hello.txt",
    b"sub",
    b"sub/data.bin",
    b"link",
    b"dirlink/data.bin",
    b"..",
    b"sub/../hello.txt",
    b"hello.txt/",
    b"missing",
    b"escape",
    b"dangling",
    b"loop",
    b"/",
    b"absolute",
    b".",
    b"sub/",
    b"dirlink",
    b"empty",
    b"\xff\xfe",
    b"",
];
pub const PATH_SLOT: usize = 16;

/// The fixture as a preopen, or why it could not be made (then the scenario runs without it).
pub fn preopen() -> Result<Preopen, String> {
    static FIXTURE: OnceLock<Result<Preopen, String>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let dir = written().map_err(|e| format!("the wasi scenario's fixture: {e}"))?;
            Preopen::read(&dir, GUEST_PATH).map_err(|e| format!("the wasi scenario's fixture {}: {e}", dir.display()))
        })
        .clone()
}

fn written() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("concord-wasi-fixture-v{VERSION}"));
    if dir.join("complete").exists() {
        return Ok(dir);
    }
    // Written aside and renamed into place, so that two processes never see half a fixture.
    let aside = std::env::temp_dir().join(format!("concord-wasi-fixture-v{VERSION}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&aside);
    write(&aside)?;
    match std::fs::rename(&aside, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if dir.join("complete").exists() => {
            let _ = std::fs::remove_dir_all(&aside);
            Ok(dir)
        }
        Err(e) => Err(e),
    }
}

fn write(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("sub"))?;
    std::fs::write(dir.join("hello.txt"), "hello, preopened world\n")?;
    std::fs::write(dir.join("empty"), "")?;
    std::fs::write(dir.join("sub/data.bin"), (0..=199u8).collect::<Vec<_>>())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("hello.txt", dir.join("link"))?;
        symlink("sub", dir.join("dirlink"))?;
        symlink("../outside", dir.join("escape"))?;
        symlink("/etc/passwd", dir.join("absolute"))?;
        symlink("missing", dir.join("dangling"))?;
        symlink("loop", dir.join("loop"))?;
    }
    std::fs::write(dir.join("complete"), "")
}
