//! Where a site is published: `s3://BUCKET[/PREFIX]`, checked before anything is sent.

/// A bucket and the folder in it that holds the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The bucket's name.
    pub bucket: String,
    /// The folder inside the bucket, without a `/` at either end; empty for the
    /// bucket's root.
    pub prefix: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl Target {
    /// Reads `s3://BUCKET[/PREFIX]`. The bucket name follows S3's rules (3 to 63
    /// lowercase letters, digits, dots and dashes, starting and ending with a letter or
    /// digit); the prefix is a path of plain folder names.
    pub fn parse(s: &str) -> Result<Target, String> {
        let usage = "write it s3://BUCKET or s3://BUCKET/FOLDER";
        let Some(rest) = s.strip_prefix("s3://") else {
            return Err(format!("--to '{s}' is not an s3:// address: {usage}"));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("--to '{s}' names no bucket: {usage}"));
        }
        let ok_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
        let ends_ok =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(3..=63).contains(&bucket.len())
            || !bucket.chars().all(ok_char)
            || !ends_ok(bucket.chars().next())
            || !ends_ok(bucket.chars().last())
            || bucket.contains("..")
        {
            return Err(format!(
                "--to '{s}': '{bucket}' is not a bucket name (3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit)"
            ));
        }
        let prefix = prefix.trim_end_matches('/');
        for seg in prefix.split('/').filter(|_| !prefix.is_empty()) {
            let bad = seg.is_empty()
                || seg == "."
                || seg == ".."
                || seg
                    .chars()
                    .any(|c| c.is_control() || c == '\\' || c == '*' || c == '?' || c == '#');
            if bad {
                return Err(format!(
                    "--to '{s}': the folder '{prefix}' is not a plain path (no empty part, '.', '..', '\\', '*', '?', '#' or control character)"
                ));
            }
        }
        if prefix.len() > 512 {
            return Err(format!(
                "--to: the folder is {} bytes long (at most 512)",
                prefix.len()
            ));
        }
        Ok(Target {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_read_a_bucket_and_a_folder() {
        assert_eq!(
            Target::parse("s3://one-provence").unwrap(),
            Target {
                bucket: "one-provence".into(),
                prefix: String::new()
            }
        );
        assert_eq!(Target::parse("s3://one-provence/").unwrap().prefix, "");
        let t = Target::parse("s3://site.example/www/v2/").unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.prefix.as_str()),
            ("site.example", "www/v2")
        );
        assert_eq!(t.to_string(), "s3://site.example/www/v2");
    }

    #[test]
    fn rejects_what_is_not_a_bucket_address() {
        for (arg, says) in [
            ("one-provence", "not an s3:// address"),
            ("https://bucket/x", "not an s3:// address"),
            ("s3://", "names no bucket"),
            ("s3:///www", "names no bucket"),
            ("s3://ab", "not a bucket name"),
            ("s3://One-Provence", "not a bucket name"),
            ("s3://-bucket", "not a bucket name"),
            ("s3://bucket_x", "not a bucket name"),
            ("s3://a..b", "not a bucket name"),
            ("s3://bucket/../etc", "not a plain path"),
            ("s3://bucket/a//b", "not a plain path"),
            ("s3://bucket/a/./b", "not a plain path"),
            ("s3://bucket/a\\b", "not a plain path"),
            ("s3://bucket/a\u{0}b", "not a plain path"),
        ] {
            let e = Target::parse(arg).unwrap_err();
            assert!(e.contains(says), "{arg}: {e}");
        }
    }
}
