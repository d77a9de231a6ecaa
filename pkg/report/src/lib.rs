//! Podman-style output: Go templates (`--format`) and tab-aligned tables.

pub mod format;
pub mod headers;
pub mod human;
pub mod json;
pub mod podman_types;
pub mod size;
pub mod tabwriter;
pub mod template;

pub use format::{is_table_format, render_table, render_user_format, Output};
pub use headers::headers;
pub use human::human_duration;
pub use json::to_json_pretty;
pub use size::human_size;
pub use tabwriter::align_columns;
pub use template::{go_print, Schema, Template, TemplateError};
