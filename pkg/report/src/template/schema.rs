//! What a template runs over, as Go types: Podman's errors name the Go type that lacks a field
//! (`can't evaluate field Nope in type containers.psReporter`), and only structs lack fields —
//! a missing key of a map (labels, annotations) is Go's `<no value>`.

/// The Go types behind one command's template data: the type of each item, and the struct
/// types of its nested objects by field path (`Config`, `State`). Objects not listed are maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The Go type of one item (`containers.psReporter`, `interface {}` for inspect).
    pub item: &'static str,
    /// Dotted field paths from an item to nested structs, with their Go types.
    pub structs: &'static [(&'static str, &'static str)],
}

/// What the value a template starts with is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The list of items (a user format runs `{{range .}}` over it).
    Items,
    /// One item (a table row).
    Item,
    /// Something else: every object is a map.
    Unknown,
}

impl Schema {
    /// No structs at all: every missing field is `<no value>`.
    pub const MAPS: Schema = Schema { item: "", structs: &[] };

    /// The Go struct type at `path` below an item, if the schema knows one there.
    pub(crate) fn struct_at(&self, path: &[String]) -> Option<&'static str> {
        if path.is_empty() {
            return (!self.item.is_empty()).then_some(self.item);
        }
        let dotted = path.join(".");
        self.structs.iter().find(|(at, _)| *at == dotted).map(|(_, go_type)| *go_type)
    }
}
