//! The TLS listener's certificates: a throwaway certificate authority made at start-up, and a
//! server certificate for `127.0.0.1` and `localhost` that it signs.
//!
//! State: [`CertFile`] owns the CA's PEM file and removes it when dropped. A client that trusts
//! that file (`requests.Session().verify = path`) verifies the simulator like any server; a bare
//! self-signed server certificate is not enough for OpenSSL, which wants a CA as trust anchor.
//! simple-salesforce always builds `https://` URLs, which is why the simulator serves TLS at all.

use super::errors::SimError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// The server's certificate chain and key, and the CA to trust, PEM-encoded.
pub struct Material {
    /// The server certificate followed by the CA certificate.
    pub chain_pem: String,
    /// The server's private key.
    pub key_pem: String,
    /// The CA certificate clients trust.
    pub ca_pem: String,
}

/// Makes a CA and a server certificate for `127.0.0.1` and `localhost` signed by it.
pub fn make() -> Result<Material, SimError> {
    let tls = |e: rcgen::Error| SimError::Tls(e.to_string());
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca.distinguished_name
        .push(DnType::CommonName, "closedloop simulator CA");
    ca.distinguished_name.push(DnType::OrganizationName, "closedloop");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(tls)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(tls)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).map_err(tls)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "closedloop salesforce simulator");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate().map_err(tls)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(tls)?;
    Ok(Material {
        chain_pem: format!("{}{}", leaf_cert.pem(), ca_cert.pem()),
        key_pem: leaf_key.serialize_pem(),
        ca_pem: ca_cert.pem(),
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
