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
        let locked = locked_version(&info.engine);
        assert!(locked.contains(&info.version), "{} reports {} but Cargo.lock has {locked:?}", info.id, info.version);
    }
}

#[test]
fn engine_ids_are_the_stable_ones() {
    let ids: Vec<_> = engines().iter().map(|e| e.id().to_string()).collect();
    assert_eq!(
        ids,
        [
            "wasmtime-cranelift",
            "wasmtime-winch",
            "wasmtime-pulley",
            "wasmtime-cranelift-pooling",
            "wasmer-cranelift",
            "wasmer-singlepass",
            "wasmi",
            "tinywasm",
            "extism"
        ]
    );
}
