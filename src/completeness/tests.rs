use super::*;

#[test]
fn binary_rules_read_as_pip_reads_them() {
    let mut rules = BinaryRules::default();
    rules.add_only("numpy, Pandas");
    rules.add_no(":none:");
    let name = |n: &str| n.parse::<PackageName>().unwrap();
    assert_eq!(rules.of(&name("numpy")), FileKinds::WheelsOnly);
    assert_eq!(rules.of(&name("pandas")), FileKinds::WheelsOnly);
    assert_eq!(rules.of(&name("six")), FileKinds::Any);
    rules.add_no(":all:");
    assert_eq!(rules.of(&name("six")), FileKinds::SdistsOnly);
}

#[test]
fn targets_are_named_unless_all_need_it() {
    let two = ["CPython 3.12 on win_amd64".to_owned()];
    assert_eq!(on_targets(&two, 1), " (on CPython 3.12 on win_amd64)");
    assert_eq!(
        on_targets(&two, 2),
        " (on 1 of 2 targets: CPython 3.12 on win_amd64)"
    );
    let all: Vec<String> = (0..36).map(|i| format!("t{i}")).collect();
    assert_eq!(on_targets(&all, 36), " (on all 36 targets)");
    assert_eq!(
        on_targets(&all[..5], 36),
        " (on 5 of 36 targets: t0, t1, t2, 2 more)"
    );
}
