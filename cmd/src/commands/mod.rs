//! One module per command or command group; each parses its flags, calls one library
//! function and prints. The dispatch below is the only place that lists them all.

mod auto_update;
mod completion;
mod container;
pub mod create;
mod generate;
mod healthcheck;
mod images;
mod import;
mod inspect;
mod lifecycle;
mod login;
mod network;
mod network_connect;
mod port;
mod ps;
mod pull;
mod quadlet;
mod restart;
mod rm;
mod run;
mod version;
mod volume;

use clap::Subcommand;

use crate::deferred::Deferred;
use crate::failure::CommandResult;
use crate::global::GlobalArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Auto update containers according to their auto-update policy
    #[command(name = "auto-update")]
    AutoUpdate(Deferred<auto_update::AutoUpdateArgs>),
    /// Write a shell completion script (bash, zsh or fish)
    Completion(Deferred<completion::CompletionArgs>),
    /// Manage containers
    Container(Deferred<container::ContainerArgs>),
    /// Create a container without starting it
    #[command(disable_help_flag = true)]
    Create(Deferred<create::CreateArgs>),
    /// Generate structured data (systemd units) for containers
    Generate(Deferred<Box<generate::GenerateArgs>>),
    /// Manage health checks on containers
    Healthcheck(Deferred<healthcheck::HealthcheckArgs>),
    /// Manage images
    Image(Deferred<images::ImageArgs>),
    /// List images
    Images(Deferred<images::ImagesArgs>),
    /// Create an image from a root filesystem tarball
    Import(Deferred<import::ImportArgs>),
    /// Run a command in a running container
    Exec(Deferred<lifecycle::ExecArgs>),
    /// Send a signal to running containers
    Kill(Deferred<lifecycle::KillArgs>),
    /// Print a container's output
    Logs(Deferred<lifecycle::LogsArgs>),
    /// Log in to a registry (saves credentials in an auth file)
    Login(Deferred<login::LoginArgs>),
    /// Remove saved registry credentials
    Logout(Deferred<login::LogoutArgs>),
    /// Manage networks
    Network(Deferred<network::NetworkArgs>),
    /// Pull an image from a registry
    Pull(Deferred<pull::PullArgs>),
    /// Push an image to a registry
    Push(Deferred<pull::PushArgs>),
    /// Manage Quadlet files (the .container, .volume and .network files of rpod-quadlet)
    Quadlet(Deferred<quadlet::QuadletArgs>),
    /// Restart containers: stop the running ones, then start them
    Restart(Deferred<restart::RestartArgs>),
    /// Create a container and start it
    #[command(disable_help_flag = true)]
    Run(Deferred<run::RunArgs>),
    /// Start containers
    Start(Deferred<lifecycle::StartArgs>),
    /// Stop running containers
    Stop(Deferred<lifecycle::StopArgs>),
    /// Wait for containers to exit and print their exit codes
    Wait(Deferred<lifecycle::WaitArgs>),
    /// Internal: the monitor that owns a running container
    #[command(name = "container-monitor", hide = true)]
    ContainerMonitor(Deferred<lifecycle::MonitorArgs>),
    /// Show a container's configuration and state as JSON
    Inspect(Deferred<inspect::InspectArgs>),
    /// List port mappings of running containers
    Port(Deferred<port::PortArgs>),
    /// List containers
    Ps(Deferred<ps::PsArgs>),
    /// Remove containers
    Rm(Deferred<rm::RmArgs>),
    /// Remove images
    Rmi(Deferred<images::RmiArgs>),
    /// Add names to an image
    Tag(Deferred<images::TagArgs>),
    /// Remove names from an image
    Untag(Deferred<images::UntagArgs>),
    /// Show the rpod version
    Version(Deferred<version::VersionArgs>),
    /// Manage volumes
    Volume(Deferred<volume::VolumeArgs>),
}

/// Runs one command; the `Ok` value is the process exit code (a container's own code for
/// `run`/`wait`/`start -a`, else 0). Commands that fail with 125 return any error; the others
/// return a [`CommandFailure`](crate::failure::CommandFailure) with their code.
pub fn run(command: Command, global: &GlobalArgs) -> CommandResult {
    match command {
        Command::AutoUpdate(Deferred(args)) => Ok(auto_update::run(args, global)?),
        Command::Completion(Deferred(args)) => Ok(completion::run(args, global)?),
        Command::Container(Deferred(args)) => Ok(container::run(args, global)?),
        Command::Create(Deferred(args)) => Ok(create::run(args, global)?),
        Command::Generate(Deferred(args)) => Ok(generate::run(*args, global)?),
        Command::Healthcheck(Deferred(args)) => healthcheck::run(args, global),
        Command::Image(Deferred(args)) => Ok(images::image(args, global)?),
        Command::Images(Deferred(args)) => Ok(images::images(args, global)?),
        Command::Import(Deferred(args)) => Ok(import::run(args, global)?),
        Command::Exec(Deferred(args)) => Ok(lifecycle::exec(args, global)?),
        Command::Kill(Deferred(args)) => lifecycle::kill(args, global),
        Command::Logs(Deferred(args)) => Ok(lifecycle::logs(args, global)?),
        Command::Login(Deferred(args)) => Ok(login::login(args, global)?),
        Command::Logout(Deferred(args)) => Ok(login::logout(args, global)?),
        Command::Network(Deferred(args)) => network::run(args, global),
        Command::Pull(Deferred(args)) => Ok(pull::pull(args, global)?),
        Command::Push(Deferred(args)) => Ok(pull::push(args, global)?),
        Command::Quadlet(Deferred(args)) => quadlet::run(args, global),
        Command::Restart(Deferred(args)) => restart::run(args, global),
        Command::Run(Deferred(args)) => Ok(run::run(args, global)?),
        Command::Start(Deferred(args)) => Ok(lifecycle::start(args, global)?),
        Command::Stop(Deferred(args)) => lifecycle::stop(args, global),
        Command::Wait(Deferred(args)) => lifecycle::wait(args, global),
        Command::ContainerMonitor(Deferred(args)) => Ok(lifecycle::monitor(args, global)?),
        Command::Inspect(Deferred(args)) => Ok(inspect::run(args, global)?),
        Command::Port(Deferred(args)) => Ok(port::run(args, global)?),
        Command::Ps(Deferred(args)) => Ok(ps::run(args, global)?),
        Command::Rm(Deferred(args)) => Ok(rm::run(args, global)?),
        Command::Rmi(Deferred(args)) => Ok(images::rmi(args, global)?),
        Command::Tag(Deferred(args)) => Ok(images::tag(args, global)?),
        Command::Untag(Deferred(args)) => Ok(images::untag(args, global)?),
        Command::Version(Deferred(args)) => Ok(version::run(args, global)?),
        Command::Volume(Deferred(args)) => volume::run(args, global),
    }
}
