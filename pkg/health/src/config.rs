//! What a container's health check is: Podman's `manifest.Schema2HealthConfig` (the image
//! config's `Healthcheck`, and the container config's `healthcheck`), and the action taken when
//! the container turns unhealthy (`--health-on-failure`).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::HealthError;

/// `--health-interval` when not given (Podman's `DefaultHealthCheckInterval`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// `--health-timeout` when not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// `--health-retries` when not given.
pub const DEFAULT_RETRIES: u32 = 3;

/// A health check with Podman's (and the image config's) JSON keys; durations are Go
/// `time.Duration`s, integers of nanoseconds, and zero values are left out as Go does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HealthConfig {
    /// `["CMD", argv…]`, `["CMD-SHELL", "command line"]`, `["NONE"]`, or (from old configs) a
    /// bare argv.
    #[serde(rename = "Test", default, skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    /// Failures in this time after the start do not count towards `Retries`.
    #[serde(rename = "StartPeriod", with = "go_duration", default, skip_serializing_if = "Duration::is_zero")]
    pub start_period: Duration,
    /// Time between checks during the start period, until the first check passes (Docker's
    /// `--health-start-interval`); zero uses `Interval`.
    #[serde(rename = "StartInterval", with = "go_duration", default, skip_serializing_if = "Duration::is_zero")]
    pub start_interval: Duration,
    /// Time between checks; zero (`--health-interval=disable`) runs none on a schedule, only
    /// `healthcheck run`.
    #[serde(rename = "Interval", with = "go_duration", default, skip_serializing_if = "Duration::is_zero")]
    pub interval: Duration,
    /// A check still running after this is killed and counts as a failure.
    #[serde(rename = "Timeout", with = "go_duration", default, skip_serializing_if = "Duration::is_zero")]
    pub timeout: Duration,
    /// Consecutive failures (after the start period) that make the container unhealthy.
    #[serde(rename = "Retries", default, skip_serializing_if = "is_zero")]
    pub retries: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl HealthConfig {
    /// The argv that runs the check in the container: `CMD` runs its arguments, `CMD-SHELL`
    /// runs `/bin/sh -c` with its arguments joined by spaces (Podman does not read the image's
    /// `SHELL`), anything else runs as given. `None` when the test is empty or `NONE`: the
    /// container has no health check.
    pub fn command(&self) -> Option<Vec<String>> {
        let (first, rest) = self.test.split_first()?;
        let argv = match first.as_str() {
            "" | "NONE" => return None,
            "CMD" => rest.to_vec(),
            "CMD-SHELL" => vec!["/bin/sh".into(), "-c".into(), rest.join(" ")],
            _ => self.test.clone(),
        };
        argv.first().is_some_and(|c| !c.is_empty()).then_some(argv)
    }

    /// Whether the container has a health check at all (Podman's `HasHealthCheck`).
    pub fn is_defined(&self) -> bool {
        self.command().is_some()
    }

    /// The image's health check with the `--health-*` values the user gave (non-zero fields of
    /// `overrides`) laid over it, then Podman's defaults for what is still unset. An interval
    /// of `disable` reaches here as `interval_disabled`.
    pub fn from_image(image: &HealthConfig, overrides: &HealthConfig, interval_disabled: bool) -> HealthConfig {
        let pick = |given: Duration, image: Duration| if given.is_zero() { image } else { given };
        let mut config = HealthConfig {
            test: image.test.clone(),
            start_period: pick(overrides.start_period, image.start_period),
            start_interval: pick(overrides.start_interval, image.start_interval),
            interval: pick(overrides.interval, image.interval),
            timeout: pick(overrides.timeout, image.timeout),
            retries: if overrides.retries == 0 { image.retries } else { overrides.retries },
        };
        if config.timeout.is_zero() {
            config.timeout = DEFAULT_TIMEOUT;
        }
        if interval_disabled {
            config.interval = Duration::ZERO;
        } else if config.interval.is_zero() {
            config.interval = DEFAULT_INTERVAL;
        }
        if config.retries == 0 {
            config.retries = DEFAULT_RETRIES;
        }
        config
    }

    /// The `Test` Podman makes of `--health-cmd`: a JSON array of one element or a plain string
    /// becomes `CMD-SHELL` with the command line; a longer array becomes `CMD` with it; text
    /// starting with `CMD`, `CMD-SHELL` or `NONE` (any case) is taken as already in that form
    /// (`none` alone disables the image's check).
    pub fn test_from_flag(text: &str) -> Result<Vec<String>, HealthError> {
        let parsed: Option<Vec<String>> = serde_json::from_str(text).ok();
        let is_array = parsed.is_some();
        let mut words = parsed.unwrap_or_else(|| text.splitn(2, ' ').map(str::to_string).collect());
        let Some(first) = words.first().map(|w| w.to_uppercase()) else {
            return Err(HealthError::NoCommand);
        };
        if first == "CMD" || first == "NONE" {
            if !is_array {
                words = text.split_whitespace().map(str::to_string).collect();
            }
        } else if first != "CMD-SHELL" {
            words = if is_array && words.len() > 1 {
                std::iter::once("CMD".to_string()).chain(words).collect()
            } else {
                vec!["CMD-SHELL".to_string(), words.join(" ")]
            };
        }
        if words.first().is_some_and(|w| w.eq_ignore_ascii_case("NONE")) {
            words = vec!["NONE".to_string()];
        }
        Ok(words)
    }
}

/// What happens when a container turns unhealthy (`--health-on-failure`). Stored as Podman's
/// integer (`healthcheck_on_failure_action`), printed as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailureAction {
    /// Nothing: the status says `unhealthy`.
    #[default]
    None,
    /// SIGKILL to the container; its `--restart` policy then applies.
    Kill,
    /// The container is stopped, then started again by its monitor.
    Restart,
    /// The container is stopped (as `rpod stop` does: no `--restart`).
    Stop,
}

impl OnFailureAction {
    /// The flag's word, as `inspect` prints it (`HealthcheckOnFailureAction`).
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailureAction::None => "none",
            OnFailureAction::Kill => "kill",
            OnFailureAction::Restart => "restart",
            OnFailureAction::Stop => "stop",
        }
    }

    /// Podman's number for the action (`define.HealthCheckOnFailureAction`; 1 is "invalid").
    fn code(self) -> u8 {
        match self {
            OnFailureAction::None => 0,
            OnFailureAction::Kill => 2,
            OnFailureAction::Restart => 3,
            OnFailureAction::Stop => 4,
        }
    }
}

impl std::str::FromStr for OnFailureAction {
    type Err = HealthError;

    /// `none`, `kill`, `restart`, `stop` (and empty, meaning `none`), as Podman takes them.
    fn from_str(text: &str) -> Result<Self, HealthError> {
        Ok(match text {
            "" | "none" => OnFailureAction::None,
            "kill" => OnFailureAction::Kill,
            "restart" => OnFailureAction::Restart,
            "stop" => OnFailureAction::Stop,
            _ => return Err(HealthError::InvalidOnFailure(text.to_string())),
        })
    }
}

impl std::fmt::Display for OnFailureAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OnFailureAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for OnFailureAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match u8::deserialize(deserializer)? {
            2 => OnFailureAction::Kill,
            3 => OnFailureAction::Restart,
            4 => OnFailureAction::Stop,
            _ => OnFailureAction::None,
        })
    }
}

/// Go's `time.Duration` in JSON: an integer of nanoseconds (negative ones, which Podman uses
/// for a disabled interval in passing, read as zero).
mod go_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(i64::try_from(value.as_nanos()).unwrap_or(i64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let nanos = i64::deserialize(deserializer)?;
        Ok(Duration::from_nanos(u64::try_from(nanos).unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(text: &str) -> Vec<String> {
        HealthConfig::test_from_flag(text).unwrap()
    }

    #[test]
    fn health_cmd_takes_podmans_forms() {
        assert_eq!(test("curl -f http://localhost/"), ["CMD-SHELL", "curl -f http://localhost/"]);
        assert_eq!(test("true"), ["CMD-SHELL", "true"]);
        assert_eq!(test(r#"["curl", "-f", "http://x/"]"#), ["CMD", "curl", "-f", "http://x/"]);
        assert_eq!(test(r#"["ls /"]"#), ["CMD-SHELL", "ls /"]);
        assert_eq!(test("CMD ls -l /"), ["CMD", "ls", "-l", "/"]);
        assert_eq!(test(r#"["CMD", "ls", "a b"]"#), ["CMD", "ls", "a b"]);
        assert_eq!(test(r#"["CMD-SHELL", "exit 0"]"#), ["CMD-SHELL", "exit 0"]);
        assert_eq!(test("none"), ["NONE"]);
        assert_eq!(test("NONE"), ["NONE"]);
        assert!(matches!(HealthConfig::test_from_flag("[]"), Err(HealthError::NoCommand)));
    }

    #[test]
    fn the_command_run_follows_the_test_kind() {
        let config =
            |test: &[&str]| HealthConfig { test: test.iter().map(|s| s.to_string()).collect(), ..Default::default() };
        assert_eq!(config(&["CMD-SHELL", "exit", "1"]).command().unwrap(), ["/bin/sh", "-c", "exit 1"]);
        assert_eq!(config(&["CMD", "true"]).command().unwrap(), ["true"]);
        assert_eq!(config(&["/bin/true"]).command().unwrap(), ["/bin/true"]);
        assert_eq!(config(&["NONE"]).command(), None);
        assert_eq!(config(&["CMD"]).command(), None);
        assert_eq!(config(&[]).command(), None);
    }

    #[test]
    fn flags_override_the_images_check_and_defaults_fill_the_rest() {
        let image = HealthConfig {
            test: vec!["CMD".into(), "true".into()],
            interval: Duration::from_secs(5),
            retries: 7,
            ..Default::default()
        };
        let given = HealthConfig { timeout: Duration::from_secs(2), ..Default::default() };
        let merged = HealthConfig::from_image(&image, &given, false);
        assert_eq!(merged.test, image.test);
        assert_eq!(
            (merged.interval, merged.timeout, merged.retries),
            (Duration::from_secs(5), Duration::from_secs(2), 7)
        );
        assert_eq!(merged.start_period, Duration::ZERO);
        let bare = HealthConfig::from_image(
            &HealthConfig { test: image.test.clone(), ..Default::default() },
            &HealthConfig::default(),
            true,
        );
        assert_eq!((bare.interval, bare.timeout, bare.retries), (Duration::ZERO, DEFAULT_TIMEOUT, DEFAULT_RETRIES));
    }

    #[test]
    fn the_config_has_podmans_json_keys_and_go_durations() {
        let config = HealthConfig {
            test: vec!["CMD-SHELL".into(), "true".into()],
            interval: Duration::from_secs(30),
            timeout: Duration::from_millis(1500),
            retries: 3,
            ..Default::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(json, r#"{"Test":["CMD-SHELL","true"],"Interval":30000000000,"Timeout":1500000000,"Retries":3}"#);
        assert_eq!(serde_json::from_str::<HealthConfig>(&json).unwrap(), config);
        let disabled: HealthConfig = serde_json::from_str(r#"{"Test":["NONE"],"Interval":-1}"#).unwrap();
        assert_eq!(disabled.interval, Duration::ZERO);
    }

    #[test]
    fn on_failure_actions_parse_and_store_as_podman() {
        for (text, code) in [("none", 0), ("kill", 2), ("restart", 3), ("stop", 4)] {
            let action: OnFailureAction = text.parse().unwrap();
            assert_eq!(action.as_str(), text);
            assert_eq!(serde_json::to_string(&action).unwrap(), code.to_string());
            assert_eq!(serde_json::from_str::<OnFailureAction>(&code.to_string()).unwrap(), action);
        }
        let err = "reboot".parse::<OnFailureAction>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid on-failure action "reboot" for health check: supported actions are none,kill,restart,stop"#
        );
    }
}
