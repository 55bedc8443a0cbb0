//! The five vendor APIs the sandbox stands in for, and the URL prefix each one lives under.

/// One vendor API. Every route of a target sits under its own prefix, followed by the vendor's own path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Casebook,
    PersonsV1,
    CharityCrm,
    Caspen,
    UniteUs,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::Casebook,
        Target::PersonsV1,
        Target::CharityCrm,
        Target::Caspen,
        Target::UniteUs,
    ];

    /// The name used in configuration, in the admin endpoints and as the URL prefix.
    pub fn name(self) -> &'static str {
        match self {
            Target::Casebook => "casebook",
            Target::PersonsV1 => "persons_v1",
            Target::CharityCrm => "charity_crm",
            Target::Caspen => "caspen",
            Target::UniteUs => "unite_us",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|target| target.name() == name)
    }

    /// The target whose prefix the path starts with, if any.
    pub fn from_path(path: &str) -> Option<Target> {
        let first_segment = path.trim_start_matches('/').split('/').next()?;
        Target::from_name(first_segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefix_selects_target_only_on_a_whole_segment() {
        assert_eq!(
            Target::from_path("/casebook/people/people"),
            Some(Target::Casebook)
        );
        assert_eq!(Target::from_path("/unite_us"), Some(Target::UniteUs));
        assert_eq!(Target::from_path("/casebookish/x"), None);
        assert_eq!(Target::from_path("/"), None);
        assert_eq!(Target::from_path("/index.html"), None);
    }
}
