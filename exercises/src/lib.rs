//! The exercises: a file for each in `src/`, the function in it yours to write, and
//! `cargo run --bin check` to grade it against a lab of its own. The grade comes from what
//! the lab's devices saw (sessions open at once, which process and thread opened each, when
//! each ended against when its result was printed), not only from what the program printed.
//!
//! The reference solutions are in `solutions/`, apart: `check NAME --solution` shows one
//! once you have tried that exercise.

pub mod ex10_full_pipe;
pub mod ex11_async_pool;
pub mod ex12_blocking_call;
pub mod ex13_retries;
pub mod ex14_max_threads;
pub mod ex1_serial;
pub mod ex2_legacy_threads;
pub mod ex3a_cf_wait;
pub mod ex3b_cf_ascompleted;
pub mod ex4_cf_ascompleted_procs;
pub mod ex5_cf_procs_cm;
pub mod ex6_cf_map;
pub mod ex7_printer;
pub mod ex8_ok_count;
pub mod ex9_lock_order;

/// The checker: the catalogue of exercises, how a grade runs, and `check`'s command line.
#[path = "../grader/mod.rs"]
pub mod grader;
pub mod queue;

/// The reference solutions, one file for each exercise, of the same name.
#[path = "../solutions/mod.rs"]
pub mod solutions;
