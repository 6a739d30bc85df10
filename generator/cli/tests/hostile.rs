//! The hostile-input catalogue: every case below was once a way to lose data, publish
//! a file from outside the project, hang, abort or mislead. Each checks the exit code,
//! a message that names what the user must fix, the previous output left byte for
//! byte, no outside file read (a canary whose text must appear in no output, zips
//! included) and a bounded time.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use marque_kit::base64;

/// The project the catalogue attacks: the basic fixture's pages, the bundled brand and
/// one bundled kit (a cold build takes about a second and a half).
fn project() -> tempfile::TempDir {
    let dir = fixture("basic");
    let repo = repo_root();
    std::fs::remove_dir_all(dir.path().join("brand")).unwrap();
    copy_dir(&repo.join("brand"), &dir.path().join("brand"));
    copy_dir(
        &repo.join("kits/templates"),
        &dir.path().join("kits/templates"),
    );
    copy_dir(
        &repo.join("kits/paris-2024"),
        &dir.path().join("kits/paris-2024"),
    );
    // The fixture site is in French and English: so is its kit.
    let kit = dir.path().join("kits/paris-2024/kit.yaml");
    let yaml = std::fs::read_to_string(&kit).unwrap();
    std::fs::write(
        &kit,
        yaml.replace("languages: [fr, en, ar]", "languages: [fr, en]"),
    )
    .unwrap();
    dir
}

/// Text that lives outside every project and must never be published.
const CANARY: &str = "CANARY-7f3a9c-outside-the-project";

/// A folder outside the project holding the canary in every form the catalogue links
/// to: a text file, a CSV, a kit file, interface strings, a page and a folder.
fn canary() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("canary.txt"), format!("{CANARY}\n")).unwrap();
    std::fs::write(
        d.join("canary.csv"),
        format!("year,value\n2023,1 # {CANARY}\n"),
    )
    .unwrap();
    let kit = std::fs::read_to_string(repo_root().join("kits/paris-2024/kit.yaml")).unwrap();
    std::fs::write(d.join("kit.yaml"), kit.replace("#OneProvence", CANARY)).unwrap();
    let en = std::fs::read_to_string(repo_root().join("themes/default/i18n/en.yaml")).unwrap();
    std::fs::write(d.join("en.yaml"), en.replace("One Provence", CANARY)).unwrap();
    std::fs::write(
        d.join("page.md"),
        format!("---\ntitle: {CANARY}\n---\n{CANARY}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(d.join("folder")).unwrap();
    std::fs::write(d.join("folder/LICENCE-extra.txt"), CANARY).unwrap();
    std::fs::write(
        d.join("folder/page.md"),
        format!("---\ntitle: x\n---\n{CANARY}\n"),
    )
    .unwrap();
    dir
}

/// Fails when the canary's text is in any file under `dir`, or in any zip there.
fn assert_no_canary(dir: &Path) {
    for (name, bytes) in tree(dir) {
        let mut texts = vec![(name.clone(), bytes.clone())];
        if name.ends_with(".zip") {
            texts.extend(
                unzip(&bytes)
                    .into_iter()
                    .map(|(n, b)| (format!("{name}:{n}"), b)),
            );
        }
        for (n, b) in texts {
            assert!(
                !String::from_utf8_lossy(&b).contains(CANARY),
                "{n} holds text from outside the project"
            );
        }
    }
}

/// Runs `cmd`, killing it and failing the test when it takes more than `secs`.
fn bounded(cmd: &mut Command, secs: u64) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        let _ = out.read_to_end(&mut o);
        o
    });
    let reader_err = std::thread::spawn(move || {
        let mut e = Vec::new();
        let _ = err.read_to_end(&mut e);
        e
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {secs} s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: reader.join().unwrap(),
        stderr: reader_err.join().unwrap(),
    }
}

fn marque_cmd(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_marque"));
    c.current_dir(root).args(args);
    c
}

/// Runs marque in `root` (at most a minute) and expects exit 1 with every one of
/// `want` in its output; returns the output.
fn fails(root: &Path, args: &[&str], want: &[&str]) -> String {
    let o = bounded(&mut marque_cmd(root, args), 60);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected exit 1 from {args:?}:\n{t}"
    );
    for w in want {
        assert!(t.contains(w), "expected {w:?} from {args:?} in:\n{t}");
    }
    t
}

/// Runs marque in `root` (at most a minute) and expects success.
fn succeeds(root: &Path, args: &[&str]) -> String {
    let o = bounded(&mut marque_cmd(root, args), 60);
    let t = text(&o);
    assert!(o.status.success(), "expected success from {args:?}:\n{t}");
    t
}

/// Every source file of a project (everything but its output and cache), with bytes.
fn sources(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(root)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("output") && !k.starts_with(".marque-cache"))
        .collect()
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    if at.is_dir() && !at.is_symlink() {
        std::fs::remove_dir_all(at).unwrap();
    } else if at.exists() || at.is_symlink() {
        std::fs::remove_file(at).unwrap();
    }
    std::os::unix::fs::symlink(target, at).unwrap();
}

// 1. An output folder can never destroy the project.

#[test]
fn outputs_that_overlap_the_project_are_refused_and_nothing_is_lost() {
    let p = project();
    let root = p.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    succeeds(root, &["build", "--quiet"]);
    let before = sources(root);
    let site = tree(&root.join("output"));
    let parent = root.parent().unwrap().to_str().unwrap().to_string();
    let cases: Vec<(String, &str)> = vec![
        (".".into(), "is the project folder"),
        (root.to_str().unwrap().into(), "is the project folder"),
        ("..".into(), "holds the project folder"),
        (parent, "holds the project folder"),
        ("narrative".into(), "lies inside narrative/"),
        ("narrative/fr".into(), "lies inside narrative/"),
        ("brand/new".into(), "lies inside brand/"),
        ("kits".into(), "lies inside kits/"),
        ("themes/default".into(), "lies inside themes/"),
        (".marque-cache".into(), "lies inside .marque-cache/"),
        (".git".into(), "lies inside .git/"),
        ("output/../narrative".into(), "lies inside narrative/"),
        ("marque.yaml".into(), "is not a folder"),
    ];
    for (out, want) in &cases {
        let t = fails(
            root,
            &["build", "--output", out],
            &["--output: error: ", want],
        );
        assert!(!t.contains("built "), "{t}");
        fails(
            root,
            &["kit", "paris-2024", "--lang", "fr", "--output", out],
            &["--output: error: ", want],
        );
        // --force never lets an output overlap the sources.
        fails(root, &["build", "--force", "--output", out], &[want]);
    }
    assert_eq!(before, sources(root), "the sources are untouched");
    assert_eq!(site, tree(&root.join("output")), "the site is untouched");
}

#[test]
fn a_folder_marque_did_not_make_is_replaced_only_with_force() {
    let p = project();
    let root = p.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let mine = elsewhere.path().join("documents");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let m = mine.to_str().unwrap();
    let want = "refusing to replace";
    fails(root, &["build", "--output", m], &[want, "--force"]);
    fails(
        root,
        &["kit", "paris-2024", "--lang", "fr", "--output", m],
        &[want],
    );
    fails(
        root,
        &["bench", "--pages", "2", "--runs", "1", "--dir", m],
        &[want],
    );
    assert_eq!(std::fs::read(mine.join("notes.txt")).unwrap(), b"mine");
    // The default output folder made by hand, with a file of the user's in it.
    std::fs::create_dir_all(root.join("output")).unwrap();
    std::fs::write(root.join("output/keep.txt"), "mine").unwrap();
    fails(root, &["build"], &["output: error: refusing to replace"]);
    assert_eq!(
        std::fs::read(root.join("output/keep.txt")).unwrap(),
        b"mine"
    );
    // An empty folder is fine, and what marque made is marked as its own.
    let empty = elsewhere.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    succeeds(
        root,
        &["build", "--quiet", "--output", empty.to_str().unwrap()],
    );
    assert!(empty.join(".marque-output").is_file());
    succeeds(
        root,
        &["build", "--quiet", "--output", empty.to_str().unwrap()],
    );
    // --force replaces it, and marks it.
    succeeds(root, &["build", "--quiet", "--force", "--output", m]);
    assert!(!mine.join("notes.txt").exists() && mine.join("index.html").is_file());
    assert!(mine.join(".marque-output").is_file());
    // An output that is a link is refused (the link would be replaced, not its folder).
    #[cfg(unix)]
    {
        let l = elsewhere.path().join("link");
        std::os::unix::fs::symlink(&empty, &l).unwrap();
        fails(
            root,
            &["build", "--output", l.to_str().unwrap()],
            &["is a symbolic link"],
        );
    }
}

#[test]
fn a_kit_in_one_language_replaces_only_that_language() {
    let p = project();
    let root = p.path();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("kit");
    let d = dir.to_str().unwrap();
    succeeds(root, &["kit", "paris-2024", "--lang", "fr", "--output", d]);
    let fr = tree(&dir.join("fr"));
    let fr_zip = std::fs::read(dir.join("paris-2024-fr.zip")).unwrap();
    assert!(!fr.is_empty());
    succeeds(root, &["kit", "paris-2024", "--lang", "en", "--output", d]);
    assert_eq!(fr, tree(&dir.join("fr")), "fr/ is kept as it was");
    assert_eq!(
        fr_zip,
        std::fs::read(dir.join("paris-2024-fr.zip")).unwrap()
    );
    assert!(dir.join("paris-2024-en.zip").is_file() && dir.join("en/README.txt").is_file());
    // Rebuilding fr replaces fr only.
    let en = tree(&dir.join("en"));
    succeeds(root, &["kit", "paris-2024", "--lang", "fr", "--output", d]);
    assert_eq!(en, tree(&dir.join("en")));
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["kit"], "nothing left beside the kit folder");
}

#[cfg(unix)]
#[test]
fn links_that_move_an_output_or_the_cache_elsewhere_are_refused() {
    let p = project();
    let root = p.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let other = elsewhere.path();
    // The kit's default folder, moved out of the project by a link.
    std::fs::create_dir_all(other.join("site/paris-2024")).unwrap();
    std::fs::write(other.join("site/paris-2024/.marque-output"), "").unwrap();
    std::fs::write(other.join("site/paris-2024/keep.txt"), "mine").unwrap();
    link(&other.join("site"), &root.join("output-kits"));
    fails(
        root,
        &["kit", "paris-2024", "--lang", "fr"],
        &[
            "output-kits: error: ",
            "leads out of the project through a link",
        ],
    );
    assert_eq!(
        std::fs::read(other.join("site/paris-2024/keep.txt")).unwrap(),
        b"mine"
    );
    std::fs::remove_file(root.join("output-kits")).unwrap();
    // An output that holds a source folder a link leads to.
    std::fs::create_dir_all(other.join("vendor")).unwrap();
    let themes = root.join("themes");
    std::fs::rename(&themes, other.join("vendor/themes")).unwrap();
    link(&other.join("vendor/themes"), &themes);
    let vendor = other.join("vendor");
    fails(
        root,
        &["build", "--force", "--output", vendor.to_str().unwrap()],
        &["holds themes/"],
    );
    assert!(
        other
            .join("vendor/themes/default/templates/base.html")
            .is_file()
    );
    std::fs::remove_file(&themes).unwrap();
    std::fs::rename(other.join("vendor/themes"), &themes).unwrap();
    // Links in the cache: the files they lead to are never written, emptied or removed.
    succeeds(root, &["build", "--quiet"]);
    std::fs::write(other.join("bashrc"), "mine").unwrap();
    for name in ["lock", "markdown.tmp"] {
        link(
            &other.join("bashrc"),
            &root.join(".marque-cache").join(name),
        );
    }
    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Six personnes.",
    );
    succeeds(root, &["build", "--quiet"]);
    assert_eq!(std::fs::read(other.join("bashrc")).unwrap(), b"mine");
    std::fs::create_dir_all(other.join("spare")).unwrap();
    std::fs::write(other.join("spare/precious.txt"), "mine").unwrap();
    let spare = root.join(".marque-cache/spare");
    std::fs::remove_dir_all(&spare).unwrap();
    link(&other.join("spare"), &spare);
    fails(
        root,
        &["build"],
        &[".marque-cache/spare is a symbolic link"],
    );
    assert_eq!(
        std::fs::read(other.join("spare/precious.txt")).unwrap(),
        b"mine"
    );
}

#[cfg(unix)]
#[test]
fn a_pipe_where_a_file_should_be_is_an_error_not_a_wait() {
    let p = project();
    let root = p.path();
    for file in ["brand/brand.yaml", "marque.yaml"] {
        let path = root.join(file);
        let saved = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(
            Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap()
                .success()
        );
        fails(
            root,
            &["build"],
            &[&format!("{file}: error: this is not a plain file")],
        );
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, saved).unwrap();
    }
}

// 2. Nothing from outside the project reaches the site.

#[cfg(unix)]
#[test]
fn links_out_of_the_project_are_refused_wherever_they_are() {
    let p = project();
    let root = p.path();
    let c = canary();
    let cd = c.path();
    // An indicator, so that its CSV is read.
    write(
        root,
        "narrative/data/visites.yaml",
        "- id: visites\n  name: {fr: Visites, en: Visits}\n  source: Test\n  values: [{year: 2022, value: 1}]\n",
    );
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    let cases: Vec<(&str, PathBuf)> = vec![
        ("brand/fonts/LICENCE-extra.txt", cd.join("canary.txt")),
        ("narrative/data/visites.csv", cd.join("canary.csv")),
        ("kits/paris-2024/kit.yaml", cd.join("kit.yaml")),
        ("themes/default/i18n/en.yaml", cd.join("en.yaml")),
        ("narrative/fr/secret.md", cd.join("page.md")),
        ("narrative/media/canary.txt", cd.join("canary.txt")),
        ("themes/default/static/canary.txt", cd.join("canary.txt")),
        (
            "brand/logos/one-provence-symbol-primary.svg",
            cd.join("canary.txt"),
        ),
        // Folders that are links, a whole source folder among them.
        ("narrative/fr/dossier", cd.join("folder")),
        ("kits/paris-2024", cd.join("folder")),
        ("themes/default/static/extra", cd.join("folder")),
        ("narrative/media", cd.join("folder")),
    ];
    for (at, target) in &cases {
        let path = root.join(at);
        let saved = std::fs::symlink_metadata(&path).ok().map(|m| {
            let keep = tempfile::tempdir().unwrap();
            let to = keep.path().join("saved");
            if m.is_dir() {
                copy_dir(&path, &to);
            } else {
                std::fs::copy(&path, &to).unwrap();
            }
            (keep, to, m.is_dir())
        });
        link(target, &path);
        let t = fails(
            root,
            &["build"],
            &["is a link to", "outside the project folder"],
        );
        let shown = at.to_string();
        assert!(
            t.contains(&format!("'{shown}'")),
            "{at}: the link is named:\n{t}"
        );
        assert!(
            !t.contains(CANARY),
            "{at}: the message shows no outside text"
        );
        assert_eq!(
            site,
            tree(&root.join("output")),
            "{at}: the site is untouched"
        );
        assert_no_canary(&root.join("output"));
        // The kit command reads the same sources the same way.
        let t = fails(
            root,
            &["kit", "paris-2024", "--lang", "fr"],
            &["outside the project folder"],
        );
        assert!(!t.contains(CANARY), "{at}: the kit's message");
        assert!(!root.join("output-kits").exists(), "{at}: no kit made");
        std::fs::remove_file(&path).unwrap();
        if let Some((_keep, to, is_dir)) = saved {
            if is_dir {
                copy_dir(&to, &path);
            } else {
                std::fs::copy(&to, &path).unwrap();
            }
        }
    }
    // The project folder itself reached through a link is fine, and so are links
    // that stay inside it.
    link(
        &root.join("narrative/fr/about.md"),
        &root.join("narrative/fr/about-copy.md"),
    );
    std::fs::write(root.join("brand/fonts/EXTRA.txt"), "inside").unwrap();
    link(
        Path::new("../../../brand/fonts"),
        &root.join("themes/default/static/fonts-link"),
    );
    succeeds(root, &["build", "--quiet"]);
    assert!(root.join("output/about-copy/index.html").is_file());
    assert!(root.join("output/fonts-link/EXTRA.txt").is_file());
    assert_no_canary(&root.join("output"));
}

// 3. No hang, no abort, no stack overflow.

#[test]
fn coordinates_at_the_poles_give_a_sane_map_in_bounded_time() {
    let p = project();
    let root = p.path();
    std::fs::create_dir_all(root.join("narrative/data")).unwrap();
    std::fs::copy(
        repo_root().join("narrative/data/provence.geojson"),
        root.join("narrative/data/provence.geojson"),
    )
    .unwrap();
    write(
        root,
        "narrative/fr/lieux/_index.md",
        "---\ntitle: Lieux\nextra: {map: true, map_base: provence.geojson}\n---\n",
    );
    for (lat, lon) in [
        ("90", "0"),
        ("-89.9999", "0"),
        ("-90", "-180"),
        ("0", "180"),
    ] {
        write(
            root,
            "narrative/fr/lieux/pole.md",
            &format!(
                "---\ntitle: Pôle\nextra: {{coordinates: {{lat: {lat}, lon: {lon}}}}}\n---\nLoin.\n"
            ),
        );
        let start = Instant::now();
        succeeds(root, &["build", "--quiet"]);
        assert!(start.elapsed() < Duration::from_secs(30), "{lat}, {lon}");
        for page in ["lieux/index.html", "lieux/pole/index.html"] {
            let size = std::fs::metadata(root.join("output").join(page))
                .unwrap()
                .len();
            assert!(size < 200_000, "{lat}, {lon}: {page} is {size} bytes");
        }
        let map = read(root, "lieux/index.html");
        assert!(
            map.matches("<line").count() < 60,
            "{lat}, {lon}: a bounded graticule"
        );
    }
    // The southern and western hemispheres are named as such.
    write(
        root,
        "narrative/fr/lieux/pole.md",
        "---\ntitle: Ushuaïa\nextra: {coordinates: {lat: -54.8, lon: -68.3}}\n---\nLoin.\n",
    );
    succeeds(root, &["build", "--quiet"]);
    let map = read(root, "lieux/index.html");
    assert!(map.contains("° S") && map.contains("° W"), "{map}");
}

/// A PNG header that claims `w` × `h` pixels (a decompression bomb's first bytes).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        drop(enc.write_header().unwrap());
    }
    out
}

fn nested_svg(depth: usize) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">{}<rect width="10" height="10"/>{}</svg>"#,
        "<g>".repeat(depth),
        "</g>".repeat(depth)
    )
}

#[test]
fn hostile_logos_are_errors_naming_the_file_never_an_abort() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    let logo = "brand/logos/one-provence-symbol-primary.svg";
    let original = std::fs::read_to_string(root.join(logo)).unwrap();
    let bomb = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><image width="10" height="10" href="data:image/png;base64,{}"/></svg>"#,
        base64(&png_header(60000, 60000))
    );
    let mut huge_path = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M0 0"#,
    );
    while huge_path.len() < 100 << 20 {
        huge_path.push_str(" L1 1 L2 2 L3 3 L4 4 L5 5 L6 6 L7 7 L8 8 L9 9");
    }
    huge_path.push_str(r#""/></svg>"#);
    let cases: Vec<(String, &str)> = vec![
        (
            original.replacen(
                r#"width="102" height="102""#,
                r#"width="1" height="100000000""#,
                1,
            ),
            "over marque's limit of 16384 pixels a side",
        ),
        (bomb, "60000 × 60000 pixels, over marque's limit"),
        (nested_svg(10_000), "nests its elements more than 256 deep"),
        (huge_path, "over the limit of 10.0 MiB for an SVG file"),
        // The renderer's own panic (found by the fuzzer): a filter on a drawing a
        // billionth of a unit high.
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1e-9"><filter id="f"><feGaussianBlur stdDeviation="1000000"/></filter><rect filter="url(#f)" width="5" height="5"/></svg>"#.into(),
            "",
        ),
    ];
    for (svg, want) in &cases {
        std::fs::write(root.join(logo), svg).unwrap();
        let start = Instant::now();
        let t = fails(root, &["build"], &[logo, want]);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{want}: bounded time"
        );
        assert!(
            !t.contains("memory allocation") && !t.contains("overflow"),
            "{t}"
        );
        assert_eq!(
            site,
            tree(&root.join("output")),
            "{want}: the site is untouched"
        );
    }
    // An <image> that points to a file outside is dropped by the sanitiser, never read.
    std::fs::write(
        root.join(logo),
        original.replacen(
            "</svg>",
            r#"<image width="10" height="10" href="/etc/hostname"/></svg>"#,
            1,
        ),
    )
    .unwrap();
    let t = succeeds(root, &["build", "--quiet"]);
    assert!(t.contains("external reference '/etc/hostname'"), "{t}");
    std::fs::write(root.join(logo), &original).unwrap();
    succeeds(root, &["build", "--quiet"]);
}

#[test]
fn hostile_partner_logos_are_errors_naming_the_file() {
    let p = project();
    let root = p.path();
    let outside = tempfile::tempdir().unwrap();
    let write_logo = |name: &str, bytes: &[u8]| {
        let f = outside.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        f.to_str().unwrap().to_string()
    };
    let good = {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 4, 4);
        enc.set_color(png::ColorType::Rgba);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[200u8; 64]).unwrap();
        drop(w);
        out
    };
    let cases: Vec<(String, &str)> = vec![
        (
            write_logo("bomb.png", &png_header(60000, 60000)),
            "60000 × 60000 pixels, over marque's limit",
        ),
        (write_logo("cut.png", &good[..good.len() - 20]), "cut short"),
        (
            write_logo("deep.svg", nested_svg(30_000).as_bytes()),
            "nests its elements more than 256 deep",
        ),
        (write_logo("fake.png", b"GIF89a not really"), "picture"),
        (
            write_logo("big.svg", &vec![b' '; 11 << 20]),
            "over the limit of 10.0 MiB",
        ),
    ];
    // A kit made before: a failed one leaves it as it was.
    succeeds(root, &["kit", "paris-2024", "--lang", "fr"]);
    let kit_out = root.join("output-kits/paris-2024");
    let made = tree(&kit_out);
    assert!(!made.is_empty());
    for (file, want) in &cases {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let start = Instant::now();
        let t = fails(
            root,
            &["kit", "paris-2024", "--lang", "fr", "--partner-logo", file],
            &[name, want],
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{name}: bounded time"
        );
        // The message names the partner's file, not the template it was drawn into.
        assert!(
            !t.contains("poster.svg") && !t.contains("templates/"),
            "{t}"
        );
        assert_eq!(made, tree(&kit_out), "{name}: the kit made before");
    }
    let t = fails(
        root,
        &[
            "kit",
            "paris-2024",
            "--lang",
            "fr",
            "--partner-name",
            "Club\u{1}",
        ],
        &["--partner-name: error: ", "U+0001"],
    );
    assert!(!t.contains("poster.svg"), "{t}");
}

#[test]
fn tables_over_the_limits_are_refused_quickly() {
    let p = project();
    let root = p.path();
    write(
        root,
        "narrative/data/visites.yaml",
        "- id: visites\n  name: {fr: Visites, en: Visits}\n  source: Test\n",
    );
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    let rows = |n: usize| {
        let mut s = String::from("year,value\n");
        for i in 0..n {
            s.push_str(&format!("{},{}\n", 1000 + i, i));
        }
        s
    };
    for (n, want) in [
        (1_000_000, "over the limit of 1.0 MiB for a CSV file"),
        (200_000, "over the limit of 1.0 MiB for a CSV file"),
        (10_001, "visites.csv:10002: error: more than 10000 rows"),
    ] {
        write(root, "narrative/data/visites.csv", &rows(n));
        let start = Instant::now();
        fails(root, &["build"], &["narrative/data/visites.csv", want]);
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{n} rows: bounded time"
        );
        assert_eq!(site, tree(&root.join("output")));
    }
}

#[test]
fn a_panic_while_building_is_an_error_naming_what_was_made() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    // The page is rendered again (its source changed), and rendering it panics.
    let about = std::fs::read_to_string(root.join("narrative/fr/about.md")).unwrap();
    write(
        root,
        "narrative/fr/about.md",
        &format!("{about}\nEncore.\n"),
    );
    let mut cmd = marque_cmd(root, &["build"]);
    cmd.env("MARQUE_TEST_PANIC", "about/index.html");
    let o = bounded(&mut cmd, 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("about/index.html: error: internal error while rendering this page"),
        "{}",
        text(&o)
    );
    assert_eq!(site, tree(&root.join("output")));
}

// 4. A killed build leaves a consistent site and no debris.

/// Every staging or old folder a build left beside the output.
fn debris(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".marque-staging") || n.contains(".marque-old"))
        .collect()
}

#[test]
fn a_build_killed_at_any_point_leaves_the_old_site_or_the_new_one() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let old = tree(&root.join("output"));
    // A base_url change rewrites most pages: a mix would show.
    let new = {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(root, copy.path());
        std::fs::remove_dir_all(copy.path().join("output")).unwrap();
        edit(
            copy.path(),
            "marque.yaml",
            "https://example.org",
            "https://example.net",
        );
        succeeds(copy.path(), &["build", "--quiet"]);
        tree(&copy.path().join("output"))
    };
    assert_ne!(old, new);
    edit(
        root,
        "marque.yaml",
        "https://example.org",
        "https://example.net",
    );
    for (point, exchange) in [
        ("staged", true),
        ("linked", true),
        ("swapped", true),
        ("committed", true),
        ("between-renames", false),
    ] {
        let mut cmd = marque_cmd(root, &["build", "--quiet"]);
        cmd.env("MARQUE_TEST_CRASH_AT", point);
        if !exchange {
            cmd.env("MARQUE_TEST_NO_EXCHANGE", "1");
        }
        let o = bounded(&mut cmd, 60);
        assert_eq!(o.status.code(), Some(137), "{point}: {}", text(&o));
        if point == "between-renames" {
            // Without an exchange, a kill between the two renames leaves no output
            // folder, and the old site whole beside it, where the next build finds it.
            assert!(!root.join("output").exists(), "{point}");
            let left = debris(root);
            let kept: Vec<&String> = left.iter().filter(|n| n.contains(".marque-old-")).collect();
            assert_eq!(kept.len(), 1, "{point}: {left:?}");
            assert_eq!(old, tree(&root.join(kept[0])), "{point}: the old site");
        } else {
            let now = tree(&root.join("output"));
            let expect_new = matches!(point, "swapped" | "committed");
            assert!(
                now == if expect_new { new.clone() } else { old.clone() },
                "{point}: the output is the {} site",
                if expect_new { "new" } else { "old" }
            );
        }
        // The next build recovers what the dead one left and ends with the new site.
        let t = succeeds(root, &["build", "--quiet"]);
        if point == "between-renames" {
            assert!(
                t.contains("put back the previous site from"),
                "{point}: {t}"
            );
        }
        assert_eq!(new, tree(&root.join("output")), "{point}: the next build");
        assert!(debris(root).is_empty(), "{point}: {:?}\n{t}", debris(root));
        // Back to the old site for the next point.
        edit(
            root,
            "marque.yaml",
            "https://example.net",
            "https://example.org",
        );
        succeeds(root, &["build", "--quiet"]);
        assert_eq!(old, tree(&root.join("output")));
        edit(
            root,
            "marque.yaml",
            "https://example.org",
            "https://example.net",
        );
    }
}

#[test]
fn a_build_killed_by_a_signal_leaves_the_old_site_or_the_new_one() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let old = tree(&root.join("output"));
    edit(
        root,
        "marque.yaml",
        "https://example.org",
        "https://example.net",
    );
    let new = {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(root, copy.path());
        std::fs::remove_dir_all(copy.path().join("output")).unwrap();
        succeeds(copy.path(), &["build", "--quiet"]);
        tree(&copy.path().join("output"))
    };
    let mut seen = (false, false);
    for delay_ms in [5u64, 40, 80, 150, 250, 400, 700] {
        // Back to the old site, then kill a build of the new one after `delay_ms`.
        edit(
            root,
            "marque.yaml",
            "https://example.net",
            "https://example.org",
        );
        succeeds(root, &["build", "--quiet"]);
        edit(
            root,
            "marque.yaml",
            "https://example.org",
            "https://example.net",
        );
        let mut child = marque_cmd(root, &["build", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = tree(&root.join("output"));
        let (is_old, is_new) = (now == old, now == new);
        assert!(
            is_old || is_new,
            "killed after {delay_ms} ms: the output is neither the old site nor the new one ({} files, {} old, {} new)",
            now.len(),
            old.len(),
            new.len()
        );
        seen = (seen.0 | is_old, seen.1 | is_new);
        succeeds(root, &["build", "--quiet"]);
        assert_eq!(new, tree(&root.join("output")), "after {delay_ms} ms");
        assert!(
            debris(root).is_empty(),
            "after {delay_ms} ms: {:?}",
            debris(root)
        );
    }
    // A kill 5 ms in always finds the old site; when the new one shows depends on the
    // machine's speed (the hooks above place kills at each step exactly).
    assert!(seen.0, "no kill found the old site");
}

/// The spare copy of the site (the one before) follows what is really in the output:
/// a file removed by hand comes back, a file put at its top by hand goes, however many
/// builds later.
#[test]
fn builds_after_hand_edits_to_the_output_equal_a_clean_build() {
    let p = project();
    let root = p.path();
    let out = root.join("output");
    succeeds(root, &["build", "--quiet"]);
    std::fs::remove_file(out.join("about/index.html")).unwrap();
    std::fs::write(out.join("stray.txt"), "by hand").unwrap();
    for i in 0..4 {
        edit(
            root,
            "narrative/fr/news/one.md",
            "\n---\n",
            &format!("\n---\nÉdition {i}.\n"),
        );
        succeeds(root, &["build", "--quiet"]);
        let clean = tempfile::tempdir().unwrap();
        let clean_out = clean.path().join("out");
        succeeds(
            root,
            &["build", "--quiet", "--output", clean_out.to_str().unwrap()],
        );
        assert_eq!(
            tree(&out).keys().collect::<Vec<_>>(),
            tree(&clean_out).keys().collect::<Vec<_>>(),
            "build {i}"
        );
        assert_eq!(tree(&out), tree(&clean_out), "build {i}");
    }
}

/// An output folder and a cache that come with the sources (a checkout, a copy, an
/// archive) are not marque's: their records are not trusted, whatever their markers
/// say, and nothing is taken from them, least of all through a link.
#[cfg(unix)]
#[test]
fn an_output_and_cache_shipped_with_the_sources_are_not_trusted() {
    let p = project();
    succeeds(p.path(), &["build", "--quiet"]);
    // The same project, output and cache included, as a checkout would bring it.
    let copy = tempfile::tempdir().unwrap();
    let root = copy.path();
    copy_dir(p.path(), root);
    let c = canary();
    std::fs::write(c.path().join("folder/index.html"), CANARY).unwrap();
    let about = root.join("output/about");
    std::fs::remove_dir_all(&about).unwrap();
    link(&c.path().join("folder"), &about);
    let t = succeeds(root, &["build"]);
    assert!(
        t.contains(" 0 reused,"),
        "nothing reused from a folder marque did not make:\n{t}"
    );
    assert_no_canary(&root.join("output"));
    assert!(!root.join("output/about").is_symlink());
    assert_eq!(
        std::fs::read_to_string(c.path().join("folder/index.html")).unwrap(),
        CANARY
    );
}

#[test]
fn a_build_waits_for_the_process_holding_the_project_and_names_it() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    // Another process holds the project's lock, as a running build would.
    let lock_path = root.join(".marque-cache/lock");
    let mut held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&lock_path)
        .unwrap();
    held.lock().unwrap();
    held.write_all(b"process 4242, marque build").unwrap();
    edit(
        root,
        "narrative/fr/about.md",
        "\n---\n",
        "\n---\nAprès une attente.\n",
    );
    let mut child = marque_cmd(root, &["build", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says whom it waits for, and writes nothing while it waits.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build did not wait"
    );
    assert_eq!(
        site,
        tree(&root.join("output")),
        "nothing written while waiting"
    );
    drop(held);
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("waiting for another marque process that is using this project (process 4242, marque build) to finish"),
        "{t}"
    );
    assert!(
        std::fs::read_to_string(root.join("output/about/index.html"))
            .unwrap()
            .contains("Après une attente."),
        "the build went on once the lock was free"
    );
}

#[test]
fn two_builds_at_once_take_turns() {
    let p = project();
    let root = p.path();
    let spawn = || {
        marque_cmd(root, &["build", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn();
    std::thread::sleep(Duration::from_millis(150));
    let b = spawn();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    let both = format!("{}{}", text(&a), text(&b));
    if both.contains("waiting") {
        assert!(
            both.contains("(process "),
            "the other process is named: {both}"
        );
    }
    assert!(debris(root).is_empty(), "{:?}", debris(root));
    assert!(root.join("output/index.html").is_file());
}

// 5. No silent wrong output, no misleading message.

#[test]
fn files_that_are_not_utf8_are_errors_at_their_line() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    for (file, want) in [
        ("brand/brand.yaml", "brand/brand.yaml:"),
        ("marque.yaml", "marque.yaml:"),
        ("kits/paris-2024/kit.yaml", "kits/paris-2024/kit.yaml:"),
        (
            "themes/default/i18n/en.yaml",
            "themes/default/i18n/en.yaml:",
        ),
        ("narrative/fr/about.md", "narrative/fr/about.md:"),
    ] {
        let path = root.join(file);
        let original = std::fs::read(&path).unwrap();
        let lines = original.iter().filter(|&&b| b == b'\n').count();
        let mut bad = original.clone();
        bad.extend_from_slice(b"# caf\xe9\n");
        std::fs::write(&path, &bad).unwrap();
        let t = fails(
            root,
            &["build"],
            &[&format!(
                "{want}{}:6: error: the file is not UTF-8",
                lines + 1
            )],
        );
        assert!(
            !t.contains("no marque.yaml") && !t.contains("no logo"),
            "{file}: {t}"
        );
        assert_eq!(site, tree(&root.join("output")), "{file}");
        std::fs::write(&path, &original).unwrap();
    }
}

#[test]
fn yaml_nested_too_deep_is_an_error_at_its_line_and_blames_no_other_file() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    // Deep enough to overflow a 2 MB thread's stack in a debug build when read level
    // by level; a line of its own so the error can name it.
    let deep = format!("{}x{}", "[".repeat(200), "]".repeat(200));
    for (file, field) in [
        ("brand/brand.yaml", "extra_deep"),
        ("kits/paris-2024/kit.yaml", "extra_deep"),
        ("themes/default/i18n/en.yaml", "extra_deep"),
        ("marque.yaml", "extra_deep"),
    ] {
        let path = root.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        let line = original.lines().count() + 1;
        std::fs::write(&path, format!("{original}{field}: {deep}\n")).unwrap();
        let t = fails(root, &["build"], &[&format!("{file}:{line}:")]);
        // A brand file that does not load must not make every kit's accent an error.
        assert!(!t.contains("is not a colour of the brand"), "{file}: {t}");
        assert_eq!(site, tree(&root.join("output")), "{file}");
        std::fs::write(&path, original).unwrap();
    }
    // In front matter, where any value may go under extra: the nesting is what is wrong.
    let page = root.join("narrative/fr/about.md");
    let original = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        original.replacen("title:", &format!("extra:\n  x: {deep}\ntitle:"), 1),
    )
    .unwrap();
    fails(
        root,
        &["build"],
        &[
            "narrative/fr/about.md:3:",
            "nested more than 24 levels deep",
        ],
    );
    assert_eq!(site, tree(&root.join("output")));
    std::fs::write(&page, original).unwrap();
    // A brand that does not parse: its own error only.
    let brand = root.join("brand/brand.yaml");
    let original = std::fs::read_to_string(&brand).unwrap();
    std::fs::write(&brand, format!("{original}colours_typo: 1\n")).unwrap();
    let t = fails(root, &["build"], &["brand/brand.yaml:"]);
    assert!(!t.contains("kits/paris-2024/kit.yaml"), "{t}");
    std::fs::write(&brand, original).unwrap();
}

#[test]
fn values_out_of_range_or_of_the_wrong_kind_are_refused_with_their_line() {
    let p = project();
    let root = p.path();
    write(
        root,
        "narrative/data/visites.yaml",
        "- id: visites\n  name: {fr: Visites, en: Visits}\n  source: Test\n",
    );
    write(root, "narrative/data/visites.csv", "year,value\n2023,12\n");
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    write(
        root,
        "narrative/data/visites.csv",
        "year,value\n2023,1e308\n",
    );
    fails(
        root,
        &["build"],
        &["narrative/data/visites.csv:2: error: year 2023: the value 1e308 is out of range"],
    );
    write(root, "narrative/data/visites.csv", "year,value\n2023,12\n");
    edit(
        root,
        "kits/paris-2024/kit.yaml",
        "accent: ocre",
        "accent: ocra",
    );
    fails(
        root,
        &["build"],
        &[
            "kits/paris-2024/kit.yaml:23: error: accent: 'ocra' is not a colour of the brand",
            "(did you mean 'ocre'?)",
        ],
    );
    edit(
        root,
        "kits/paris-2024/kit.yaml",
        "accent: ocra",
        "accent: ocre",
    );
    edit(
        root,
        "narrative/fr/about.md",
        "title:",
        "tags: Environnement, Mer\ntitle:",
    );
    fails(
        root,
        &["build"],
        &[
            "narrative/fr/about.md:2:7: error: tags: 'Environnement, Mer' is one string, not a list: write tags: [Environnement, Mer]",
        ],
    );
    edit(
        root,
        "narrative/fr/about.md",
        "tags: Environnement, Mer\ntitle:",
        "title:",
    );
    edit(
        root,
        "narrative/fr/about.md",
        "title:",
        "title: Deux\ntitle:",
    );
    fails(
        root,
        &["build"],
        &[
            "narrative/fr/about.md:3",
            "the key 'title' is written twice in the same mapping",
        ],
    );
    let t = fails(root, &["build"], &[]);
    assert!(!t.contains("DuplicateKeyPolicy"), "{t}");
    edit(
        root,
        "narrative/fr/about.md",
        "title: Deux\ntitle:",
        "title:",
    );
    assert_eq!(site, tree(&root.join("output")));
}

#[test]
fn a_bad_title_font_or_picture_names_the_file_to_fix() {
    let p = project();
    let root = p.path();
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    // A title too long for its social card: the page and its field, not og.svg.
    let long = "Une très longue phrase ".repeat(40);
    let about = std::fs::read_to_string(root.join("narrative/fr/about.md")).unwrap();
    let title_line = about.lines().position(|l| l.starts_with("title:")).unwrap() + 1;
    let long_title: Vec<String> = about
        .lines()
        .map(|l| {
            if l.starts_with("title:") {
                format!("title: {long}")
            } else {
                l.to_string()
            }
        })
        .collect();
    write(
        root,
        "narrative/fr/about.md",
        &(long_title.join("\n") + "\n"),
    );
    let t = fails(
        root,
        &["build"],
        &[&format!(
            "narrative/fr/about.md:{title_line}: error: title: too long for the social card"
        )],
    );
    assert!(!t.contains("og.svg") && !t.contains("og.png: error"), "{t}");
    std::fs::write(root.join("narrative/fr/about.md"), &about).unwrap();
    // A NUL in a title.
    edit(
        root,
        "narrative/fr/about.md",
        "title: ",
        "title: \"A\\0B\" #",
    );
    let t = fails(
        root,
        &["build"],
        &[
            "narrative/fr/about.md:",
            "title: holds the control character U+0000",
        ],
    );
    assert!(!t.contains("og."), "{t}");
    std::fs::write(root.join("narrative/fr/about.md"), &about).unwrap();
    // A NUL in a kit's name.
    edit(
        root,
        "kits/paris-2024/kit.yaml",
        "  fr: Jeux de Paris",
        "  fr: \"Jeux\\0\" #",
    );
    let t = fails(
        root,
        &["build"],
        &[
            "kits/paris-2024/kit.yaml:",
            "name.fr: holds the control character U+0000",
        ],
    );
    assert!(!t.contains("templates/"), "{t}");
    edit(
        root,
        "kits/paris-2024/kit.yaml",
        "  fr: \"Jeux\\0\" #",
        "  fr: Jeux de Paris",
    );
    // A font file that is not a font: brand.yaml's line naming it.
    let font = root.join("brand/fonts/Inter-Bold.ttf");
    let original = std::fs::read(&font).unwrap();
    std::fs::write(&font, &original[..1000]).unwrap();
    let t = fails(
        root,
        &["build"],
        &[
            "brand/brand.yaml:",
            "typography[0].files[0]: 'brand/fonts/Inter-Bold.ttf' is not an OpenType or TrueType font",
        ],
    );
    assert!(!t.contains("og.svg"), "{t}");
    std::fs::write(&font, &original).unwrap();
    assert_eq!(site, tree(&root.join("output")));
}

#[test]
fn a_cut_or_huge_photo_is_refused_naming_it() {
    let p = project();
    let root = p.path();
    let photo = root.join("narrative/media/manifeste-poster.jpg");
    std::fs::create_dir_all(photo.parent().unwrap()).unwrap();
    let original = std::fs::read(repo_root().join("narrative/media/manifeste-poster.jpg")).unwrap();
    std::fs::write(&photo, &original).unwrap();
    write(
        root,
        "narrative/media/photos.yaml",
        "- file: manifeste-poster.jpg\n  alt: {fr: Une affiche}\n  credit: One Provence\n  licence: Libre\n",
    );
    succeeds(root, &["build", "--quiet"]);
    let site = tree(&root.join("output"));
    std::fs::write(&photo, &original[..original.len() * 2 / 3]).unwrap();
    fails(
        root,
        &["build"],
        &["narrative/media/manifeste-poster.jpg: error: the JPEG file is cut short"],
    );
    let mut huge = original.clone();
    // The JPEG's frame header (SOF0/SOF2) says how large it is: claim 60000 × 60000.
    let sof = huge
        .windows(2)
        .position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2))
        .unwrap();
    huge[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    huge[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    std::fs::write(&photo, &huge).unwrap();
    fails(
        root,
        &["build"],
        &["narrative/media/manifeste-poster.jpg: error: the JPEG picture is 60000 × 60000 pixels"],
    );
    // Each side under the limit, the whole over 120 megapixels: a bomb all the same.
    huge[sof + 5..sof + 7].copy_from_slice(&12000u16.to_be_bytes());
    huge[sof + 7..sof + 9].copy_from_slice(&12000u16.to_be_bytes());
    std::fs::write(&photo, &huge).unwrap();
    let start = Instant::now();
    fails(
        root,
        &["build"],
        &["narrative/media/manifeste-poster.jpg: error: the JPEG picture is 12000 × 12000 pixels"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "refused from its header"
    );
    assert_eq!(site, tree(&root.join("output")));
}

// 6. `marque serve` under slow clients and failures.

struct Serving {
    child: std::process::Child,
    port: u16,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(root: &Path, env: &[(&str, &str)]) -> Serving {
    let mut cmd = marque_cmd(root, &["serve", "--port", "0"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let log = log.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut r = std::io::BufReader::new(pipe);
            let mut line = String::new();
            while std::io::BufRead::read_line(&mut r, &mut line).unwrap_or(0) > 0 {
                if let Some(rest) = line.trim().strip_prefix("serving http://") {
                    let port = rest
                        .split(['/', ' '])
                        .next()
                        .unwrap()
                        .rsplit(':')
                        .next()
                        .unwrap();
                    let _ = tx.send(port.parse::<u16>().unwrap());
                }
                log.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
    }
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("serve started");
    Serving { child, port, log }
}

/// GET `path`: status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let t = String::from_utf8_lossy(&buf).into_owned();
    let status = t
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, t)
}

/// Waits (a minute at most) until `done` says so; the server's log tells why not.
fn wait_until(s: &Serving, what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {what} in a minute:\n{}",
            s.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the server's log holds `what` `count` times.
fn wait_log(s: &Serving, what: &str, count: usize) {
    wait_until(s, &format!("{what:?}"), || {
        s.log.lock().unwrap().matches(what).count() >= count
    });
}

#[test]
fn serve_keeps_the_last_good_site_after_any_failure_and_rebuilds_on_the_next_save() {
    let p = project();
    let root = p.path();
    let s = serve(root, &[("MARQUE_TEST_PANIC", "news/panic/index.html")]);
    // The page's body (the headers carry the date).
    let body = |port: u16| {
        let (status, text) = get(port, "/about/");
        (
            status,
            text.split_once("\r\n\r\n")
                .map(|(_, b)| b.to_string())
                .unwrap_or(text),
        )
    };
    let good = body(s.port).1;
    assert!(good.contains("<html"));
    // A save that makes marque panic.
    write(
        root,
        "narrative/fr/news/panic.md",
        "---\ntitle: Panique\n---\nBoom.\n",
    );
    wait_log(&s, "internal error while rendering this page", 1);
    assert_eq!(
        body(s.port),
        (200, good.clone()),
        "the last good site is served"
    );
    // A save that would hang (a pole) or abort (a huge logo) before.
    std::fs::remove_file(root.join("narrative/fr/news/panic.md")).unwrap();
    write(
        root,
        "narrative/fr/news/pole.md",
        "---\ntitle: Pôle\nextra: {coordinates: {lat: 90, lon: 0}}\n---\nLoin.\n",
    );
    wait_log(&s, "pole.md", 1);
    let logo = root.join("brand/logos/one-provence-symbol-primary.svg");
    let original = std::fs::read_to_string(&logo).unwrap();
    std::fs::write(
        &logo,
        original.replacen(
            r#"width="102" height="102""#,
            r#"width="1" height="100000000""#,
            1,
        ),
    )
    .unwrap();
    wait_log(&s, "over marque's limit of 16384 pixels", 1);
    assert_eq!(body(s.port), (200, good));
    // The fix is rebuilt.
    std::fs::write(&logo, &original).unwrap();
    let about = std::fs::read_to_string(root.join("narrative/fr/about.md")).unwrap();
    write(
        root,
        "narrative/fr/about.md",
        &format!("{about}\nRéparé.\n"),
    );
    wait_until(&s, "rebuild of the fix", || {
        get(s.port, "/about/").1.contains("Réparé")
    });
}

#[test]
fn slow_clients_cannot_starve_the_server() {
    let p = fixture("basic");
    let s = serve(p.path(), &[]);
    // Up to two thousand clients that never finish their request (fewer when this
    // process may not open as many files).
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|x| x.starts_with("Max open files"))
                .and_then(|x| {
                    x.split_whitespace()
                        .nth(3)
                        .and_then(|n| n.parse::<usize>().ok())
                })
        })
        .unwrap_or(1024);
    let mut slow = Vec::new();
    for _ in 0..2000.min(limit.saturating_sub(200)) {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
        slow.push(c);
    }
    for _ in 0..5 {
        let start = Instant::now();
        let (status, _) = get(s.port, "/");
        assert_eq!(status, 200);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
    // Three hundred live-reload streams (more than the server keeps) do not lock it
    // either.
    let mut streams = Vec::new();
    for _ in 0..300 {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        let _ = c.write_all(b"GET /__marque/events HTTP/1.1\r\nHost: x\r\n\r\n");
        streams.push(c);
    }
    let start = Instant::now();
    assert_eq!(get(s.port, "/").0, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // A half-sent request is closed after the header timeout (10 s).
    let mut c = std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 64];
    let n = c.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}
