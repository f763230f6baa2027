use crate::sources::{sources, succeed, wasm_name};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
/// Rust's WASI toolchain: `std` over wasi-libc and WASI preview1.
const WASI_TARGET: &str = "wasm32-wasip1";

/// The guest workspaces and the target each is built for.
const WORKSPACES: [(&str, &str); 2] = [("guests", TARGET), ("guests/wasip1", WASI_TARGET)];

/// Builds every guest into the guest folder and returns it.
pub fn build() -> Result<PathBuf> {
    let root = concord::guests::workspace_root();
    let out = concord::guests::guest_dir();
    std::fs::create_dir_all(&out)?;
    let build_dir = root.join("target").join("guests-build");
    let mut built = Vec::new();
    for (workspace, target) in WORKSPACES {
        ensure_target(target)?;
        let status = Command::new(cargo())
            .args(["build", "--release", "--target", target, "--manifest-path"])
            .arg(root.join(workspace).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&build_dir)
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTFLAGS")
            .status()
            .with_context(|| format!("running cargo to build the guests in {workspace}"))?;
        if !status.success() {
            bail!("building the Rust guests in {workspace} failed ({status})");
        }
        for entry in std::fs::read_dir(build_dir.join(target).join("release"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                let name = path.file_name().expect("a file").to_owned();
                std::fs::copy(&path, out.join(&name))?;
                built.push(name.to_string_lossy().into_owned());
            }
        }
    }
    for path in sources(&root.join("guests").join("wat"), "wat")? {
        let wasm = wat::parse_file(&path).with_context(|| format!("assembling {}", path.display()))?;
        let name = wasm_name(&path);
        std::fs::write(out.join(&name), wasm)?;
        built.push(name);
    }
    match crate::zig::ensure() {
        Ok(zig) => built.extend(build_with_zig(&zig, &root, &out)?),
        Err(why) => eprintln!(
            "warning: the C and Zig guests are skipped, Zig is not installed ({why:#}); install it with `{}`",
            crate::zig::INSTALL_COMMAND
        ),
    }
    match crate::assemblyscript::build(&out) {
        Ok(names) => built.extend(names),
        Err(why) => eprintln!(
            "warning: the AssemblyScript guests are skipped ({why:#}); install the compiler with `{}`",
            crate::assemblyscript::INSTALL_COMMAND
        ),
    }
    built.sort();
    eprintln!("guests in {}: {}", display(&out), built.join(", "));
    Ok(out)
}

/// Every `guests/c/*.c` (clang and wasi-libc through `zig cc`, a WASI reactor) and every
/// `guests/zig/*.zig` (Zig's own standard library, no entry point, its exports kept).
fn build_with_zig(zig: &Path, root: &Path, out: &Path) -> Result<Vec<String>> {
    let mut built = Vec::new();
    for (folder, extension) in [("c", "c"), ("zig", "zig")] {
        for path in sources(&root.join("guests").join(folder), extension)? {
            let name = wasm_name(&path);
            let target = out.join(&name);
            let mut command = Command::new(zig);
            match extension {
                "c" => {
                    command.args(["cc", "--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-s", "-o"]).arg(&target)
                }
                _ => command
                    .args(["build-exe", "-target", "wasm32-wasi", "-fno-entry", "-rdynamic", "-O", "ReleaseSmall"])
                    .arg(format!("-femit-bin={}", target.display())),
            };
            command
                .arg(&path)
                .env("ZIG_GLOBAL_CACHE_DIR", crate::zig::cache_dir())
                .env("ZIG_LOCAL_CACHE_DIR", crate::zig::cache_dir());
            succeed(&mut command, &format!("building {} with Zig", path.display()))?;
            built.push(name);
        }
    }
    Ok(built)
}

fn display(path: &Path) -> String {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// The cargo that runs this xtask, so nested builds use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Installs `target` with rustup when the toolchain lacks it.
fn ensure_target(target: &str) -> Result<()> {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().context("running rustc")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib").join("rustlib").join(target).exists() {
        return Ok(());
    }
    eprintln!("installing the {target} target with rustup");
    let status = Command::new("rustup")
        .args(["target", "add", target])
        .status()
        .with_context(|| format!("running rustup: install it, or add the {target} target another way"))?;
    if !status.success() {
        bail!("`rustup target add {target}` failed ({status})");
    }
    Ok(())
}
