//! The transport: plain TCP, or TLS through rustls with the `tls` feature.
//!
//! One value serves the pool, the shared connection and query
//! cancellation, so all three speak to the server the same way. Whether TLS
//! is used, preferred or required is the URL's `sslmode`.

/// How connections reach the server.
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Rustls(tokio_postgres_rustls::MakeRustlsConnect),
}

impl Transport {
    /// A deadpool manager connecting this way.
    pub(crate) fn manager(
        &self,
        config: tokio_postgres::Config,
        manager_config: deadpool_postgres::ManagerConfig,
    ) -> deadpool_postgres::Manager {
        match self {
            Transport::Plain => deadpool_postgres::Manager::from_config(config, tokio_postgres::NoTls, manager_config),
            #[cfg(feature = "tls")]
            Transport::Rustls(tls) => deadpool_postgres::Manager::from_config(config, tls.clone(), manager_config),
        }
    }

    /// Open a connection and drive it on a task of its own.
    pub(crate) async fn connect(&self, config: &tokio_postgres::Config) -> ormcore::Result<tokio_postgres::Client> {
        match self {
            Transport::Plain => {
                let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(crate::error::map)?;
                tokio::spawn(connection);
                Ok(client)
            }
            #[cfg(feature = "tls")]
            Transport::Rustls(tls) => {
                let (client, connection) = config.connect(tls.clone()).await.map_err(crate::error::map)?;
                tokio::spawn(connection);
                Ok(client)
            }
        }
    }

    /// Send a cancel request for `token`'s connection over `stream`, an
    /// open socket to `host`, negotiating TLS as the connection did.
    #[cfg_attr(not(feature = "tls"), allow(unused_variables))]
    pub(crate) async fn cancel_on<S>(
        &self,
        stream: S,
        host: &str,
        token: &tokio_postgres::CancelToken,
    ) -> Result<(), ormcore::BoxError>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        match self {
            Transport::Plain => token.cancel_query_raw(stream, tokio_postgres::NoTls).await?,
            #[cfg(feature = "tls")]
            Transport::Rustls(tls) => {
                use tokio_postgres::tls::MakeTlsConnect;
                let connect = MakeTlsConnect::<S>::make_tls_connect(&mut tls.clone(), host)?;
                token.cancel_query_raw(stream, connect).await?
            }
        }
        Ok(())
    }
}

/// A client configuration trusting the Mozilla root certificates (the
/// `webpki-roots` crate): what hosted servers present.
#[cfg(feature = "tls")]
pub(crate) fn default_client_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}
