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
/// crypto provider, which rustls picks on its own only when exactly one
/// provider is compiled in; with two (another crate bringing aws-lc-rs)
/// and none installed, it would panic at the first connection. Install
/// ring, the provider this crate brings, in that case only: an application
/// that installs its own keeps it.
#[cfg(feature = "tls")]
fn provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer leaves theirs: as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The TLS failure inside a driver error, if it is one: a certificate the
/// client does not trust, a handshake the server refused. Retrying does
/// not help, so it is not a lost connection.
#[cfg(feature = "tls")]
pub(crate) fn failure(error: &mysql_async::Error) -> Option<String> {
    match error {
        mysql_async::Error::Io(mysql_async::IoError::Tls(tls)) => Some(tls.to_string()),
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => {
            io.get_ref()?.downcast_ref::<rustls::Error>().map(ToString::to_string)
        }
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
