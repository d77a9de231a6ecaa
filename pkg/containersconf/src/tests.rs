use std::path::{Path, PathBuf};

use super::*;

/// Sources rooted in a temporary directory: `usr.conf`, `etc.conf` (+ `etc.conf.d/`), and
/// seccomp candidates `etc-seccomp.json`, `usr-seccomp.json`.
fn sources(dir: &Path) -> Sources {
    Sources {
        only: None,
        distribution: dir.join("usr.conf"),
        administrator: dir.join("etc.conf"),
        last: None,
        seccomp_candidates: [dir.join("etc-seccomp.json"), dir.join("usr-seccomp.json")],
    }
}

fn write(path: PathBuf, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_files_give_podmans_compiled_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let conf = ContainersConf::load(&sources(dir.path())).unwrap();
    assert_eq!(conf.containers.default_capabilities, DEFAULT_CAPABILITIES);
    assert!(conf.containers.default_sysctls.is_empty() && conf.containers.default_ulimits.is_empty());
    assert_eq!(conf.engine.runtime, None);
    assert_eq!(conf.default_seccomp_profile(), None);
}

#[test]
fn later_files_override_keys_and_drop_ins_go_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d.join("usr.conf"), "[containers]\ndefault_capabilities = [\"CHOWN\"]\ndefault_sysctls = [\"a=1\"]\n");
    write(d.join("etc.conf"), "[containers]\ndefault_sysctls = [\"b=2\"]\n[engine]\nruntime = \"crun\"\n");
    write(d.join("etc.conf.d/20-late.conf"), "[engine]\nruntime = \"runc\"\n");
    write(d.join("etc.conf.d/10-early.conf"), "[engine]\nruntime = \"youki\"\n[unknown]\nkey = 1\n");
    write(d.join("etc.conf.d/30-ignored.txt"), "[engine]\nruntime = \"ignored\"\n");
    write(d.join("etc.conf.d/sub.conf/x.conf"), "not toml at all");
    let conf = ContainersConf::load(&sources(d)).unwrap();
    assert_eq!(conf.containers.default_capabilities, ["CHOWN"]);
    assert_eq!(conf.containers.default_sysctls, ["b=2"], "arrays are replaced, not appended");
    assert_eq!(conf.engine.runtime.as_deref(), Some("runc"));
}

#[test]
fn containers_conf_names_the_only_file_and_override_comes_last() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d.join("etc.conf"), "[engine]\nruntime = \"crun\"\n[containers]\ndefault_ulimits = [\"nofile=1:2\"]\n");
    let only = write(d.join("only.conf"), "[containers]\ndefault_capabilities = [\"KILL\"]\n");
    let over = write(d.join("over.conf"), "[containers]\nseccomp_profile = \"/my/profile.json\"\n");
    let conf = ContainersConf::load(&Sources { only: Some(only), last: Some(over), ..sources(d) }).unwrap();
    assert_eq!(conf.containers.default_capabilities, ["KILL"]);
    assert_eq!(conf.engine.runtime, None, "/etc's file is not read when CONTAINERS_CONF is set");
    assert!(conf.containers.default_ulimits.is_empty());
    assert_eq!(conf.default_seccomp_profile(), Some(PathBuf::from("/my/profile.json")));

    let missing = Sources { only: Some(d.join("nope.conf")), ..sources(d) };
    let err = ContainersConf::load(&missing).unwrap_err();
    assert!(matches!(err, Error::MissingOnlyFile { .. }), "{err}");
    assert_eq!(err.to_string(), format!("CONTAINERS_CONF file {}", d.join("nope.conf").display()));
    let conf = ContainersConf::load(&Sources { last: Some(d.join("nope.conf")), ..sources(d) }).unwrap();
    assert_eq!(conf.engine.runtime.as_deref(), Some("crun"), "a missing override is skipped");
}

#[test]
fn environment_variables_choose_the_files() {
    let env = |name: &str| match name {
        "CONTAINERS_CONF" => Some("/a.conf".into()),
        "CONTAINERS_CONF_OVERRIDE" => Some("".into()),
        _ => None,
    };
    let s = Sources::from_env(env);
    assert_eq!((s.only, s.last), (Some(PathBuf::from("/a.conf")), None));
    let s = Sources::from_env(|_| None);
    assert_eq!(s.distribution, Path::new("/usr/share/containers/containers.conf"));
    assert_eq!(s.administrator, Path::new("/etc/containers/containers.conf"));
}

#[test]
fn a_malformed_file_is_an_error_naming_it_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d.join("usr.conf"), "[containers]\n# fine\ndefault_capabilities = [\"CHOWN\"\n");
    let err = ContainersConf::load(&sources(d)).unwrap_err();
    let Error::Decode { path, source } = &err else { panic!("{err}") };
    assert_eq!(path, &d.join("usr.conf"));
    assert!(source.line >= 3, "{source}");
    assert!(!source.to_string().contains('\n'), "{source}");

    write(d.join("usr.conf"), "[containers]\n\ndefault_capabilities = \"CHOWN\"\n");
    let err = ContainersConf::load(&sources(d)).unwrap_err();
    let Error::Decode { source, .. } = &err else { panic!("{err}") };
    assert_eq!(source.line, 3, "{source}");
}

#[test]
fn seccomp_profile_falls_back_to_etc_then_usr_share() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let usr = write(d.join("usr-seccomp.json"), "{}");
    let conf = ContainersConf::load(&sources(d)).unwrap();
    assert_eq!(conf.default_seccomp_profile(), Some(usr.clone()));
    let etc = write(d.join("etc-seccomp.json"), "{}");
    assert_eq!(conf.default_seccomp_profile(), Some(etc.clone()));
    assert!(conf.is_builtin_seccomp_path(&etc) && conf.is_builtin_seccomp_path(&usr));
    assert!(!conf.is_builtin_seccomp_path(Path::new("/x.json")));
    write(d.join("etc.conf"), "[containers]\nseccomp_profile = \"\"\n");
    let conf = ContainersConf::load(&sources(d)).unwrap();
    assert_eq!(conf.default_seccomp_profile(), Some(etc), "an empty value is unset");
}

#[test]
fn network_keys_are_read_and_empty_strings_leave_them_unset() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d.join("usr.conf"),
        "[network]\ndefault_network = \"podman\"\nnetwork_config_dir = \"/x/networks\"\n\
         default_subnet_pools = [{base = \"10.1.0.0/16\", size = 24}]\n",
    );
    write(d.join("etc.conf"), "[network]\ndefault_network = \"\"\ndefault_subnet = \"10.77.0.0/16\"\n");
    let conf = ContainersConf::load(&sources(d)).unwrap();
    assert_eq!(conf.network.default_network.as_deref(), Some("podman"));
    assert_eq!(conf.network.default_subnet.as_deref(), Some("10.77.0.0/16"));
    assert_eq!(conf.network.network_config_dir, Some(PathBuf::from("/x/networks")));
    assert_eq!(conf.network.default_subnet_pools, Some(vec![SubnetPool { base: "10.1.0.0/16".into(), size: 24 }]));
}
