//! One module per command or command group; each parses its flags, calls one library
//! function and prints. The dispatch below is the only place that lists them all.

mod auto_update;
mod completion;
mod container;
pub mod create;
mod generate;
mod images;
mod import;
mod inspect;
mod lifecycle;
mod login;
mod ps;
mod pull;
mod rm;
mod run;
mod version;

use clap::Subcommand;

use crate::deferred::Deferred;
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
    /// Pull an image from a registry
    Pull(Deferred<pull::PullArgs>),
    /// Push an image to a registry
    Push(Deferred<pull::PushArgs>),
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
}

/// Runs one command; the `Ok` value is the process exit code (a container's own code for
/// `run`/`wait`/`start -a`, else 0).
pub fn run(command: Command, global: &GlobalArgs) -> anyhow::Result<u8> {
    match command {
        Command::AutoUpdate(Deferred(args)) => auto_update::run(args, global),
        Command::Completion(Deferred(args)) => completion::run(args, global),
        Command::Container(Deferred(args)) => container::run(args, global),
        Command::Create(Deferred(args)) => create::run(args, global),
        Command::Generate(Deferred(args)) => generate::run(*args, global),
        Command::Image(Deferred(args)) => images::image(args, global),
        Command::Images(Deferred(args)) => images::images(args, global),
        Command::Import(Deferred(args)) => import::run(args, global),
        Command::Exec(Deferred(args)) => lifecycle::exec(args, global),
        Command::Kill(Deferred(args)) => lifecycle::kill(args, global),
        Command::Logs(Deferred(args)) => lifecycle::logs(args, global),
        Command::Login(Deferred(args)) => login::login(args, global),
        Command::Logout(Deferred(args)) => login::logout(args, global),
        Command::Pull(Deferred(args)) => pull::pull(args, global),
        Command::Push(Deferred(args)) => pull::push(args, global),
        Command::Run(Deferred(args)) => run::run(args, global),
        Command::Start(Deferred(args)) => lifecycle::start(args, global),
        Command::Stop(Deferred(args)) => lifecycle::stop(args, global),
        Command::Wait(Deferred(args)) => lifecycle::wait(args, global),
        Command::ContainerMonitor(Deferred(args)) => lifecycle::monitor(args, global),
        Command::Inspect(Deferred(args)) => inspect::run(args, global),
        Command::Ps(Deferred(args)) => ps::run(args, global),
        Command::Rm(Deferred(args)) => rm::run(args, global),
        Command::Rmi(Deferred(args)) => images::rmi(args, global),
        Command::Tag(Deferred(args)) => images::tag(args, global),
        Command::Untag(Deferred(args)) => images::untag(args, global),
        Command::Version(Deferred(args)) => version::run(args, global),
    }
}
