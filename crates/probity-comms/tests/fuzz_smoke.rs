//! The communications fuzzer (`examples/comms_fuzz`) run for a few hundred mutants of its
//! built-in seeds, so that it keeps building and running: none may panic or be lost without an
//! event or a dead letter. Time and memory are not judged here (a debug build is slow).

#[allow(dead_code)]
#[path = "../examples/comms_fuzz/engine.rs"]
mod engine;
#[allow(dead_code)]
#[path = "../examples/comms_fuzz/exec.rs"]
mod exec;
#[allow(dead_code)]
#[path = "../examples/comms_fuzz/mutate.rs"]
mod mutate;
#[allow(dead_code)]
#[path = "../examples/comms_fuzz/seeds.rs"]
mod seeds;

use probity_comms::CommsStage;

#[test]
fn a_few_hundred_mutants_of_the_built_in_seeds() {
    exec::quiet_panics();
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let stage = CommsStage::open_policies(data.path()).unwrap();
    let seeds = seeds::built_in();
    let config = engine::Config {
        seed: 7,
        start: 0,
        iterations: Some(240),
        deadline: None,
        out: None,
        work: work.path().to_path_buf(),
        judge_resources: false,
        max_corpus: 1_000,
        max_corpus_bytes: 64 * 1024 * 1024,
        progress_every: None,
    };
    let stats = engine::fuzz(&stage, &seeds, &config);
    // The test's own assertions print as usual.
    drop(std::panic::take_hook());
    assert_eq!(stats.execs, 240);
    assert!(stats.events > 0 && stats.dead_letters > 0, "{stats:?}");
    // Planted text a mutation moved into a multipart's preamble or epilogue is lost: a known
    // gap (docs/communications.md), so `text-loss` findings are not failures here.
    let failures: Vec<&String> = stats
        .distinct
        .keys()
        .filter(|key| !key.starts_with("text-loss"))
        .collect();
    assert!(failures.is_empty(), "{:#?}", stats.distinct);
    // The same seed makes the same mutants.
    let mut first = mutate::Rng::for_iteration(7, 42);
    let mut second = mutate::Rng::for_iteration(7, 42);
    let mut name = String::from("m.eml");
    let input = &seeds[1].bytes;
    assert_eq!(
        mutate::mutate(&mut first, &mut name.clone(), input, input),
        mutate::mutate(&mut second, &mut name, input, input)
    );
}
