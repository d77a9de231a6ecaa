//! Why a Quadlet file gets no unit, in Podman quadlet's words where Podman has them.

use thiserror::Error;

/// A Quadlet file that cannot be converted; the generator logs it and goes on with the others.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvertError {
    #[error("unsupported key '{key}' in group '{group}' in {path}")]
    UnsupportedKey { key: String, group: String, path: String },
    #[error("rpod does not convert {0} files (Podman's quadlet does); rpod converts .container, .volume and .network")]
    KindNotSupported(&'static str),
    #[error("unsupported file type {0:?}")]
    UnknownKind(String),
    #[error("internal error while processing container {0}")]
    Internal(String),
    #[error("no Image or Rootfs key specified")]
    NoImage,
    #[error("the Image And Rootfs keys conflict can not be specified together")]
    ImageAndRootfs,
    #[error("short name: auto updates require fully-qualified image reference: {0:?}")]
    ShortNameAutoUpdate(String),
    #[error("invalid KillMode '{0}'")]
    KillMode(String),
    #[error("invalid service Type '{0}'")]
    ServiceType(String),
    #[error("invalid port format '{0}'")]
    PortFormat(String),
    #[error("invalid Group set without User")]
    GroupWithoutUser,
    #[error("deprecated Remap keys are set along with explicit mapping keys")]
    RemapWithMappings,
    #[error("{0} set without RemapUsers")]
    MapWithoutRemap(&'static str),
    #[error("RemapUsers=keep-id supports only a single value for {0} mapping")]
    KeepIdSingle(&'static str),
    #[error("unsupported RemapUsers option '{0}'")]
    RemapUsers(String),
    #[error("requested Quadlet unit {0} was not found")]
    UnitNotFound(String),
    #[error("cannot get the resource name of {0}")]
    NoResourceName(String),
    #[error("extra options are not supported when joining another container's network")]
    ContainerNetworkOptions,
    #[error("requested Quadlet source {0} was not found")]
    SourceNotFound(String),
    #[error("requested Quadlet image {0} was not found")]
    ImageNotFound(String),
    #[error("{0} is a {1} file, which rpod does not convert")]
    ReferenceNotSupported(String, &'static str),
    #[error("source cannot be empty")]
    EmptySource,
    #[error("source parameter does not include a value")]
    SourceWithoutValue,
    #[error("source parameter is required for mount type {0}")]
    SourceRequired(String),
    #[error("{0}")]
    MountFormat(String),
    #[error("pod {0} is not Quadlet based")]
    PodNotQuadlet(String),
    #[error("quadlet pod unit {0} does not exist")]
    PodNotFound(String),
    #[error("ReloadCmd and ReloadSignal are mutually exclusive but both are set")]
    ReloadBoth,
    #[error("unable to translate dependency for {0}")]
    Dependency(String),
    #[error("cannot set more gateways than subnets")]
    GatewaysOverSubnets,
    #[error("cannot set more ranges than subnets")]
    RangesOverSubnets,
    #[error("cannot set gateway or range without subnet")]
    GatewayWithoutSubnet,
    #[error("key Type can't be used without Device")]
    TypeWithoutDevice,
    #[error("the key Image is mandatory when using the image driver")]
    ImageDriverWithoutImage,
}
