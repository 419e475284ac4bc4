//! The client's configuration, read by the command line and passed to `caf-client`: the
//! token from `CAF_TOKEN` or the config file (never from argv, where `ps` would show it), and
//! a default server and CA certificate from the file.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no token: set CAF_TOKEN, or put `token = \"...\"` in {} (or the file named by CAF_CONFIG)",
        default_config_path().map_or_else(|| "~/.config/caf/client.toml".to_string(), |p| p.display().to_string())
    )]
    NoToken,
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl ConfigError {
    /// Every configuration problem is the user's to fix, a file they named included.
    pub fn is_input_error(&self) -> bool {
        match self {
            ConfigError::NoToken | ConfigError::Read { .. } | ConfigError::Invalid { .. } => true,
        }
    }
}

/// `~/.config/caf/client.toml` (or under `$XDG_CONFIG_HOME`).
pub fn default_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("caf/client.toml"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config/caf/client.toml"))
}

/// The client config file: a token and, optionally, a default server and CA certificate.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub token: Option<String>,
    pub server: Option<String>,
    pub ca_cert: Option<PathBuf>,
}

impl ClientConfig {
    /// Reads `CAF_CONFIG`, else the default path; a missing default file is an empty config.
    pub fn load() -> Result<ClientConfig, ConfigError> {
        let (path, must_exist) = match std::env::var_os("CAF_CONFIG") {
            Some(p) => (PathBuf::from(p), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(ClientConfig::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !must_exist && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ClientConfig::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path,
            message: e.to_string(),
        })
    }
}

/// The token: `CAF_TOKEN` first, then the config file.
pub fn token_from_environment(config: &ClientConfig) -> Result<String, ConfigError> {
    std::env::var("CAF_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| config.token.clone())
        .ok_or(ConfigError::NoToken)
}
