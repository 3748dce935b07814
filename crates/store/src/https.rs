//! The HTTPS client every AWS client of an execution environment shares, trusting the system's
//! CA bundle file alone.
//!
//! The SDK's default loads the system's roots through rustls-native-certs, which reads the bundle
//! file and then every file of the certificate directory too; on Debian and Amazon Linux that
//! directory holds the same certificates again, and on a cold start the second read was most of
//! what the SDK's set-up cost (BENCHMARKS.md).

use std::path::Path;

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The client for this environment: [`client_trusting`] the system's CA bundle file.
///
/// `None` keeps the SDK's default, and so does any `None` of [`client_trusting`]: when
/// `SSL_CERT_FILE` or `SSL_CERT_DIR` choose the trust store, the operator's choice is the SDK's
/// to honour; when no bundle file is found, the directory may be all there is.
pub fn client_for_environment() -> Option<SharedHttpClient> {
    if std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some() {
        return None;
    }
    client_trusting(&openssl_probe::probe().cert_file?)
}

/// The SDK's own HTTPS client (rustls with aws-lc, proxies from the environment, the SDK's
/// timeouts and sleep) trusting exactly the certificates of the PEM file `bundle_file`.
///
/// `None` when the file cannot be read, holds no certificate, or holds one that does not parse
/// as a trust anchor: the SDK refuses a whole custom trust store for one bad certificate, where
/// its default loader skips it, so a bundle the default would accept must not fail here.
pub fn client_trusting(bundle_file: &Path) -> Option<SharedHttpClient> {
    let bundle = std::fs::read(bundle_file).ok()?;
    let mut certificates = 0;
    for certificate in CertificateDer::pem_slice_iter(&bundle) {
        webpki::anchor_from_trusted_cert(&certificate.ok()?).ok()?;
        certificates += 1;
    }
    if certificates == 0 {
        return None;
    }
    let tls = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(bundle))
        .build()
        .ok()?;
    Some(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut connector = ConnectorBuilder::default()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(tls.clone());
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}
