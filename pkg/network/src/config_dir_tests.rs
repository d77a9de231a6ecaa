use super::*;
use crate::settings::default_subnet_pools;
use crate::testing::FakeHost;
use crate::{CreateRequest, NetworkName};

fn dir(path: &Path) -> NetworkConfigDir {
    NetworkConfigDir::new(NetworkSettings {
        config_dir: path.join("networks"),
        default_network: NetworkName::parse("podman").unwrap(),
        default_subnet: "10.88.0.0/16".parse().unwrap(),
        subnet_pools: default_subnet_pools(),
    })
}

fn create(dir: &NetworkConfigDir, name: &str) -> Network {
    let request =
        CreateRequest { name: Some(NetworkName::parse(name).unwrap()), dns_enabled: true, ..Default::default() };
    dir.create(request, &FakeHost::loopback()).unwrap()
}

#[test]
fn a_missing_directory_holds_the_default_network_only() {
    let tmp = tempfile::tempdir().unwrap();
    let networks = dir(tmp.path()).list().unwrap();
    assert_eq!(networks.len(), 1);
    let default = &networks[0];
    assert_eq!(
        (default.name.as_str(), default.id.as_str(), default.network_interface.as_str()),
        ("podman", DEFAULT_NETWORK_ID, "podman0")
    );
    assert_eq!(default.subnets[0].gateway, Some("10.88.0.1".parse().unwrap()));
    assert!(!default.dns_enabled);
    assert!(!tmp.path().join("networks").exists(), "reading creates nothing");
}

#[test]
fn created_networks_are_files_found_by_name_or_id_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir(tmp.path());
    let web = create(&dir, "web");
    let text = std::fs::read_to_string(tmp.path().join("networks/web.json")).unwrap();
    assert_eq!(text, encode(&web).unwrap());
    assert!(text.starts_with("{\n     \"name\": \"web\",\n"), "Podman's five-space indent");
    let db = create(&dir, "db");
    assert_eq!(db.network_interface, "podman2");
    assert_eq!(db.subnets[0].subnet.to_string(), "10.89.1.0/24");
    assert_eq!(dir.load("web").unwrap(), web);
    assert_eq!(dir.load(&web.id[..5]).unwrap().name, web.name);
    assert!(matches!(dir.load(""), Err(NetworkError::NotFound(_))));
    assert_eq!(dir.list().unwrap().iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["db", "podman", "web"]);
    let again = CreateRequest { name: Some(web.name.clone()), ..Default::default() };
    assert_eq!(
        dir.create(again.clone(), &FakeHost::default()).unwrap_err().to_string(),
        "network name web already used: network already exists"
    );
    let ignored = dir.create(CreateRequest { ignore_existing: true, ..again }, &FakeHost::default()).unwrap();
    assert_eq!(ignored, web, "--ignore answers with the existing network, unchanged");
    let prefix = CreateRequest { name: Some(NetworkName::parse(&web.id[..6]).unwrap()), ..Default::default() };
    assert!(
        matches!(dir.create(prefix, &FakeHost::default()), Err(NetworkError::Exists(_))),
        "Podman's lookup by ID prefix"
    );
    let default = CreateRequest { name: Some(NetworkName::parse("podman").unwrap()), ..Default::default() };
    assert!(matches!(dir.create(default, &FakeHost::default()), Err(NetworkError::Exists(_))));
}

#[test]
fn files_podman_would_skip_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir(tmp.path());
    let web = create(&dir, "web");
    let path = |name: &str| tmp.path().join("networks").join(name);
    std::fs::write(path("broken.json"), "{").unwrap();
    std::fs::write(path("other.json"), encode(&web).unwrap()).unwrap();
    let mut short_id = web.clone();
    short_id.name = NetworkName::parse("short").unwrap();
    short_id.id = "abc".into();
    std::fs::write(path("short.json"), encode(&short_id).unwrap()).unwrap();
    std::fs::write(path("notes.txt"), "x").unwrap();
    assert_eq!(dir.list().unwrap().iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["podman", "web"]);
}

#[test]
fn removal_takes_the_file_and_refuses_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir(tmp.path());
    let web = create(&dir, "web");
    assert_eq!(dir.remove(&web.id).unwrap().name, web.name);
    assert!(!tmp.path().join("networks/web.json").exists());
    assert!(matches!(dir.remove("web"), Err(NetworkError::NotFound(_))));
    assert_eq!(dir.remove("podman").unwrap_err().to_string(), "default network podman cannot be removed");
}
