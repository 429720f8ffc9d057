//! closedloop's configuration: a TOML file, parsed strictly and validated before start-up.
//!
//! Holds no state. `load` reads the file, rejects unknown keys and wrong types with the line and
//! key (serde + `deny_unknown_fields` everywhere), then runs the semantic checks in
//! [`validate`], collecting every problem with its field and line, so one run of
//! `closedloop check-config` lists all that is wrong. Secrets are references only ([`secret`]);
//! [`LoadedConfig::check_secrets`] reads each one (without printing it) to prove it is there.
//!
//! # Layout
//! - [`secret`]: secret references (env, file, systemd credential).
//! - [`hubspot`], [`salesforce`]: the connector sections.
//! - [`service`]: store, service listener, sync and report sections.
//! - [`validate`]: semantic checks.
//! - [`locate`]: finding a field's line in the file.
//! - [`error`]: `ConfigError` with field and line.

#![warn(missing_docs)]

pub mod error;
pub mod hubspot;
pub mod locate;
pub mod salesforce;
pub mod secret;
pub mod service;
pub mod validate;

pub use error::{ConfigError, Problem};
pub use hubspot::HubSpotConfig;
pub use salesforce::SalesforceConfig;
pub use secret::SecretRef;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The SQLite database.
    #[serde(default)]
    pub store: service::StoreConfig,
    /// The daemon's HTTP listener and lifecycle.
    #[serde(default)]
    pub service: service::ServiceConfig,
    /// How pushes behave.
    #[serde(default)]
    pub sync: service::SyncConfig,
    /// Identity, stages, attribution, field mapping and the CRM gate (defaults are a working setup).
    #[serde(default)]
    pub reconcile: closedloop_core::rules::ReconcileRules,
    /// HubSpot (the marketing platform).
    #[serde(default)]
    pub hubspot: Option<HubSpotConfig>,
    /// Salesforce (the CRM).
    #[serde(default)]
    pub salesforce: Option<SalesforceConfig>,
    /// Report targets and defaults.
    #[serde(default)]
    pub report: service::ReportConfig,
}

/// A configuration with the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed, validated configuration.
    pub config: Config,
    /// The file.
    pub path: PathBuf,
    /// The file's text, for locating fields in later messages.
    pub text: String,
}

impl LoadedConfig {
    /// The directory relative paths in the config are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ".".into())
    }

    /// The database file: relative paths resolve against `$STATE_DIRECTORY` (systemd) or the
    /// config file's directory.
    pub fn database_path(&self) -> PathBuf {
        let p = &self.config.store.path;
        if p.is_absolute() {
            return p.clone();
        }
        match std::env::var_os("STATE_DIRECTORY") {
            // systemd may pass several directories separated by ':'; the first is ours.
            Some(dirs) => {
                let first = dirs.to_string_lossy().split(':').next().unwrap_or_default().to_owned();
                PathBuf::from(first).join(p)
            }
            None => self.base_dir().join(p),
        }
    }

    /// Reads every secret the config references, returning a problem per missing one.
    pub fn check_secrets(&self) -> Vec<Problem> {
        let base = self.base_dir();
        let doc = locate::Doc::parse(&self.text);
        validate::secret_refs(&self.config)
            .into_iter()
            .filter_map(|(field, secret)| {
                secret.resolve(&base).err().map(|e| Problem {
                    line: doc.line_of(&field),
                    field,
                    message: e.to_string(),
                })
            })
            .collect()
    }
}

/// Parses and validates configuration text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig, ConfigError> {
    let shown = path.display().to_string();
    let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: shown.clone(),
        at: e
            .span()
            .map(|s| error::Location::of_offset(text, s.start))
            .unwrap_or_default(),
        message: e.message().trim().to_owned(),
    })?;
    let problems = validate::validate(&config, &locate::Doc::parse(text));
    if !problems.is_empty() {
        return Err(ConfigError::Invalid { path: shown, problems });
    }
    Ok(LoadedConfig {
        config,
        path: path.to_path_buf(),
        text: text.to_owned(),
    })
}

/// Reads, parses and validates a config file.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, path)
}
