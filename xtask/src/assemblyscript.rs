//! AssemblyScript, for the guests in guests/assemblyscript: the compiler pinned in that folder's
//! package.json and lockfile, installed with `npm ci` into target/toolchains/assemblyscript on
//! first use (again when the lockfile changes), and run with the Node that `cargo xtask node`
//! installs (or the machine's).

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const INSTALL_COMMAND: &str = "cargo xtask assemblyscript";
const LOCKFILE: &str = "package-lock.json";
/// Written after a finished install, holding the lockfile it was made from.
const INSTALLED: &str = "installed-lock.json";

fn sources() -> PathBuf {
    concord::guests::workspace_root().join("guests").join("assemblyscript")
}

fn install_dir() -> PathBuf {
    concord::guests::workspace_root().join("target").join("toolchains").join("assemblyscript")
}

fn compiler() -> PathBuf {
    install_dir().join("node_modules").join("assemblyscript").join("bin").join("asc.js")
}

fn node() -> PathBuf {
    let pinned = concord_node::node_path();
    if pinned.exists() { pinned } else { PathBuf::from("node") }
}

/// The compiler, installed now if it is missing or its lockfile changed.
pub fn ensure() -> Result<PathBuf> {
    let pinned = std::fs::read_to_string(sources().join(LOCKFILE))?;
    let installed = std::fs::read_to_string(install_dir().join(INSTALLED)).unwrap_or_default();
    if !compiler().exists() || installed != pinned {
        install()?;
    }
    Ok(compiler())
}

/// `npm ci` of guests/assemblyscript's package files in target/toolchains/assemblyscript.
pub fn install() -> Result<()> {
    let dir = install_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for file in ["package.json", LOCKFILE] {
        std::fs::copy(sources().join(file), dir.join(file))?;
    }
    eprintln!("installing the AssemblyScript compiler into {} with npm ci", dir.display());
    crate::node::npm_ci(&dir)?;
    // Written last: only a finished install carries the lockfile it was made from.
    std::fs::copy(sources().join(LOCKFILE), dir.join(INSTALLED))?;
    Ok(())
}

/// Compiles every guests/assemblyscript/NAME.ts into `out`/NAME.wasm. Each guest exports its
/// own `abort`, which the runtime's failed assertions call instead of importing one.
pub fn build(out: &Path) -> Result<Vec<String>> {
    crate::node::ensure()?;
    let compiler = ensure()?;
    let mut built = Vec::new();
    for path in crate::sources::sources(&sources(), "ts")? {
        let name = crate::sources::wasm_name(&path);
        let stem = path.file_stem().expect("a file").to_string_lossy().into_owned();
        let mut command = Command::new(node());
        command
            .arg(&compiler)
            .arg(path.file_name().expect("a file"))
            .arg("--outFile")
            .arg(out.join(&name))
            .args(["--optimize", "--use", &format!("abort={stem}/abort")])
            .current_dir(sources());
        crate::sources::succeed(&mut command, &format!("compiling {} with AssemblyScript", path.display()))?;
        built.push(name);
    }
    Ok(built)
}
