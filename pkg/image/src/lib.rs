//! Image references, the local content-addressed image store, and layer unpacking.
