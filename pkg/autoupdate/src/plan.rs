//! The pure part of a run: from the tasks and the answers of the checks, what to do with
//! each container. No I/O here; the executor asks the questions and carries the plan out.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use image::RawImageName;

use crate::backends::{LocalImage, RegistryCheck, RemoteRequest, SharedCause};
use crate::error::NoAnswer;
use crate::policy::Policy;
use crate::task::{Task, UnitTasks};

/// Answers of the checks of one run: at most one per distinct question.
#[derive(Debug, Default, Clone)]
pub struct CheckResults {
    /// Registry policy: the digests the registry serves per request, or why it could not say.
    pub remote: RemoteAnswers,
    /// Local policy: the image each `RawImageName` resolves to in local storage now.
    pub local: LocalAnswers,
}

/// The registries' answers: the digests each question found, or why it found none.
pub type RemoteAnswers = HashMap<RegistryCheck, Result<Vec<String>, SharedCause>>;

/// The local policy's answers: the image each `RawImageName` resolves to now.
pub type LocalAnswers = HashMap<RawImageName, Result<Option<LocalImage>, SharedCause>>;

/// What happens to one container.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Nothing newer; `remote_digest` is what the registry serves (registry policy).
    UpToDate { remote_digest: Option<String> },
    /// A digest reference: it can never change, so it is reported `false` with a note.
    Pinned,
    /// The check failed; the container is `failed` and the cause is reported.
    CheckFailed(SharedCause),
    /// A newer image exists.
    Update(UpdateTarget),
}

/// Where the newer image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateTarget {
    /// Pull it; `remote_digest` is the digest the registry announced.
    Pull { request: RemoteRequest, remote_digest: String },
    /// It is already in local storage under `RawImageName` (local policy).
    Local(LocalImage),
}

/// A task and its decision.
#[derive(Debug, Clone)]
pub struct PlannedTask {
    pub task: Task,
    pub decision: Decision,
}

/// The plan for one unit: it is restarted when any of its tasks ends up updated.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    pub unit: String,
    pub tasks: Vec<PlannedTask>,
}

/// The pull of a task's newer image: for the platform of the image it runs, with its auth
/// file and the run's TLS setting.
fn pull_request(task: &Task, tls_verify: Option<bool>) -> RemoteRequest {
    RemoteRequest {
        raw_image_name: task.raw_image_name.clone(),
        platform: task.image.platform.clone(),
        authfile: task.authfile.clone(),
        tls_verify,
    }
}

/// Every distinct `RawImageName` the local policy must resolve.
pub fn local_names(units: &[UnitTasks]) -> BTreeSet<RawImageName> {
    all_tasks(units).filter(|t| t.policy == Policy::Local).map(|t| t.raw_image_name.clone()).collect()
}

fn all_tasks(units: &[UnitTasks]) -> impl Iterator<Item = &Task> {
    units.iter().flat_map(|u| u.tasks.iter())
}

/// Decides every task. Registry policy: an update exists when none of the registry's digests
/// is among the local image's digests (a re-tagged or list-pulled image is still current).
/// Local policy: when the image now tagged `RawImageName` has another ID (Podman 5.0+).
pub fn plan(units: &[UnitTasks], checks: &CheckResults, tls_verify: Option<bool>) -> Vec<UnitPlan> {
    units
        .iter()
        .map(|u| UnitPlan {
            unit: u.unit.clone(),
            tasks: u
                .tasks
                .iter()
                .map(|task| PlannedTask { task: task.clone(), decision: decide(task, checks, tls_verify) })
                .collect(),
        })
        .collect()
}

fn decide(task: &Task, checks: &CheckResults, tls_verify: Option<bool>) -> Decision {
    match task.policy {
        Policy::Disabled => Decision::UpToDate { remote_digest: None },
        Policy::Registry if task.is_digest_pinned() => Decision::Pinned,
        Policy::Registry => match checks.remote.get(&task.registry_check(tls_verify)) {
            None => no_answer(NoAnswer::NotChecked),
            Some(Err(cause)) => Decision::CheckFailed(cause.clone()),
            Some(Ok(digests)) => match digests.first() {
                None => no_answer(NoAnswer::NoDigest(task.raw_image_name.clone())),
                Some(first) if digests.iter().any(|d| task.image.digests.contains(d)) => {
                    Decision::UpToDate { remote_digest: Some(first.clone()) }
                }
                Some(first) => Decision::Update(UpdateTarget::Pull {
                    request: pull_request(task, tls_verify),
                    remote_digest: first.clone(),
                }),
            },
        },
        Policy::Local => match checks.local.get(&task.raw_image_name) {
            None => no_answer(NoAnswer::NotChecked),
            Some(Err(cause)) => Decision::CheckFailed(cause.clone()),
            Some(Ok(None)) => no_answer(NoAnswer::ImageNotKnown(task.raw_image_name.clone())),
            Some(Ok(Some(image))) if image.id == task.image.id => Decision::UpToDate { remote_digest: None },
            Some(Ok(Some(image))) => Decision::Update(UpdateTarget::Local(image.clone())),
        },
    }
}

fn no_answer(why: NoAnswer) -> Decision {
    Decision::CheckFailed(Arc::new(why))
}

/// The pulls a plan needs: one per distinct `RawImageName` (Podman pulls each raw name at
/// most once per run), in plan order.
pub fn pulls(plans: &[UnitPlan]) -> Vec<RemoteRequest> {
    let mut seen = BTreeSet::new();
    plans
        .iter()
        .flat_map(|p| p.tasks.iter())
        .filter_map(|t| match &t.decision {
            Decision::Update(UpdateTarget::Pull { request, .. }) => Some(request),
            _ => None,
        })
        .filter(|r| seen.insert(r.raw_image_name.clone()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::BackendError;
    use crate::testing::{image, task};

    /// Test-only: decisions compare by value, and causes (which are not comparable) by the
    /// text the user would see.
    impl PartialEq for Decision {
        fn eq(&self, other: &Decision) -> bool {
            match (self, other) {
                (Decision::UpToDate { remote_digest: a }, Decision::UpToDate { remote_digest: b }) => a == b,
                (Decision::Pinned, Decision::Pinned) => true,
                (Decision::CheckFailed(a), Decision::CheckFailed(b)) => a.to_string() == b.to_string(),
                (Decision::Update(a), Decision::Update(b)) => a == b,
                _ => false,
            }
        }
    }

    fn check_failed(text: &str) -> Decision {
        Decision::CheckFailed(SharedCause::from(BackendError::from(text)))
    }

    fn checks(remote: &[(&str, Result<&[&str], &str>)], local: &[(&str, Option<&str>)]) -> CheckResults {
        CheckResults {
            remote: remote
                .iter()
                .map(|(raw, answer)| {
                    let check = RegistryCheck { raw_image_name: (*raw).into(), authfile: None, tls_verify: None };
                    let answer = answer
                        .map(|ds| ds.iter().map(|d| d.to_string()).collect())
                        .map_err(|reason| SharedCause::from(BackendError::from(reason)));
                    (check, answer)
                })
                .collect(),
            local: local.iter().map(|(raw, id)| ((*raw).into(), Ok(id.map(|id| image(id, &[]))))).collect(),
        }
    }

    #[test]
    fn decides_each_task() {
        struct Case {
            name: &'static str,
            task: Task,
            checks: CheckResults,
            want: Decision,
        }
        let req = |raw: &str| RemoteRequest {
            raw_image_name: raw.into(),
            platform: "linux/amd64".into(),
            authfile: None,
            tls_verify: None,
        };
        let cases = vec![
            Case {
                name: "registry: same digest",
                task: task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:1"])),
                checks: checks(&[("q.io/a:1", Ok(&["sha256:1"]))], &[]),
                want: Decision::UpToDate { remote_digest: Some("sha256:1".into()) },
            },
            Case {
                name: "registry: list digest matches a second local digest",
                task: task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:p", "sha256:list"])),
                checks: checks(&[("q.io/a:1", Ok(&["sha256:list", "sha256:p"]))], &[]),
                want: Decision::UpToDate { remote_digest: Some("sha256:list".into()) },
            },
            Case {
                name: "registry: new digest",
                task: task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:1"])),
                checks: checks(&[("q.io/a:1", Ok(&["sha256:2"]))], &[]),
                want: Decision::Update(UpdateTarget::Pull {
                    request: req("q.io/a:1"),
                    remote_digest: "sha256:2".into(),
                }),
            },
            Case {
                name: "registry: check failed",
                task: task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:1"])),
                checks: checks(&[("q.io/a:1", Err("unauthorized"))], &[]),
                want: check_failed("unauthorized"),
            },
            Case {
                name: "registry: no digest",
                task: task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:1"])),
                checks: checks(&[("q.io/a:1", Ok(&[]))], &[]),
                want: check_failed("registry returned no digest for q.io/a:1"),
            },
            Case {
                name: "registry: digest-pinned",
                task: task("c1", Policy::Registry, "q.io/a@sha256:1", image("old", &["sha256:1"])),
                checks: checks(&[], &[]),
                want: Decision::Pinned,
            },
            Case {
                name: "local: same ID",
                task: task("c1", Policy::Local, "localhost/a:1", image("old", &[])),
                checks: checks(&[], &[("localhost/a:1", Some("old"))]),
                want: Decision::UpToDate { remote_digest: None },
            },
            Case {
                name: "local: other ID",
                task: task("c1", Policy::Local, "localhost/a:1", image("old", &[])),
                checks: checks(&[], &[("localhost/a:1", Some("new"))]),
                want: Decision::Update(UpdateTarget::Local(image("new", &[]))),
            },
            Case {
                name: "local: name gone",
                task: task("c1", Policy::Local, "localhost/a:1", image("old", &[])),
                checks: checks(&[], &[("localhost/a:1", None)]),
                want: check_failed("localhost/a:1: image not known"),
            },
        ];
        for case in cases {
            let units = vec![UnitTasks { unit: "u.service".into(), tasks: vec![case.task] }];
            let got = plan(&units, &case.checks, None);
            assert_eq!(got[0].tasks[0].decision, case.want, "{}", case.name);
        }
    }

    #[test]
    fn causes_stay_typed() {
        let units = |t: Task| vec![UnitTasks { unit: "u.service".into(), tasks: vec![t] }];
        let registry = task("c1", Policy::Registry, "q.io/a:1", image("old", &["sha256:1"]));
        let local = task("c2", Policy::Local, "localhost/a:1", image("old", &[]));
        let cases = vec![
            (units(registry.clone()), checks(&[], &[]), NoAnswer::NotChecked),
            (units(registry), checks(&[("q.io/a:1", Ok(&[]))], &[]), NoAnswer::NoDigest("q.io/a:1".into())),
            (units(local), checks(&[], &[("localhost/a:1", None)]), NoAnswer::ImageNotKnown("localhost/a:1".into())),
        ];
        for (units, checks, want) in cases {
            let got = plan(&units, &checks, None);
            let Decision::CheckFailed(cause) = &got[0].tasks[0].decision else { panic!("{got:?}") };
            assert_eq!(cause.downcast_ref::<NoAnswer>(), Some(&want));
        }
    }

    #[test]
    fn one_pull_per_raw_name() {
        let mut tasks: Vec<Task> = (0..50)
            .map(|i| task(&format!("c{i}"), Policy::Registry, "q.io/a:1", image("old", &["sha256:1"])))
            .collect();
        tasks.push(task("pinned", Policy::Registry, "q.io/a@sha256:1", image("old", &["sha256:1"])));
        tasks.push(task("b", Policy::Registry, "q.io/b:1", image("oldb", &["sha256:b"])));
        tasks.push(task("l", Policy::Local, "localhost/l:1", image("oldl", &[])));
        let units: Vec<UnitTasks> = tasks
            .into_iter()
            .map(|t| UnitTasks { unit: format!("{}.service", t.container_name), tasks: vec![t] })
            .collect();
        assert_eq!(local_names(&units).into_iter().map(String::from).collect::<Vec<_>>(), vec!["localhost/l:1"]);

        let checks = checks(
            &[("q.io/a:1", Ok(&["sha256:2"])), ("q.io/b:1", Ok(&["sha256:b"]))],
            &[("localhost/l:1", Some("new"))],
        );
        let plans = plan(&units, &checks, None);
        let pulled: Vec<String> = pulls(&plans).into_iter().map(|r| r.raw_image_name.to_string()).collect();
        assert_eq!(pulled, vec!["q.io/a:1"]);
    }
}
