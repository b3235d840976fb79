//! The include graph of a run: every file reached from the command line, with its
//! role, and its requirements as [`Record`]s.
//!
//! `-r FILE` names another requirements file (locked too); `-c FILE` names a
//! constraints file (read and checked, never modified). Paths are relative to the file
//! that names them, as pip reads them. Like pip, the role comes from the option, not
//! from the file that holds it: a `-r` inside a constraints file names a requirements
//! file. A file reached twice is read once, and a file reached as constraints and as
//! requirements is a requirements file, whichever came first; a file that includes
//! itself is an error. Files that do not parse stay in the list with their errors,
//! so that a check can still read their other lines. Only regular files are read,
//! up to a size cap ([`read`]).

mod read;

pub(crate) use read::{Kind, io_reason};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{MietteDiagnostic, Report};

use crate::diagnostics::{Locate, Located, Source};
use crate::pin::Pinning;
use crate::requirements::{
    self, Line, LineKind, OptionName, ParseError, Requirement, RequirementsFile, Span, Target,
};

/// What a file is to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Named on the command line or by `-r`: locked.
    Requirements,
    /// Named by `-c`: read, never modified.
    Constraints,
}

/// One file of the workspace, read and parsed.
#[derive(Debug)]
pub(crate) struct File {
    /// The path as built from the command line and the includes (shown to the user).
    pub path: PathBuf,
    pub role: Role,
    /// The file's text and name, for diagnostics (the same text as `parsed`'s).
    pub source: Source,
    /// The model of the file; for a file with errors, a best effort (see
    /// [`requirements::parse_lenient`]): trust only [`File::clean_lines`]. Empty when
    /// the file is not text at all.
    pub parsed: RequirementsFile,
    /// Where the file cannot be read the way pip reads it.
    pub errors: Vec<ParseError>,
}

impl File {
    /// Whether the file parsed without an error.
    pub(crate) fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// Indexes (into `parsed.lines`) of the lines that meet no parse error. Linear
    /// in lines and errors (after sorting the errors), whatever their number.
    pub(crate) fn clean_lines(&self) -> impl Iterator<Item = (usize, &Line)> {
        // An empty span still covers the byte it points at.
        let cover = |span: &Span| span.start..span.end.max(span.start + 1);
        let mut errors: Vec<Span> = self.errors.iter().map(|e| cover(&e.span)).collect();
        errors.sort_by_key(|span| span.start);
        // Merged, the error spans are disjoint and sorted by start and by end alike.
        let mut merged: Vec<Span> = Vec::with_capacity(errors.len());
        for span in errors {
            match merged.last_mut() {
                Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        self.parsed
            .lines
            .iter()
            .enumerate()
            .filter(move |(_, line)| {
                let line = cover(&line.span);
                // The first merged span that ends after the line starts is the only one
                // that can meet it.
                let at = merged.partition_point(|span| span.end <= line.start);
                merged.get(at).is_none_or(|span| span.start >= line.end)
            })
    }

    /// The parse errors, as diagnostics.
    pub(crate) fn error_diagnostics(&self) -> impl Iterator<Item = Located> + '_ {
        self.errors
            .iter()
            .map(|err| err.clone().locate(&self.source))
    }
}

/// One requirement of the workspace: where it is and what it pins.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    /// Index of its file in [`Workspace::files`].
    pub file: usize,
    /// Index of its line in the file's `parsed.lines`.
    pub line: usize,
    pub req: &'a Requirement,
    pub pinning: Pinning,
}

/// Two requirements that pin one package, under the same marker (or none), to two
/// versions: pip cannot install both (`ResolutionImpossible`).
#[derive(Debug)]
pub(crate) struct Conflict<'a> {
    /// The first line that pins the package.
    pub first: Record<'a>,
    /// A later line that pins it to another version.
    pub other: Record<'a>,
}

impl Conflict<'_> {
    /// The error, at the later line, naming the first.
    pub(crate) fn error(&self, workspace: &Workspace) -> Located {
        let first = &workspace.files[self.first.file];
        let other = &workspace.files[self.other.file];
        let (Some(a), Some(b)) = (self.first.pinning.pin(), self.other.pinning.pin()) else {
            unreachable!("conflicts are between exact pins");
        };
        let at = format!(
            "{}:{}",
            first.source.name,
            first.source.line_of(self.first.req.span.start)
        );
        let message = format!(
            "`{}` pins {} to two versions: `{b}` here and `{a}` at {at}",
            b.name, b.name
        );
        other
            .source
            .error(self.other.req.span.clone(), message)
            .code(crate::diagnostics::Code::ConflictingPins)
            .package(b.name.to_string())
            .label("two versions")
            .hint("pip cannot install both (ResolutionImpossible): keep one version, or give the lines markers that never hold together")
    }
}

/// Every file of the run, in the order they were reached.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    pub files: Vec<File>,
}

impl Workspace {
    /// Loads every root and, depth first, the files they include. Roots are always
    /// [`Role::Requirements`]. Files that cannot be read or included (missing, not a
    /// regular file, too large, cyclic, remote) are errors, all of them reported;
    /// files that do not parse are kept with their errors, for the caller to decide.
    pub(crate) fn load(roots: &[PathBuf]) -> Result<Workspace, Vec<Report>> {
        let mut loader = Loader::default();
        for root in roots {
            loader.visit(root.clone(), Role::Requirements, None);
        }
        if loader.errors.is_empty() {
            Ok(loader.workspace)
        } else {
            Err(loader.errors)
        }
    }

    /// Like [`Workspace::load`], with `constraints` read as constraints files (as if
    /// named by `-c`), for checking them on their own.
    pub(crate) fn load_with_constraints(
        roots: &[PathBuf],
        constraints: &[PathBuf],
    ) -> Result<Workspace, Vec<Report>> {
        let mut loader = Loader::default();
        for root in roots {
            loader.visit(root.clone(), Role::Requirements, None);
        }
        for file in constraints {
            loader.visit(file.clone(), Role::Constraints, None);
        }
        if loader.errors.is_empty() {
            Ok(loader.workspace)
        } else {
            Err(loader.errors)
        }
    }

    /// Like [`Workspace::load`], for commands that cannot work on a file they cannot
    /// parse: parse errors are errors too.
    pub(crate) fn load_clean(roots: &[PathBuf]) -> Result<Workspace, Vec<Report>> {
        let workspace = Self::load(roots)?;
        let errors: Vec<Report> = workspace.parse_errors().map(Report::new).collect();
        if errors.is_empty() {
            Ok(workspace)
        } else {
            Err(errors)
        }
    }

    /// The parse errors of every file, as diagnostics.
    pub(crate) fn parse_errors(&self) -> impl Iterator<Item = Located> + '_ {
        self.files.iter().flat_map(File::error_diagnostics)
    }

    /// The requirements of every file of `role`, on lines that meet no parse error,
    /// in file and line order.
    pub(crate) fn records(&self, role: Role) -> Vec<Record<'_>> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, file)| file.role == role)
            .flat_map(|(index, file)| {
                file.clean_lines()
                    .filter_map(move |(line, text)| match &text.kind {
                        LineKind::Requirement(req) => Some(Record {
                            file: index,
                            line,
                            req,
                            pinning: Pinning::of(req),
                        }),
                        _ => None,
                    })
            })
            .collect()
    }

    /// Lines of requirements and constraints files that pin one package to two
    /// versions under the same marker, each later line with the first one.
    pub(crate) fn conflicting_pins(&self) -> Vec<Conflict<'_>> {
        let mut records = self.records(Role::Requirements);
        records.extend(self.records(Role::Constraints));
        // In file order, as they were reached, so the first line is the first met.
        records.sort_by_key(|record| (record.file, record.line));
        let mut first: HashMap<(String, String), Record<'_>> = HashMap::new();
        let mut conflicts = Vec::new();
        for record in records {
            let (Some(pin), Target::Pep508(parsed)) = (record.pinning.pin(), &record.req.target)
            else {
                continue;
            };
            let marker = parsed
                .marker
                .contents()
                .map(|m| m.to_string())
                .unwrap_or_default();
            let key = (pin.name.to_string(), marker);
            match first.get(&key) {
                Some(earlier) if earlier.pinning.pin() != Some(pin) => conflicts.push(Conflict {
                    first: earlier.clone(),
                    other: record,
                }),
                Some(_) => {}
                None => {
                    first.insert(key, record);
                }
            }
        }
        conflicts
    }

    /// The same files with some texts replaced (`texts[i]` for file `i`, `None`
    /// to keep it), each parsed again: `lock` after choosing versions for ranges.
    /// Paths, roles and includes stay (a rewritten requirement is never an include).
    pub(crate) fn with_texts(&self, texts: &[Option<String>]) -> Workspace {
        let files = self
            .files
            .iter()
            .enumerate()
            .map(
                |(index, file)| match texts.get(index).and_then(Option::as_ref) {
                    Some(text) => read(&file.path, file.role, text.as_bytes()),
                    None => File {
                        path: file.path.clone(),
                        role: file.role,
                        source: file.source.clone(),
                        parsed: file.parsed.clone(),
                        errors: file.errors.clone(),
                    },
                },
            )
            .collect();
        Workspace { files }
    }

    /// The files of `role`.
    pub(crate) fn files_of(&self, role: Role) -> impl Iterator<Item = &File> {
        self.files.iter().filter(move |file| file.role == role)
    }
}

/// Where an include was named, to point errors at it.
struct Origin {
    file: Source,
    span: Span,
}

#[derive(Default)]
struct Loader {
    workspace: Workspace,
    /// Canonical and shown paths of the files being read, outermost first (for cycles).
    stack: Vec<(PathBuf, String)>,
    /// Canonical paths already read, with their index in `workspace.files`.
    seen: Vec<(PathBuf, usize)>,
    errors: Vec<Report>,
}

impl Loader {
    fn visit(&mut self, path: PathBuf, role: Role, origin: Option<Origin>) {
        let canonical = match std::fs::canonicalize(&path) {
            Ok(canonical) => canonical,
            Err(err) => return self.unreadable(&path, &read::Unreadable::Io(err), origin),
        };
        if let Some(start) = self.stack.iter().position(|(open, _)| *open == canonical) {
            return self.cycle(start, &path, origin);
        }
        if let Some((_, index)) = self.seen.iter().find(|(p, _)| *p == canonical) {
            // Reached again as requirements after being read as constraints: lock it.
            if role == Role::Requirements {
                self.workspace.files[*index].role = role;
            }
            return;
        }
        let bytes = match read::requirements_file(&path) {
            Ok(bytes) => bytes,
            Err(why) => return self.unreadable(&path, &why, origin),
        };
        self.seen
            .push((canonical.clone(), self.workspace.files.len()));
        let file = read(&path, role, &bytes);
        // Includes of a file that does not parse are not followed: its lines are not
        // what pip reads.
        let includes = if file.is_clean() {
            includes(&file)
        } else {
            Vec::new()
        };
        self.workspace.files.push(file);
        self.stack.push((canonical, path.display().to_string()));
        for (include, include_role, span, source) in includes {
            if include.contains("://") {
                self.errors.push(Report::new(
                    source
                        .error(
                            span,
                            format!(
                                "`{include}` is a remote include, which hashlock does not follow"
                            ),
                        )
                        .label("remote include")
                        .hint("download the file and include it by path"),
                ));
                continue;
            }
            let child = path.parent().unwrap_or(Path::new("")).join(&include);
            self.visit(child, include_role, Some(Origin { file: source, span }));
        }
        self.stack.pop();
    }

    /// A file that cannot be read: at the include line that names it, or, for a
    /// file named on the command line, without a source frame (there is no text to
    /// show), saying where it was looked for.
    fn unreadable(&mut self, path: &Path, why: &read::Unreadable, origin: Option<Origin>) {
        let shown = path.display();
        let report = match origin {
            Some(origin) => {
                let message = format!("cannot read `{shown}`: {}", why.reason());
                let hint = why.hint(path).unwrap_or_else(|| {
                    "paths in `-r` and `-c` are relative to the file that names them".to_owned()
                });
                Report::new(
                    origin
                        .file
                        .error(origin.span, message)
                        .label("named here")
                        .hint(hint),
                )
            }
            None => Report::new(root_unreadable(path, why)),
        };
        self.errors.push(report);
    }

    fn cycle(&mut self, start: usize, path: &Path, origin: Option<Origin>) {
        let Some(origin) = origin else { return };
        let mut chain: Vec<&str> = self.stack[start..]
            .iter()
            .map(|(_, name)| name.as_str())
            .collect();
        let again = path.display().to_string();
        chain.push(&again);
        let message = format!("include cycle: {}", chain.join(" -> "));
        self.errors.push(Report::new(
            origin
                .file
                .error(origin.span, message)
                .label("leads back to a file being read")
                .hint("remove this include, or the one that leads back here"),
        ));
    }
}

/// Decodes and parses a file's bytes; what does not parse keeps its errors.
fn read(path: &Path, role: Role, bytes: &[u8]) -> File {
    let name = path.display().to_string();
    let (parsed, errors) = match requirements::decode(bytes) {
        // pip expands `${VAR}` from the environment it runs in; so does hashlock.
        Ok(text) => requirements::parse_lenient_with(text, &requirements::Env::process()),
        Err(err) => {
            let lossy = Arc::new(String::from_utf8_lossy(bytes).into_owned());
            let empty = RequirementsFile {
                text: lossy,
                bom: false,
                lines: Vec::new(),
            };
            (empty, vec![err])
        }
    };
    File {
        path: path.to_path_buf(),
        role,
        source: Source::new(name, parsed.text.clone()),
        parsed,
        errors,
    }
}

/// The `-r` and `-c` options of a file: (path, role, span of the option, source).
fn includes(file: &File) -> Vec<(String, Role, Span, Source)> {
    file.parsed
        .options()
        .filter_map(|(_, opt)| {
            let role = match opt.name {
                OptionName::Requirement => Role::Requirements,
                OptionName::Constraint => Role::Constraints,
                _ => return None,
            };
            let (value, _) = opt.value.as_ref()?;
            Some((value.clone(), role, opt.span.clone(), file.source.clone()))
        })
        .collect()
}

/// The file hashlock reads when no FILE is named.
const DEFAULT_FILE: &str = "requirements.txt";

/// Why a file named on the command line (or the default one) cannot be read. A
/// missing file is said with the directory it was looked for in, since a relative
/// path depends on where hashlock ran.
fn root_unreadable(path: &Path, why: &read::Unreadable) -> MietteDiagnostic {
    let shown = path.display();
    let not_found =
        matches!(why, read::Unreadable::Io(err) if err.kind() == std::io::ErrorKind::NotFound);
    if !not_found {
        let diagnostic = MietteDiagnostic::new(format!("cannot read `{shown}`: {}", why.reason()));
        return match why.hint(path) {
            Some(hint) => diagnostic.with_help(hint),
            None => diagnostic,
        };
    }
    let dir = looked_in(path);
    let Some(name) = path.file_name().filter(|_| path != Path::new(DEFAULT_FILE)) else {
        return MietteDiagnostic::new(format!("no `{DEFAULT_FILE}` in `{dir}`")).with_help(
            format!(
                "with no FILE named, hashlock reads `{DEFAULT_FILE}` in the current \
                 directory; name the files to read on the command line"
            ),
        );
    };
    MietteDiagnostic::new(format!(
        "cannot read `{shown}`: no `{}` in `{dir}`",
        name.to_string_lossy()
    ))
    .with_help("check the path; a relative one starts from the current directory")
}

/// The absolute directory a missing `path` was looked for in.
fn looked_in(path: &Path) -> String {
    let parent = path.parent().unwrap_or(Path::new(""));
    let dir = std::env::current_dir()
        .map(|cwd| cwd.join(parent))
        .unwrap_or_else(|_| parent.to_path_buf());
    // `./sub/..` reads better as the directory it is, when that exists.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.display().to_string()
}
