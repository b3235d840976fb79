//! Reading configuration files: discovery, keys, types, spans.

use std::fs;
use std::path::Path;

use super::*;

fn loaded(text: &str) -> Result<Loaded, Vec<String>> {
    parse(
        Path::new("/p/hashlock.toml"),
        "hashlock.toml",
        text.to_owned(),
        Table::Top,
    )
    .map(|loaded| loaded.expect("a hashlock.toml always has settings"))
    .map_err(|reports| reports.iter().map(|r| format!("{r:?}")).collect())
}

fn location(loaded: &Located) -> (usize, usize) {
    loaded.source.line_col(loaded.span.start)
}

#[test]
fn keys_take_their_types() {
    let loaded = loaded(
        "index-url = \"https://mirror.example/simple\"\n\
         extra-index-url = [\"https://a.example/simple\", \"https://b.example/simple\"]\n\
         concurrency = 0x10\n\
         strict = true\n\
         peep = \"only\"\n",
    )
    .unwrap();
    let items: Vec<(&str, &Item)> = loaded
        .values
        .iter()
        .map(|value| (value.key.name, &value.item))
        .collect();
    assert_eq!(
        items,
        [
            (
                "index-url",
                &Item::String("https://mirror.example/simple".into())
            ),
            (
                "extra-index-url",
                &Item::Strings(vec![
                    "https://a.example/simple".into(),
                    "https://b.example/simple".into()
                ])
            ),
            ("concurrency", &Item::Integer(16)),
            ("strict", &Item::Bool(true)),
            ("peep", &Item::String("only".into())),
        ]
    );
    let extra = loaded.get("extra-index-url").unwrap();
    assert_eq!(
        loaded.origin(&extra.spans[1]),
        Origin::Config {
            file: "hashlock.toml".into(),
            line: 2
        }
    );
}

fn first_error(text: &str) -> Located {
    let source = Source::new("hashlock.toml", Arc::new(text.to_owned()));
    let settings = DeTable::parse(text).unwrap();
    for (key, value) in settings.get_ref() {
        let name = key.get_ref().as_ref();
        let Some(known) = keys::find(name) else {
            return unknown(&source, name, key.span(), Table::Top);
        };
        if let Err((span, message)) = typed(known, value, Path::new("")) {
            return source.error(span, message);
        }
    }
    panic!("no error in {text:?}")
}

#[test]
fn an_unknown_key_is_an_error_at_its_line_and_column_with_the_key_it_resembles() {
    let error = first_error("concurrency = 4\n  index_url = \"https://x.example/simple\"\n");
    assert_eq!(location(&error), (2, 3));
    assert_eq!(error.message, "unknown key `index_url` in hashlock.toml");
    assert_eq!(error.hint.as_deref(), Some("did you mean `index-url`?"));
    let error = first_error("colour = \"never\"\n");
    assert!(error.hint.unwrap().starts_with("the keys are: index-url,"));
    let error = first_error("[tool.hashlock]\nstrict = true\n");
    assert!(error.hint.unwrap().contains("at the top level"));
}

#[test]
fn a_value_of_the_wrong_type_is_an_error_at_the_value() {
    let error = first_error("strict = \"yes\"\n");
    assert_eq!(location(&error), (1, 10));
    assert_eq!(
        error.message,
        "`strict` takes a boolean (`true` or `false`), not a string"
    );
    let error = first_error("extra-index-url = \"https://x.example/simple\"\n");
    assert_eq!(
        error.message,
        "`extra-index-url` takes an array of strings, not a string"
    );
    let error = first_error("trusted-host = [\"a\", 1]\n");
    assert_eq!(location(&error), (1, 22));
    let error = first_error("peep = \"sometimes\"\n");
    assert_eq!(
        error.message,
        "`peep` is one of `off`, `also`, `only`, not `sometimes`"
    );
}

#[test]
fn invalid_toml_is_an_error_with_its_place() {
    let errors = loaded("concurrency = \n").unwrap_err();
    assert!(errors[0].contains("is not valid TOML"), "{errors:?}");
}

#[test]
fn paths_are_relative_to_the_file() {
    let loaded = loaded(
        "cert = \"certs/ca.pem\"\nfind-links = [\"wheels\", \"https://w.example/\", \"/abs\"]\n",
    )
    .unwrap();
    assert_eq!(
        loaded.get("cert").unwrap().item,
        Item::String("/p/certs/ca.pem".into())
    );
    assert_eq!(
        loaded.get("find-links").unwrap().item,
        Item::Strings(vec![
            "/p/wheels".into(),
            "https://w.example/".into(),
            "/abs".into()
        ])
    );
}

#[test]
fn discovery_walks_up_prefers_hashlock_toml_and_stops_at_git() {
    let root = tempfile::tempdir().unwrap();
    let deep = root.path().join("a/b/c");
    fs::create_dir_all(&deep).unwrap();
    assert!(discover(&deep).unwrap().is_none() || !root.path().join(".git").exists());

    fs::write(
        root.path().join("a/pyproject.toml"),
        "[project]\nname = \"x\"\n[tool.hashlock]\nretries = 5\n",
    )
    .unwrap();
    // A pyproject.toml without the table is skipped, even one that mentions hashlock.
    fs::write(
        root.path().join("a/b/pyproject.toml"),
        "[project]\nname = \"hashlock-user\"\n",
    )
    .unwrap();
    let found = discover(&deep).unwrap().unwrap();
    assert_eq!(found.path, root.path().join("a/pyproject.toml"));
    assert_eq!(found.get("retries").unwrap().item, Item::Integer(5));

    fs::write(root.path().join("a/hashlock.toml"), "retries = 7\n").unwrap();
    let found = discover(&deep).unwrap().unwrap();
    assert_eq!(found.path, root.path().join("a/hashlock.toml"));

    fs::create_dir(root.path().join("a/b/.git")).unwrap();
    assert!(discover(&deep).unwrap().is_none());
}

#[test]
fn index_settings_keep_each_element_line() {
    let loaded =
        loaded("no-index = true\ntrusted-host = [\n  \"a.example\",\n  \"b.example\",\n]\n")
            .unwrap();
    let settings = loaded.index_settings();
    assert_eq!(settings.no_index.map(|n| n.value), Some(true));
    let lines: Vec<String> = settings
        .trusted_hosts
        .iter()
        .map(|host| format!("{} {}", host.value, host.origin))
        .collect();
    assert_eq!(
        lines,
        ["a.example hashlock.toml:3", "b.example hashlock.toml:4"]
    );
}
