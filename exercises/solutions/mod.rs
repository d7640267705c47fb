//! The reference solutions, one for each exercise, in a file of the same name. Try the
//! exercise first: `cargo run --bin check NAME --solution` shows one after a try.

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
