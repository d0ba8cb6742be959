//! The memory budget of the embedded engine: one limit for every DuckDB connection Casefile opens
//! (the case, its job connections, scratch databases), and where DuckDB spills past it.
//!
//! The budget comes from, first to last: what the CLI's `--memory-limit` or the app's settings set
//! ([`set_memory_limit`]), `CASEFILE_MEMORY_LIMIT`, or half of the machine's memory (DuckDB's own
//! default is 80%, which leaves a laptop's app and browser too little). A case spills beside
//! itself (`CASE.tmp`, DuckDB's own choice for a file); scratch connections in memory spill under
//! the system's temporary folder.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The environment variable read when neither the CLI nor the app sets a budget.
pub const MEMORY_LIMIT_ENV: &str = "CASEFILE_MEMORY_LIMIT";

/// DuckDB needs some room for its buffers; below this it fails on ordinary queries.
pub(crate) const SMALLEST: u64 = 256 << 20;

static CHOSEN: Mutex<Option<u64>> = Mutex::new(None);

/// Sets the budget for connections opened from now on (`None`: back to the environment or the
/// default).
pub fn set_memory_limit(bytes: Option<u64>) {
    *CHOSEN.lock().unwrap_or_else(|p| p.into_inner()) = bytes;
}

/// The budget in bytes, and where it came from.
pub fn memory_limit() -> Result<(u64, LimitOrigin)> {
    if let Some(bytes) = *CHOSEN.lock().unwrap_or_else(|p| p.into_inner()) {
        return Ok((bytes, LimitOrigin::Set));
    }
    match std::env::var(MEMORY_LIMIT_ENV) {
        Ok(text) if !text.trim().is_empty() => Ok((
            parse_memory_limit(&text, MEMORY_LIMIT_ENV)?,
            LimitOrigin::Environment,
        )),
        _ => Ok((default_memory_limit(), LimitOrigin::Default)),
    }
}

/// What DuckDB gets of `budget`: the budget less a reserve for Casefile's own memory (its
/// batches, polars frames, the app), a quarter of it and at least 256 MiB, so that the process as
/// a whole, not only DuckDB's buffers, stays within the budget (DuckDB given all of a 4 GB budget
/// peaked the process at 4.4 GB; with a fifth kept back, the training set and the bundle export of
/// a 30M-event case peaked at 97-99% of it).
pub fn duckdb_share(budget: u64) -> u64 {
    let reserve = (budget / 4).max(SMALLEST);
    budget.saturating_sub(reserve).max(SMALLEST)
}

/// DuckDB's memory limit for connections opened now: [`duckdb_share`] of the budget in force.
pub fn duckdb_limit() -> Result<u64> {
    memory_limit().map(|(bytes, _)| duckdb_share(bytes))
}

/// The budget in force, for the app's settings and `casefile info`-like answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct MemoryBudget {
    #[ts(type = "number")]
    pub bytes: u64,
    /// The budget in words: "4.0 GiB".
    pub text: String,
    pub origin: LimitOrigin,
    #[ts(type = "number")]
    pub machine_bytes: u64,
}

/// The budget connections get now.
pub fn budget() -> Result<MemoryBudget> {
    let (bytes, origin) = memory_limit()?;
    Ok(MemoryBudget {
        bytes,
        text: describe(bytes),
        origin,
        machine_bytes: physical_memory(),
    })
}

/// Where the budget in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LimitOrigin {
    /// `--memory-limit` or the app's settings.
    Set,
    /// `CASEFILE_MEMORY_LIMIT`.
    Environment,
    /// Half of the machine's memory.
    Default,
}

/// Half of the machine's physical memory, at least 1 GiB.
pub fn default_memory_limit() -> u64 {
    (physical_memory() / 2).max(1 << 30)
}

/// The machine's physical memory in bytes.
pub fn physical_memory() -> u64 {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    system.total_memory()
}

/// Reads a budget as people write it: `4GB`, `4 GiB`, `512MB`, `2.5G`, or a share of the machine,
/// `50%`. `origin` names where the text came from, for the error.
pub fn parse_memory_limit(text: &str, origin: &str) -> Result<u64> {
    let bad = |why: &str| {
        Error::BadArgument {
        message: format!(
            "{origin} is \"{}\", which is not a memory size: {why}. Write it like 4GB, 512MB or 50%.",
            text.trim()
        ),
    }
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| bad("it does not start with a number"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let bytes = match unit.as_str() {
        "%" => {
            if number <= 0.0 || number > 100.0 {
                return Err(bad("a share must be above 0% and at most 100%"));
            }
            physical_memory() as f64 * number / 100.0
        }
        "" | "b" => number,
        "k" | "kb" | "kib" => number * 1024.0,
        "m" | "mb" | "mib" => number * (1u64 << 20) as f64,
        "g" | "gb" | "gib" => number * (1u64 << 30) as f64,
        "t" | "tb" | "tib" => number * (1u64 << 40) as f64,
        _ => return Err(bad("the unit is not one of B, KB, MB, GB, TB or %")),
    };
    let bytes = bytes as u64;
    if bytes < SMALLEST {
        return Err(bad("the embedded engine needs at least 256 MB"));
    }
    Ok(bytes)
}

/// Where an in-memory scratch connection spills.
pub fn scratch_spill_dir() -> PathBuf {
    std::env::temp_dir().join(format!("casefile-spill-{}", std::process::id()))
}

/// A size for people: 4.0 GiB, 512 MiB.
pub fn describe(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// While one is alive, memory the Rust side frees goes back to the system at once, instead of
/// being kept by the allocator (mimalloc) for a second in case it is asked for again. A job that
/// frees a gigabyte of a busy stream's events and then runs a DuckDB statement that takes DuckDB's
/// whole share holds both for that second: the training set of a 30M-event case peaked at 4.76 GB
/// under a 4 GB budget, 3.5 GB with freed memory returned at once (in the same time). Not for
/// every job: returning at once cost the decision view a fifth of its time (a 10 ms delay, a tenth).
pub struct FreedMemoryReturned(());

/// How many [`FreedMemoryReturned`] are alive, and the delay to restore when the last one goes.
static RETURNING: Mutex<(usize, std::ffi::c_long)> = Mutex::new((0, 0));

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_t`, the same in mimalloc 2 and 3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

impl FreedMemoryReturned {
    pub fn start() -> FreedMemoryReturned {
        let mut returning = RETURNING.lock().unwrap_or_else(|p| p.into_inner());
        if returning.0 == 0 {
            // SAFETY: mimalloc's options are atomics it reads when it purges; reading and setting
            // one is allowed at any time, from any thread (and harmless where another allocator
            // is the global one: mimalloc is linked in with this crate either way).
            returning.1 = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
            unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
        }
        returning.0 += 1;
        FreedMemoryReturned(())
    }
}

impl Drop for FreedMemoryReturned {
    fn drop(&mut self) {
        let mut returning = RETURNING.lock().unwrap_or_else(|p| p.into_inner());
        returning.0 -= 1;
        if returning.0 == 0 {
            // SAFETY: as in `start`.
            unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, returning.1) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_is_returned_at_once_while_a_guard_lives_and_mimallocs_delay_comes_back_after() {
        let delay = || unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        {
            let returning = RETURNING.lock().unwrap();
            // The option read is mimalloc's purge delay: mimalloc 3 starts it at 1000 ms (no
            // other of its options starts at 1000), unless a guard of another test is alive.
            if returning.0 == 0 {
                assert_eq!(delay(), 1000);
            }
        }
        let outer = FreedMemoryReturned::start();
        let inner = FreedMemoryReturned::start();
        assert_eq!(delay(), 0);
        drop(inner);
        assert_eq!(delay(), 0, "the outer guard still lives");
        drop(outer);
        let returning = RETURNING.lock().unwrap();
        if returning.0 == 0 {
            assert_eq!(delay(), 1000);
        }
    }

    #[test]
    fn duckdb_gets_the_budget_less_a_reserve_for_the_rest_of_the_process() {
        // 4 GiB: a quarter (1 GiB) kept back, 3 GiB for DuckDB.
        assert_eq!(duckdb_share(4 << 30), 3 << 30);
        // 1 GiB: a quarter is 256 MiB, the least kept back.
        assert_eq!(duckdb_share(1 << 30), 768 << 20);
        // Below DuckDB's working minimum nothing is kept back.
        assert_eq!(duckdb_share(256 << 20), 256 << 20);
    }

    #[test]
    fn a_memory_limit_is_read_in_the_units_people_write() {
        assert_eq!(
            parse_memory_limit("4GB", "x").unwrap(),
            4 * 1024 * 1024 * 1024
        );
        assert_eq!(parse_memory_limit(" 4 GiB ", "x").unwrap(), 4 << 30);
        assert_eq!(parse_memory_limit("512mb", "x").unwrap(), 512 << 20);
        assert_eq!(parse_memory_limit("1.5G", "x").unwrap(), 3 << 29);
        assert_eq!(parse_memory_limit("1073741824", "x").unwrap(), 1 << 30);
        let half = parse_memory_limit("50%", "x").unwrap();
        assert_eq!(half, (physical_memory() as f64 * 0.5) as u64);
    }

    #[test]
    fn a_memory_limit_that_is_not_a_size_is_refused_with_the_reason() {
        for (text, why) in [
            ("lots", "does not start with a number"),
            ("4 parsecs", "unit is not one of"),
            ("0%", "share must be above 0%"),
            ("150%", "at most 100%"),
            ("10MB", "at least 256 MB"),
        ] {
            let e = parse_memory_limit(text, "--memory-limit").unwrap_err();
            let message = e.to_string();
            assert!(message.contains(why), "{text}: {message}");
            assert!(message.starts_with("--memory-limit is"), "{message}");
        }
    }
}
