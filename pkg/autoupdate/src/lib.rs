//! Auto-update: find containers with an update policy, check, pull, restart units, roll back.
