//! Extism manifests, read with Extism's own `extism-manifest` crate: `concord check manifest.json`
//! checks the module a manifest names under the memory limit, timeout, config and read-only
//! directories it sets, the configuration an embedder ships. What Concord cannot give a plugin (a
//! writable directory, HTTP, several linked modules, a module fetched from a URL) is refused with
//! the reason, never silently dropped.

use anyhow::{Context, Result, bail};
use concord::engine::{MemoryLimit, sha256_hex};
use extism_manifest::{Manifest, Wasm, WasmMetadata};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a manifest ships: the module and the settings Concord applies to it.
#[derive(Debug)]
pub struct Shipped {
    pub wasm: Vec<u8>,
    pub memory_limit: Option<MemoryLimit>,
    pub timeout_ms: Option<u64>,
    pub config: BTreeMap<String, String>,
    /// Host directories offered read-only, with the paths the plugin opens them by.
    pub dirs: Vec<(PathBuf, String)>,
}

/// Whether `bytes` look like a JSON document rather than a module.
pub fn is_manifest(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

pub fn load(path: &Path, text: &[u8]) -> Result<Shipped> {
    let shown = path.display();
    let manifest: Manifest =
        serde_json::from_slice(text).with_context(|| format!("{shown} is not an Extism manifest"))?;
    let mut dirs = Vec::new();
    for (host, guest) in manifest.allowed_paths.iter().flatten() {
        let Some(read_only) = host.strip_prefix("ro:") else {
            bail!(
                "{shown}: allowed_paths offers {host} writable, and Concord offers directories only read-only \
                 (a snapshot read once, so that every engine sees the same files): write it \"ro:{host}\" to \
                 check the plugin with it read-only"
            );
        };
        dirs.push((PathBuf::from(read_only), guest.to_string_lossy().into_owned()));
    }
    if manifest.allowed_hosts.as_ref().is_some_and(|hosts| !hosts.is_empty()) {
        bail!(
            "{shown}: allowed_hosts lets the plugin make HTTP requests, which Concord's kernel does not make, so \
             this configuration cannot be checked as shipped (remove allowed_hosts to check the rest)"
        );
    }
    let wasm = match manifest.wasm.as_slice() {
        [] => bail!("{shown} names no module"),
        [one] => module(path, one)?,
        many => bail!("{shown} links {} modules; Concord checks one module at a time", many.len()),
    };
    Ok(Shipped {
        wasm,
        memory_limit: manifest.memory.max_pages.map(|pages| MemoryLimit::from_pages(pages.into())),
        timeout_ms: manifest.timeout_ms,
        config: manifest.config,
        dirs,
    })
}

/// The bytes of the module `wasm` names, a path taken from the manifest's directory, checked
/// against the manifest's hash if it gives one.
fn module(manifest: &Path, wasm: &Wasm) -> Result<Vec<u8>> {
    let (bytes, meta): (Vec<u8>, &WasmMetadata) = match wasm {
        Wasm::File { path, meta } => {
            let path = manifest.parent().unwrap_or(Path::new(".")).join(path);
            (std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?, meta)
        }
        Wasm::Data { data, meta } => (data.clone(), meta),
        Wasm::Url { req, .. } => bail!(
            "{} loads its module from {}; Concord fetches nothing: download it and name it by path",
            manifest.display(),
            req.url
        ),
    };
    if let Some(hash) = &meta.hash
        && !hash.eq_ignore_ascii_case(&sha256_hex(&bytes))
    {
        bail!("{}: the module's sha256 is {}, not the manifest's {hash}", manifest.display(), sha256_hex(&bytes));
    }
    Ok(bytes)
}
