//! The credential the gateway adds to each public request: a bearer token
//! read from the environment or a file, or, for a service account that
//! signs its requests (charity_crm), a short-lived RS256 JWT made per
//! request from the account's private key. Neither is ever logged: the
//! `Debug` form shows only which kind it is.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderValue;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde::Serialize;

pub enum Credential {
    Bearer(HeaderValue),
    Jwt {
        key: EncodingKey,
        issuer: String,
        audience: Option<String>,
        lifetime_seconds: u64,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Bearer(_) => formatter.write_str("Credential::Bearer(..)"),
            Credential::Jwt { issuer, .. } => {
                write!(formatter, "Credential::Jwt {{ issuer: {issuer:?}, .. }}")
            }
        }
    }
}

/// The claims of a request's token. The charity CRM's document shows only
/// `Authorization: Bearer`; the claim names are the usual ones, assumed.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    iat: u64,
    exp: u64,
}

impl Credential {
    /// A bearer token, refused when it could not travel in a header.
    pub fn bearer(token: &str) -> Result<Credential, String> {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the token holds characters a header cannot carry".to_string())?;
        value.set_sensitive(true);
        Ok(Credential::Bearer(value))
    }

    /// A signer from an RSA private key in PEM (PKCS#1 or PKCS#8).
    pub fn jwt(
        pem: &[u8],
        issuer: String,
        audience: Option<String>,
        lifetime_seconds: u64,
    ) -> Result<Credential, String> {
        let key = EncodingKey::from_rsa_pem(pem)
            .map_err(|error| format!("is not an RSA private key in PEM: {error}"))?;
        let credential = Credential::Jwt {
            key,
            issuer,
            audience,
            lifetime_seconds,
        };
        // Sign once now, so a key that cannot sign is refused at start.
        credential.authorization()?;
        Ok(credential)
    }

    /// The `Authorization` header for one request.
    pub fn authorization(&self) -> Result<HeaderValue, String> {
        match self {
            Credential::Bearer(value) => Ok(value.clone()),
            Credential::Jwt {
                key,
                issuer,
                audience,
                lifetime_seconds,
            } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| "the clock is before 1970".to_string())?
                    .as_secs();
                let claims = Claims {
                    iss: issuer,
                    sub: issuer,
                    aud: audience.as_deref(),
                    iat: now,
                    exp: now + lifetime_seconds,
                };
                let token = encode(&Header::new(Algorithm::RS256), &claims, key)
                    .map_err(|error| format!("the key cannot sign: {error}"))?;
                let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(|_| "the signed token is not a header value".to_string())?;
                value.set_sensitive(true);
                Ok(value)
            }
        }
    }
}
