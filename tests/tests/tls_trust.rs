//! The AWS clients' HTTPS trust store (`store::https`), over real TLS: moto behind a local TLS
//! proxy whose certificate a test CA signed. A bundle holding that CA reaches moto; a bundle
//! without it is refused at the handshake; a bundle the SDK's trust store could not take keeps
//! the SDK's default rather than failing every call.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use aws_sdk_dynamodb::error::SdkError;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use store::{Backend, TableNames};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;

/// A directory of PEM files made with the `openssl` command for one test.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "frontdesk-tls-{name}-{}-{}",
            std::process::id(),
            usecases::clock::random_u64()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self { dir }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn openssl(&self, args: &[&str]) {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("the openssl command runs");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A self-signed CA: `<name>.pem` and `<name>.key`.
    fn certificate_authority(&self, name: &str) {
        let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
        self.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ]);
    }

    /// `server.pem` and `server.key` for `localhost`, signed by the CA `ca`.
    fn server_certificate(&self, ca: &str) {
        self.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "server.key",
            "-out",
            "server.pem",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
        ]);
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Terminates TLS with `server.pem` on a loopback port and passes the bytes on to moto.
async fn tls_proxy_to_moto(pki: &Pki) -> SocketAddr {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("run through `make test`");
    let moto = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let chain = CertificateDer::pem_file_iter(pki.path("server.pem"))
        .expect("server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("server.pem parses");
    let key = PrivateKeyDer::from_pem_file(pki.path("server.key")).expect("server.key parses");
    let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the server certificate and key match");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (acceptor, moto) = (acceptor.clone(), moto.clone());
            tokio::spawn(async move {
                // A refused handshake is what some tests expect: the client sees it.
                let Ok(mut client) = acceptor.accept(client).await else {
                    return;
                };
                let mut upstream = TcpStream::connect(&moto).await.expect("moto listens");
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    address
}

/// A backend whose AWS clients use `store::https::client_trusting(bundle)` and reach moto
/// through the TLS proxy.
async fn backend_trusting(bundle: &Path, proxy: SocketAddr) -> Backend {
    let https = store::https::client_trusting(bundle).expect("the bundle is usable");
    Backend::connect_with(TableNames::with_prefix("tls-"), |dynamodb| {
        dynamodb
            .http_client(https)
            .endpoint_url(format!("https://localhost:{}", proxy.port()))
    })
    .await
}

#[tokio::test]
async fn a_bundle_holding_the_servers_ca_reaches_it_over_tls() {
    let pki = Pki::new("trusted");
    pki.certificate_authority("ca");
    pki.server_certificate("ca");
    let proxy = tls_proxy_to_moto(&pki).await;

    // The CA appended to the system's bundle, as an operator adds a private CA.
    let system = system_bundle();
    let mut bundle = std::fs::read(&system).expect("the system bundle reads");
    bundle.extend(std::fs::read(pki.path("ca.pem")).unwrap());
    std::fs::write(pki.path("bundle.pem"), bundle).unwrap();

    let backend = backend_trusting(&pki.path("bundle.pem"), proxy).await;
    let tables = backend
        .dynamodb
        .list_tables()
        .limit(1)
        .send()
        .await
        .expect("moto answers through the TLS proxy");
    assert!(tables.table_names.is_some(), "a ListTables answer");
}

#[tokio::test]
async fn a_bundle_without_the_servers_ca_is_refused_at_the_handshake() {
    let pki = Pki::new("untrusted");
    pki.certificate_authority("ca");
    pki.certificate_authority("other");
    pki.server_certificate("ca");
    let proxy = tls_proxy_to_moto(&pki).await;

    let backend = backend_trusting(&pki.path("other.pem"), proxy).await;
    let error = backend
        .dynamodb
        .list_tables()
        .send()
        .await
        .expect_err("a server signed by an unknown CA is refused");
    assert!(
        matches!(error, SdkError::DispatchFailure(_)),
        "the request never left: {error:?}"
    );
    assert!(
        format!("{error:?}").contains("UnknownIssuer"),
        "refused for its issuer: {error:?}"
    );
}

#[test]
fn bundles_the_trust_store_cannot_take_keep_the_sdks_default() {
    let pki = Pki::new("unusable");
    pki.certificate_authority("ca");
    let good = std::fs::read_to_string(pki.path("ca.pem")).unwrap();

    std::fs::write(pki.path("empty.pem"), "").unwrap();
    assert!(store::https::client_trusting(&pki.path("empty.pem")).is_none());
    assert!(store::https::client_trusting(&pki.path("missing.pem")).is_none());

    // One certificate that is not one, beside a good one: the SDK would refuse the whole store.
    let broken = good.replace(
        "-----BEGIN CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAAAA",
    );
    std::fs::write(pki.path("broken.pem"), format!("{good}{broken}")).unwrap();
    assert!(store::https::client_trusting(&pki.path("broken.pem")).is_none());

    assert!(store::https::client_trusting(&pki.path("ca.pem")).is_some());
}

#[test]
fn this_systems_bundle_is_taken_whole() {
    if std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some() {
        return;
    }
    // Were one certificate of the system's bundle unusable, every cold start would silently
    // fall back to reading the certificate directory as well.
    let bundle = system_bundle();
    assert!(
        store::https::client_trusting(&bundle).is_some(),
        "{} is usable as a trust store",
        bundle.display()
    );
    assert!(store::https::client_for_environment().is_some());
}

/// The system's CA bundle, found as `store::https` finds it.
fn system_bundle() -> PathBuf {
    openssl_probe::probe()
        .cert_file
        .expect("this system has a CA bundle file")
}
