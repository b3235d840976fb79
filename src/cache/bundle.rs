//! Many entries written at once as one file, a bundle, hard-linked under each
//! entry's name.
//!
//! A cold run stores an answer per pin: 200 pins were 200 new files, and a new file
//! is the costliest thing a run asks of the file system. On ext4, a block group
//! where many files were deleted in the last minutes (builds, benches, `uv
//! --no-cache` in `/tmp` or `~/.cache`) makes each new inode cost up to 0.5 ms, 200
//! files 40 to 120 ms against 5 ms elsewhere; a network or antivirus-scanned home
//! folder is slower still. A bundle is one new file; a hard link is only a name (200
//! took 2 ms where 200 files took 45).
//!
//! A bundle is a header line, then one line per entry: its name (the entry file's,
//! `<project>@<version>`), a tab, its JSON (which has no raw tab or line break). An
//! entry file is either an entry's JSON or a bundle; a reader finds its line by the
//! name it opened ([`read_many`], for one entry or many). Readers of many entries
//! read each bundle once (a bundle is one inode however many names it has).
//! Replacing an entry (a revalidation) writes a file of its own over that one
//! name; a bundle goes when its last name does.
//!
//! Only where hard links are known to work (Unix); elsewhere, and whenever a link
//! fails, entries are written one file each.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The first line of a bundle.
pub(super) const HEADER: &[u8] = b"hashlock-bundle 1\n";

/// Fewer entries than this are written one file each.
pub(super) const MIN_ENTRIES: usize = 8;

/// The name an entry has in bundles: its file's name without `.json`.
pub(super) fn key_of(path: &Path) -> Option<&str> {
    path.file_name()?.to_str()?.strip_suffix(".json")
}

/// Writes `entries` (paths in `dir`, and their JSON) as one bundle linked under every
/// path, replacing what was there. On an error some paths may already name the
/// bundle: writing the entries one by one afterwards replaces them.
#[cfg(unix)]
pub(super) fn write(dir: &Path, entries: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let mut temp = tempfile::Builder::new()
        .prefix(".bundle")
        .tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        out.write_all(HEADER)?;
        for (path, json) in entries {
            let Some(key) = key_of(path) else {
                return Err(std::io::Error::other("an entry has no name"));
            };
            if json.contains(&b'\n') || json.contains(&b'\t') {
                return Err(std::io::Error::other("an entry is not one line"));
            }
            out.write_all(key.as_bytes())?;
            out.write_all(b"\t")?;
            out.write_all(json)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    for (path, _) in entries {
        match std::fs::hard_link(temp.path(), path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                // Replaced atomically: linked under a new name, renamed over the old.
                let fresh = tempfile::Builder::new()
                    .prefix(".link")
                    .make_in(dir, |at| std::fs::hard_link(temp.path(), at))?;
                fresh.persist(path).map_err(|error| error.error)?;
            }
            Err(error) => return Err(error),
        }
    }
    // Dropping `temp` removes its own name; the entries' names keep the bundle.
    Ok(())
}

#[cfg(not(unix))]
pub(super) fn write(_dir: &Path, _entries: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    Err(std::io::Error::other("bundles are written on Unix only"))
}

/// The JSON of each of `paths`' entries that exists (by index into `paths`), each
/// file read once however many of the paths name it, and a bundle a line at a time.
pub(super) fn read_many(paths: &[PathBuf]) -> HashMap<usize, Vec<u8>> {
    let mut found = HashMap::new();
    // The paths of each file (a bundle has many), in order.
    let mut files: Vec<(std::fs::File, Vec<usize>)> = Vec::new();
    let mut by_inode: HashMap<(u64, u64), usize> = HashMap::new();
    for (at, path) in paths.iter().enumerate() {
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        match inode(&file) {
            Some(id) => match by_inode.get(&id) {
                Some(&known) => files[known].1.push(at),
                None => {
                    by_inode.insert(id, files.len());
                    files.push((file, vec![at]));
                }
            },
            None => files.push((file, vec![at])),
        }
    }
    for (file, ats) in files {
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).is_err() {
            continue;
        }
        if line.as_slice() != HEADER {
            // One entry: the rest of the file.
            if std::io::Read::read_to_end(&mut reader, &mut line).is_ok() {
                found.insert(ats[0], line);
            }
            continue;
        }
        let mut wanted: HashMap<&str, usize> = ats
            .iter()
            .filter_map(|&at| Some((key_of(&paths[at])?, at)))
            .collect();
        while !wanted.is_empty() {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let Some(tab) = line.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let key = std::str::from_utf8(&line[..tab]).unwrap_or_default();
            if let Some(at) = wanted.remove(key) {
                let json = line[tab + 1..]
                    .strip_suffix(b"\n")
                    .unwrap_or(&line[tab + 1..]);
                found.insert(at, json.to_vec());
            }
        }
    }
    found
}

/// The file's device and inode, where there are such.
fn inode(file: &std::fs::File) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata().ok()?;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path, n: usize) -> Vec<(PathBuf, Vec<u8>)> {
        (0..n)
            .map(|i| {
                let path = dir.join(format!("p{i}@1.{i}.json"));
                (path, format!("{{\"n\":{i}}}").into_bytes())
            })
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn a_bundle_is_one_file_under_every_name_and_reads_back() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let written = entries(dir.path(), 10);
        std::fs::write(&written[3].0, b"{\"old\":true}").unwrap();
        write(dir.path(), &written).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 10, "no temporary name is left");
        let inodes: std::collections::HashSet<u64> =
            names.iter().map(|n| n.metadata().unwrap().ino()).collect();
        assert_eq!(inodes.len(), 1, "one file, replacing the old entry too");
        for (path, json) in &written {
            let one = read_many(std::slice::from_ref(path));
            assert_eq!(one.get(&0), Some(json), "{path:?}");
        }
        let mut paths: Vec<PathBuf> = written.iter().map(|(p, _)| p.clone()).collect();
        paths.push(dir.path().join("missing@1.json"));
        let found = read_many(&paths);
        assert_eq!(found.len(), 10);
        for (at, (_, json)) in written.iter().enumerate() {
            assert_eq!(found[&at], *json);
        }
    }

    #[test]
    fn a_single_entry_file_is_its_own_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("six@1.16.0.json");
        std::fs::write(&path, b"{\"a\":1}").unwrap();
        assert_eq!(read_many(&[path])[&0], b"{\"a\":1}");
        let bundle = dir.path().join("bundle");
        std::fs::write(&bundle, [HEADER, b"six@1.0\t{}\n"].concat()).unwrap();
        let named = |key: &str| {
            let path = dir.path().join(format!("{key}.json"));
            let _ = std::fs::remove_file(&path);
            std::fs::hard_link(&bundle, &path).unwrap();
            read_many(&[path]).remove(&0)
        };
        assert_eq!(named("six@1.1"), None);
        assert_eq!(named("six@1.0"), Some(b"{}".to_vec()));
        assert_eq!(named("six@1"), None, "a key is matched whole");
    }
}
