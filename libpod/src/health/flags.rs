//! The `--health-*` flags of `create` and `run`, checked and turned into a container's health
//! check as Podman 5 does (`specgenutil.MakeHealthCheckFromCli`, `GetHealthCheckOverrideConfig`,
//! `applyHealthCheckOverrides`): `--health-cmd` makes a new check from the flags and their
//! defaults; without it, the image's `Healthcheck` is kept with the timing flags the user
//! gave laid over it; `--no-healthcheck` (or `--health-cmd none`) disables both.

use std::time::Duration;

use health::{HealthConfig, OnFailureAction, DEFAULT_INTERVAL, DEFAULT_RETRIES, DEFAULT_TIMEOUT};

use super::HealthCheckError;
use crate::flag_values::parse_go_duration;

/// The health flags as typed; `None` for a flag not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthFlags {
    pub cmd: Option<String>,
    pub interval: Option<String>,
    pub retries: Option<u32>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    pub on_failure: Option<String>,
    pub no_healthcheck: bool,
    pub max_log_count: Option<u32>,
    pub max_log_size: Option<u32>,
    pub log_destination: Option<String>,
}

/// What the flags ask for, checked; [`HealthRequest::resolve`] decides with the image's check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthRequest {
    check: Requested,
    /// `--health-on-failure`.
    pub on_failure: OnFailureAction,
    /// `--health-max-log-count`, `--health-max-log-size`.
    pub max_log_count: Option<u32>,
    pub max_log_size: Option<u32>,
    /// `--health-log-destination`, checked (a directory made absolute).
    pub log_destination: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Requested {
    /// The image's check, if any, with these non-zero values over it.
    #[default]
    Image,
    ImageWith {
        overrides: HealthConfig,
        interval_disabled: bool,
    },
    /// `--health-cmd`: this check whatever the image has.
    Given(HealthConfig),
    /// `--no-healthcheck`.
    Disabled,
}

impl HealthFlags {
    /// Checks the flags; the errors are Podman's.
    pub fn request(&self) -> Result<HealthRequest, HealthCheckError> {
        let on_failure = match &self.on_failure {
            Some(text) => text.parse().map_err(|e: health::HealthError| HealthCheckError::Flag(e.to_string()))?,
            None => OnFailureAction::None,
        };
        let check = match (&self.cmd, self.no_healthcheck) {
            (Some(_), true) => return Err(flag_error("cannot specify both --no-healthcheck and --health-cmd")),
            (Some(cmd), false) => Requested::Given(self.given(cmd)?),
            (None, true) => Requested::Disabled,
            (None, false) => self.overrides()?,
        };
        let log_destination = self.log_destination.as_deref().map(log_destination).transpose()?;
        Ok(HealthRequest {
            check,
            on_failure,
            max_log_count: self.max_log_count,
            max_log_size: self.max_log_size,
            log_destination,
        })
    }

    /// `--health-cmd` with every timing flag or its default.
    fn given(&self, cmd: &str) -> Result<HealthConfig, HealthCheckError> {
        let test = HealthConfig::test_from_flag(cmd).map_err(|e| flag_error(&e.to_string()))?;
        let retries = self.retries.unwrap_or(DEFAULT_RETRIES);
        if retries < 1 {
            return Err(flag_error("healthcheck-retries must be greater than 0"));
        }
        let interval = match self.interval.as_deref() {
            Some(text) => interval(text)?.unwrap_or(Duration::ZERO),
            None => DEFAULT_INTERVAL,
        };
        let (start_period, start_interval) = self.start_timing()?;
        Ok(HealthConfig {
            test,
            interval,
            retries,
            timeout: self.timeout.as_deref().map(timeout).transpose()?.unwrap_or(DEFAULT_TIMEOUT),
            start_period,
            start_interval,
        })
    }

    /// `--health-start-period` and `--health-start-interval`, zero when not given (the same rule
    /// with and without `--health-cmd`).
    fn start_timing(&self) -> Result<(Duration, Duration), HealthCheckError> {
        let parse = |flag: &str, value: &Option<String>| {
            value.as_deref().map(|t| period(flag, t)).transpose().map(Option::unwrap_or_default)
        };
        Ok((parse("start-period", &self.start_period)?, parse("start-interval", &self.start_interval)?))
    }

    /// The timing flags the user gave, to lay over the image's check.
    fn overrides(&self) -> Result<Requested, HealthCheckError> {
        let given = self.interval.is_some()
            || self.retries.is_some()
            || self.timeout.is_some()
            || self.start_period.is_some()
            || self.start_interval.is_some();
        if !given {
            return Ok(Requested::Image);
        }
        let interval = self.interval.as_deref().map(interval).transpose()?;
        let (start_period, start_interval) = self.start_timing()?;
        let overrides = HealthConfig {
            test: Vec::new(),
            interval: interval.flatten().unwrap_or_default(),
            retries: self.retries.unwrap_or(0),
            timeout: self.timeout.as_deref().map(timeout).transpose()?.unwrap_or_default(),
            start_period,
            start_interval,
        };
        Ok(Requested::ImageWith { overrides, interval_disabled: interval == Some(None) })
    }
}

impl HealthRequest {
    /// The container's health check, given the image's (`Healthcheck` of its config); `None`
    /// when it has none. A disabled check is kept as a `NONE` test, as Podman stores it.
    pub fn resolve(&self, image: Option<&HealthConfig>) -> Option<HealthConfig> {
        let image = image.filter(|c| !c.test.is_empty());
        match &self.check {
            Requested::Given(config) => Some(config.clone()),
            Requested::Disabled => Some(HealthConfig { test: vec!["NONE".into()], ..Default::default() }),
            Requested::Image => image.map(|image| HealthConfig::from_image(image, &HealthConfig::default(), false)),
            Requested::ImageWith { overrides, interval_disabled } => {
                image.map(|image| HealthConfig::from_image(image, overrides, *interval_disabled))
            }
        }
    }
}

/// The two `--health-log-destination` words: the log in the container's run directory (rpod has
/// no event log, so `events_logger` keeps it there too).
const LOG_DESTINATION_WORDS: [&str; 2] = ["local", "events_logger"];

/// `--health-log-destination`: `local`, `events_logger`, or an existing directory (Podman's
/// `GetValidHealthCheckDestination`), made absolute.
fn log_destination(text: &str) -> Result<String, HealthCheckError> {
    if LOG_DESTINATION_WORDS.contains(&text) {
        return Ok(text.to_string());
    }
    let meta = std::fs::metadata(text).map_err(|e| {
        flag_error(&format!(
            "HealthCheck Log '{text}' destination error: stat {text}: {}",
            crate::flag_values::go_io_error_text(&e)
        ))
    })?;
    if !meta.is_dir() {
        return Err(flag_error(&format!("HealthCheck Log '{text}' destination must be directory")));
    }
    let absolute = std::path::absolute(text).map_err(|e| flag_error(&e.to_string()))?;
    Ok(absolute.to_string_lossy().into_owned())
}

/// The directory a stored `--health-log-destination` names, if it names one.
pub(super) fn log_directory(destination: Option<&str>) -> Option<&str> {
    destination.filter(|d| !d.is_empty() && !LOG_DESTINATION_WORDS.contains(d))
}

fn flag_error(message: &str) -> HealthCheckError {
    HealthCheckError::Flag(message.to_string())
}

/// `--health-interval`: a duration, or `disable` (also a negative one, as Podman reads it),
/// which is `None`.
fn interval(text: &str) -> Result<Option<Duration>, HealthCheckError> {
    if text == "disable" {
        return Ok(None);
    }
    match parse_go_duration(text) {
        Ok(duration) if duration.is_zero() => Ok(None),
        Ok(duration) => Ok(Some(duration)),
        Err(_) if is_negative(text) => Ok(None),
        Err(err) => Err(flag_error(&format!("invalid healthcheck-interval: {err}"))),
    }
}

/// Whether `text` is a negative Go duration (`-5s`), which `parse_go_duration` refuses and
/// Podman reads with a flag's own rule.
fn is_negative(text: &str) -> bool {
    text.strip_prefix('-').is_some_and(|rest| parse_go_duration(rest).is_ok())
}

fn timeout(text: &str) -> Result<Duration, HealthCheckError> {
    let too_short = || flag_error("healthcheck-timeout must be at least 1 second");
    match parse_go_duration(text) {
        Ok(duration) if duration.is_zero() => Err(too_short()),
        Ok(duration) => Ok(duration),
        Err(_) if is_negative(text) => Err(too_short()),
        Err(err) => Err(flag_error(&format!("invalid healthcheck-timeout: {err}"))),
    }
}

/// `--health-start-period` and `--health-start-interval`: zero or more.
fn period(name: &str, text: &str) -> Result<Duration, HealthCheckError> {
    match parse_go_duration(text) {
        Ok(duration) => Ok(duration),
        Err(_) if is_negative(text) => Err(flag_error(&format!("healthcheck-{name} must be 0 seconds or greater"))),
        Err(err) => Err(flag_error(&format!("invalid healthcheck-{name}: {err}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(cmd: Option<&str>) -> HealthFlags {
        HealthFlags { cmd: cmd.map(str::to_string), ..Default::default() }
    }

    fn image_check() -> HealthConfig {
        HealthConfig {
            test: vec!["CMD-SHELL".into(), "curl -f http://localhost/".into()],
            interval: Duration::from_secs(5),
            retries: 2,
            ..Default::default()
        }
    }

    #[test]
    fn health_cmd_makes_a_check_with_podmans_defaults() {
        let request = flags(Some("true")).request().unwrap();
        let config = request.resolve(Some(&image_check())).unwrap();
        assert_eq!(config.test, ["CMD-SHELL", "true"]);
        assert_eq!((config.interval, config.timeout, config.retries), (DEFAULT_INTERVAL, DEFAULT_TIMEOUT, 3));
        assert_eq!((config.start_period, config.start_interval), (Duration::ZERO, Duration::ZERO));
        assert_eq!(request.on_failure, OnFailureAction::None);
    }

    #[test]
    fn timing_flags_are_parsed_and_disable_turns_the_schedule_off() {
        let given = HealthFlags {
            interval: Some("disable".into()),
            retries: Some(5),
            timeout: Some("1.5s".into()),
            start_period: Some("1m".into()),
            start_interval: Some("500ms".into()),
            on_failure: Some("restart".into()),
            ..flags(Some(r#"["CMD", "true"]"#))
        };
        let request = given.request().unwrap();
        let config = request.resolve(None).unwrap();
        assert_eq!(config.interval, Duration::ZERO);
        assert_eq!((config.retries, config.timeout), (5, Duration::from_millis(1500)));
        assert_eq!((config.start_period, config.start_interval), (Duration::from_secs(60), Duration::from_millis(500)));
        assert_eq!(request.on_failure, OnFailureAction::Restart);
    }

    #[test]
    fn the_images_check_is_kept_with_the_flags_given_over_it() {
        assert_eq!(flags(None).request().unwrap().resolve(None), None);
        let kept = flags(None).request().unwrap().resolve(Some(&image_check())).unwrap();
        assert_eq!((kept.interval, kept.retries, kept.timeout), (Duration::from_secs(5), 2, DEFAULT_TIMEOUT));
        let tuned = HealthFlags { retries: Some(9), interval: Some("disable".into()), ..flags(None) };
        let tuned = tuned.request().unwrap().resolve(Some(&image_check())).unwrap();
        assert_eq!((tuned.interval, tuned.retries), (Duration::ZERO, 9));
        assert_eq!(tuned.test, image_check().test);
        let disabled = HealthFlags { no_healthcheck: true, ..flags(None) };
        let disabled = disabled.request().unwrap().resolve(Some(&image_check())).unwrap();
        assert_eq!(disabled.test, ["NONE"]);
        assert!(!disabled.is_defined());
        assert!(!flags(Some("none")).request().unwrap().resolve(Some(&image_check())).unwrap().is_defined());
    }

    #[test]
    fn the_log_destination_is_a_word_or_an_existing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let request = |text: &str| HealthFlags { log_destination: Some(text.into()), ..flags(None) }.request();
        assert_eq!(request("local").unwrap().log_destination.as_deref(), Some("local"));
        let given = dir.path().to_str().unwrap();
        assert_eq!(request(given).unwrap().log_destination.as_deref(), Some(given));
        assert_eq!(log_directory(Some(given)), Some(given));
        assert_eq!(log_directory(Some("events_logger")), None);
        let missing = dir.path().join("nope");
        let missing = missing.to_str().unwrap();
        assert_eq!(
            request(missing).unwrap_err().to_string(),
            format!("HealthCheck Log '{missing}' destination error: stat {missing}: no such file or directory")
        );
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let file = file.to_str().unwrap();
        assert_eq!(
            request(file).unwrap_err().to_string(),
            format!("HealthCheck Log '{file}' destination must be directory")
        );
    }

    #[test]
    fn bad_values_are_refused_in_podmans_words() {
        let cases: &[(HealthFlags, &str)] = &[
            (
                HealthFlags { no_healthcheck: true, ..flags(Some("true")) },
                "cannot specify both --no-healthcheck and --health-cmd",
            ),
            (HealthFlags { retries: Some(0), ..flags(Some("true")) }, "healthcheck-retries must be greater than 0"),
            (
                HealthFlags { interval: Some("soon".into()), ..flags(Some("true")) },
                r#"invalid healthcheck-interval: time: invalid duration "soon""#,
            ),
            (
                HealthFlags { timeout: Some("0s".into()), ..flags(Some("true")) },
                "healthcheck-timeout must be at least 1 second",
            ),
            (
                HealthFlags { timeout: Some("5".into()), ..flags(Some("true")) },
                r#"invalid healthcheck-timeout: time: missing unit in duration "5""#,
            ),
            (
                HealthFlags { start_period: Some("-1s".into()), ..flags(Some("true")) },
                "healthcheck-start-period must be 0 seconds or greater",
            ),
            (
                HealthFlags { on_failure: Some("explode".into()), ..flags(None) },
                r#"invalid on-failure action "explode" for health check: supported actions are none,kill,restart,stop"#,
            ),
            (flags(Some("[]")), "must define a healthcheck command for all healthchecks"),
        ];
        for (given, message) in cases {
            assert_eq!(given.request().unwrap_err().to_string(), *message, "{given:?}");
        }
    }
}
