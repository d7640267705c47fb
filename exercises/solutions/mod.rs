//! The reference solutions, one for each exercise, in a file of the same name. Try the
//! exercise first: `cargo run --bin check NAME --solution` shows one after a try.

pub mod ex1_serial;
pub mod ex2_legacy_threads;
pub mod ex3a_cf_wait;
pub mod ex3b_cf_ascompleted;
pub mod ex4_cf_ascompleted_procs;
pub mod ex5_cf_procs_cm;
pub mod ex6_cf_map;
