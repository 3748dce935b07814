//! `GET /console`, `/console/{asset}` and `/console/config.json`: the agent console, a web app in
//! which support agents sign in with the agents' Cognito user pool and work their tenant's
//! tickets and leads. Its files (the top-level `console/` directory) are embedded at build time
//! and served with content-hash `ETag`s; the page is sent with a strict Content-Security-Policy
//! that lets it talk to this API and the pool's Cognito endpoint only. `config.json` tells the
//! app which pool and app client to sign in with, read once per cold start.

use std::sync::{Arc, LazyLock};

use auth::CognitoSettings;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::settings::{Settings, SettingsError};
use http_kit::etag::{content_etag, fixed_content};
use http_kit::{ApiError, ErrorCode, ErrorKey};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One file of the console as served.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("../../../../console/", $name)),
        }
    };
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The page and every module and stylesheet it loads, from `console/`.
pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", JAVASCRIPT),
    asset!("api.js", JAVASCRIPT),
    asset!("session.js", JAVASCRIPT),
    asset!("srp.js", JAVASCRIPT),
    asset!("ui.js", JAVASCRIPT),
    asset!("inbox.js", JAVASCRIPT),
    asset!("ticket.js", JAVASCRIPT),
    asset!("leads.js", JAVASCRIPT),
    asset!("analytics.js", JAVASCRIPT),
];

/// Every file is revalidated on every load (a 304 when unchanged), so a deployment reaches every
/// agent's next page load and the modules of one page always come from the same release.
const CACHE_CONTROL: &str = "no-cache";

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| content_etag(asset.body.as_bytes()))
        .collect()
});

/// What the app signs in with (`GET /console/config.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleConfig {
    /// The pool's region.
    pub region: String,
    pub user_pool_id: String,
    /// The app client agents sign in through (the first of `COGNITO_APP_CLIENT_ID`).
    pub client_id: String,
    /// Where the browser sends Cognito's `InitiateAuth` and `RespondToAuthChallenge`.
    pub cognito_endpoint: String,
}

impl ConsoleConfig {
    /// Reads the pool and app client as every agent route does (`COGNITO_USER_POOL_ID`,
    /// `COGNITO_APP_CLIENT_ID`), the region from the pool id (else `AWS_REGION`), and the Cognito
    /// endpoint the AWS SDKs would use: `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, else
    /// `AWS_ENDPOINT_URL` (a local stand-in such as moto), else the region's public endpoint.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        let cognito = CognitoSettings::read(settings);
        let region = auth::settings::pool_region(&cognito.user_pool_id)
            .map(str::to_owned)
            // CognitoSettings has already reported a missing AWS_REGION that it needed.
            .or_else(|| settings.optional("AWS_REGION"))
            .unwrap_or_default();
        let cognito_endpoint = settings
            .optional("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .or_else(|| settings.optional("AWS_ENDPOINT_URL"))
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com"));
        Self {
            region,
            user_pool_id: cognito.user_pool_id,
            client_id: cognito
                .app_client_ids
                .into_iter()
                .next()
                .unwrap_or_default(),
            cognito_endpoint,
        }
    }

    /// The configuration of this execution environment, or every problem with it.
    pub fn from_env() -> Result<Self, SettingsError> {
        let mut settings = Settings::from_env();
        let config = Self::read(&mut settings);
        settings.finish()?;
        Ok(config)
    }

    /// The scheme, host and port of the Cognito endpoint: what the page may connect to.
    fn cognito_origin(&self) -> &str {
        let url = &self.cognito_endpoint;
        let host_start = url.find("://").map_or(0, |at| at + 3);
        match url[host_start..].find('/') {
            Some(path) => &url[..host_start + path],
            None => url,
        }
    }
}

/// What the function serves that depends on its configuration, built once.
#[derive(Clone)]
pub struct Served {
    config_json: Arc<String>,
    config_etag: Arc<String>,
    content_security_policy: HeaderValue,
}

impl Served {
    pub fn new(config: &ConsoleConfig) -> Self {
        let config_json = serde_json::to_string(config).expect("the configuration serialises");
        let policy = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' {}; \
             img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            config.cognito_origin()
        );
        Self {
            config_etag: Arc::new(content_etag(config_json.as_bytes())),
            config_json: Arc::new(config_json),
            content_security_policy: HeaderValue::from_str(&policy)
                .expect("an endpoint read from the environment is a valid header value"),
        }
    }
}

/// The documented routes of this function, for its router and the OpenAPI document.
pub fn routes() -> OpenApiRouter<Served> {
    OpenApiRouter::new()
        .routes(routes!(console_page))
        .routes(routes!(console_config))
        .routes(routes!(console_asset))
        // A browser that asks for the directory gets the same page.
        .route("/console/", axum::routing::get(console_page))
}

/// The function's router, answering with `config`.
pub fn app(config: &ConsoleConfig) -> Router {
    http_kit::finish(routes(), Served::new(config), ErrorKey::Message)
}

/// The agent console
#[utoipa::path(get, path = "/console", tag = "Agent console",
    params(("If-None-Match" = Option<String>, Header,
        description = "The `ETag` of a copy the browser holds")),
    responses(
        (status = 200, description = "The console's page, with a strict Content-Security-Policy",
            content_type = "text/html"),
        (status = 304, description = "The copy named by `If-None-Match` is current"),
    ))]
async fn console_page(State(served): State<Served>, headers: HeaderMap) -> Response {
    let mut response = serve(0, &headers);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        served.content_security_policy.clone(),
    );
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The console's sign-in configuration
#[utoipa::path(get, path = "/console/config.json", tag = "Agent console",
    params(("If-None-Match" = Option<String>, Header,
        description = "The `ETag` of a copy the browser holds")),
    responses(
        (status = 200, description = "The user pool and app client agents sign in with",
            body = ConsoleConfig),
        (status = 304, description = "The copy named by `If-None-Match` is current"),
    ))]
async fn console_config(State(served): State<Served>, headers: HeaderMap) -> Response {
    let etag = served.config_etag.as_str();
    respond(
        etag,
        "application/json",
        served.config_json.as_str().to_owned(),
        &headers,
    )
}

/// A file of the console
#[utoipa::path(get, path = "/console/{asset}", tag = "Agent console",
    params(
        ("asset" = String, Path, description = "A script or stylesheet the page loads: \
            `app.js`, `app.css`, `api.js`, `session.js`, `srp.js`, `ui.js`, `inbox.js`, \
            `ticket.js`, `leads.js`, `analytics.js`"),
        ("If-None-Match" = Option<String>, Header,
            description = "The `ETag` of a copy the browser holds")),
    responses(
        (status = 200, description = "The file", content_type = "text/javascript"),
        (status = 304, description = "The copy named by `If-None-Match` is current"),
        (status = 404, description = "No such file"),
    ))]
async fn console_asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS
        .iter()
        .position(|asset| asset.name == name && name != "index.html")
    {
        Some(index) => serve(index, &headers),
        None => ApiError::new(ErrorCode::NotFound, "No such file in the console").into_response(),
    }
}

fn serve(index: usize, headers: &HeaderMap) -> Response {
    let asset = &ASSETS[index];
    respond(&ETAGS[index], asset.content_type, asset.body, headers)
}

fn respond(
    etag: &str,
    content_type: &'static str,
    body: impl IntoResponse,
    headers: &HeaderMap,
) -> Response {
    fixed_content(headers, etag, CACHE_CONTROL, content_type, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use axum::http::StatusCode;
    use http_body_util::BodyExt;
    use std::collections::HashMap;
    use tower::ServiceExt;

    fn config_from(vars: &[(&str, &str)]) -> Result<ConsoleConfig, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut settings = Settings::new(move |name: &str| vars.get(name).cloned());
        let config = ConsoleConfig::read(&mut settings);
        settings.finish()?;
        Ok(config)
    }

    fn deployed() -> ConsoleConfig {
        config_from(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_APP_CLIENT_ID", "console-client,admin-tool"),
            ("AWS_REGION", "us-east-1"),
        ])
        .unwrap()
    }

    async fn get(config: &ConsoleConfig, path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(value) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, value);
        }
        app(config)
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> String {
        response.headers()[name].to_str().unwrap().to_owned()
    }

    async fn body_of(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn a_deployed_console_signs_in_at_the_pools_own_region() {
        assert_eq!(
            deployed(),
            ConsoleConfig {
                region: "eu-west-1".into(),
                user_pool_id: "eu-west-1_AbC123".into(),
                client_id: "console-client".into(),
                cognito_endpoint: "https://cognito-idp.eu-west-1.amazonaws.com".into(),
            }
        );
    }

    #[test]
    fn a_local_stack_is_reached_through_the_sdks_endpoint_variables() {
        let local = config_from(&[
            ("COGNITO_USER_POOL_ID", "us-east-1_local"),
            ("COGNITO_APP_CLIENT_ID", "client"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/"),
        ])
        .unwrap();
        assert_eq!(local.cognito_endpoint, "http://127.0.0.1:4566");
        let specific = config_from(&[
            ("COGNITO_USER_POOL_ID", "pool"),
            ("COGNITO_APP_CLIENT_ID", "client"),
            ("AWS_REGION", "ap-south-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            (
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                "http://cognito.local:9229",
            ),
        ])
        .unwrap();
        assert_eq!(specific.region, "ap-south-1");
        assert_eq!(specific.cognito_endpoint, "http://cognito.local:9229");
    }

    #[test]
    fn every_missing_setting_is_reported() {
        let error = config_from(&[]).unwrap_err();
        assert_eq!(
            error.0,
            [
                "COGNITO_USER_POOL_ID is not set",
                "COGNITO_APP_CLIENT_ID is not set"
            ]
        );
    }

    #[tokio::test]
    async fn the_page_is_served_with_a_strict_policy_that_allows_only_cognito_besides_itself() {
        for path in ["/console", "/console/"] {
            let response = get(&deployed(), path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                header_of(&response, header::CONTENT_TYPE),
                "text/html; charset=utf-8"
            );
            assert_eq!(
                header_of(&response, header::CONTENT_SECURITY_POLICY),
                "default-src 'none'; script-src 'self'; style-src 'self'; \
                 connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com; \
                 img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            );
            let page = body_of(response).await;
            assert!(page.contains(r#"<script type="module" src="/console/app.js">"#));
        }
    }

    #[tokio::test]
    async fn the_configuration_names_the_pool_and_client() {
        let response = get(&deployed(), "/console/config.json", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "application/json"
        );
        let etag = header_of(&response, header::ETAG);
        let body: serde_json::Value = serde_json::from_str(&body_of(response).await).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "region": "eu-west-1",
                "userPoolId": "eu-west-1_AbC123",
                "clientId": "console-client",
                "cognitoEndpoint": "https://cognito-idp.eu-west-1.amazonaws.com",
            })
        );
        let again = get(&deployed(), "/console/config.json", Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn every_file_is_served_with_its_type_and_revalidated_by_etag() {
        for asset in ASSETS.iter().filter(|asset| asset.name != "index.html") {
            let path = format!("/console/{}", asset.name);
            let response = get(&deployed(), &path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                header_of(&response, header::CONTENT_TYPE),
                asset.content_type
            );
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
            let etag = header_of(&response, header::ETAG);
            assert_eq!(body_of(response).await, asset.body, "{path}");

            let current = get(&deployed(), &path, Some(&format!("W/{etag}"))).await;
            assert_eq!(current.status(), StatusCode::NOT_MODIFIED, "{path}");
            assert!(body_of(current).await.is_empty());
            let stale = get(&deployed(), &path, Some("\"0123\"")).await;
            assert_eq!(stale.status(), StatusCode::OK, "{path}");
        }
    }

    #[tokio::test]
    async fn an_unknown_file_is_a_json_404() {
        for path in [
            "/console/nothing.js",
            "/console/index.html",
            "/console/package.json",
        ] {
            let response = get(&deployed(), path, None).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            let body: serde_json::Value = serde_json::from_str(&body_of(response).await).unwrap();
            assert_eq!(body["code"], "not_found", "{path}");
        }
    }

    /// A module added to `console/` but not to [`ASSETS`] would fail to load in every browser.
    #[test]
    fn every_file_of_the_console_is_served() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../console");
        let mut on_disk: Vec<String> = std::fs::read_dir(directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            // The sources' package description for node (the SRP test imports them), not served.
            .filter(|name| name != "package.json")
            .collect();
        on_disk.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|asset| asset.name.to_owned()).collect();
        served.sort();
        assert_eq!(on_disk, served);
    }

    /// The page runs under its own policy: no inline script or style, nothing evaluated.
    #[test]
    fn the_sources_need_no_unsafe_csp_allowances() {
        for asset in ASSETS {
            for forbidden in [
                "eval(",
                "new Function",
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                " style=",
                "setAttribute('style",
                "<style",
                "onclick=",
            ] {
                assert!(
                    !asset.body.contains(forbidden),
                    "{} uses {forbidden}",
                    asset.name
                );
            }
        }
        let page = ASSETS[0].body;
        assert!(!page.contains("<script>"), "no inline script in the page");
    }
}
