//! `marque check --translations` lists the translations older than their source: by
//! git history in a repository, by recorded hashes elsewhere.

mod common;

use common::*;
use std::path::Path;

fn check(root: &Path, extra: &[&str]) -> String {
    let mut args = vec!["check", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = marque(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    text(&o)
}

/// Runs git in `root`, committing at `date` (noon UTC).
fn git(root: &Path, args: &[&str], date: &str) {
    let stamp = format!("{date}T12:00:00Z");
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Adds a paragraph at the end of a page.
fn append(root: &Path, rel: &str, paragraph: &str) {
    let text = std::fs::read_to_string(root.join(rel)).unwrap();
    std::fs::write(root.join(rel), format!("{text}\n{paragraph}\n")).unwrap();
}

fn commit_all(root: &Path, date: &str) {
    git(root, &["add", "-A"], date);
    git(root, &["commit", "-q", "-m", "edit"], date);
}

const OUTDATED: &str = "narrative/en/about.md: warning: outdated translation: narrative/fr/about.md changed after this en translation was last changed";

#[test]
fn in_a_git_repository_history_says_which_translations_are_outdated() {
    let dir = fixture("basic");
    let root = dir.path();
    git(root, &["init", "-q"], "2024-01-01");
    commit_all(root, "2024-01-01");
    assert!(!check(root, &["--translations"]).contains("outdated"));
    // The French page changes in March: its English translation is older.
    append(root, "narrative/fr/about.md", "Une phrase de plus.");
    commit_all(root, "2024-03-01");
    let out = check(root, &["--translations"]);
    assert!(
        out.contains(&format!(
            "{OUTDATED} (source 2024-03-01, translation 2024-01-01)"
        )),
        "{out}"
    );
    // Without --translations: one line with the count.
    let out = check(root, &[]);
    assert!(
        out.contains("; 1 outdated translation (list them: marque check --translations)"),
        "{out}"
    );
    // The translation is brought up to date: nothing is outdated.
    append(root, "narrative/en/about.md", "One more sentence.");
    commit_all(root, "2024-03-02");
    assert!(!check(root, &["--translations"]).contains("outdated"));
    // An edit to the source not committed yet counts as made now.
    edit(
        root,
        "narrative/fr/about.md",
        "Une phrase de plus.",
        "Une autre phrase.",
    );
    let out = check(root, &["--translations"]);
    assert!(
        out.contains(&format!(
            "{OUTDATED} (source not committed yet, translation 2024-03-02)"
        )),
        "{out}"
    );
}

#[test]
fn without_git_recorded_hashes_say_which_translations_are_outdated() {
    let dir = fixture("basic");
    let root = dir.path();
    // The first check takes the translations as they are as up to date.
    assert!(!check(root, &["--translations"]).contains("outdated"));
    assert!(root.join(".marque-cache/translations.json").exists());
    append(root, "narrative/fr/about.md", "Une phrase de plus.");
    let out = check(root, &["--translations"]);
    assert!(out.contains(OUTDATED), "{out}");
    assert!(!out.contains("(source "), "{out}");
    // It stays outdated until the translation changes.
    assert!(check(root, &["--translations"]).contains(OUTDATED));
    append(root, "narrative/en/about.md", "One more sentence.");
    assert!(!check(root, &["--translations"]).contains("outdated"));
    // A damaged record is started again, not an error.
    std::fs::write(root.join(".marque-cache/translations.json"), "{not json").unwrap();
    assert!(!check(root, &["--translations"]).contains("outdated"));
    // A record that is a link to a file elsewhere is neither read nor replaced.
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("outside.json");
    std::fs::write(&outside, "kept").unwrap();
    let record = root.join(".marque-cache/translations.json");
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(&outside, &record).unwrap();
    append(root, "narrative/fr/about.md", "Encore une phrase.");
    assert!(!check(root, &["--translations"]).contains("outdated"));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "kept");
    assert!(
        std::fs::symlink_metadata(&record)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
