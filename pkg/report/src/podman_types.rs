//! The Go types Podman 5 runs each command's `--format` template over, named as its errors
//! name them (`can't evaluate field Nope in type containers.psReporter`). Only the structs a
//! user reaches with a field chain are listed; objects not listed (labels, annotations) are maps.

use crate::format::Output;
use crate::template::Schema;

/// `ps`: one `psReporter` per container.
pub const PS: Output = Output { name: "ps", schema: Schema { item: "containers.psReporter", structs: &[] } };

/// `images`: one `imageReporter` per image name.
pub const IMAGES: Output = Output { name: "images", schema: Schema { item: "images.imageReporter", structs: &[] } };

/// `inspect` and `container inspect` of containers: the list holds `interface {}` values.
pub const INSPECT_CONTAINER: Output = Output {
    name: "inspect",
    schema: Schema {
        item: "interface {}",
        structs: &[
            ("Config", "*define.InspectContainerConfig"),
            ("State", "*define.InspectContainerState"),
            ("HostConfig", "*define.InspectContainerHostConfig"),
            ("NetworkSettings", "*define.InspectNetworkSettings"),
            ("GraphDriver", "*define.DriverData"),
        ],
    },
};

/// `image inspect`: the list holds `interface {}` values.
pub const INSPECT_IMAGE: Output = Output {
    name: "inspect",
    schema: Schema {
        item: "interface {}",
        structs: &[("Config", "*v1.ImageConfig"), ("RootFS", "*inspect.RootFS"), ("GraphDriver", "*define.DriverData")],
    },
};

/// `auto-update`: one `autoUpdateOutput` per container.
pub const AUTO_UPDATE: Output =
    Output { name: "auto-update", schema: Schema { item: "main.autoUpdateOutput", structs: &[] } };
