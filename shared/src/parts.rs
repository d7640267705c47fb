//! `--part NAME[,NAME…]`: one way, in every lesson, to run some of its parts.
//!
//! A lesson names its parts after the files that hold them (the course scripts they port,
//! or the points of the notes they show) in an enum deriving [`clap::ValueEnum`], listed in
//! course order, and flattens [`PartArgs`] of that enum into its flags. `--help` then lists
//! the names, and with no `--part` every part runs, in course order.

use clap::ValueEnum;

/// The parts a run asked for. Flattened into a lesson's flags with `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct PartArgs<P: ValueEnum + Clone + Send + Sync + 'static> {
    /// The parts to run, by the name of their file, comma-separated (default: every part,
    /// in course order)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "NAME")]
    part: Vec<P>,
}

impl<P: ValueEnum + Clone + Send + Sync + PartialEq + 'static> PartArgs<P> {
    /// The parts to run, in the order asked for (each once), or every part in course order.
    pub fn selected(&self) -> Vec<P> {
        if self.part.is_empty() {
            return P::value_variants().to_vec();
        }
        let mut selected: Vec<P> = Vec::new();
        for part in &self.part {
            if !selected.contains(part) {
                selected.push(part.clone());
            }
        }
        selected
    }

    /// Runs `part` for each part to run, in that order, with a blank line between two parts.
    pub fn for_each(&self, mut part: impl FnMut(P)) {
        for (n, selected) in self.selected().into_iter().enumerate() {
            if n > 0 {
                println!();
            }
            // The part's name goes with its results and its sessions (`--results`, the
            // client's SSH identification string).
            if let Some(name) = selected.to_possible_value() {
                crate::run::set_part(name.get_name());
            }
            part(selected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
    #[value(rename_all = "snake_case")]
    enum Part {
        SshThreadsSimple,
        #[value(alias = "wait")]
        SshThreadsWait,
    }

    #[derive(Debug, Parser)]
    struct Args {
        #[command(flatten)]
        parts: PartArgs<Part>,
    }

    fn parse(args: &[&str]) -> Result<Vec<Part>, clap::Error> {
        let args = Args::try_parse_from(std::iter::once("lesson").chain(args.iter().copied()))?;
        Ok(args.parts.selected())
    }

    #[test]
    fn no_part_means_every_part_in_course_order() {
        assert_eq!(
            parse(&[]).unwrap(),
            [Part::SshThreadsSimple, Part::SshThreadsWait]
        );
    }

    #[test]
    fn parts_by_file_name_or_alias_each_once_in_the_order_asked() {
        assert_eq!(
            parse(&["--part", "wait,ssh_threads_simple,ssh_threads_wait"]).unwrap(),
            [Part::SshThreadsWait, Part::SshThreadsSimple]
        );
    }

    #[test]
    fn an_unknown_part_is_refused_with_the_names_that_exist() {
        let error = parse(&["--part", "nope"]).unwrap_err().to_string();
        assert!(
            error.contains("nope") && error.contains("ssh_threads_simple"),
            "{error}"
        );
    }
}
