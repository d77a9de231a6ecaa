//! Environment handling on any entries: `generate systemd -e` parsing and the container's
//! environment built at create time. Names stay unique, every entry is `NAME=value`, and the
//! user's last explicit value for a name is the one the container gets.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use libpod::{flag_values, new_container_config, CreateOptions, ImageDefaults};

#[derive(Debug, Arbitrary)]
struct Input {
    image_env: Vec<String>,
    user_env: Vec<String>,
    host_env: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let mut input = input;
    // A process environment never holds an empty name or one with `=` or NUL in it.
    input.host_env.retain(|(name, value)| !name.is_empty() && !name.contains(['=', '\0']) && !value.contains('\0'));
    if let Ok(vars) = generate::parse_env_flags(&input.user_env, &input.host_env) {
        // Like Podman's `env.ParseSlice`, "\t=x" gives an empty name; the unit generator refuses
        // such names later (systemd's rule), so only uniqueness is promised here.
        for (index, var) in vars.iter().enumerate() {
            assert!(vars[..index].iter().all(|v| v.name != var.name), "{} twice: {input:?}", var.name);
        }
    }

    if flag_values::check_env_entries(&input.user_env).is_err() {
        return;
    }
    let image = ImageDefaults { env: input.image_env.clone(), cmd: vec!["sh".to_string()], ..ImageDefaults::default() };
    let opts = CreateOptions { env: input.user_env.clone(), ..CreateOptions::default() };
    let host = |name: &str| input.host_env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let config =
        new_container_config(&opts, &image, &host, chrono::DateTime::UNIX_EPOCH).expect("no restart policy to refuse");
    let pairs: Vec<(&str, &str)> =
        config.env.iter().map(|e| e.split_once('=').unwrap_or_else(|| panic!("{e:?} has no '=': {input:?}"))).collect();
    for (index, (name, _)) in pairs.iter().enumerate() {
        assert!(pairs[..index].iter().all(|(n, _)| n != name), "{name:?} twice in {:?}", config.env);
    }
    assert!(pairs.iter().any(|(name, _)| *name == "PATH"), "no PATH in {:?}", config.env);
    for (index, entry) in input.user_env.iter().enumerate() {
        let Some((name, value)) = entry.split_once('=') else { continue };
        let overridden = input.user_env[index + 1..].iter().any(|later| {
            later.split_once('=').map_or_else(|| later == name && host(name).is_some(), |(n, _)| n == name)
        });
        if !overridden {
            assert!(pairs.contains(&(name, value)), "{entry:?} lost from {:?}", config.env);
        }
    }
});
