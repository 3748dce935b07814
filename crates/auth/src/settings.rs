//! Where agents' tokens come from: the Cognito user pool, its app clients, and the claim that
//! names an agent's tenant, read once per cold start.

use domain::settings::Settings;

/// The claim (and user attribute) holding an agent's tenant unless `COGNITO_TENANT_CLAIM` says
/// otherwise. Cognito prefixes every custom attribute with `custom:`.
pub const DEFAULT_TENANT_CLAIM: &str = "custom:tenant_id";

/// The user pool whose tokens a function accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoSettings {
    pub user_pool_id: String,
    /// Every app client whose tokens are accepted (the agent console, an admin tool…).
    pub app_client_ids: Vec<String>,
    /// The exact `iss` of the pool's tokens.
    pub issuer: String,
    /// Where the pool publishes its signing keys. Separate from the issuer because a local
    /// stand-in serves them elsewhere than the address its tokens name as their issuer.
    pub jwks_url: String,
    /// The claim of an ID token (and the user attribute) that holds the agent's tenant.
    pub tenant_claim: String,
}

impl CognitoSettings {
    /// Reads `COGNITO_USER_POOL_ID` and `COGNITO_APP_CLIENT_ID` (required; the latter may list
    /// several clients, comma-separated), and `COGNITO_ISSUER`, `COGNITO_JWKS_URL` and
    /// `COGNITO_TENANT_CLAIM`, whose defaults are the pool's own addresses and
    /// `custom:tenant_id`. Problems are noted in `settings`, to be reported with every other.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let user_pool_id = settings.required("COGNITO_USER_POOL_ID");
        let app_client_ids = if settings.optional("COGNITO_APP_CLIENT_ID").is_some() {
            settings.parsed_or("COGNITO_APP_CLIENT_ID", Vec::new(), parse_client_ids)
        } else {
            settings.required("COGNITO_APP_CLIENT_ID");
            Vec::new()
        };
        let issuer = match settings.optional("COGNITO_ISSUER") {
            Some(issuer) => issuer.trim().trim_end_matches('/').to_owned(),
            None => {
                // A pool id reads `<region>_<id>` and the pool may live in another region than
                // the function, so the id's own region is the one its issuer names.
                let region = match pool_region(&user_pool_id) {
                    Some(region) => region.to_owned(),
                    None if user_pool_id.is_empty() => String::new(),
                    None => settings.required("AWS_REGION"),
                };
                default_issuer(&region, &user_pool_id)
            }
        };
        let jwks_url = settings
            .optional("COGNITO_JWKS_URL")
            .map(|url| url.trim().to_owned())
            .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        let tenant_claim = settings
            .optional("COGNITO_TENANT_CLAIM")
            .map(|claim| claim.trim().to_owned())
            .unwrap_or_else(|| DEFAULT_TENANT_CLAIM.to_owned());
        Self {
            user_pool_id,
            app_client_ids,
            issuer,
            jwks_url,
            tenant_claim,
        }
    }
}

/// The `iss` of every token of a pool in real Cognito.
pub fn default_issuer(region: &str, user_pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}")
}

/// The region part of a `<region>_<id>` pool id.
pub fn pool_region(user_pool_id: &str) -> Option<&str> {
    let (region, rest) = user_pool_id.split_once('_')?;
    let looks_like_region = region.split('-').count() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (looks_like_region && !rest.is_empty()).then_some(region)
}

fn parse_client_ids(raw: &str) -> Result<Vec<String>, &'static str> {
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        Err("lists no app client id")
    } else {
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> (CognitoSettings, Result<(), Vec<String>>) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut settings = Settings::new(move |name: &str| vars.get(name).cloned());
        let cognito = CognitoSettings::read(&mut settings);
        (cognito, settings.finish().map_err(|error| error.0))
    }

    #[test]
    fn defaults_follow_the_pool() {
        let (cognito, outcome) = read(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_APP_CLIENT_ID", "client1"),
            ("AWS_REGION", "us-east-1"),
        ]);
        assert_eq!(outcome, Ok(()));
        assert_eq!(
            cognito,
            CognitoSettings {
                user_pool_id: "eu-west-1_AbC123".into(),
                app_client_ids: vec!["client1".into()],
                issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123".into(),
                jwks_url: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json".into(),
                tenant_claim: "custom:tenant_id".into(),
            }
        );
    }

    #[test]
    fn a_pool_id_without_a_region_takes_aws_region() {
        let (cognito, outcome) = read(&[
            ("COGNITO_USER_POOL_ID", "pool1"),
            ("COGNITO_APP_CLIENT_ID", "client1"),
            ("AWS_REGION", "ap-south-1"),
        ]);
        assert_eq!(outcome, Ok(()));
        assert_eq!(
            cognito.issuer,
            "https://cognito-idp.ap-south-1.amazonaws.com/pool1"
        );

        let (_, outcome) = read(&[
            ("COGNITO_USER_POOL_ID", "pool1"),
            ("COGNITO_APP_CLIENT_ID", "client1"),
        ]);
        assert_eq!(outcome, Err(vec!["AWS_REGION is not set".to_owned()]));
    }

    #[test]
    fn explicit_values_win_and_client_lists_are_split() {
        let (cognito, outcome) = read(&[
            ("COGNITO_USER_POOL_ID", "us-east-1_x"),
            ("COGNITO_APP_CLIENT_ID", " console , admin-tool ,"),
            ("COGNITO_ISSUER", "https://issuer.example/pool/"),
            (
                "COGNITO_JWKS_URL",
                "http://127.0.0.1:4566/us-east-1_x/.well-known/jwks.json",
            ),
            ("COGNITO_TENANT_CLAIM", "custom:org"),
        ]);
        assert_eq!(outcome, Ok(()));
        assert_eq!(cognito.app_client_ids, ["console", "admin-tool"]);
        assert_eq!(cognito.issuer, "https://issuer.example/pool");
        assert_eq!(
            cognito.jwks_url,
            "http://127.0.0.1:4566/us-east-1_x/.well-known/jwks.json"
        );
        assert_eq!(cognito.tenant_claim, "custom:org");
    }

    #[test]
    fn every_missing_variable_is_reported_together() {
        let (_, outcome) = read(&[("AWS_REGION", "us-east-1")]);
        assert_eq!(
            outcome,
            Err(vec![
                "COGNITO_USER_POOL_ID is not set".to_owned(),
                "COGNITO_APP_CLIENT_ID is not set".to_owned(),
            ])
        );
        let (_, outcome) = read(&[
            ("COGNITO_USER_POOL_ID", "us-east-1_x"),
            ("COGNITO_APP_CLIENT_ID", " , "),
        ]);
        assert_eq!(
            outcome,
            Err(vec![
                "COGNITO_APP_CLIENT_ID: lists no app client id".to_owned()
            ])
        );
    }
}
