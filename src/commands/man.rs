//! `hashlock man [COMMAND]` (hidden): the man page, generated from the clap
//! definitions (clap_mangen), as roff on stdout. A subprogram of the binary rather
//! than a build step, so every install of the binary (the wheel too) carries it.

use clap::CommandFactory as _;

use crate::cli::{Cli, ManArgs};
use crate::exit::{Failure, Outcome};
use crate::output::print_stdout;

/// Prints `hashlock(1)`, or `hashlock-COMMAND(1)`.
pub(super) fn run(args: &ManArgs) -> Result<Outcome, Failure> {
    let mut top = Cli::command();
    // Completes `bin_name` and the help of every subcommand, as `--help` would.
    top.build();
    let man = match &args.command {
        None => clap_mangen::Man::new(top),
        Some(name) => {
            let Some(sub) = top.find_subcommand(name).filter(|sub| !sub.is_hide_set()) else {
                let names: Vec<&str> = top
                    .get_subcommands()
                    .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
                    .map(|sub| sub.get_name())
                    .collect();
                let report = miette::miette!(
                    help = format!("pick one of: {}", names.join(", ")),
                    "`{name}` is not a hashlock command"
                );
                return Err(Failure::new(Outcome::BadInput, [report]));
            };
            let title = format!("{}-{}", top.get_name(), sub.get_name());
            clap_mangen::Man::new(sub.clone())
                .title(title)
                .source(format!("hashlock {}", env!("CARGO_PKG_VERSION")))
        }
    };
    let mut roff = Vec::new();
    man.render(&mut roff)
        .map_err(|err| Failure::new(Outcome::BadInput, [miette::miette!("{err}")]))?;
    print_stdout(&String::from_utf8_lossy(&roff))?;
    Ok(Outcome::Ok)
}
