//! `--shard K/N` runs folded with `--merge` give the same report as one full run.

use concord::case::load_cases;
use concord::case_result::entries;
use concord::runner::Runner;
use concord_report::Report;
use concord_tests::engines;
use concord_verdict::divergence::Divergences;

#[test]
fn shards_merge_into_the_full_matrix() {
    let dir = concord::conformance_dir();
    let divergences = Divergences::load(&dir.join("divergences.toml")).unwrap();
    let cases = load_cases(&dir.join("cases")).unwrap();
    let mut runner = Runner::new(engines().to_vec());
    let results: Vec<_> = cases.iter().map(|c| runner.run(c, &divergences)).collect();
    let full = Report::new(engines(), entries(&results), &divergences);

    let shard = |k: usize, n: usize| {
        let part: Vec<_> = results.iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, r)| r.clone()).collect();
        // Partial reports travel as JSON between CI jobs.
        let json = serde_json::to_string(&Report::new(engines(), entries(&part), &divergences)).unwrap();
        serde_json::from_str::<Report>(&json).unwrap()
    };
    let merged = Report::merge(vec![shard(2, 3), shard(1, 3), shard(3, 3)], &divergences);

    assert_eq!(merged.matrix(), full.matrix());
    assert_eq!(serde_json::to_value(&merged.summary).unwrap(), serde_json::to_value(&full.summary).unwrap());
    assert_eq!(merged.stale.len(), full.stale.len());
    let verdicts = |r: &Report| {
        r.results.iter().map(|e| (e.scenario.clone(), e.case.clone(), e.engine.clone(), e.verdict)).collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&merged), verdicts(&full));
}
