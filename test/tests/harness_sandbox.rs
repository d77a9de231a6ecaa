//! The systemd sandboxes that tests run side by side: each manager has a cgroup of its own, so
//! units of one name in two sandboxes (every update test has a `container-web.service`) do not
//! share a cgroup that one manager removes while the other starts a process in it.

use rpod_e2e::Sandbox;

const UNIT: &str = "rpod-harness-same-name.service";

fn control_group(sandbox: &Sandbox) -> String {
    sandbox.check(&["systemctl", "show", "--value", "-p", "ControlGroup", UNIT]).trim().to_string()
}

#[test]
fn two_sandboxes_keep_units_of_one_name_apart() {
    let (first, second) = (Sandbox::start(), Sandbox::start());
    for sandbox in [&first, &second] {
        sandbox.check(&["systemd-run", "--unit", UNIT, "sleep", "600"]);
    }
    let (first_group, second_group) = (control_group(&first), control_group(&second));
    assert_ne!(first_group, second_group, "each manager places the unit under its own cgroup");

    first.check(&["systemctl", "stop", UNIT]);
    assert_eq!(second.unit_state(UNIT), "active", "stopping the first unit leaves the second alone");
}
