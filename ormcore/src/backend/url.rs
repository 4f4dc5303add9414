//! The query parameters of a connection URL, with the parsers backends
//! share for the reference's pool options (`pool_size`, `acquire_timeout`).

use std::time::Duration;

use crate::error::{Error, Result};
use crate::sql::IsolationLevel;

/// A pool setting read from a connection URL the same way by every
/// backend: the reference's `pool_size`, `pool_min_size`,
/// `acquire_timeout` (seconds, fractions allowed) and `isolation_level`
/// (`READ%20COMMITTED` or `READ+COMMITTED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolSetting {
    /// `pool_size`: the most connections.
    Size(usize),
    /// `pool_min_size`: the connections kept open.
    MinSize(usize),
    /// `acquire_timeout`: how long a checkout waits.
    AcquireTimeout(Duration),
    /// `isolation_level`: of every pooled connection's transactions.
    IsolationLevel(IsolationLevel),
}

impl PoolSetting {
    /// The URL parameters that are pool settings.
    pub const KEYS: [&'static str; 4] = ["pool_size", "pool_min_size", "acquire_timeout", "isolation_level"];
}

/// One `key=value` query parameter of a connection URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParam<'a> {
    /// The name.
    pub key: &'a str,
    /// The value, as written.
    pub value: &'a str,
}

impl<'a> UrlParam<'a> {
    /// The parameters of a query string (`a=1&b=2`), in order; a parameter
    /// without `=` is an [`Error::Interface`].
    pub fn parse_all(query: &'a str) -> impl Iterator<Item = Result<UrlParam<'a>>> + 'a {
        query.split('&').filter(|pair| !pair.is_empty()).map(|pair| match pair.split_once('=') {
            Some((key, value)) => Ok(UrlParam { key, value }),
            None => Err(Error::interface(format!("URL parameter {pair:?} has no value"))),
        })
    }

    /// The value as a count (`pool_size=10`).
    pub fn count(&self) -> Result<usize> {
        self.value.parse().map_err(|_| Error::interface(format!("{} must be a number, not {:?}", self.key, self.value)))
    }

    /// The pool setting this parameter is, parsed; `None` for a parameter
    /// that is none (see [`PoolSetting::KEYS`]).
    pub fn pool_setting(&self) -> Option<Result<PoolSetting>> {
        Some(match self.key {
            "pool_size" => self.count().map(PoolSetting::Size),
            "pool_min_size" => self.count().map(PoolSetting::MinSize),
            "acquire_timeout" => self.seconds().map(PoolSetting::AcquireTimeout),
            "isolation_level" => {
                self.value.replace("%20", " ").replace('+', " ").parse().map(PoolSetting::IsolationLevel)
            }
            _ => return None,
        })
    }

    /// The value as seconds, fractions allowed (`acquire_timeout=0.5`).
    pub fn seconds(&self) -> Result<Duration> {
        self.value
            .parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| Error::interface(format!("{} must be seconds, not {:?}", self.key, self.value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_seconds() {
        let params: Vec<_> = UrlParam::parse_all("pool_size=4&&acquire_timeout=0.25").collect::<Result<_>>().unwrap();
        assert_eq!(params[0].count().unwrap(), 4);
        assert_eq!(params[1].seconds().unwrap(), Duration::from_millis(250));
        assert!(UrlParam { key: "pool_size", value: "many" }.count().is_err());
        assert!(UrlParam { key: "t", value: "-1" }.seconds().is_err());
        assert!(UrlParam::parse_all("novalue").next().unwrap().is_err());
    }

    #[test]
    fn reads_pool_settings() {
        let setting = |key, value| UrlParam { key, value }.pool_setting();
        assert_eq!(setting("pool_size", "4").unwrap().unwrap(), PoolSetting::Size(4));
        assert_eq!(setting("pool_min_size", "0").unwrap().unwrap(), PoolSetting::MinSize(0));
        assert_eq!(
            setting("acquire_timeout", "1.5").unwrap().unwrap(),
            PoolSetting::AcquireTimeout(Duration::from_millis(1500))
        );
        for value in ["READ%20COMMITTED", "READ+COMMITTED"] {
            assert_eq!(
                setting("isolation_level", value).unwrap().unwrap(),
                PoolSetting::IsolationLevel(IsolationLevel::ReadCommitted)
            );
        }
        assert!(setting("isolation_level", "SOMETIMES").unwrap().is_err());
        assert!(setting("journal_mode", "wal").is_none());
    }
}
