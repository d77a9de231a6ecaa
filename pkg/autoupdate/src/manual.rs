//! `rpod auto-update --rollback-to-previous UNIT`: moving a unit back, by hand, to the images
//! its containers' names had before their last successful update (Podman has no such thing;
//! its old image is dangling after an update and `image prune` deletes it).

use libpod::config::{AUTO_UPDATE_LABEL, SYSTEMD_UNIT_ENV};

use crate::backends::{ContainerSource, ImageStore, LocalImage, UnitManager};
use crate::execute::storage;
use crate::lock::RunLock;
use crate::policy::{lookup_policy, Policy};
use crate::report::{Report, Status};
use crate::Error;

/// Points the image name of each running container of `unit` back at its previous image, then
/// restarts the unit (its failed state reset first). The image the name left becomes its
/// previous one, so a second rollback returns to it. Nothing is changed unless every name has
/// a previous image and systemd can be reached. One `rolled back` row per container.
pub async fn roll_back_unit<C, I, U>(
    _lock: &RunLock,
    containers: &C,
    images: &I,
    units: &U,
    unit: &str,
) -> Result<Vec<Report>, Error>
where
    C: ContainerSource,
    I: ImageStore,
    U: UnitManager,
{
    systemd::validate_service_name(unit).map_err(|source| Error::NotAServiceUnit { unit: unit.to_string(), source })?;
    let members: Vec<_> = containers
        .running_containers()
        .map_err(storage("listing containers"))?
        .into_iter()
        .filter(|c| c.labels.get(SYSTEMD_UNIT_ENV).map(String::as_str) == Some(unit) && !c.raw_image_name.is_empty())
        .collect();
    if members.is_empty() {
        return Err(Error::NoContainersInUnit { unit: unit.to_string() });
    }
    let mut moves: Vec<(String, LocalImage, Option<LocalImage>)> = Vec::new();
    for raw in members.iter().map(|c| &c.raw_image_name) {
        let name = raw.to_string();
        if moves.iter().any(|(n, _, _)| *n == name) {
            continue;
        }
        let previous = images.previous(&name).map_err(storage("looking up images"))?;
        let Some(previous) = previous else {
            return Err(Error::NoPreviousImage { unit: unit.to_string(), image: name });
        };
        let current = images.image_by_name(raw).map_err(storage("looking up images"))?;
        moves.push((name, previous, current));
    }
    units.connect().await.map_err(|source| Error::SystemdUnreachable { source })?;
    for (name, previous, current) in &moves {
        images.tag(&previous.id, name).map_err(storage("tagging the previous image"))?;
        if let Some(current) = current.as_ref().filter(|c| c.id != previous.id) {
            images.set_previous(name, &current.id).map_err(storage("remembering the image left"))?;
        }
    }
    if let Err(e) = units.reset_failed(unit).await {
        tracing::warn!("resetting the failed state of {unit} before rolling back: {e}");
    }
    units.restart(unit).await.map_err(|source| Error::RestartDuringRollback { unit: unit.to_string(), source })?;
    let mut reports: Vec<Report> = members
        .iter()
        .map(|c| {
            let found = moves.iter().find(|(n, _, _)| n == c.raw_image_name.as_str());
            let digest = |image: &LocalImage| image.display_digest().map(str::to_string);
            Report {
                unit: unit.to_string(),
                container_id: c.id.clone(),
                container_name: c.name.clone(),
                image: c.raw_image_name.to_string(),
                policy: c.labels.get(AUTO_UPDATE_LABEL).and_then(|v| lookup_policy(v).ok()).unwrap_or(Policy::Disabled),
                status: Status::RolledBack,
                old_digest: found.and_then(|(_, _, current)| current.as_ref()).and_then(digest),
                new_digest: found.and_then(|(_, previous, _)| digest(previous)),
            }
        })
        .collect();
    reports.sort_by(|a, b| (&a.container_name, &a.container_id).cmp(&(&b.container_name, &b.container_id)));
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{opts, rows, run, updatable, A};
    use crate::testing::World;

    fn roll_back(world: &World, unit: &str) -> Result<Vec<Report>, Error> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let lock = RunLock::acquire(&dir.path().join("lock")).unwrap_or_else(|e| panic!("{e}"));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(roll_back_unit(&lock, world, world, world, unit))
    }

    #[test]
    fn after_an_update_a_unit_goes_back_and_forth_by_hand() {
        let world = updatable();
        assert_eq!(rows(&run(&world, &opts())), ["web.service web registry true"]);
        let reports = roll_back(&world, "web.service").unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<(&str, Status, Option<&str>, Option<&str>)> = reports
            .iter()
            .map(|r| (r.container_name.as_str(), r.status, r.old_digest.as_deref(), r.new_digest.as_deref()))
            .collect();
        assert_eq!(got, [("web", Status::RolledBack, Some("sha256:v2"), Some("sha256:v1"))]);
        assert_eq!(world.tagged(A).as_deref(), Some("v1"));
        assert_eq!(world.logged("reset-failed"), ["reset-failed web.service"]);
        assert_eq!(world.logged("restart").len(), 2);
        roll_back(&world, "web.service").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(world.tagged(A).as_deref(), Some("v2"), "the image left became the previous one");
    }

    #[test]
    fn a_refused_rollback_changes_nothing() {
        let no_previous = updatable();
        let manager_down = World { manager_down: Some("no manager".into()), ..updatable() };
        manager_down.set_previous(A, "v1").unwrap_or_else(|e| panic!("{e}"));
        let cases: Vec<(&World, &str, String)> = vec![
            (
                &no_previous,
                "web.service",
                format!("unit web.service: {A} has no previous image (one is kept only after an update by rpod auto-update)"),
            ),
            (&no_previous, "other.service", "no running container has PODMAN_SYSTEMD_UNIT=other.service".into()),
            (
                &no_previous,
                "reboot.target",
                r#""reboot.target" is not a valid service unit name: only .service units are restarted"#.into(),
            ),
            (&manager_down, "web.service", "systemd is not reachable, so nothing was updated".into()),
        ];
        for (world, unit, want) in cases {
            let err = roll_back(world, unit).map(|_| ()).expect_err(unit);
            assert_eq!(err.to_string(), want);
            assert!(world.logged("tag").is_empty() && world.logged("restart").is_empty(), "{:?}", world.logged(""));
        }
    }
}
