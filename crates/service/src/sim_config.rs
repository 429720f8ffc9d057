//! Writing a closedloop config that points at running simulators: `sim --write-config` and `demo`.
//!
//! Holds no state. The simulators' credentials are written to files beside the config (mode 0600)
//! and referenced as `{ file = ... }`, so even a simulator config never holds a secret inline.

use closedloop_sim::Scenario;
use std::path::{Path, PathBuf};

/// Where the simulators listen.
pub struct SimEndpoints {
    /// The HubSpot simulator's base URL.
    pub hubspot_url: String,
    /// The Salesforce simulator's base URL (plain HTTP).
    pub salesforce_url: String,
}

/// Writes the config at `path` (and its secrets directory); returns the secrets directory.
pub fn write(
    path: &Path,
    endpoints: &SimEndpoints,
    scenario: &Scenario,
    listen_addr: &str,
) -> std::io::Result<PathBuf> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("closedloop-sim")
        .to_owned();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let secrets_name = format!("{stem}.secrets");
    let secrets = dir.join(&secrets_name);
    std::fs::create_dir_all(&secrets)?;
    let h = &scenario.hubspot;
    let s = &scenario.salesforce;
    for (file, value) in [
        ("hubspot-token", h.access_token.as_str()),
        ("hubspot-client-secret", h.client_secret.as_str()),
        ("salesforce-client-secret", s.client_secret.as_str()),
        ("salesforce-refresh-token", s.refresh_token.as_str()),
    ] {
        write_private(&secrets.join(file), value)?;
    }
    let text = format!(
        r#"# Written by `closedloop sim` for the simulators of scenario "{name}".
# The credentials are the simulators', in {secrets_name}/ next to this file.

[store]
path = "{stem}.db"

[service]
listen_addr = "{listen_addr}"

[sync]
push_interval_secs = 10
push_retry_secs = 10

[hubspot]
base_url = "{hubspot_url}"
tier = "professional"

[hubspot.auth]
kind = "private_app"
token = {{ file = "{secrets_name}/hubspot-token" }}

[hubspot.streams.contacts]
interval_secs = 10
lookback_secs = 5

[hubspot.streams.deals]
enabled = {hubspot_deals}
interval_secs = 10

[hubspot.streams.form_submissions]
interval_secs = 10

[hubspot.streams.marketing_events]
interval_secs = 10

[hubspot.streams.web_events]
interval_secs = 10

[hubspot.streams.email_events]
interval_secs = 10

[hubspot.streams.catalog]
interval_secs = 30

[hubspot.webhook]
client_secret = {{ file = "{secrets_name}/hubspot-client-secret" }}

[salesforce]
instance_url = "{salesforce_url}"
login_url = "{salesforce_url}"
api_version = "{api_version}"
close_reason_field = "Loss_Reason__c"

[salesforce.auth]
kind = "refresh_token"
client_id = "{client_id}"
client_secret = {{ file = "{secrets_name}/salesforce-client-secret" }}
refresh_token = {{ file = "{secrets_name}/salesforce-refresh-token" }}

[salesforce.streams.leads]
interval_secs = 10

[salesforce.streams.contacts]
interval_secs = 10

[salesforce.streams.opportunities]
interval_secs = 10

[salesforce.streams.activities]
interval_secs = 10

[salesforce.streams.campaigns]
interval_secs = 30

[salesforce.streams.users]
interval_secs = 30
"#,
        name = scenario.name,
        hubspot_url = endpoints.hubspot_url,
        salesforce_url = endpoints.salesforce_url,
        api_version = s.api_version,
        client_id = s.client_id,
        hubspot_deals = scenario.people.iter().any(|p| !p.hubspot_deals.is_empty()),
    );
    std::fs::write(path, text)?;
    Ok(secrets)
}

fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options.open(path)?;
    f.write_all(value.as_bytes())?;
    Ok(())
}
