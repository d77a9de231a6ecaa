//! `images --filter` as Podman parses it. Only `dangling` is supported, the filter an
//! auto-updating host needs to see what `image prune` will take; other keys are refused with
//! Podman's texts rather than ignored.

/// Why a `--filter` argument is refused (Podman's texts, word for word).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("invalid image filter {0:?}: must be in the format \"filter=value or filter!=value\"")]
    Format(String),
    #[error("unsupported image filter {0:?}")]
    Unsupported(String),
    /// Podman 4 prints the key and the value the other way round; kept as Podman prints it.
    #[error("non-boolean value \"dangling\" for {0} filter: strconv.ParseBool: parsing {0:?}: invalid syntax")]
    NotBoolean(String),
    #[error("specifying \"dangling\" filter more than once with different values is not supported")]
    Conflict,
}

/// The parsed filters; an image is listed when it matches all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFilter {
    dangling: Option<bool>,
}

impl ImageFilter {
    /// Parses `key=value` / `key!=value` arguments.
    pub fn parse(args: &[String]) -> Result<ImageFilter, FilterError> {
        let mut filter = ImageFilter::default();
        for arg in args {
            let (key, value, negated) = match arg.split_once("!=") {
                Some((key, value)) => (key, value, true),
                None => match arg.split_once('=') {
                    Some((key, value)) => (key, value, false),
                    None => return Err(FilterError::Format(arg.clone())),
                },
            };
            if key != "dangling" {
                return Err(FilterError::Unsupported(key.to_string()));
            }
            let wanted = go_bool(value).ok_or_else(|| FilterError::NotBoolean(value.to_string()))? != negated;
            if filter.dangling.is_some_and(|d| d != wanted) {
                return Err(FilterError::Conflict);
            }
            filter.dangling = Some(wanted);
        }
        Ok(filter)
    }

    /// Whether the image passes every filter.
    pub fn matches(&self, image: &crate::ImageRecord) -> bool {
        self.dangling.is_none_or(|d| d == image.names.is_empty())
    }
}

/// Go's `strconv.ParseBool`.
fn go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `--filter dangling=…` arguments parse to.
    type DanglingCase<'a> = (&'a [&'a str], Result<Option<bool>, FilterError>);

    #[test]
    fn parses_like_podman() {
        let cases: &[DanglingCase] = &[
            (&[], Ok(None)),
            (&["dangling=true"], Ok(Some(true))),
            (&["dangling=1"], Ok(Some(true))),
            (&["dangling=False"], Ok(Some(false))),
            (&["dangling!=true"], Ok(Some(false))),
            (&["dangling=true", "dangling=t"], Ok(Some(true))),
            (&["dangling=true", "dangling=false"], Err(FilterError::Conflict)),
            (&["dangling=maybe"], Err(FilterError::NotBoolean("maybe".into()))),
            (&["foo=bar"], Err(FilterError::Unsupported("foo".into()))),
            (&["bogus"], Err(FilterError::Format("bogus".into()))),
        ];
        for (args, want) in cases {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            assert_eq!(ImageFilter::parse(&args).map(|f| f.dangling), *want, "{args:?}");
        }
        assert_eq!(
            FilterError::NotBoolean("maybe".into()).to_string(),
            r#"non-boolean value "dangling" for maybe filter: strconv.ParseBool: parsing "maybe": invalid syntax"#
        );
    }
}
