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

use crate::global::GlobalArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Auto update containers according to their auto-update policy
    #[command(name = "auto-update")]
    AutoUpdate(auto_update::AutoUpdateArgs),
    /// Write a shell completion script (bash, zsh or fish)
    Completion(completion::CompletionArgs),
    /// Manage containers
    Container(container::ContainerArgs),
    /// Create a container without starting it
    #[command(disable_help_flag = true)]
    Create(create::CreateArgs),
    /// Generate structured data (systemd units) for containers
    Generate(Box<generate::GenerateArgs>),
    /// Manage images
    Image(images::ImageArgs),
    /// List images
    Images(images::ImagesArgs),
    /// Create an image from a root filesystem tarball
    Import(import::ImportArgs),
    /// Run a command in a running container
    Exec(lifecycle::ExecArgs),
    /// Send a signal to running containers
    Kill(lifecycle::KillArgs),
    /// Print a container's output
    Logs(lifecycle::LogsArgs),
    /// Log in to a registry (saves credentials in an auth file)
    Login(login::LoginArgs),
    /// Remove saved registry credentials
    Logout(login::LogoutArgs),
    /// Pull an image from a registry
    Pull(pull::PullArgs),
    /// Push an image to a registry
    Push(pull::PushArgs),
    /// Create a container and start it
    #[command(disable_help_flag = true)]
    Run(run::RunArgs),
    /// Start containers
    Start(lifecycle::StartArgs),
    /// Stop running containers
    Stop(lifecycle::StopArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(lifecycle::WaitArgs),
    /// Internal: the monitor that owns a running container
    #[command(name = "container-monitor", hide = true)]
    ContainerMonitor(lifecycle::MonitorArgs),
    /// Show a container's configuration and state as JSON
    Inspect(inspect::InspectArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// Remove containers
    Rm(rm::RmArgs),
    /// Remove images
    Rmi(images::RmiArgs),
    /// Add names to an image
    Tag(images::TagArgs),
    /// Remove names from an image
    Untag(images::UntagArgs),
    /// Show the rpod version
    Version(version::VersionArgs),
}

/// Runs one command; the `Ok` value is the process exit code (a container's own code for
/// `run`/`wait`/`start -a`, else 0).
pub fn run(command: Command, global: &GlobalArgs) -> anyhow::Result<u8> {
    match command {
        Command::AutoUpdate(args) => auto_update::run(args, global),
        Command::Completion(args) => completion::run(args, global),
        Command::Container(args) => container::run(args, global),
        Command::Create(args) => create::run(args, global),
        Command::Generate(args) => generate::run(*args, global),
        Command::Image(args) => images::image(args, global),
        Command::Images(args) => images::images(args, global),
        Command::Import(args) => import::run(args, global),
        Command::Exec(args) => lifecycle::exec(args, global),
        Command::Kill(args) => lifecycle::kill(args, global),
        Command::Logs(args) => lifecycle::logs(args, global),
        Command::Login(args) => login::login(args, global),
        Command::Logout(args) => login::logout(args, global),
        Command::Pull(args) => pull::pull(args, global),
        Command::Push(args) => pull::push(args, global),
        Command::Run(args) => run::run(args, global),
        Command::Start(args) => lifecycle::start(args, global),
        Command::Stop(args) => lifecycle::stop(args, global),
        Command::Wait(args) => lifecycle::wait(args, global),
        Command::ContainerMonitor(args) => lifecycle::monitor(args, global),
        Command::Inspect(args) => inspect::run(args, global),
        Command::Ps(args) => ps::run(args, global),
        Command::Rm(args) => rm::run(args, global),
        Command::Rmi(args) => images::rmi(args, global),
        Command::Tag(args) => images::tag(args, global),
        Command::Untag(args) => images::untag(args, global),
        Command::Version(args) => version::run(args, global),
    }
}
