use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";

/// Builds every guest into the guest folder and returns it.
pub fn build() -> Result<PathBuf> {
    let root = concord::guests::workspace_root();
    let out = concord::guests::guest_dir();
    std::fs::create_dir_all(&out)?;
    ensure_target()?;

    let build_dir = root.join("target").join("guests-build");
    let status = Command::new(cargo())
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(root.join("guests").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&build_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status()
        .context("running cargo to build the guests")?;
    if !status.success() {
        bail!("building the Rust guests failed ({status})");
    }
    let mut built = Vec::new();
    for entry in std::fs::read_dir(build_dir.join(TARGET).join("release"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let name = path.file_name().expect("a file").to_owned();
            std::fs::copy(&path, out.join(&name))?;
            built.push(name.to_string_lossy().into_owned());
        }
    }
    for entry in std::fs::read_dir(root.join("guests").join("wat"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wat") {
            let wasm = wat::parse_file(&path).with_context(|| format!("assembling {}", path.display()))?;
            let name = format!("{}.wasm", path.file_stem().expect("a file").to_string_lossy());
            std::fs::write(out.join(&name), wasm)?;
            built.push(name);
        }
    }
    built.sort();
    eprintln!("guests in {}: {}", display(&out), built.join(", "));
    Ok(out)
}

fn display(path: &Path) -> String {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// The cargo that runs this xtask, so nested builds use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Installs the wasm32 target with rustup when the toolchain lacks it.
fn ensure_target() -> Result<()> {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().context("running rustc")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib").join("rustlib").join(TARGET).exists() {
        return Ok(());
    }
    eprintln!("installing the {TARGET} target with rustup");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .context("running rustup: install it, or add the wasm32-unknown-unknown target another way")?;
    if !status.success() {
        bail!("`rustup target add {TARGET}` failed ({status})");
    }
    Ok(())
}
