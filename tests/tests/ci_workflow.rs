//! The committed GitHub Actions workflow (.github/workflows/conformance.yml) runs every shard and
//! merges exactly those: the matrix, each job's `--shard K/N` and the merge's files agree.

fn workflow() -> String {
    let path = concord::guests::workspace_root().join(".github/workflows/conformance.yml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value after `key:` on the first line that has it.
fn value<'a>(text: &'a str, key: &str) -> &'a str {
    let line = text.lines().find(|l| l.trim_start().starts_with(key)).unwrap_or_else(|| panic!("no {key}"));
    line.trim_start()[key.len()..].trim()
}

#[test]
fn every_shard_runs_and_the_merge_takes_them_all() {
    let text = workflow();
    let shards: Vec<usize> = value(&text, "shard: [")
        .trim_end_matches(']')
        .split(',')
        .map(|n| n.trim().parse().expect("a shard number"))
        .collect();
    let n = shards.len();
    assert_eq!(shards, (1..=n).collect::<Vec<_>>(), "shards 1 to N, each once");
    let run = format!("cargo xtask conformance --skip-costs --shard ${{{{ matrix.shard }}}}/{n}");
    assert!(text.contains(&run), "each job runs its shard of {n}: {run}");
    let uploaded = format!("report.shard-${{{{ matrix.shard }}}}-of-{n}.json");
    assert!(text.contains(&uploaded), "each job keeps its partial report: {uploaded}");
    assert!(text.contains("cargo xtask conformance --merge shards/report.shard-*.json --junit"), "the merge");
    assert!(text.contains("needs: shard") && text.contains("if: always()"), "the merge runs after every shard");
}
