//! A container's stored limits ([`crate::limits`]) in its spec: `linux.resources` for the OCI
//! runtime's cgroup manager, the `linux.cgroupsPath` rpod later finds the cgroup by, and the
//! size of the `/dev/shm` tmpfs.

use std::path::PathBuf;

use oci_spec::runtime::{LinuxCpu, LinuxMemory, LinuxPids, LinuxResources, Mount, MountBuilder, Spec};

use super::cgroup;
use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::limits::ResourceLimits;

/// Where the shared-memory tmpfs is mounted in the container.
const SHM: &str = "/dev/shm";

/// Puts `config`'s limits, cgroup path and `/dev/shm` size into `spec`.
pub fn apply(config: &ContainerConfig, spec: &mut Spec) -> Result<()> {
    let cgroups_path = cgroup::cgroups_path(config, cgroup::own_cgroup)?;
    if let Some(linux) = spec.linux_mut() {
        linux.set_cgroups_path(cgroups_path.map(PathBuf::from));
        let mut resources = linux.resources().clone().unwrap_or_default();
        set_limits(&mut resources, &config.limits);
        linux.set_resources(Some(resources));
    }
    let mut mounts: Vec<Mount> = spec.mounts().clone().unwrap_or_default();
    mounts.retain(|m| m.destination().as_path() != std::path::Path::new(SHM));
    mounts.push(shm_mount(config.limits.shm_size())?);
    spec.set_mounts(Some(mounts));
    Ok(())
}

/// Memory, CPU and pids limits into `resources`, leaving what the spec already holds there
/// (the device rules) as it is.
fn set_limits(resources: &mut LinuxResources, limits: &ResourceLimits) {
    if limits.memory.is_some() || limits.memory_swap.is_some() {
        let mut memory = LinuxMemory::default();
        memory.set_limit(limits.memory);
        memory.set_swap(limits.memory_swap);
        resources.set_memory(Some(memory));
    }
    if limits.cpu_quota.is_some() || limits.cpu_shares.is_some() {
        let mut cpu = LinuxCpu::default();
        cpu.set_quota(limits.cpu_quota);
        cpu.set_period(limits.cpu_period);
        cpu.set_shares(limits.cpu_shares);
        resources.set_cpu(Some(cpu));
    }
    if let Some(limit) = limits.pids_limit {
        let mut pids = LinuxPids::default();
        pids.set_limit(limit);
        resources.set_pids(Some(pids));
    }
}

/// Podman's `/dev/shm`: a private tmpfs of `size` bytes.
fn shm_mount(size: i64) -> Result<Mount> {
    let options = ["nosuid", "noexec", "nodev", "mode=1777"].map(str::to_string);
    MountBuilder::default()
        .destination(SHM)
        .typ("tmpfs")
        .source("shm")
        .options(options.into_iter().chain([format!("size={size}")]).collect::<Vec<_>>())
        .build()
        .map_err(|e| Error::Spec(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_reach_the_spec() {
        let config = ContainerConfig {
            id: "abc".into(),
            limits: ResourceLimits {
                memory: Some(32 << 20),
                memory_swap: Some(64 << 20),
                cpu_quota: Some(150_000),
                cpu_period: Some(100_000),
                cpu_shares: Some(512),
                pids_limit: Some(20),
                shm_size: Some(1 << 30),
            },
            ..Default::default()
        };
        let mut spec = Spec::default();
        apply(&config, &mut spec).unwrap();
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!(linux.cgroups_path().as_deref(), Some(std::path::Path::new("/libpod_parent/libpod-abc")));
        let resources = linux.resources().as_ref().unwrap();
        let memory = resources.memory().unwrap();
        assert_eq!((memory.limit(), memory.swap()), (Some(32 << 20), Some(64 << 20)));
        let cpu = resources.cpu().as_ref().unwrap();
        assert_eq!((cpu.quota(), cpu.period(), cpu.shares()), (Some(150_000), Some(100_000), Some(512)));
        assert_eq!(resources.pids().unwrap().limit(), 20);
        assert_eq!(
            resources.devices(),
            Spec::default().linux().as_ref().unwrap().resources().as_ref().unwrap().devices()
        );
        let shm: Vec<&Mount> = spec
            .mounts()
            .as_ref()
            .unwrap()
            .iter()
            .filter(|m| m.destination().as_path() == std::path::Path::new(SHM))
            .collect();
        assert_eq!(shm.len(), 1);
        assert_eq!(
            shm[0].options().as_deref(),
            Some(&["nosuid", "noexec", "nodev", "mode=1777", "size=1073741824"].map(str::to_string)[..])
        );
    }

    #[test]
    fn no_limits_leave_the_kernel_defaults() {
        let config = ContainerConfig { id: "abc".into(), cgroups_mode: "disabled".into(), ..Default::default() };
        let mut spec = Spec::default();
        apply(&config, &mut spec).unwrap();
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!(linux.cgroups_path(), &None);
        let resources = linux.resources().as_ref().unwrap();
        assert!(resources.memory().is_none() && resources.cpu().is_none() && resources.pids().is_none());
        let shm =
            spec.mounts().as_ref().unwrap().iter().find(|m| m.destination().as_path() == std::path::Path::new(SHM));
        assert!(shm.unwrap().options().as_ref().unwrap().contains(&"size=65536000".to_string()));
    }
}
