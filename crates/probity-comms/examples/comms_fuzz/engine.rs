//! The fuzzing loop: pick an input from the corpus, mutate it, run it, keep it when it did
//! something new, save what it found.

use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use probity_comms::CommsStage;

use crate::exec::{self, Finding};
use crate::mutate::{self, Rng};
use crate::seeds::{Seed, sanitise};

/// What the loop is asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Decides every mutant: a run is repeated by giving the same seed.
    pub seed: u64,
    /// The first iteration (a restarted worker goes on from where the last one stopped).
    pub start: u64,
    /// Stop after this many iterations…
    pub iterations: Option<u64>,
    /// …or at this time.
    pub deadline: Option<Instant>,
    /// Where findings are saved (none: only counted).
    pub out: Option<PathBuf>,
    /// A scratch folder the inputs are written to for decoding.
    pub work: PathBuf,
    /// Whether time and memory are judged (not in a debug build's test).
    pub judge_resources: bool,
    /// Most inputs kept in the corpus besides the seeds.
    pub max_corpus: usize,
    /// Most bytes of the inputs kept in the corpus besides the seeds (see [`Corpus::keep`]).
    pub max_corpus_bytes: usize,
    /// Print progress this often (none: quiet).
    pub progress_every: Option<std::time::Duration>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Stats {
    pub execs: u64,
    pub corpus: usize,
    /// Bytes of the inputs kept besides the seeds, and how many were let go to stay in bounds.
    pub corpus_bytes: usize,
    pub evicted: u64,
    /// Occurrences by kind.
    pub findings: BTreeMap<&'static str, u64>,
    /// Distinct findings (kind and reason without numbers), with the first file saved for each.
    pub distinct: BTreeMap<String, (u64, Option<PathBuf>)>,
    pub seconds: f64,
    pub slowest: (f64, usize),
    pub peak_growth: u64,
    pub events: u64,
    pub dead_letters: u64,
}

/// The iteration and file name being run, for the watchdog and a supervisor.
#[derive(Debug, Default)]
pub struct Current {
    pub iteration: u64,
    pub name: String,
    pub started: Option<Instant>,
    pub cpu_at_start: f64,
}

pub static CURRENT: Mutex<Current> = Mutex::new(Current {
    iteration: 0,
    name: String::new(),
    started: None,
    cpu_at_start: 0.0,
});

/// Runs the loop over `seeds` (run first as they are, then mutated).
pub fn fuzz(stage: &CommsStage, seeds: &[Seed], config: &Config) -> Stats {
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut corpus = Corpus::new(seeds, config.max_corpus, config.max_corpus_bytes);
    let mut seen: HashSet<u64> = HashSet::new();
    let mut last_progress = Instant::now();
    let mut iteration = config.start;
    let state_file = config.work.join(".iteration");
    loop {
        if config
            .iterations
            .is_some_and(|n| iteration >= config.start + n)
        {
            break;
        }
        if config.deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if corpus.is_empty() {
            break;
        }
        let mut rng = Rng::for_iteration(config.seed, iteration);
        let mut canary = false;
        let (mut name, bytes) = if (iteration as usize) < seeds.len() {
            let seed = &seeds[iteration as usize];
            (seed.name.clone(), seed.bytes.clone())
        } else {
            let base = corpus.get(rng.below(corpus.len()));
            let other = corpus.get(rng.below(corpus.len()));
            let mut name = base.name.clone();
            let mut bytes = mutate::mutate(&mut rng, &mut name, &base.bytes, &other.bytes);
            canary = rng.one_in(3) && mutate::plant_canary(&mut rng, &mut bytes);
            (name, bytes)
        };
        name = sanitise(&name);
        let _ = std::fs::write(&state_file, format!("{iteration}\n{name}\n"));
        if let Ok(mut current) = CURRENT.lock() {
            current.iteration = iteration;
            current.name.clone_from(&name);
            current.started = Some(Instant::now());
            current.cpu_at_start = exec::thread_cpu_seconds();
        }
        let report = exec::run(stage, &config.work, &name, &bytes, canary);
        if let Ok(mut current) = CURRENT.lock() {
            current.started = None;
        }
        stats.execs += 1;
        stats.events += report.events as u64;
        stats.dead_letters += report.dead_letters as u64;
        if report.cpu_seconds > stats.slowest.0 {
            stats.slowest = (report.cpu_seconds, bytes.len());
        }
        stats.peak_growth = stats.peak_growth.max(report.memory_growth);
        for finding in &report.findings {
            if !config.judge_resources && matches!(finding.kind, "hang" | "memory") {
                continue;
            }
            *stats.findings.entry(finding.kind).or_default() += 1;
            let key = format!("{}: {}", finding.kind, exec::shape(&finding.reason));
            let entry = stats.distinct.entry(key).or_insert((0, None));
            entry.0 += 1;
            // Every occurrence is logged; the input is saved for the first.
            if let Some(out) = &config.out
                && let Some(saved) = save(out, finding, &name, &bytes, config.seed, iteration)
            {
                entry.1 = Some(saved);
            }
        }
        if seen.insert(report.features)
            && bytes.len() <= mutate::MAX_MUTANT_BYTES / 4
            && report.findings.is_empty()
            && !canary
        {
            corpus.keep(Seed { name, bytes });
        }
        iteration += 1;
        if let Some(every) = config.progress_every
            && last_progress.elapsed() >= every
        {
            last_progress = Instant::now();
            stats.corpus = corpus.len();
            stats.corpus_bytes = corpus.kept_bytes();
            stats.evicted = corpus.evicted();
            print_progress(&stats, started.elapsed().as_secs_f64());
        }
    }
    stats.corpus = corpus.len();
    stats.corpus_bytes = corpus.kept_bytes();
    stats.evicted = corpus.evicted();
    stats.seconds = started.elapsed().as_secs_f64();
    stats
}

/// Progress, with the corpus's size and the process's resident memory (`VmRSS`).
pub fn print_progress(stats: &Stats, seconds: f64) {
    println!(
        "{:>7.0} s  {} execs  {:.0}/s  corpus {} ({} MiB kept, {} let go)  resident {} MiB  findings {:?}  slowest {:.2} s ({} bytes)  peak growth {} MiB",
        seconds,
        stats.execs,
        stats.execs as f64 / seconds.max(1e-9),
        stats.corpus,
        stats.corpus_bytes >> 20,
        stats.evicted,
        exec::status_bytes("VmRSS") >> 20,
        stats.findings,
        stats.slowest.0,
        stats.slowest.1,
        stats.peak_growth >> 20
    );
}

/// The inputs mutated: the seeds, always kept, then the mutants kept for doing something new,
/// bounded in number and in bytes.
#[derive(Debug)]
pub struct Corpus {
    entries: Vec<Seed>,
    seeds: usize,
    kept_bytes: usize,
    max_kept: usize,
    max_kept_bytes: usize,
    evicted: u64,
}

impl Corpus {
    pub fn new(seeds: &[Seed], max_kept: usize, max_kept_bytes: usize) -> Self {
        Corpus {
            entries: seeds.to_vec(),
            seeds: seeds.len(),
            kept_bytes: 0,
            max_kept,
            max_kept_bytes,
            evicted: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, index: usize) -> &Seed {
        &self.entries[index]
    }

    /// Bytes of the mutants kept (the seeds not counted).
    pub fn kept_bytes(&self) -> usize {
        self.kept_bytes
    }

    /// Mutants let go to keep the corpus within its bytes.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Keeps `mutant` unless the corpus holds its most mutants already; then, while the kept
    /// mutants' bytes are past the bound, lets the largest go (the earliest kept of equal size),
    /// which may be `mutant` itself. The seeds are never let go. Which mutants stay depends only
    /// on what was offered, in order: a run stays determined by its seed.
    pub fn keep(&mut self, mut mutant: Seed) {
        if self.entries.len() >= self.seeds + self.max_kept {
            return;
        }
        // A mutation can leave a buffer far larger than its input: the corpus holds only bytes.
        mutant.bytes.shrink_to_fit();
        self.kept_bytes += mutant.bytes.len();
        self.entries.push(mutant);
        while self.kept_bytes > self.max_kept_bytes {
            let mut largest = self.seeds;
            for index in self.seeds..self.entries.len() {
                if self.entries[index].bytes.len() > self.entries[largest].bytes.len() {
                    largest = index;
                }
            }
            let gone = self.entries.remove(largest);
            self.kept_bytes -= gone.bytes.len();
            self.evicted += 1;
        }
    }
}

/// Saves a finding's input and reason under `out` as `KIND-HASH/NAME` (the name it was decoded
/// under, which can decide its format) and `KIND-HASH.txt`, once
/// per kind and reason (numbers left out); every occurrence is appended to `findings.log`.
pub fn save(
    out: &Path,
    finding: &Finding,
    name: &str,
    bytes: &[u8],
    seed: u64,
    iteration: u64,
) -> Option<PathBuf> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    finding.kind.hash(&mut hasher);
    exec::shape(&finding.reason).hash(&mut hasher);
    let id = format!("{}-{:016x}", finding.kind, hasher.finish());
    let input = out.join(&id).join(name);
    let note = out.join(format!("{id}.txt"));
    let _ = std::fs::create_dir_all(out.join(&id));
    let line = format!(
        "{id}\titeration {iteration}\t{} bytes\t{}\n",
        bytes.len(),
        finding.reason.replace('\n', " ")
    );
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("findings.log"))
        .and_then(|mut log| std::io::Write::write_all(&mut log, line.as_bytes()));
    if note.exists() {
        return None;
    }
    let text = format!(
        "kind: {}\nreason: {}\ninput: {} ({} bytes, decoded under the name {name})\nseed {seed}, iteration {iteration}\nreplay: comms_fuzz --replay {}\n",
        finding.kind,
        finding.reason,
        input.display(),
        bytes.len(),
        input.display()
    );
    let _ = std::fs::write(&input, bytes);
    let _ = std::fs::write(&note, text);
    Some(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, size: usize) -> Seed {
        Seed {
            name: name.into(),
            bytes: vec![b'x'; size],
        }
    }

    fn names(corpus: &Corpus) -> Vec<&str> {
        (0..corpus.len())
            .map(|index| corpus.get(index).name.as_str())
            .collect()
    }

    /// Past its bytes the corpus lets its largest kept mutants go, the earliest of equal size
    /// first, the new one among them; the seeds stay, however large, and are not counted.
    #[test]
    fn the_corpus_lets_its_largest_mutants_go_past_its_bytes() {
        let seeds = [input("seed", 500)];
        let mut corpus = Corpus::new(&seeds, 100, 100);
        corpus.keep(input("a", 40));
        corpus.keep(input("b", 30));
        corpus.keep(input("c", 30));
        assert_eq!(names(&corpus), ["seed", "a", "b", "c"]);
        assert_eq!((corpus.kept_bytes(), corpus.evicted()), (100, 0));
        // 110 bytes: the largest, a, goes.
        corpus.keep(input("d", 10));
        assert_eq!(names(&corpus), ["seed", "b", "c", "d"]);
        // A mutant larger than all the rest is the one let go.
        corpus.keep(input("e", 40));
        assert_eq!(names(&corpus), ["seed", "b", "c", "d"]);
        assert_eq!((corpus.kept_bytes(), corpus.evicted()), (70, 2));
        // 105 bytes: b, c and f are the largest; b was kept first and goes.
        corpus.keep(input("f", 30));
        corpus.keep(input("g", 5));
        assert_eq!(names(&corpus), ["seed", "c", "d", "f", "g"]);
        assert_eq!((corpus.kept_bytes(), corpus.evicted()), (75, 3));
    }

    /// Past its number of mutants the corpus keeps no more (the earlier rule, kept).
    #[test]
    fn the_corpus_keeps_no_more_than_its_number_of_mutants() {
        let seeds = [input("seed", 1)];
        let mut corpus = Corpus::new(&seeds, 2, 1_000);
        for name in ["a", "b", "c"] {
            corpus.keep(input(name, 1));
        }
        assert_eq!(names(&corpus), ["seed", "a", "b"]);
        assert_eq!(corpus.evicted(), 0);
    }

    /// What a kept mutant holds is counted by its length, its spare buffer given back.
    #[test]
    fn a_kept_mutant_holds_no_spare_buffer() {
        let mut corpus = Corpus::new(&[], 10, 1_000);
        let mut bytes = Vec::with_capacity(1 << 20);
        bytes.extend_from_slice(b"short");
        corpus.keep(Seed {
            name: "a".into(),
            bytes,
        });
        assert!(corpus.get(0).bytes.capacity() < 1024);
        assert_eq!(corpus.kept_bytes(), 5);
    }
}
