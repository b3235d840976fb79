//! Whether error reports are coloured: `--color`, then the environment conventions
//! other command-line tools follow, then whether stderr is a terminal.
//!
//! The order is the flag (`always`, `never`), then `NO_COLOR` (<https://no-color.org>),
//! then `FORCE_COLOR` (<https://force-color.org>) or `CLICOLOR_FORCE`
//! (<https://bixense.com/clicolors/>), then a terminal that is not `TERM=dumb`. Only
//! the miette reports take colour: progress, summaries and stdout never do.

use std::ffi::OsString;

use crate::cli::Color;

/// Whether reports on stderr are coloured, given the flag, a way to read the
/// environment, and whether stderr is a terminal.
pub fn enabled(flag: Color, env: impl Fn(&str) -> Option<OsString>, terminal: bool) -> bool {
    match flag {
        Color::Always => return true,
        Color::Never => return false,
        Color::Auto => {}
    }
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    // `0` and `false` are how people turn a forcing variable off without unsetting it.
    let forces = |name: &str| set(name).is_some_and(|value| value != "0" && value != "false");
    if forces("FORCE_COLOR") || forces("CLICOLOR_FORCE") {
        return true;
    }
    terminal && env("TERM").is_none_or(|term| term != "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(flag: Color, vars: &[(&str, &str)], terminal: bool) -> bool {
        let env = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        };
        enabled(flag, env, terminal)
    }

    #[test]
    fn the_flag_wins_over_everything() {
        assert!(decide(Color::Always, &[("NO_COLOR", "1")], false));
        assert!(!decide(Color::Never, &[("FORCE_COLOR", "1")], true));
        assert!(!decide(Color::Never, &[("CLICOLOR_FORCE", "1")], true));
    }

    #[test]
    fn no_color_wins_over_force_color() {
        assert!(!decide(Color::Auto, &[("NO_COLOR", "1")], true));
        assert!(!decide(
            Color::Auto,
            &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
            true
        ));
        assert!(!decide(
            Color::Auto,
            &[("NO_COLOR", "yes"), ("CLICOLOR_FORCE", "1")],
            false
        ));
    }

    #[test]
    fn force_color_wins_over_terminal_detection() {
        assert!(decide(Color::Auto, &[("FORCE_COLOR", "1")], false));
        assert!(decide(Color::Auto, &[("FORCE_COLOR", "3")], false));
        assert!(decide(Color::Auto, &[("CLICOLOR_FORCE", "1")], false));
        assert!(decide(
            Color::Auto,
            &[("FORCE_COLOR", "1"), ("TERM", "dumb")],
            false
        ));
    }

    #[test]
    fn empty_and_zero_values_do_not_count() {
        // An empty NO_COLOR is unset, per no-color.org.
        assert!(decide(Color::Auto, &[("NO_COLOR", "")], true));
        for off in ["", "0", "false"] {
            assert!(
                !decide(Color::Auto, &[("FORCE_COLOR", off)], false),
                "{off}"
            );
            assert!(
                !decide(Color::Auto, &[("CLICOLOR_FORCE", off)], false),
                "{off}"
            );
        }
    }

    #[test]
    fn otherwise_a_terminal_that_is_not_dumb() {
        assert!(decide(Color::Auto, &[], true));
        assert!(decide(Color::Auto, &[("TERM", "xterm-256color")], true));
        assert!(!decide(Color::Auto, &[("TERM", "dumb")], true));
        assert!(!decide(Color::Auto, &[], false));
    }
}
