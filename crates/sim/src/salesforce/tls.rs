//! The TLS listener's certificate: self-signed, made at start-up, written to a PEM file.
//!
//! State: [`CertFile`] owns the PEM file and removes it when dropped. The certificate names
//! `127.0.0.1` and `localhost`, so a client that trusts the file (`requests.Session().verify =
//! path`) verifies the simulator like any server. simple-salesforce always builds `https://` URLs,
//! which is why the simulator serves TLS at all.

use super::errors::SimError;
use std::path::{Path, PathBuf};

/// A certificate and its key, PEM-encoded.
pub struct Material {
    /// The certificate.
    pub cert_pem: String,
    /// The private key.
    pub key_pem: String,
}

/// Makes a self-signed certificate for `127.0.0.1` and `localhost`.
pub fn self_signed() -> Result<Material, SimError> {
    let tls = |e: rcgen::Error| SimError::Tls(e.to_string());
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).map_err(tls)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "closedloop salesforce simulator");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "closedloop");
    let key = rcgen::KeyPair::generate().map_err(tls)?;
    let cert = params.self_signed(&key).map_err(tls)?;
    Ok(Material {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// The certificate's PEM file, deleted on drop.
#[derive(Debug)]
pub struct CertFile {
    path: PathBuf,
}

impl CertFile {
    /// Writes `pem` to a fresh file in the temporary directory, named after `port`.
    pub fn write(pem: &str, port: u16) -> Result<CertFile, SimError> {
        let path = std::env::temp_dir().join(format!("closedloop-sim-salesforce-{}-{port}.pem", std::process::id()));
        std::fs::write(&path, pem).map_err(|e| SimError::Tls(format!("cannot write {}: {e}", path.display())))?;
        Ok(CertFile { path })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CertFile {
    fn drop(&mut self) {
        // Best effort: a leftover certificate in the temp directory harms nothing.
        let _ = std::fs::remove_file(&self.path);
    }
}
