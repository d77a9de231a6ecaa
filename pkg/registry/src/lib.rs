//! The OCI registry client: manifest digest checks, pulls, pushes, auth files, registries.conf.
