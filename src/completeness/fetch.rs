//! Gathering the metadata the completeness check and the resolver read: for each
//! pinned release and target, the metadata of the wheel that target's pip would
//! install (its best-ranked one), else of any wheel, else of the sdist. Releases
//! whose best wheel is the same for several targets are read once.

use std::collections::HashMap;

use futures::StreamExt;

use super::Known;
use crate::index::metadata::{self, Metadata, is_wheel};
use crate::index::{IndexError, Indexes, Release};
use crate::pin::Pin;
use crate::targets::Target;

/// Which metadata answers for a release on a target: the pin and the file name of
/// the wheel read first (`None`: no wheel serves the target).
pub(crate) type MetadataKey = (Pin, Option<String>);

/// The indexes of `release`'s wheels that `target` takes, best first: those that
/// install on it, then those for newer machines of its kind.
fn preferred(release: &Release, target: &Target) -> Vec<usize> {
    let mut ranked: Vec<(usize, usize)> = release
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| is_wheel(&f.filename))
        .filter_map(|(i, f)| match target.supports(&f.filename) {
            Some(priority) => Some((priority.0, i)),
            None => target.serves(&f.filename).then_some((usize::MAX, i)),
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, i)| i).collect()
}

/// The key of `pin`'s metadata on `target`.
pub(crate) fn key_for(pin: &Pin, release: &Release, target: &Target) -> MetadataKey {
    let best = preferred(release, target)
        .first()
        .map(|&i| release.files[i].filename.clone());
    (pin.clone(), best)
}

/// The metadata of every (pin, target) of `wanted`, `concurrency` fetches at once;
/// entries already in `known` are not fetched again.
pub(crate) async fn fetch(
    indexes: &Indexes,
    wanted: &[(&Pin, &Release)],
    targets: &[Target],
    concurrency: usize,
    known: &mut Known,
) -> Result<(), IndexError> {
    let mut jobs: HashMap<MetadataKey, (Release, Vec<usize>)> = HashMap::new();
    for (pin, release) in wanted {
        for target in targets {
            let key = key_for(pin, release, target);
            if known.contains_key(&key) || jobs.contains_key(&key) {
                continue;
            }
            jobs.insert(key, ((*release).clone(), preferred(release, target)));
        }
    }
    let results: Vec<(MetadataKey, Result<Metadata, IndexError>)> = futures::stream::iter(jobs)
        .map(|(key, (release, preferred))| async move {
            let result = metadata::of_release(indexes, &release.files, &preferred).await;
            (key, result)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (key, result) in results {
        known.insert(key, result?);
    }
    Ok(())
}
