//! Cancelling a statement on the server, with proof that the cancel landed.
//!
//! PostgreSQL takes a cancel request on a connection of its own: a server
//! process reads it, signals the backend running the statement, and closes
//! the connection. The signal is asynchronous. A client that sends the
//! request and moves on (as `tokio_postgres::CancelToken::cancel_query`
//! does) may send its next statement before the signal arrives, and the
//! signal then cancels that statement instead: somebody else's, once the
//! connection is back in the pool.
//!
//! So a cancel here waits for the server to close the request's connection.
//! By then the backend has been signalled. It acts on the signal at its
//! next check: one while it waits for a command drops it, but one that
//! falls after the statement ended and before that wait raises the cancel
//! anyway, with nothing to cancel, and its error answers whatever comes
//! next (seen under load). So the connection then runs probes until one
//! succeeds (`PgConnection::absorb_cancel`) before anyone else's statement
//! goes on it. asyncpg waits for the close the same way.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ormcore::{BoxError, Error};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;

use crate::tls::Transport;

/// How long a cancel may take before it counts as failed (the connection is
/// then discarded rather than trusted).
pub(crate) const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// A socket whose shutdown also waits for the peer to close its side.
///
/// `cancel_query_raw` ends by shutting down the stream it is given; with
/// this wrapper that shutdown returns only once the server has closed the
/// connection, which it does after signalling the backend.
pub(crate) struct CloseWaiting<S> {
    inner: S,
    write_closed: bool,
}

impl<S> CloseWaiting<S> {
    pub(crate) fn new(inner: S) -> Self {
        CloseWaiting { inner, write_closed: false }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CloseWaiting<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for CloseWaiting<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.write_closed {
            ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
            self.write_closed = true;
        }
        // The server sends nothing but, over TLS, its close_notify: read
        // until it closes.
        let mut scratch = [0u8; 256];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

/// Sends cancel requests to the server the pool connects to.
pub(crate) struct Canceller {
    transport: Transport,
    /// Where the request goes: the configuration's first host and port.
    target: Target,
}

enum Target {
    Tcp(String, u16),
    #[cfg(unix)]
    Unix(std::path::PathBuf),
    /// The configuration names no host: a cancel cannot be sent.
    Nowhere,
}

impl Canceller {
    pub(crate) fn new(config: &tokio_postgres::Config, transport: Transport) -> Self {
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let target = match (config.get_hostaddrs().first(), config.get_hosts().first()) {
            (Some(addr), _) => Target::Tcp(addr.to_string(), port),
            (None, Some(Host::Tcp(host))) => Target::Tcp(host.clone(), port),
            #[cfg(unix)]
            (None, Some(Host::Unix(dir))) => Target::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            _ => Target::Nowhere,
        };
        Canceller { transport, target }
    }

    /// Cancel the statement running on the connection `token` belongs to,
    /// returning once the server has signalled its backend (see the module
    /// docs). An error means the cancel may not have been delivered.
    ///
    /// If the connection went to another host of a multi-host
    /// configuration, the request reaches a server that does not know it
    /// and changes nothing: callers still wait for the statement to end.
    pub(crate) async fn cancel(&self, token: &tokio_postgres::CancelToken) -> ormcore::Result<()> {
        let sent = tokio::time::timeout(CANCEL_TIMEOUT, self.send(token)).await;
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Error::operational(format!("cannot cancel the statement: {error}"), error)),
            Err(_) => Err(Error::Operational {
                message: format!("cancelling the statement took longer than {CANCEL_TIMEOUT:?}"),
                source: None,
            }),
        }
    }

    async fn send(&self, token: &tokio_postgres::CancelToken) -> Result<(), BoxError> {
        match &self.target {
            Target::Tcp(host, port) => {
                let socket = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                socket.set_nodelay(true)?;
                self.transport.cancel_on(CloseWaiting::new(socket), host, token).await
            }
            #[cfg(unix)]
            Target::Unix(path) => {
                let socket = tokio::net::UnixStream::connect(path).await?;
                self.transport.cancel_on(CloseWaiting::new(socket), "localhost", token).await
            }
            Target::Nowhere => Err("the configuration names no host to send a cancel request to".into()),
        }
    }
}
