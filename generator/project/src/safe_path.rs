//! Paths named in sources never leave the project folder.

use std::path::{Component, Path, PathBuf};

/// Joins `rel` (a path written in a source file) to `base` inside `root`, refusing
/// absolute paths, `..` that climbs out of `root`, and symlinks that lead outside it.
pub fn resolve_inside(root: &Path, base: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') || p.has_root() {
        return Err(format!(
            "'{rel}' is an absolute path: use a path relative to the project"
        ));
    }
    let mut out = base.to_path_buf();
    for c in p.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || !out.starts_with(root) {
                    return Err(format!("'{rel}' leaves the project folder"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "'{rel}' is an absolute path: use a path relative to the project"
                ));
            }
        }
    }
    if !out.starts_with(root) {
        return Err(format!("'{rel}' leaves the project folder"));
    }
    if let (Ok(real), Ok(real_root)) = (out.canonicalize(), root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(format!(
            "'{rel}' is a link that leads outside the project folder"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_escapes() {
        let root = Path::new("/proj");
        assert!(resolve_inside(root, root, "../../etc/passwd").is_err());
        assert!(resolve_inside(root, root, "/etc/passwd").is_err());
        assert!(resolve_inside(root, &root.join("a"), "../b").is_ok());
        assert!(resolve_inside(root, root, "a/../../x").is_err());
    }
}
