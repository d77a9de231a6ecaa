//! `rpod login` and `rpod logout`: registry credentials in an auth file.

use std::io::BufRead;

use anyhow::Context;
use clap::Args;
use registry::auth::{self, Credentials};

use crate::global::GlobalArgs;
use crate::registry_access::{self, RegistryArgs};

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// User name
    #[arg(short = 'u', long, value_name = "USER")]
    pub username: Option<String>,
    /// Password (prefer --password-stdin: a password on the command line is visible to other users)
    #[arg(short = 'p', long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Trust the CA certificates (*.crt) in this directory for the registry (default: certs.d)
    #[arg(long, value_name = "PATH")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Registry host[:port]
    #[arg(value_name = "REGISTRY")]
    pub server: String,
}

pub fn login(args: LoginArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let server = registry_host(&args.server);
    let username = args.username.clone().context("a user name is required: use --username")?;
    let password = match (&args.password, args.password_stdin) {
        (Some(_), true) => anyhow::bail!("--password and --password-stdin are mutually exclusive"),
        (Some(password), false) => password.clone(),
        (None, true) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
        (None, false) => anyhow::bail!("a password is required: use --password-stdin"),
    };
    let credentials = Credentials { username, password };
    let client = registry::RegistryClient::new(registry::RegistryOptions {
        tls_verify: args.registry.tls_verify,
        cert_dir: args.cert_dir.clone(),
        user_authfile: Some(global.host.containers_auth_file()),
        ..Default::default()
    })?;
    registry_access::block_on(client.check_login(server, &credentials))??;
    let path = auth::file_to_edit(args.registry.authfile.as_deref(), &global.host.containers_auth_file());
    auth::store(&path, server, &credentials)?;
    println!("Login Succeeded!");
    Ok(0)
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Path of the credentials file
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<std::path::PathBuf>,
    /// Remove the credentials of every registry
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Registry host[:port]
    #[arg(value_name = "REGISTRY", required_unless_present = "all")]
    pub server: Option<String>,
}

pub fn logout(args: LogoutArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let path = auth::file_to_edit(args.authfile.as_deref(), &global.host.containers_auth_file());
    let server = args.server.as_deref().map(registry_host);
    let removed = auth::remove(&path, if args.all { None } else { server })?;
    match (args.all, server) {
        (true, _) => println!("Removed login credentials for all registries"),
        (false, Some(server)) if removed => println!("Removed login credentials for {server}"),
        (false, Some(server)) => anyhow::bail!("not logged into {server}"),
        (false, None) => {}
    }
    Ok(0)
}

/// `https://host:port/…` → `host:port`.
fn registry_host(server: &str) -> &str {
    let server = server.strip_prefix("https://").or_else(|| server.strip_prefix("http://")).unwrap_or(server);
    server.split('/').next().unwrap_or(server)
}
