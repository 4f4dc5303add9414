//! TLS, with the `tls` feature: mysql_async speaks it through rustls,
//! building the client configuration from the URL's options itself.

use ormcore::Error;

/// Make ready for a pool whose connections use TLS as `ssl` says, or say
/// why they cannot.
pub(crate) fn prepare(ssl: &mysql_async::SslOpts) -> ormcore::Result<()> {
    if !cfg!(feature = "tls") {
        return Err(Error::interface(
            "the MySQL options ask for TLS (require_ssl or ssl_ca), but ormcore-mysql was built without its `tls` \
             feature",
        ));
    }
    // mysql_async 0.37.1 recognises a name mismatch by the text of rustls's
    // error, which no longer matches (mysql_async issue #404): the name is
    // checked anyway. Refusing says so; connecting would fail later with a
    // certificate error that seems to ignore the setting.
    if ssl.skip_domain_validation() && !ssl.accept_invalid_certs() {
        return Err(Error::interface(
            "verify_identity=false is not supported: mysql_async 0.37 checks the server's name on rustls anyway; \
             connect by a name the certificate has, or use verify_ca=false to accept any certificate",
        ));
    }
    #[cfg(feature = "tls")]
    provider();
    Ok(())
}

/// mysql_async builds its rustls configuration with rustls's process-wide
/// crypto provider, which rustls picks (and installs) on its own only when
/// exactly one provider is compiled in; with two (another crate bringing
/// aws-lc-rs) and none installed, it would panic at the first connection.
/// Install ring, the provider this crate brings, in that case only: an
/// application that installs its own before connecting keeps it (one that
/// installs it later finds ring there, as it would after rustls's own
/// choice).
#[cfg(feature = "tls")]
fn provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer leaves theirs: as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The TLS failure inside a driver error, if it is one that happens again
/// on retry: a certificate the client does not trust, a server whose TLS
/// the client cannot speak, a CA file that is no certificate. Those are not
/// lost connections. A TLS error inside a session (a corrupt record, an
/// alert) is: the connection is gone, and a new one may work.
#[cfg(feature = "tls")]
pub(crate) fn failure(error: &mysql_async::Error) -> Option<String> {
    use rustls::Error as Tls;
    match error {
        // Building the client configuration: a bad CA file, a host that is
        // no valid name.
        mysql_async::Error::Io(mysql_async::IoError::Tls(tls)) => Some(tls.to_string()),
        // The handshake, through tokio-rustls's io::Error.
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => match io.get_ref()?.downcast_ref::<Tls>()? {
            tls @ (Tls::InvalidCertificate(_)
            | Tls::NoCertificatesPresented
            | Tls::InvalidCertRevocationList(_)
            | Tls::PeerIncompatible(_)
            | Tls::UnsupportedNameType) => Some(tls.to_string()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(not(feature = "tls"))]
pub(crate) fn failure(_: &mysql_async::Error) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_needs_the_feature_and_a_checked_name() {
        let ssl = mysql_async::SslOpts::default();
        assert_eq!(prepare(&ssl).is_ok(), cfg!(feature = "tls"));
        let unchecked_name = ssl.clone().with_danger_skip_domain_validation(true);
        assert!(matches!(prepare(&unchecked_name), Err(Error::Interface(_))));
        // Accepting any certificate skips the name check too: allowed.
        let anything = unchecked_name.with_danger_accept_invalid_certs(true);
        assert_eq!(prepare(&anything).is_ok(), cfg!(feature = "tls"));
    }
}
