//! The programs that run host scripts, each with one browser engine in it: Node (V8) and Bun
//! (JavaScriptCore), from npm into `target/node-host`; CPython with PythonMonkey (SpiderMonkey),
//! from PyPI into a virtual environment in `target/python-host`. Each is pinned (package.json
//! and its lockfile; python/requirements.txt with hashes) and installed by `cargo xtask`.

use std::path::PathBuf;
use std::process::Command;

/// A program that runs a host script, with what it needs before the script's path (the engine's
/// flags for Node, the pipe for Python) and in its environment (JavaScriptCore's options for
/// Bun). Its flags and environment hold for the whole process.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Runtime {
    /// Its name in messages: "the Node process".
    pub name: &'static str,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Runtime {
    /// Node, with V8's `flags`.
    pub fn node(flags: Vec<String>) -> Result<Runtime, String> {
        crate::node().map(|program| Runtime { name: "Node", program, args: flags, env: Vec::new() })
    }

    /// Bun, with JavaScriptCore's `options` (each set as `BUN_JSC_<name>`).
    pub fn bun(options: &[(&str, &str)]) -> Result<Runtime, String> {
        crate::node()?;
        let env = options.iter().map(|(name, value)| (format!("BUN_JSC_{name}"), value.to_string())).collect();
        Ok(Runtime { name: "Bun", program: bun_path(), args: Vec::new(), env })
    }

    /// CPython with PythonMonkey, running the pipe that hands the script its platform.
    pub fn pythonmonkey() -> Result<Runtime, String> {
        if !python_installed() {
            return Err(format!(
                "PythonMonkey {PYTHONMONKEY_VERSION} from crates/concord-node/python/requirements.txt is not installed in {}: run `{PYTHON_INSTALL_COMMAND}`",
                python_dir().display()
            ));
        }
        let pipe = concat!(env!("CARGO_MANIFEST_DIR"), "/python/pipe.py");
        Ok(Runtime { name: "PythonMonkey", program: python_path(), args: vec![pipe.into()], env: Vec::new() })
    }

    /// The command that runs `script`, from the install directory, where `require` finds the npm
    /// packages a script uses.
    pub fn command(&self, script: &str) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(script)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("NODE_PATH", crate::install_dir().join("node_modules"))
            .current_dir(crate::install_dir());
        command
    }
}

/// The Bun release package.json pins, and the WebKit commit its JavaScriptCore is built from.
pub const BUN_VERSION: &str = "1.4.5";
pub const WEBKIT_COMMIT: &str = "d6375c72affe0f70222cdcb45012b10f0bf3a9d5";

/// Bun's binary, from the npm package of its Linux x64 build.
pub fn bun_path() -> PathBuf {
    crate::install_dir().join("node_modules/@oven/bun-linux-x64/bin/bun")
}

/// The PythonMonkey release python/requirements.txt pins, and the SpiderMonkey it ships.
pub const PYTHONMONKEY_VERSION: &str = "1.4.1";
pub const SPIDERMONKEY_VERSION: &str = "136a1";

pub const PYTHON_INSTALL_COMMAND: &str = "cargo xtask python";

const REQUIREMENTS: &str = include_str!("../python/requirements.txt");

/// Where `cargo xtask python` makes the virtual environment: `target/python-host`.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/python-host")
}

pub fn python_path() -> PathBuf {
    python_dir().join("bin/python")
}

/// The requirements an install that succeeded leaves in [`python_dir`].
const PYTHON_INSTALLED: &str = "installed-requirements.txt";

/// Whether [`python_dir`] holds what requirements.txt pins.
pub fn python_installed() -> bool {
    let installed = std::fs::read_to_string(python_dir().join(PYTHON_INSTALLED));
    python_path().exists() && installed.is_ok_and(|text| text == REQUIREMENTS)
}

/// Records that the requirements were installed in [`python_dir`].
pub fn record_python_install() -> std::io::Result<()> {
    std::fs::write(python_dir().join(PYTHON_INSTALLED), REQUIREMENTS)
}

/// The pinned requirements, to install from.
pub fn python_requirements() -> &'static str {
    REQUIREMENTS
}
