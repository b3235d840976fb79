//! `hashlock add NAME[SPEC]... [-r FILE]`: a requirement the files do not name
//! goes in as a new line of FILE (in name order when FILE's requirements are
//! sorted, else at the end, before `--add-missing`'s block), and one they name
//! moves in place (`-P NAME[SPEC]`); then `lock` chooses, hashes and writes, as
//! it always does. Running it again changes nothing.

use std::str::FromStr;

use pep508_rs::{PackageName, VerbatimUrl, VersionOrUrl};

use super::lock;
use crate::cli::{AddArgs, LockArgs};
use crate::exit::{Failure, Outcome};
use crate::requirements::{LineKind, RequirementsFile, Target};
use crate::workspace::{Role, Workspace};

/// One NAME[SPEC] of the command line.
struct Wanted {
    name: PackageName,
    /// As given, trimmed: the text of a new line.
    text: String,
    /// Its specifiers, for `-P`.
    specifiers: String,
}

fn parse(text: &str) -> Result<Wanted, Failure> {
    let bad = |why: String| {
        Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                help = "give a project name and, if you like, extras, a specifier and a marker: `requests`, `'requests>=2.31'`",
                "`{text}`: {why}"
            )],
        )
    };
    let requirement = pep508_rs::Requirement::<VerbatimUrl>::from_str(text.trim())
        .map_err(|error| bad(error.to_string()))?;
    let specifiers = match &requirement.version_or_url {
        None => String::new(),
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
        Some(VersionOrUrl::Url(_)) => {
            return Err(bad(
                "a URL is not added by `hashlock add`: write the line, then `hashlock lock` hashes its file"
                    .to_owned(),
            ));
        }
    };
    Ok(Wanted {
        name: requirement.name,
        text: text.trim().to_owned(),
        specifiers,
    })
}

/// Runs `hashlock add`.
pub(super) async fn run(args: AddArgs) -> Result<Outcome, Failure> {
    let wanted: Vec<Wanted> = args
        .packages
        .iter()
        .map(|text| parse(text))
        .collect::<Result<_, _>>()?;
    if !args.file.exists() {
        return Err(Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                help = format!(
                    "create it first (`touch {}`), or name another with `-r`",
                    args.file.display()
                ),
                "no `{}` to add to",
                args.file.display()
            )],
        ));
    }
    let lock_args = LockArgs {
        files: vec![args.file.clone()],
        output: args.output,
        allow_unpinned: false,
        force: false,
        peep: false,
        peep_only: false,
        download: args.download,
        targets: args.targets,
        add_missing: args.add_missing,
        choose: args.choose,
        upgrade: false,
        // Filled below with the names the files already have.
        upgrade_package: Vec::new(),
        only_binary: Vec::new(),
        no_binary: Vec::new(),
        format: args.format,
        index: args.index,
        log: args.log,
        quiet: args.quiet,
    };
    // Which names are there is known once the files are read: `-P` for those,
    // a new line for the others.
    let present = present_names(&lock_args.files[0]);
    let (moved, new): (Vec<&Wanted>, Vec<&Wanted>) = wanted.iter().partition(|w| {
        present
            .as_ref()
            .is_some_and(|names| names.contains(&w.name))
    });
    let mut lock_args = lock_args;
    lock_args.upgrade_package = moved
        .iter()
        .map(|w| format!("{}{}", w.name, w.specifiers))
        .collect();
    let lines: Vec<String> = new.iter().map(|w| w.text.clone()).collect();
    let names: Vec<PackageName> = new.iter().map(|w| w.name.clone()).collect();
    lock::run_with(lock_args, move |workspace: &Workspace| {
        Ok(insert(workspace, &names, &lines))
    })
    .await
}

/// The project names the requirements files reached from `file` have (`None`
/// when they cannot be read: `lock` then says why).
fn present_names(file: &std::path::Path) -> Option<Vec<PackageName>> {
    let workspace = Workspace::load_clean(&[file.to_path_buf()]).ok()?;
    Some(
        workspace
            .records(Role::Requirements)
            .iter()
            .filter_map(|record| match &record.req.target {
                Target::Pep508(parsed) => Some(parsed.name.clone()),
                Target::Unnamed { .. } => None,
            })
            .collect(),
    )
}

/// The new text of the first file with `lines` added: in name order when its
/// requirements are sorted by name, else at the end (before `--add-missing`'s
/// block, when it has one).
fn insert(workspace: &Workspace, names: &[PackageName], lines: &[String]) -> Vec<Option<String>> {
    let mut texts: Vec<Option<String>> = vec![None; workspace.files.len()];
    let Some(first) = workspace.files.first() else {
        return texts;
    };
    if lines.is_empty() {
        return texts;
    }
    texts[0] = Some(inserted(&first.parsed, names, lines));
    texts
}

/// The comment that starts `lock --add-missing`'s block (see `rewrite::added`).
const BLOCK_START: &str = "# Dependencies added by `hashlock lock --add-missing`";

fn inserted(file: &RequirementsFile, names: &[PackageName], lines: &[String]) -> String {
    let newline = file.newline();
    let text = &file.text;
    let requirements: Vec<(usize, PackageName)> = file
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| match &line.kind {
            LineKind::Requirement(req) => match &req.target {
                Target::Pep508(parsed) => Some((index, parsed.name.clone())),
                Target::Unnamed { .. } => None,
            },
            _ => None,
        })
        .collect();
    // The block and the blank lines above it.
    let block = file
        .lines
        .iter()
        .position(|line| text[line.span.clone()].starts_with(BLOCK_START))
        .map(|mut at| {
            while at > 0 && matches!(file.lines[at - 1].kind, LineKind::Blank) {
                at -= 1;
            }
            at
        });
    let sorted = requirements.len() >= 2
        && requirements
            .windows(2)
            .all(|pair| pair[0].1.as_ref() <= pair[1].1.as_ref());
    // Where each new line goes: before line `at`, or at the end (`None`).
    let mut before: Vec<(Option<usize>, String)> = names
        .iter()
        .zip(lines)
        .map(|(name, line)| {
            let at = if sorted {
                requirements
                    .iter()
                    .filter(|(index, _)| block.is_none_or(|b| *index < b))
                    .find(|(_, other)| other.as_ref() > name.as_ref())
                    .map(|(index, _)| *index)
                    .or(block)
            } else {
                block
            };
            (at, format!("{line}{newline}"))
        })
        .collect();
    before.sort_by_key(|(at, _)| at.unwrap_or(usize::MAX));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pending = before.into_iter().peekable();
    for (index, line) in file.lines.iter().enumerate() {
        while let Some((Some(at), _)) = pending.peek()
            && *at == index
        {
            if let Some((_, new)) = pending.next() {
                out.push_str(&new);
            }
        }
        out.push_str(&text[line.span.clone()]);
    }
    let rest: Vec<String> = pending.map(|(_, new)| new).collect();
    if !rest.is_empty() {
        if !out.is_empty() && !out.ends_with(['\n', '\r']) {
            out.push_str(newline);
        }
        for new in rest {
            out.push_str(&new);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirements::parse;

    fn add(text: &str, new: &[&str]) -> String {
        let file = parse(text).unwrap();
        let names: Vec<PackageName> = new
            .iter()
            .map(|n| {
                PackageName::from_str(n.split(['>', '=', '<', '[', '~']).next().unwrap()).unwrap()
            })
            .collect();
        let lines: Vec<String> = new.iter().map(|n| (*n).to_owned()).collect();
        inserted(&file, &names, &lines)
    }

    #[test]
    fn new_lines_keep_the_files_order_and_style() {
        // Sorted: in name order.
        assert_eq!(
            add("attrs==1\nzope==2\n", &["requests>=2"]),
            "attrs==1\nrequests>=2\nzope==2\n"
        );
        // Not sorted: at the end, in the file's line breaks.
        assert_eq!(
            add("zope==2\r\nattrs==1\r\n", &["requests"]),
            "zope==2\r\nattrs==1\r\nrequests\r\n"
        );
        // An empty file, a file without a final break.
        assert_eq!(add("", &["requests"]), "requests\n");
        assert_eq!(
            add("# deps\nsix==1", &["requests"]),
            "# deps\nsix==1\nrequests\n"
        );
        // Before `--add-missing`'s block.
        assert_eq!(
            add(
                "zope==2\nattrs==1\n\n# Dependencies added by `hashlock lock --add-missing`:\nidna==3 # via x\n",
                &["requests"]
            ),
            "zope==2\nattrs==1\nrequests\n\n# Dependencies added by `hashlock lock --add-missing`:\nidna==3 # via x\n"
        );
        assert_eq!(
            add("attrs==1\nsix==2\n", &["zipp", "Babel"]),
            "attrs==1\nBabel\nsix==2\nzipp\n"
        );
    }
}
