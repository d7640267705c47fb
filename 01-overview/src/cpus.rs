//! Not a point of the lesson: which CPUs the two measuring parts may run their threads on.

use std::thread;

use core_affinity::CoreId;

/// How many CPUs this process may use.
pub fn count() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// The first CPU this process may use, if the OS really pins threads to it. Linux does;
/// elsewhere pinning may be refused or be only a hint, so try it on a throw-away thread.
pub fn one_to_pin_to() -> Option<CoreId> {
    let cpu = core_affinity::get_core_ids()?.first().copied()?;
    let pinned = thread::spawn(move || {
        core_affinity::set_for_current(cpu)
            && core_affinity::get_core_ids().is_some_and(|allowed| allowed.len() == 1)
    })
    .join()
    .unwrap_or(false);
    pinned.then_some(cpu)
}

/// Pins the calling thread to `cpu`: from then on the OS runs it on that CPU only.
pub fn pin_to(cpu: Option<CoreId>) {
    if let Some(cpu) = cpu {
        core_affinity::set_for_current(cpu);
    }
}

/// Prints how many CPUs there are and what the "1 CPU" rows of a table mean here.
pub fn print_machine(one_cpu: Option<CoreId>) {
    println!("This machine has {} CPUs.", count());
    match one_cpu {
        Some(cpu) => println!(
            "On the \"1 CPU\" rows every thread of the job is pinned to CPU {},\n\
             so only one of them can run at any instant.\n",
            cpu.id
        ),
        None => println!(
            "This system does not let a program pin its threads to a CPU, so the\n\
             \"1 CPU\" rows below ran on every CPU.\n"
        ),
    }
}
