//! Agents' Cognito tokens: real tokens from the local user pool (moto) sign agents in with their
//! tenant and role, and every kind of bad token is refused, through an axum route as a client
//! meets it. Crafted tokens are signed with the test-only key in `tests/fixtures/jwt/`, whose
//! JWKS a local listener serves (counting how often it is fetched).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth::token::CLOCK_LEEWAY_SECS;
use auth::{
    Agent, AgentAuth, Assignability, Caller, CognitoSettings, Role, TokenError, WithAgents,
};
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use domain::TenantId;
use http_kit::ErrorKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use store::{Backend, TableNames};
use tests::{Auth, KEY_A, KEY_B, Stack, call_as};

const PRIVATE_KEY_DER: &[u8] = include_bytes!("../fixtures/jwt/private_key.der");
const PUBLIC_KEY_PEM: &[u8] = include_bytes!("../fixtures/jwt/public_key.pem");
const JWKS: &str = include_str!("../fixtures/jwt/jwks.json");
const KID: &str = "frontdesk-test-key";
const POOL: &str = "us-east-1_FrontdeskTest";
const CLIENT: &str = "frontdesk-test-client";

/// The issuer of the crafted tokens' pool, in the form real Cognito (and moto) write it.
fn issuer() -> String {
    format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A route that answers who the agent is, its errors rendered as seed 004's clients expect.
fn agent_app(auth: AgentAuth) -> Router {
    async fn me(agent: Agent) -> axum::Json<Value> {
        axum::Json(json!({
            "id": agent.id,
            "sub": agent.sub,
            "tenant": agent.tenant.as_str(),
            "role": agent.role.as_str(),
        }))
    }
    Router::new()
        .route("/me", get(me))
        .with_state(auth)
        .layer(axum::middleware::map_response(|response| {
            http_kit::errors::render(ErrorKey::Detail, response)
        }))
}

async fn whoami(app: &Router, auth: Auth<'_>) -> (StatusCode, Value) {
    call_as(app, Method::GET, "/me", auth, None).await
}

/// A JWKS endpoint on a loopback port whose document can be swapped, counting its requests.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    document: Arc<Mutex<String>>,
}

impl JwksServer {
    async fn start(document: &str) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let document = Arc::new(Mutex::new(document.to_owned()));
        let state = (hits.clone(), document.clone());
        let app = Router::new()
            .route(
                "/jwks.json",
                get(
                    |State((hits, document)): State<(Arc<AtomicUsize>, Arc<Mutex<String>>)>| async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let body = document.lock().unwrap().clone();
                        ([("content-type", "application/json")], body)
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            hits,
            document,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn serve(&self, document: &str) {
        *self.document.lock().unwrap() = document.to_owned();
    }
}

/// The fixture JWKS with its key published under another `kid`.
fn jwks_with_kid(kid: &str) -> String {
    JWKS.replace(KID, kid)
}

fn settings(jwks_url: &str) -> CognitoSettings {
    CognitoSettings {
        user_pool_id: POOL.to_owned(),
        app_client_ids: vec!["another-client".to_owned(), CLIENT.to_owned()],
        issuer: issuer(),
        jwks_url: jwks_url.to_owned(),
        tenant_claim: "custom:tenant_id".to_owned(),
    }
}

/// A verifier for the crafted tokens' pool, whose keys come from `jwks`.
async fn crafted_auth(jwks: &JwksServer) -> AgentAuth {
    auth_for(&jwks.url).await
}

/// A verifier for the crafted tokens' pool with its JWKS at `jwks_url`. Its directory is never
/// asked, so the pool need not exist.
async fn auth_for(jwks_url: &str) -> AgentAuth {
    let backend = Backend::connect(TableNames::with_prefix("unused-")).await;
    AgentAuth::new(settings(jwks_url), backend.sdk_config())
}

/// ID-token claims of the crafted pool for `ana` of acme, an agent.
fn id_claims() -> Value {
    let now = now();
    json!({
        "iss": issuer(),
        "sub": "6b1e4a52-sub-of-ana",
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "ana",
        "cognito:groups": ["agents"],
        "custom:tenant_id": "acme",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn signed_with_kid(claims: &Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(PRIVATE_KEY_DER)).unwrap()
}

fn signed(claims: &Value) -> String {
    signed_with_kid(claims, KID)
}

/// The base64url payload segment of a token carrying `claims`.
fn payload_segment(claims: &Value) -> String {
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(b"only the payload segment is used"),
    )
    .unwrap();
    token.split('.').nth(1).unwrap().to_owned()
}

/// `token` with its payload replaced by `claims`, header and signature kept.
fn with_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], payload_segment(claims), parts[2])
}

/// Asserts that `token` is refused by `verify` with `expected`, and by the route with 401, the
/// given text and no trace of the token.
async fn assert_refused(auth: &AgentAuth, token: &str, expected: TokenError, detail: &str) {
    assert_eq!(auth.verify(token).await, Err(expected));
    let (status, body) = whoami(&agent_app(auth.clone()), Auth::Bearer(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["detail"], detail, "{body}");
    assert!(body["code"].is_string(), "{body}");
    if !token.is_empty() {
        assert!(!body.to_string().contains(token), "{body}");
    }
}

// Real tokens from the local user pool.

#[tokio::test]
async fn moto_id_tokens_sign_agents_in_with_tenant_and_role() {
    let stack = Stack::new().await;
    let app = agent_app(stack.agents.clone());
    for (username, tenant, role) in [
        ("ana", "acme", "agent"),
        ("adam", "acme", "admin"),
        ("gina", "globex", "agent"),
    ] {
        let token = stack.token(username).await;
        let agent = stack.agents.verify(&token).await.unwrap();
        assert_eq!(agent.id, username);
        assert_eq!(agent.tenant.as_str(), tenant);
        assert!(!agent.sub.is_empty() && agent.sub != username);

        let (status, body) = whoami(&app, Auth::Bearer(&token)).await;
        assert_eq!(status, StatusCode::OK, "{username}: {body}");
        assert_eq!(
            body,
            json!({"id": username, "sub": agent.sub, "tenant": tenant, "role": role})
        );
    }
}

#[tokio::test]
async fn moto_access_tokens_verify_but_carry_no_tenant() {
    let stack = Stack::new().await;
    let access = stack.sign_in("ana").await.access_token;
    // Signature, issuer, client and lifetime pass; only the tenant, which Cognito puts in ID
    // tokens alone, is missing.
    assert_refused(
        &stack.agents,
        &access,
        TokenError::NoTenant,
        "Token carries no tenant",
    )
    .await;
}

#[tokio::test]
async fn an_agent_in_no_group_is_forbidden() {
    let stack = Stack::new().await;
    let token = stack.token("olga").await;
    assert_eq!(stack.agents.verify(&token).await, Err(TokenError::NoRole));
    let (status, body) = whoami(&agent_app(stack.agents.clone()), Auth::Bearer(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Insufficient permissions", "code": "forbidden"})
    );
}

#[tokio::test]
async fn a_tampered_moto_token_is_refused() {
    let stack = Stack::new().await;
    let token = stack.token("gina").await;
    let mut claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
    assert_eq!(claims["custom:tenant_id"], "globex");
    claims["custom:tenant_id"] = json!("acme");
    assert_refused(
        &stack.agents,
        &with_payload(&token, &claims),
        TokenError::BadSignature,
        "Invalid authentication token",
    )
    .await;
}

#[tokio::test]
async fn a_token_of_another_pool_is_refused() {
    let stack = Stack::new().await;
    let other = Stack::new().await;
    // Same signing key in moto, but another issuer and app client.
    let token = other.token("ana").await;
    assert_refused(
        &stack.agents,
        &token,
        TokenError::WrongIssuer,
        "Invalid authentication token",
    )
    .await;
}

// Crafted tokens, signed with the fixture key.

#[tokio::test]
async fn crafted_tokens_signed_with_a_published_key_verify() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let agent = auth.verify(&signed(&id_claims())).await.unwrap();
    assert_eq!(
        agent,
        Agent {
            id: "ana".into(),
            sub: "6b1e4a52-sub-of-ana".into(),
            tenant: TenantId::parse("acme").unwrap(),
            role: Role::Agent,
        }
    );
    // An access token carrying the tenant (as a pre-token-generation trigger would add it)
    // names the agent by `username` and the client by `client_id`.
    let mut access = id_claims();
    let object = access.as_object_mut().unwrap();
    object.remove("aud");
    object.remove("cognito:username");
    object.insert("token_use".into(), json!("access"));
    object.insert("client_id".into(), json!(CLIENT));
    object.insert("username".into(), json!("ana"));
    assert_eq!(auth.verify(&signed(&access)).await.unwrap().id, "ana");
}

#[tokio::test]
async fn no_token_is_not_authenticated() {
    let jwks = JwksServer::start(JWKS).await;
    let app = agent_app(crafted_auth(&jwks).await);
    let expected = json!({"detail": "Not authenticated", "code": "unauthorized"});
    assert_eq!(
        whoami(&app, Auth::None).await,
        (StatusCode::UNAUTHORIZED, expected.clone())
    );
    assert_eq!(
        whoami(&app, Auth::Bearer("")).await,
        (StatusCode::UNAUTHORIZED, expected.clone())
    );
    // An API key header is not a sign-in.
    assert_eq!(
        whoami(&app, Auth::Key(KEY_A)).await,
        (StatusCode::UNAUTHORIZED, expected)
    );
    assert_eq!(jwks.hits(), 0, "nothing to verify, nothing fetched");
}

#[tokio::test]
async fn an_api_key_as_bearer_is_not_an_agent_token() {
    let jwks = JwksServer::start(JWKS).await;
    let (status, body) = whoami(&agent_app(crafted_auth(&jwks).await), Auth::Bearer(KEY_A)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["detail"],
        "This route takes an agent's sign-in token, not an API key"
    );
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let valid = signed(&id_claims());
    let mut parts = valid.split('.');
    let (header, payload) = (parts.next().unwrap(), parts.next().unwrap());
    for token in [
        "not-a-jwt".to_owned(),
        "a.b.c".to_owned(),
        format!("{header}.{payload}"),
        format!("{header}.!!!.sig"),
        format!("{header}.{}.sig", payload_segment(&json!("just a string"))),
    ] {
        let outcome = auth.verify(&token).await;
        assert!(
            matches!(
                outcome,
                Err(TokenError::Malformed | TokenError::BadSignature)
            ),
            "{token}: {outcome:?}"
        );
        let (status, body) = whoami(&agent_app(auth.clone()), Auth::Bearer(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(body["detail"], "Invalid authentication token");
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    // {"alg":"none","typ":"JWT","kid":"frontdesk-test-key"}
    let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIiwia2lkIjoiZnJvbnRkZXNrLXRlc3Qta2V5In0";
    let payload = payload_segment(&id_claims());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        let outcome = auth.verify(&token).await;
        assert!(outcome.is_err(), "{outcome:?}");
        let (status, body) = whoami(&agent_app(auth.clone()), Auth::Bearer(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["detail"], "Invalid authentication token");
    }
    // The signature of a genuine token under an `alg: none` header does not help either.
    let genuine = signed(&id_claims());
    let signature = genuine.rsplit('.').next().unwrap();
    let outcome = auth
        .verify(&format!("{header}.{payload}.{signature}"))
        .await;
    assert!(outcome.is_err(), "{outcome:?}");
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.to_owned());
    for secret in [PUBLIC_KEY_PEM, JWKS.as_bytes()] {
        let token =
            jsonwebtoken::encode(&header, &id_claims(), &EncodingKey::from_secret(secret)).unwrap();
        assert_refused(
            &auth,
            &token,
            TokenError::UnsupportedAlgorithm,
            "Invalid authentication token",
        )
        .await;
    }
    assert_eq!(
        jwks.hits(),
        0,
        "an HS256 token is refused before any key is fetched"
    );
}

#[tokio::test]
async fn a_token_of_another_issuer_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let other = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse";
    assert_refused(
        &auth,
        &signed(&with(id_claims(), "iss", json!(other))),
        TokenError::WrongIssuer,
        "Invalid authentication token",
    )
    .await;
    let mut claims = id_claims();
    claims.as_object_mut().unwrap().remove("iss");
    assert_refused(
        &auth,
        &signed(&claims),
        TokenError::MissingClaim("iss".into()),
        "Invalid authentication token",
    )
    .await;
}

#[tokio::test]
async fn a_token_for_another_app_client_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    assert_refused(
        &auth,
        &signed(&with(id_claims(), "aud", json!("not-our-client"))),
        TokenError::WrongClient,
        "Invalid authentication token",
    )
    .await;
    // Every configured client is accepted.
    let other_client = with(id_claims(), "aud", json!("another-client"));
    assert!(auth.verify(&signed(&other_client)).await.is_ok());
}

#[tokio::test]
async fn an_expired_token_is_refused_after_the_leeway() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let expired = with(id_claims(), "exp", json!(now() - CLOCK_LEEWAY_SECS - 30));
    assert_refused(
        &auth,
        &signed(&expired),
        TokenError::Expired,
        "Token has expired",
    )
    .await;
    let (_, body) = whoami(&agent_app(auth.clone()), Auth::Bearer(&signed(&expired))).await;
    assert_eq!(
        body["code"], "token_expired",
        "clients refresh on this code"
    );
    // Within the leeway, clock skew is forgiven.
    let just_expired = with(id_claims(), "exp", json!(now() - CLOCK_LEEWAY_SECS + 30));
    assert!(auth.verify(&signed(&just_expired)).await.is_ok());
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let early = with(id_claims(), "nbf", json!(now() + CLOCK_LEEWAY_SECS + 60));
    assert_refused(
        &auth,
        &signed(&early),
        TokenError::NotYetValid,
        "Token is not valid yet",
    )
    .await;
    let skewed = with(id_claims(), "nbf", json!(now() + CLOCK_LEEWAY_SECS - 30));
    assert!(auth.verify(&signed(&skewed)).await.is_ok());
}

#[tokio::test]
async fn a_token_signed_with_an_unknown_key_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    assert_refused(
        &auth,
        &signed_with_kid(&id_claims(), "not-a-published-kid"),
        TokenError::UnknownKey,
        "Invalid authentication token",
    )
    .await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = None;
    let no_kid = jsonwebtoken::encode(
        &header,
        &id_claims(),
        &EncodingKey::from_rsa_der(PRIVATE_KEY_DER),
    )
    .unwrap();
    assert_refused(
        &auth,
        &no_kid,
        TokenError::UnknownKey,
        "Invalid authentication token",
    )
    .await;
}

#[tokio::test]
async fn a_tampered_crafted_token_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let token = signed(&id_claims());
    let promoted = with(id_claims(), "cognito:groups", json!(["admins"]));
    assert_refused(
        &auth,
        &with_payload(&token, &promoted),
        TokenError::BadSignature,
        "Invalid authentication token",
    )
    .await;
}

#[tokio::test]
async fn wrong_token_use_is_refused() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    assert_refused(
        &auth,
        &signed(&with(id_claims(), "token_use", json!("refresh"))),
        TokenError::WrongTokenUse,
        "Invalid authentication token",
    )
    .await;
}

// The JWKS cache.

#[tokio::test]
async fn forged_kids_do_not_hammer_the_jwks_endpoint() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    let forged: Vec<String> = (0..40)
        .map(|n| signed_with_kid(&id_claims(), &format!("forged-{n}")))
        .collect();
    let outcomes = verify_concurrently(&auth, &forged).await;
    assert!(
        outcomes
            .iter()
            .all(|outcome| *outcome == Err(TokenError::UnknownKey)),
        "{outcomes:?}"
    );
    assert_eq!(
        jwks.hits(),
        1,
        "one fetch, then the refetch is rate-limited"
    );
    for token in &forged {
        assert_eq!(auth.verify(token).await, Err(TokenError::UnknownKey));
    }
    assert!(auth.verify(&signed(&id_claims())).await.is_ok());
    assert_eq!(jwks.hits(), 1);
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let jwks = JwksServer::start(JWKS).await;
    let auth = crafted_auth(&jwks).await;
    assert_eq!(jwks.hits(), 0, "the JWKS is fetched lazily");
    let token = signed(&id_claims());
    let outcomes = verify_concurrently(&auth, &vec![token.clone(); 20]).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(jwks.hits(), 1);
    // Clones share the cache.
    assert!(auth.clone().verify(&token).await.is_ok());
    assert_eq!(jwks.hits(), 1);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_once_the_refetch_interval_has_passed() {
    let jwks = JwksServer::start(&jwks_with_kid("old-key")).await;
    let auth = crafted_auth(&jwks)
        .await
        .with_jwks_refetch_interval(Duration::from_millis(300));
    let token = signed_with_kid(&id_claims(), "new-key");
    assert_eq!(auth.verify(&token).await, Err(TokenError::UnknownKey));
    assert_eq!(jwks.hits(), 1);

    jwks.serve(&jwks_with_kid("new-key"));
    assert_eq!(
        auth.verify(&token).await,
        Err(TokenError::UnknownKey),
        "within the interval the cached keys answer"
    );
    assert_eq!(jwks.hits(), 1);

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(auth.verify(&token).await.is_ok());
    assert_eq!(jwks.hits(), 2);
}

#[tokio::test]
async fn an_unreachable_jwks_is_a_server_error_without_details() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://{closed}/jwks.json");
    let auth = auth_for(&url).await;
    let token = signed(&id_claims());
    assert!(matches!(
        auth.verify(&token).await,
        Err(TokenError::KeysUnavailable(_))
    ));
    let (status, body) = whoami(&agent_app(auth), Auth::Bearer(&token)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        json!({"detail": "Could not verify the authentication token", "code": "internal"})
    );
}

#[tokio::test]
async fn a_jwks_that_is_not_one_is_a_server_error() {
    let jwks = JwksServer::start("<html>maintenance</html>").await;
    let auth = crafted_auth(&jwks).await;
    assert!(matches!(
        auth.verify(&signed(&id_claims())).await,
        Err(TokenError::KeysUnavailable(_))
    ));
}

// The caller of routes open to API keys and agents alike.

#[tokio::test]
async fn callers_are_keys_or_agents() {
    async fn caller(caller: Caller) -> axum::Json<Value> {
        axum::Json(json!({
            "tenant": caller.tenant().as_str(),
            "agent": caller.agent().map(|agent| agent.id.clone()),
        }))
    }
    let stack = Stack::new().await;
    let app = Router::new()
        .route("/caller", get(caller))
        .with_state(WithAgents::new(&stack.backend, &stack.agents, ()))
        .layer(axum::middleware::map_response(|response| {
            http_kit::errors::render(ErrorKey::Detail, response)
        }));
    let ask = |auth| call_as(&app, Method::GET, "/caller", auth, None);

    assert_eq!(
        ask(Auth::Key(KEY_A)).await,
        (StatusCode::OK, json!({"tenant": "acme", "agent": null}))
    );
    assert_eq!(
        ask(Auth::Bearer(KEY_B)).await,
        (StatusCode::OK, json!({"tenant": "globex", "agent": null}))
    );
    let gina = stack.token("gina").await;
    assert_eq!(
        ask(Auth::Bearer(&gina)).await,
        (StatusCode::OK, json!({"tenant": "globex", "agent": "gina"}))
    );
    assert_eq!(
        ask(Auth::None).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Not authenticated", "code": "unauthorized"})
        )
    );
    let (status, body) = ask(Auth::Bearer("fdk_not_a_real_key")).await;
    assert_eq!(
        (status, &body["detail"]),
        (StatusCode::UNAUTHORIZED, &json!("Invalid API key"))
    );
    let mut claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&gina).unwrap();
    claims["custom:tenant_id"] = json!("acme");
    let tampered = with_payload(&gina, &claims);
    let (status, body) = ask(Auth::Bearer(&tampered)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Invalid authentication token");
    let olga = stack.token("olga").await;
    assert_eq!(ask(Auth::Bearer(&olga)).await.0, StatusCode::FORBIDDEN);
}

// The directory of agents.

#[tokio::test]
async fn the_directory_says_who_can_take_work_in_a_tenant() {
    let stack = Stack::new().await;
    let acme = TenantId::parse("acme").unwrap();
    let directory = stack.agents.directory();
    assert_eq!(
        directory.assignable("ana", &acme).await.unwrap(),
        Assignability::Yes
    );
    assert_eq!(
        directory.assignable("adam", &acme).await.unwrap(),
        Assignability::Yes
    );
    assert_eq!(
        directory.assignable("gina", &acme).await.unwrap(),
        Assignability::OtherTenant
    );
    assert_eq!(
        directory.assignable("nobody", &acme).await.unwrap(),
        Assignability::Unknown
    );
    assert_eq!(
        directory.assignable("olga", &acme).await.unwrap(),
        Assignability::NotAnAgent,
        "signed up in the tenant, but in no group that works tickets"
    );
    stack
        .cognito
        .admin_disable_user()
        .user_pool_id(&stack.pool.user_pool_id)
        .username("ana")
        .send()
        .await
        .unwrap();
    assert_eq!(
        directory.assignable("ana", &acme).await.unwrap(),
        Assignability::Disabled
    );
}

#[tokio::test]
async fn a_directory_that_cannot_reach_its_pool_is_an_error() {
    let stack = Stack::new().await;
    let mut missing = stack.agents.settings().clone();
    missing.user_pool_id = "us-east-1_DoesNotExist".to_owned();
    let auth = AgentAuth::new(missing, stack.backend.sdk_config());
    let acme = TenantId::parse("acme").unwrap();
    assert!(auth.directory().assignable("ana", &acme).await.is_err());
}

/// Verifies every token at once, each on its own task, as concurrent requests would.
async fn verify_concurrently(
    auth: &AgentAuth,
    tokens: &[String],
) -> Vec<Result<Agent, TokenError>> {
    let mut tasks = tokio::task::JoinSet::new();
    for token in tokens {
        let (auth, token) = (auth.clone(), token.clone());
        tasks.spawn(async move { auth.verify(&token).await });
    }
    tasks.join_all().await
}

// The local stack's set-up.

#[tokio::test]
async fn the_local_pool_set_up_carries_on_when_run_again() {
    let stack = Stack::new().await;
    let name = format!("again-{}", usecases::clock::random_u64());
    let first = devserver::cognito::ensure_pool(&stack.cognito, &name)
        .await
        .unwrap();
    devserver::cognito::seed_agents(&stack.cognito, &first)
        .await
        .unwrap();
    let second = devserver::cognito::ensure_pool(&stack.cognito, &name)
        .await
        .unwrap();
    devserver::cognito::seed_agents(&stack.cognito, &second)
        .await
        .unwrap();
    assert_eq!(first, second);
    let token = devserver::cognito::id_token(&stack.cognito, &second, "adam")
        .await
        .unwrap();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
    assert_eq!(claims["cognito:groups"], json!(["admins"]));
    assert_eq!(claims["custom:tenant_id"], "acme");
}
