//! Reading a requirements file and every file it includes.
//!
//! `-r FILE` names another requirements file (locked too); `-c FILE` names a constraints
//! file (read and checked, never modified). Paths are relative to the file that names
//! them, as pip reads them. Like pip, the role comes from the option, not from the file
//! that holds it: a `-r` inside a constraints file names a requirements file.
//! A file reached twice is read once; a file that includes itself is an error.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Located, Source};
use crate::requirements::{self, OptionName, RequirementsFile, Span};

/// What a file is to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Named on the command line or by `-r`: locked.
    Requirements,
    /// Named by `-c`: read, never modified.
    Constraints,
}

/// One file of the tree, read and parsed.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as built from the command line and the includes (shown to the user).
    pub path: PathBuf,
    pub role: Role,
    pub source: Source,
    pub parsed: RequirementsFile,
}

/// Where an include was named, to point errors at it.
struct Origin {
    file: Source,
    span: Span,
}

/// A file of the tree that was read but cannot be parsed the way pip reads it.
#[derive(Debug)]
pub struct Unparsed {
    pub path: PathBuf,
    pub role: Role,
    pub source: Source,
    pub errors: Vec<requirements::ParseError>,
    /// The best-effort model of the file (see [`requirements::parse_lenient`]), when
    /// it is text at all: its lines that meet no error can still be checked.
    pub partial: Option<RequirementsFile>,
}

impl Unparsed {
    /// The lines of the partial model that meet no parse error.
    pub fn clean_lines(&self) -> impl Iterator<Item = &crate::requirements::Line> {
        let errors = &self.errors;
        self.partial
            .iter()
            .flat_map(|file| &file.lines)
            .filter(move |line| {
                !errors.iter().any(|e| {
                    e.span.start < line.span.end.max(line.span.start + 1)
                        && line.span.start < e.span.end.max(e.span.start + 1)
                })
            })
    }
}

/// Every file of the tree: those that parsed, in the order they were reached, and
/// those that did not (their includes are not followed).
#[derive(Debug, Default)]
pub struct Tree {
    pub files: Vec<SourceFile>,
    pub unparsed: Vec<Unparsed>,
}

impl Tree {
    /// The parse errors of every unparsed file, as diagnostics.
    pub fn parse_errors(&self) -> Vec<Located> {
        self.unparsed
            .iter()
            .flat_map(|file| {
                file.errors
                    .iter()
                    .map(|err| from_parse_error(&file.source, err.clone()))
            })
            .collect()
    }
}

/// Loads every root and, depth first, the files they include. Roots are always
/// [`Role::Requirements`]. Files that cannot be read or included (missing, cyclic,
/// remote) are errors, all of them reported; files that do not parse come back in
/// [`Tree::unparsed`], for the caller to decide.
pub fn load(roots: &[PathBuf]) -> Result<Tree, Vec<Located>> {
    let mut loader = Loader::default();
    for root in roots {
        loader.visit(root.clone(), Role::Requirements, None);
    }
    if loader.errors.is_empty() {
        Ok(loader.tree)
    } else {
        Err(loader.errors)
    }
}

/// Like [`load`], for commands that cannot work on a file they cannot parse: parse
/// errors are errors too.
pub fn load_parsed(roots: &[PathBuf]) -> Result<Vec<SourceFile>, Vec<Located>> {
    let tree = load(roots)?;
    let errors = tree.parse_errors();
    if errors.is_empty() {
        Ok(tree.files)
    } else {
        Err(errors)
    }
}

#[derive(Default)]
struct Loader {
    tree: Tree,
    /// Canonical and shown paths of the files being read, outermost first (for cycles).
    stack: Vec<(PathBuf, String)>,
    /// Canonical paths already read, with their role.
    seen: Vec<(PathBuf, Role)>,
    errors: Vec<Located>,
}

impl Loader {
    fn visit(&mut self, path: PathBuf, role: Role, origin: Option<Origin>) {
        let canonical = match std::fs::canonicalize(&path) {
            Ok(canonical) => canonical,
            Err(err) => return self.unreadable(&path, &err, origin),
        };
        if let Some(start) = self.stack.iter().position(|(open, _)| *open == canonical) {
            return self.cycle(start, &path, origin);
        }
        if let Some((_, seen_role)) = self.seen.iter_mut().find(|(p, _)| *p == canonical) {
            // Reached again as requirements after being read as constraints: lock it.
            if *seen_role == Role::Constraints && role == Role::Requirements {
                *seen_role = role;
                if let Some(file) = self
                    .tree
                    .files
                    .iter_mut()
                    .find(|f| same_file(&f.path, &canonical))
                {
                    file.role = role;
                }
            }
            return;
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => return self.unreadable(&path, &err, origin),
        };
        self.seen.push((canonical.clone(), role));
        let Some(file) = self.parse(&path, role, &bytes) else {
            return;
        };
        let includes = includes(&file);
        self.tree.files.push(file);
        self.stack.push((canonical, path.display().to_string()));
        for (include, include_role, span, source) in includes {
            if include.contains("://") {
                self.errors.push(
                    source
                        .error(
                            span,
                            format!(
                                "`{include}` is a remote include, which hashlock does not follow"
                            ),
                        )
                        .label("remote include")
                        .hint("download the file and include it by path"),
                );
                continue;
            }
            let child = path.parent().unwrap_or(Path::new("")).join(&include);
            self.visit(child, include_role, Some(Origin { file: source, span }));
        }
        self.stack.pop();
    }

    fn parse(&mut self, path: &Path, role: Role, bytes: &[u8]) -> Option<SourceFile> {
        let name = path.display().to_string();
        let (source, partial, errors) = match requirements::decode(bytes) {
            Ok(text) => {
                let (parsed, errors) = requirements::parse_lenient(text);
                (Source::new(&name, text), Some(parsed), errors)
            }
            Err(err) => {
                let lossy = String::from_utf8_lossy(bytes).into_owned();
                (Source::new(&name, lossy), None, vec![err])
            }
        };
        match partial {
            Some(parsed) if errors.is_empty() => Some(SourceFile {
                path: path.to_path_buf(),
                role,
                source,
                parsed,
            }),
            partial => {
                let path = path.to_path_buf();
                let unparsed = Unparsed {
                    path,
                    role,
                    source,
                    errors,
                    partial,
                };
                self.tree.unparsed.push(unparsed);
                None
            }
        }
    }

    fn unreadable(&mut self, path: &Path, err: &std::io::Error, origin: Option<Origin>) {
        let message = format!("cannot read `{}`: {}", path.display(), io_reason(err));
        self.errors.push(match origin {
            Some(origin) => origin
                .file
                .error(origin.span, message)
                .label("named here")
                .hint("paths in `-r` and `-c` are relative to the file that names them"),
            None => Source::new(path.display().to_string(), String::new())
                .error(0..0, message)
                .hint("check the path; hashlock reads the files named on its command line"),
        });
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
        self.errors.push(
            origin
                .file
                .error(origin.span, message)
                .label("leads back to a file being read")
                .hint("remove this include, or the one that leads back here"),
        );
    }
}

fn same_file(path: &Path, canonical: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| p == canonical)
}

/// The `-r` and `-c` options of a file: (path, role, span of the option, source).
fn includes(file: &SourceFile) -> Vec<(String, Role, Span, Source)> {
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

/// Converts a parser error into a diagnostic on its file.
pub fn from_parse_error(source: &Source, err: requirements::ParseError) -> Located {
    source
        .error(err.span, err.message)
        .label(err.label)
        .maybe_hint(err.hint)
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}
