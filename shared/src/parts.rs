//! `--part NAME[,NAME…]`: one way, in every lesson, to run some of its parts.
//!
//! A lesson names its parts after the files that hold them (the course scripts they port,
//! or the points of the notes they show) in an enum deriving [`clap::ValueEnum`], listed in
//! course order, and flattens [`PartArgs`] of that enum into its flags. `--help` then lists
//! the names (with their short aliases), and with no `--part` every part runs, in course
//! order.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::ValueEnum;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;

/// The parts a run asked for. Flattened into a lesson's flags with `#[command(flatten)]`.
#[derive(Debug, Clone, clap::Args)]
pub struct PartArgs<P: ValueEnum + Clone + Send + Sync + 'static> {
    /// The parts to run, by the name of their file, comma-separated (default: every part,
    /// in course order)
    #[arg(long, value_parser = PartName::<P>(PhantomData), value_delimiter = ',',
          value_name = "NAME")]
    part: Vec<P>,
}

/// Reads one part name: clap's own parser for an enum, plus the aliases in `--help` and a
/// plain message for an empty name (`--part queue,`).
#[derive(Debug, Clone, Copy)]
struct PartName<P>(PhantomData<P>);

impl<P: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for PartName<P> {
    type Value = P;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<P, clap::Error> {
        let name = value.to_string_lossy();
        let names = || {
            let names: Vec<String> = P::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value)
                .map(|v| {
                    let mut names = v.get_name_and_aliases();
                    let name = names.next().unwrap_or_default();
                    let aliases: Vec<&str> = names.collect();
                    match aliases.as_slice() {
                        [] => name.to_string(),
                        _ => format!("{name} (or {})", aliases.join(", ")),
                    }
                })
                .collect();
            names.join(", ")
        };
        let message = if name.is_empty() {
            format!(
                "--part has an empty part name (a comma too many?): give names separated by \
                 commas, from: {}",
                names()
            )
        } else {
            match P::from_str(&name, false) {
                Ok(part) => return Ok(part),
                Err(_) => format!("--part: there is no part `{name}`; the parts: {}", names()),
            }
        };
        Err(clap::Error::raw(ErrorKind::InvalidValue, message + "\n").with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let values = P::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value);
        Some(Box::new(values.map(|value| {
            let aliases: Vec<&str> = value.get_name_and_aliases().skip(1).collect();
            if aliases.is_empty() {
                return value;
            }
            let help = value.get_help().map(|h| h.to_string()).unwrap_or_default();
            value
                .clone()
                .help(format!("{help} (also `{}`)", aliases.join("`, `")))
        })))
    }
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
        /// One thread
        SshThreadsSimple,
        /// Waits
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
            error.contains("no part `nope`")
                && error.contains("ssh_threads_simple, ssh_threads_wait (or wait)"),
            "{error}"
        );
    }

    /// `--part wait,` is not "a value is required but none was supplied".
    #[test]
    fn an_empty_part_name_is_called_so() {
        for args in [&["--part", "wait,"][..], &["--part="], &["--part", ",wait"]] {
            let error = parse(args).unwrap_err().to_string();
            assert!(error.contains("--part has an empty part name"), "{error}");
        }
    }

    #[test]
    fn help_lists_each_part_with_its_aliases() {
        let help = <Args as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        assert!(help.contains("ssh_threads_wait:"), "{help}");
        assert!(help.contains("(also `wait`)"), "{help}");
    }
}
