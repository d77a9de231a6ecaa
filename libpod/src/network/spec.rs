//! The OCI spec of a bridged container joins the namespace netavark configured, by path.

use std::path::Path;

use oci_spec::runtime::{LinuxNamespaceType, Spec};

/// Points the spec's network namespace at `netns` (the runtime then joins it instead of
/// creating an empty one).
pub fn join_namespace(spec: &mut Spec, netns: &Path) {
    let Some(linux) = spec.linux_mut() else { return };
    let mut namespaces = linux.namespaces().clone().unwrap_or_default();
    for namespace in namespaces.iter_mut().filter(|ns| ns.typ() == LinuxNamespaceType::Network) {
        namespace.set_path(Some(netns.to_path_buf()));
    }
    linux.set_namespaces(Some(namespaces));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_namespace_gets_the_path_and_the_others_none() {
        let mut spec = Spec::default();
        join_namespace(&mut spec, Path::new("/run/rpod/netns/netns-1"));
        let namespaces = spec.linux().as_ref().unwrap().namespaces().clone().unwrap();
        for ns in namespaces {
            let want =
                (ns.typ() == LinuxNamespaceType::Network).then(|| Path::new("/run/rpod/netns/netns-1").to_path_buf());
            assert_eq!(ns.path().clone(), want, "{:?}", ns.typ());
        }
    }
}
