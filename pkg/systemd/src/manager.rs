//! The manager calls auto-update needs: restart and wait for the job, reset-failed, unit state.

use std::time::Duration;

use futures_util::StreamExt;
use zbus::connection::Builder;
use zbus::message::Type;
use zbus::{Connection, MatchRule, MessageStream, OwnedObjectPath, OwnedVariant};

use crate::{private, Error, ManagerAddress, Result};

const DESTINATION: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_IFACE: &str = "org.freedesktop.systemd1.Manager";
const UNIT_IFACE: &str = "org.freedesktop.systemd1.Unit";
const PROPERTIES_IFACE: &str = "org.freedesktop.DBus.Properties";
/// A manager that does not answer a call within this long is treated as broken: auto-update
/// must not hang forever (restart jobs have their own, longer timeout).
const METHOD_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to one systemd manager (system or user).
#[derive(Debug, Clone)]
pub struct SystemdManager {
    conn: Connection,
    address: ManagerAddress,
}

impl SystemdManager {
    /// Connects to `address` as user `euid` (the private socket's EXTERNAL authentication
    /// names it; the buses find it themselves) and calls `Subscribe()`, without which the
    /// manager does not broadcast `JobRemoved` to bus clients (private-socket peers get it
    /// anyway). Must run inside a Tokio runtime.
    pub async fn connect(address: &ManagerAddress, euid: u32) -> Result<Self> {
        let connect_err = |source| Error::Connect { address: address.to_string(), source };
        let conn = match address {
            ManagerAddress::Private(path) => private::connect(path, euid, METHOD_TIMEOUT).await,
            ManagerAddress::SystemBus => Builder::system().method_timeout(METHOD_TIMEOUT).build().await,
            ManagerAddress::UserBus(path) => {
                let address = format!("unix:path={}", path.display());
                Builder::address(address.as_str()).method_timeout(METHOD_TIMEOUT).build().await
            }
        }
        .map_err(connect_err)?;
        let manager = SystemdManager { conn, address: address.clone() };
        manager.call_manager("Subscribe", "", &()).await?;
        Ok(manager)
    }

    /// Connects to the first of `addresses` that answers (see [`crate::manager_addresses`]);
    /// when none does, [`Error::Unreachable`] says why for each address tried.
    pub async fn connect_first(addresses: &[ManagerAddress], euid: u32) -> Result<Self> {
        let mut attempts = Vec::new();
        for address in addresses {
            match Self::connect(address, euid).await {
                Ok(manager) => return Ok(manager),
                Err(e) => {
                    tracing::debug!("systemd manager at {address}: {e}");
                    attempts.push(e);
                }
            }
        }
        Err(if attempts.is_empty() { Error::NoManager } else { Error::Unreachable { attempts } })
    }

    /// Which manager this connection talks to.
    pub fn address(&self) -> &ManagerAddress {
        &self.address
    }

    /// `RestartUnit(unit, "replace")`, then waits for the `JobRemoved` of that job. Only the
    /// result `done` is success; anything else is [`Error::JobFailed`], and no result within
    /// `timeout` is [`Error::Timeout`]. The subscription exists before the call, so a job that
    /// finishes at once is not missed.
    pub async fn restart_unit(&self, unit: &str, timeout: Duration) -> Result<()> {
        let mut signals = self.job_removed_signals(unit).await?;
        let reply = self.call_manager("RestartUnit", unit, &(unit, "replace")).await?;
        let job: OwnedObjectPath = reply.body().deserialize().map_err(|source| Error::Call {
            method: "RestartUnit",
            unit: unit.into(),
            source,
        })?;
        tracing::debug!("restart job of {unit}: {}", job.as_str());
        let wait = async {
            while let Some(msg) = signals.next().await {
                let Ok(msg) = msg else { continue };
                let body = msg.body();
                let Ok((_id, path, _unit, result)) = body.deserialize::<(u32, OwnedObjectPath, String, String)>()
                else {
                    continue;
                };
                if path == job {
                    return Ok(result);
                }
            }
            Err(Error::Disconnected { unit: unit.into() })
        };
        let result = tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| Error::Timeout { unit: unit.into(), seconds: timeout.as_secs() })??;
        if result == "done" {
            tracing::info!("Successfully restarted systemd unit {unit:?}");
            Ok(())
        } else {
            Err(Error::JobFailed { unit: unit.into(), result })
        }
    }

    /// `ResetFailedUnit(unit)`: clears the failed state and the start-rate counter, so that a
    /// rollback restart right after a failed one is not refused by `StartLimitBurst`.
    pub async fn reset_failed_unit(&self, unit: &str) -> Result<()> {
        self.call_manager("ResetFailedUnit", unit, &(unit,)).await.map(drop)
    }

    /// The unit's `ActiveState` (`active`, `activating`, `failed`, `inactive`, ...).
    pub async fn unit_active_state(&self, unit: &str) -> Result<String> {
        let value = self.unit_property(unit, "ActiveState").await?;
        String::try_from(value).map_err(|source| Error::Call { method: "Get", unit: unit.into(), source })
    }

    /// Units that `Requires=` or `BindsTo=` this one: a restart of this unit restarts them too,
    /// so auto-update checks afterwards that they came back.
    pub async fn unit_dependents(&self, unit: &str) -> Result<Vec<String>> {
        let mut dependents = Vec::new();
        for property in ["RequiredBy", "BoundBy"] {
            let value = self.unit_property(unit, property).await?;
            let names = Vec::<String>::try_from(value).map_err(|source| Error::Call {
                method: "Get",
                unit: unit.into(),
                source,
            })?;
            dependents.extend(names);
        }
        dependents.sort();
        dependents.dedup();
        Ok(dependents)
    }

    async fn unit_property(&self, unit: &str, property: &str) -> Result<OwnedVariant> {
        let reply = self.call_manager("LoadUnit", unit, &(unit,)).await?;
        let path: OwnedObjectPath = reply.body().deserialize().map_err(|source| Error::Call {
            method: "LoadUnit",
            unit: unit.into(),
            source,
        })?;
        let reply = self
            .conn
            .call_method(Some(DESTINATION), path.as_str(), Some(PROPERTIES_IFACE), "Get", &(UNIT_IFACE, property))
            .await
            .map_err(|source| Error::Call { method: "Get", unit: unit.into(), source })?;
        reply.body().deserialize().map_err(|source| Error::Call { method: "Get", unit: unit.into(), source })
    }

    async fn job_removed_signals(&self, unit: &str) -> Result<MessageStream> {
        let err = |source| Error::Call { method: "AddMatch", unit: unit.into(), source };
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .path(MANAGER_PATH)
            .interface(MANAGER_IFACE)
            .member("JobRemoved")
            .build()
            .map_err(err)?;
        MessageStream::for_match_rule(rule, &self.conn, None).await.map_err(err)
    }

    async fn call_manager<B>(&self, method: &'static str, unit: &str, body: &B) -> Result<zbus::Message>
    where
        B: serde::Serialize + zbus::DynamicType,
    {
        self.conn
            .call_method(Some(DESTINATION), MANAGER_PATH, Some(MANAGER_IFACE), method, body)
            .await
            .map_err(|source| Error::Call { method, unit: unit.into(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_no_address_answers_the_error_names_each_one_tried() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let addresses = [
            ManagerAddress::Private("/nonexistent/rpod-a/private".into()),
            ManagerAddress::UserBus("/nonexistent/rpod-b/bus".into()),
        ];
        let err = rt.block_on(SystemdManager::connect_first(&addresses, 0)).expect_err("nothing listens there");
        let Error::Unreachable { attempts } = &err else { panic!("{err:?}") };
        assert_eq!(attempts.len(), 2);
        let text = err.to_string();
        assert!(text.starts_with("connecting to systemd manager at unix:path=/nonexistent/rpod-a/private: "), "{text}");
        assert!(text.contains("; connecting to systemd manager at unix:path=/nonexistent/rpod-b/bus: "), "{text}");
        assert!(matches!(rt.block_on(SystemdManager::connect_first(&[], 0)), Err(Error::NoManager)));
    }
}
