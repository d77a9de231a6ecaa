//! Which containers take part in a run, grouped by the systemd unit that runs them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::RawImageName;
use libpod::config::{AUTO_UPDATE_AUTHFILE_LABEL, AUTO_UPDATE_LABEL, SYSTEMD_UNIT_ENV};
use libpod::ContainerConfig;

use crate::backends::{LocalImage, RegistryCheck};
use crate::execute::report;
use crate::policy::{lookup_policy, Policy};
use crate::report::{Report, Status};
use crate::Error;

/// One container to check, with everything the check and the restart need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub container_id: String,
    pub container_name: String,
    /// The image reference as typed at create time: checked, pulled, and re-tagged on rollback.
    pub raw_image_name: RawImageName,
    pub policy: Policy,
    /// The image the container runs now (the rollback target).
    pub image: LocalImage,
    /// Label `io.containers.autoupdate.authfile`, else `--authfile`.
    pub authfile: Option<PathBuf>,
    /// Label `io.containers.autoupdate.watch-window`: how long after READY the container must
    /// stay up and healthy (overrides `--watch-window`).
    pub watch: Option<Duration>,
}

/// The label that gives one container a watch window of its own (a Go duration; `0` turns
/// the run's `--watch-window` off for it).
pub const WATCH_WINDOW_LABEL: &str = "io.containers.autoupdate.watch-window";

impl Task {
    /// A digest reference (`repo@sha256:…`) names one immutable image: there is never an
    /// update to find, and Podman's failing check (#21190) helps no one.
    pub fn is_digest_pinned(&self) -> bool {
        is_digest_reference(&self.raw_image_name)
    }

    /// The registry question this task asks under the run's TLS setting (registry policy).
    pub fn registry_check(&self, tls_verify: Option<bool>) -> RegistryCheck {
        RegistryCheck { raw_image_name: self.raw_image_name.clone(), authfile: self.authfile.clone(), tls_verify }
    }
}

fn is_digest_reference(name: &RawImageName) -> bool {
    name.as_str().contains('@')
}

/// The containers of one unit: restarting the unit recreates all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTasks {
    pub unit: String,
    pub tasks: Vec<Task>,
}

/// Tasks grouped by unit (sorted by unit name, then container name, so reports have a stable
/// order — Podman's Go map order is random), and the errors of containers left out.
#[derive(Debug, Default)]
pub struct Assembled {
    pub units: Vec<UnitTasks>,
    pub errors: Vec<Error>,
    /// The `failed` rows of containers left out whose report is still due: those whose
    /// `PODMAN_SYSTEMD_UNIT` is not a valid service unit name (their error is in `errors`).
    pub rejected: Vec<Report>,
}

/// Builds the tasks from the running containers like Podman 5: containers without the label
/// or with a disabled policy are skipped; an invalid policy, a missing `PODMAN_SYSTEMD_UNIT`
/// label, a missing image or an empty `RawImageName` is an error for that container only.
/// Unlike Podman, the unit must be a valid `.service` name (see
/// [`systemd::validate_service_name`]); otherwise the container is not updated, and gets a
/// `failed` row and an error saying why. `images` holds the containers' images by ID.
pub fn assemble_tasks(
    containers: &[ContainerConfig],
    images: &HashMap<String, LocalImage>,
    default_authfile: Option<&Path>,
) -> Assembled {
    let mut by_unit: BTreeMap<String, Vec<Task>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut rejected = Vec::new();
    for ctr in containers {
        match task_for(ctr, images, default_authfile) {
            Ok(Some((unit, task))) => match systemd::validate_service_name(&unit) {
                Ok(()) => by_unit.entry(unit).or_default().push(task),
                Err(source) => {
                    rejected.push(report(&printable(&unit), &task, Status::Failed, None));
                    errors.push(Error::InvalidUnitName { id: task.container_id, unit, source });
                }
            },
            Ok(None) => {}
            Err(err) => errors.push(err),
        }
    }
    let units = by_unit
        .into_iter()
        .map(|(unit, mut tasks)| {
            tasks.sort_by(|a, b| (&a.container_name, &a.container_id).cmp(&(&b.container_name, &b.container_id)));
            UnitTasks { unit, tasks }
        })
        .collect();
    Assembled { units, errors, rejected }
}

/// Every registry question the tasks of these containers will ask: the containers
/// [`assemble_tasks`] takes, with the registry policy and a name that is not a digest. Their
/// images play no part, so a run can send these before it reads its image store. A container
/// whose image turns out to be missing was asked about for nothing, and gets its error then.
pub fn registry_checks(
    containers: &[ContainerConfig],
    default_authfile: Option<&Path>,
    tls_verify: Option<bool>,
) -> std::collections::BTreeSet<RegistryCheck> {
    containers
        .iter()
        .filter_map(|ctr| Some((ctr, select(ctr, default_authfile).ok()??)))
        .filter(|(ctr, chosen)| {
            chosen.policy == Policy::Registry
                && systemd::validate_service_name(chosen.unit).is_ok()
                && !ctr.raw_image_name.is_empty()
                && !is_digest_reference(&ctr.raw_image_name)
        })
        .map(|(ctr, chosen)| RegistryCheck {
            raw_image_name: ctr.raw_image_name.clone(),
            authfile: chosen.authfile,
            tls_verify,
        })
        .collect()
}

/// The label as the report's UNIT column shows it: control characters escaped, so a label
/// cannot move the cursor or recolour the terminal.
fn printable(label: &str) -> String {
    label.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// What a container's labels say about its part in a run.
struct Chosen<'c> {
    policy: Policy,
    unit: &'c str,
    authfile: Option<PathBuf>,
}

/// Whether the container takes part, from its labels alone: not without the auto-update
/// label or with a disabled policy; an invalid policy or a missing unit label is its error.
fn select<'c>(ctr: &'c ContainerConfig, default_authfile: Option<&Path>) -> Result<Option<Chosen<'c>>, Error> {
    let Some(value) = ctr.labels.get(AUTO_UPDATE_LABEL) else { return Ok(None) };
    let policy = lookup_policy(value).map_err(|source| Error::InvalidPolicy { id: ctr.id.clone(), source })?;
    if policy == Policy::Disabled {
        return Ok(None);
    }
    let unit = ctr.labels.get(SYSTEMD_UNIT_ENV).ok_or_else(|| Error::NoUnitLabel { id: ctr.id.clone() })?;
    let authfile = ctr
        .labels
        .get(AUTO_UPDATE_AUTHFILE_LABEL)
        .map(PathBuf::from)
        .or_else(|| default_authfile.map(Path::to_path_buf));
    Ok(Some(Chosen { policy, unit, authfile }))
}

fn task_for(
    ctr: &ContainerConfig,
    images: &HashMap<String, LocalImage>,
    default_authfile: Option<&Path>,
) -> Result<Option<(String, Task)>, Error> {
    let Some(Chosen { policy, unit, authfile }) = select(ctr, default_authfile)? else { return Ok(None) };
    let image =
        images.get(&ctr.rootfs_image_id).ok_or_else(|| Error::NoImage { image_id: ctr.rootfs_image_id.clone() })?;
    if ctr.raw_image_name.is_empty() {
        return Err(Error::EmptyRawImageName { id: ctr.id.clone() });
    }
    let watch = ctr
        .labels
        .get(WATCH_WINDOW_LABEL)
        .map(|value| libpod::flag_values::parse_go_duration(value))
        .transpose()
        .map_err(|source| Error::InvalidWatchWindow { id: ctr.id.clone(), label: WATCH_WINDOW_LABEL, source })?;
    let task = Task {
        container_id: ctr.id.clone(),
        container_name: ctr.name.clone(),
        raw_image_name: ctr.raw_image_name.clone(),
        policy,
        image: image.clone(),
        authfile,
        watch,
    };
    Ok(Some((unit.to_string(), task)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::container;

    fn images() -> HashMap<String, LocalImage> {
        let img = LocalImage { id: "img1".into(), digests: vec!["sha256:aaa".into()], platform: "linux/amd64".into() };
        HashMap::from([("img1".to_string(), img)])
    }

    const REG: (&str, &str) = (AUTO_UPDATE_LABEL, "registry");

    #[test]
    fn registry_questions_come_from_the_containers_that_become_registry_tasks() {
        let unit = (SYSTEMD_UNIT_ENV, "a.service");
        let mut containers: Vec<ContainerConfig> =
            (0..50).map(|i| container(&format!("c{i}"), &[REG, unit], "q.io/a:1", "img1")).collect();
        containers.push(container("auth", &[REG, unit, (AUTO_UPDATE_AUTHFILE_LABEL, "/a.json")], "q.io/a:1", "img1"));
        containers.push(container("missing-image", &[REG, unit], "q.io/b:1", "img-gone"));
        containers.push(container("pinned", &[REG, unit], "q.io/a@sha256:1", "img1"));
        containers.push(container("local", &[(AUTO_UPDATE_LABEL, "local"), unit], "localhost/l:1", "img1"));
        containers.push(container("bad-unit", &[REG, (SYSTEMD_UNIT_ENV, "not a unit")], "q.io/c:1", "img1"));
        containers.push(container("no-unit", &[REG], "q.io/d:1", "img1"));
        containers.push(container("no-name", &[REG, unit], "", "img1"));

        let checks = registry_checks(&containers, None, Some(false));
        let asked: Vec<(&str, Option<&Path>)> =
            checks.iter().map(|c| (c.raw_image_name.as_str(), c.authfile.as_deref())).collect();
        // A missing image is found only after the question went out: asked for nothing, harmless.
        assert_eq!(asked, vec![("q.io/a:1", None), ("q.io/a:1", Some(Path::new("/a.json"))), ("q.io/b:1", None)]);
        assert!(checks.iter().all(|c| c.tls_verify == Some(false)));

        let assembled = assemble_tasks(&containers, &images(), None);
        let tasks: Vec<&Task> = assembled.units.iter().flat_map(|u| &u.tasks).collect();
        for task in tasks.iter().filter(|t| t.policy == Policy::Registry && !t.is_digest_pinned()) {
            assert!(checks.contains(&task.registry_check(Some(false))), "{} was not asked about", task.container_name);
        }
    }

    #[test]
    fn assembles_tasks_and_errors_like_podman() {
        let unit = |u| (SYSTEMD_UNIT_ENV, u);
        struct Case {
            name: &'static str,
            ctr: ContainerConfig,
            want_unit: Option<&'static str>,
            want_err: Option<&'static str>,
        }
        let cases = vec![
            Case {
                name: "no label",
                ctr: container("a", &[unit("a.service")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: None,
            },
            Case {
                name: "disabled",
                ctr: container("a", &[(AUTO_UPDATE_LABEL, "disabled"), unit("a.service")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: None,
            },
            Case {
                name: "empty value",
                ctr: container("a", &[(AUTO_UPDATE_LABEL, ""), unit("a.service")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: None,
            },
            Case {
                name: "registry",
                ctr: container("a", &[REG, unit("a.service")], "q.io/a:1", "img1"),
                want_unit: Some("a.service"),
                want_err: None,
            },
            Case {
                name: "image alias",
                ctr: container("a", &[(AUTO_UPDATE_LABEL, "image"), unit("b.service")], "q.io/a:1", "img1"),
                want_unit: Some("b.service"),
                want_err: None,
            },
            Case {
                name: "invalid policy",
                ctr: container("a", &[(AUTO_UPDATE_LABEL, "fake"), unit("a.service")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some(
                    r#"invalid auto-update policy "fake": valid policies are ["disabled" "image" "local" "registry"]"#,
                ),
            },
            Case {
                name: "no unit",
                ctr: container("a", &[REG], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some("no PODMAN_SYSTEMD_UNIT label found"),
            },
            Case {
                name: "instance unit",
                ctr: container("a", &[REG, unit("container-a@1.service")], "q.io/a:1", "img1"),
                want_unit: Some("container-a@1.service"),
                want_err: None,
            },
            Case {
                name: "unit: a target",
                ctr: container("a", &[REG, unit("reboot.target")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some(
                    r#"PODMAN_SYSTEMD_UNIT label "reboot.target" is not a valid service unit name: only .service units are restarted"#,
                ),
            },
            Case {
                name: "unit: a path",
                ctr: container("a", &[REG, unit("../../x")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some(
                    r#"label "../../x" is not a valid service unit name: '/' is not allowed in a unit name"#,
                ),
            },
            Case {
                name: "unit: a template",
                ctr: container("a", &[REG, unit("container-a@.service")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some("a template unit cannot be restarted, only an instance of it (name@instance.service)"),
            },
            Case {
                name: "unit: empty",
                ctr: container("a", &[REG, unit("")], "q.io/a:1", "img1"),
                want_unit: None,
                want_err: Some(r#"label "" is not a valid service unit name: the unit name is empty"#),
            },
            Case {
                name: "image gone",
                ctr: container("a", &[REG, unit("a.service")], "q.io/a:1", "img9"),
                want_unit: None,
                want_err: Some("internal error: no image found for ID img9"),
            },
            Case {
                name: "rootfs container",
                ctr: container("a", &[REG, unit("a.service")], "", "img1"),
                want_unit: None,
                want_err: Some("raw-image name is empty"),
            },
        ];
        for case in cases {
            let got = assemble_tasks(std::slice::from_ref(&case.ctr), &images(), None);
            let units: Vec<&str> = got.units.iter().map(|u| u.unit.as_str()).collect();
            assert_eq!(units, case.want_unit.into_iter().collect::<Vec<_>>(), "{}", case.name);
            let errors: Vec<String> = got.errors.iter().map(ToString::to_string).collect();
            let rejected: Vec<(&str, Status)> =
                got.rejected.iter().map(|r| (r.container_name.as_str(), r.status)).collect();
            let want_rejected = if case.name.starts_with("unit:") { vec![("a", Status::Failed)] } else { vec![] };
            assert_eq!(rejected, want_rejected, "{}: an invalid unit, and only that, gives a failed row", case.name);
            match case.want_err {
                None => assert!(errors.is_empty(), "{}: {errors:?}", case.name),
                Some(want) => {
                    assert_eq!(errors.len(), 1, "{}", case.name);
                    assert!(errors[0].ends_with(want), "{}: {}", case.name, errors[0]);
                    if case.name != "image gone" {
                        assert!(
                            errors[0].contains(&format!("container \"{}\"", case.ctr.id)),
                            "{}: {}",
                            case.name,
                            errors[0]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn groups_by_unit_in_a_stable_order() {
        let unit = |u| (SYSTEMD_UNIT_ENV, u);
        let ctrs = vec![
            container("zeta", &[REG, unit("b.service")], "q.io/a:1", "img1"),
            container("beta", &[REG, unit("a.service")], "q.io/a:1", "img1"),
            container("alpha", &[REG, unit("b.service")], "q.io/a:1", "img1"),
        ];
        let got = assemble_tasks(&ctrs, &images(), None);
        let shape: Vec<(String, Vec<String>)> = got
            .units
            .iter()
            .map(|u| (u.unit.clone(), u.tasks.iter().map(|t| t.container_name.clone()).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("a.service".to_string(), vec!["beta".to_string()]),
                ("b.service".to_string(), vec!["alpha".to_string(), "zeta".to_string()]),
            ]
        );
    }

    #[test]
    fn authfile_label_wins_over_the_flag() {
        let unit = (SYSTEMD_UNIT_ENV, "a.service");
        let ctrs = vec![
            container("a", &[REG, unit, (AUTO_UPDATE_AUTHFILE_LABEL, "/label/auth.json")], "q.io/a:1", "img1"),
            container("b", &[REG, unit], "q.io/a:1", "img1"),
        ];
        let got = assemble_tasks(&ctrs, &images(), Some(Path::new("/flag/auth.json")));
        let authfiles: Vec<Option<PathBuf>> = got.units[0].tasks.iter().map(|t| t.authfile.clone()).collect();
        assert_eq!(authfiles, vec![Some("/label/auth.json".into()), Some("/flag/auth.json".into())]);
    }
}
