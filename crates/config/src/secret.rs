//! Secret references: where a token comes from, never the token itself.
//!
//! Holds no state. A config names a secret by an environment variable, a file, or a systemd
//! credential (`LoadCredential=` puts it in `$CREDENTIALS_DIRECTORY`). A plain string where a
//! secret belongs is refused, so a token can never be committed with a config file.

use closedloop_core::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a secret is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretRef {
    /// An environment variable: `{ env = "CLOSEDLOOP_HUBSPOT_TOKEN" }`.
    Env(String),
    /// A file holding only the secret (trailing newline ignored): `{ file = "/etc/closedloop/token" }`.
    /// A relative path is relative to the config file.
    File(PathBuf),
    /// A systemd credential name: `{ credential = "hubspot-token" }`, read from `$CREDENTIALS_DIRECTORY`.
    Credential(String),
}

/// Why a secret could not be read. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set or empty.
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    /// The file could not be read or is empty.
    #[error("cannot read secret file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Not running under systemd with credentials, or the credential is missing.
    #[error("systemd credential {name} is not available: {reason}")]
    Credential {
        /// The credential's name.
        name: String,
        /// Why.
        reason: String,
    },
}

/// The message for anything that is not one of the three reference forms. It never quotes the
/// value: a secret pasted inline must not reach a terminal, a log or CI output.
const NOT_A_REFERENCE: &str =
    "a secret is never written in the config: use { env = \"NAME\" }, { file = \"path\" } or { credential = \"name\" }";

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SecretRef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(NOT_A_REFERENCE)
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<SecretRef, E> {
                Err(E::custom(NOT_A_REFERENCE))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
                use serde::de::Error;
                let mut found = None;
                while let Some(key) = map.next_key::<String>()? {
                    if found.is_some() {
                        return Err(A::Error::custom(
                            "a secret reference has exactly one of env, file, credential",
                        ));
                    }
                    // Values are names and paths, not secrets, but are still read as plain strings.
                    let value: String = map.next_value()?;
                    found = Some(match key.as_str() {
                        "env" => SecretRef::Env(value),
                        "file" => SecretRef::File(value.into()),
                        "credential" => SecretRef::Credential(value),
                        other => {
                            return Err(A::Error::custom(format!(
                                "unknown secret reference kind `{}`: use env, file or credential",
                                other.chars().take(40).collect::<String>()
                            )));
                        }
                    });
                }
                found.ok_or_else(|| A::Error::custom(NOT_A_REFERENCE))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl SecretRef {
    /// Reads the secret. `base_dir` resolves relative file paths (the config file's directory).
    pub fn resolve(&self, base_dir: &Path) -> Result<Secret, SecretError> {
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
                _ => Err(SecretError::EnvMissing(name.clone())),
            },
            SecretRef::File(path) => {
                let path = if path.is_absolute() {
                    path.clone()
                } else {
                    base_dir.join(path)
                };
                read_secret_file(&path).map_err(|reason| SecretError::File {
                    path: path.display().to_string(),
                    reason,
                })
            }
            SecretRef::Credential(name) => {
                let dir = std::env::var_os("CREDENTIALS_DIRECTORY").ok_or_else(|| SecretError::Credential {
                    name: name.clone(),
                    reason: "$CREDENTIALS_DIRECTORY is not set (is the unit using LoadCredential=?)".into(),
                })?;
                read_secret_file(&Path::new(&dir).join(name)).map_err(|reason| SecretError::Credential {
                    name: name.clone(),
                    reason,
                })
            }
        }
    }
}

fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.trim().is_empty() {
        return Err("the file is empty".into());
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_file_and_credential_secrets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
        let file = SecretRef::File("token".into()).resolve(dir.path()).unwrap();
        assert_eq!(file.expose(), "s3cret");
        let missing = SecretRef::Env("CLOSEDLOOP_TEST_SURELY_UNSET_VAR".into())
            .resolve(dir.path())
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "environment variable CLOSEDLOOP_TEST_SURELY_UNSET_VAR is not set"
        );
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        assert!(SecretRef::File("empty".into()).resolve(dir.path()).is_err());
    }

    #[test]
    fn parses_the_three_reference_forms_and_refuses_inline_values() {
        #[derive(Deserialize)]
        struct T {
            token: SecretRef,
        }
        let t: T = toml::from_str(r#"token = { env = "X" }"#).unwrap();
        assert_eq!(t.token, SecretRef::Env("X".into()));
        let t: T = toml::from_str(r#"token = { credential = "hubspot-token" }"#).unwrap();
        assert_eq!(t.token, SecretRef::Credential("hubspot-token".into()));
        assert!(toml::from_str::<T>(r#"token = "pat-na1-inline""#).is_err());
        assert!(toml::from_str::<T>(r#"token = { env = "X", file = "y" }"#).is_err());
    }
}
