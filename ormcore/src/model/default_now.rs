//! [`DefaultNow`]: the value of a `#[orm(default_now)]` field in a new
//! instance.

/// The current time as a field's default, for `#[orm(default_now)]`: what
/// the `Default` that `#[derive(Model)]` generates puts in the field.
///
/// Times are truncated to whole microseconds, the finest every backend
/// keeps, so that a default is stored exactly (see the precision limits in
/// the backends chapter). Implement it for your own time types.
pub trait DefaultNow {
    /// The current time as this type.
    fn default_now() -> Self;
}

impl<T: DefaultNow> DefaultNow for Option<T> {
    fn default_now() -> Self {
        Some(T::default_now())
    }
}

/// The system clock (chrono's `Utc::now` needs its `clock` feature and
/// the time-zone crates that come with it).
#[cfg(feature = "chrono")]
fn utc_now() -> chrono::DateTime<chrono::Utc> {
    std::time::SystemTime::now().into()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, as SQL's `CURRENT_TIMESTAMP` writes it.
#[cfg(feature = "chrono")]
impl DefaultNow for String {
    fn default_now() -> Self {
        utc_now().format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[cfg(feature = "chrono")]
impl DefaultNow for chrono::DateTime<chrono::Utc> {
    fn default_now() -> Self {
        chrono::SubsecRound::trunc_subsecs(utc_now(), 6)
    }
}

/// The current time in UTC.
#[cfg(feature = "chrono")]
impl DefaultNow for chrono::NaiveDateTime {
    fn default_now() -> Self {
        chrono::DateTime::<chrono::Utc>::default_now().naive_utc()
    }
}

/// The time of day in UTC, to the microsecond.
#[cfg(feature = "chrono")]
impl DefaultNow for chrono::NaiveTime {
    fn default_now() -> Self {
        chrono::DateTime::<chrono::Utc>::default_now().time()
    }
}

/// Today in UTC.
#[cfg(feature = "chrono")]
impl DefaultNow for chrono::NaiveDate {
    fn default_now() -> Self {
        utc_now().date_naive()
    }
}

#[cfg(all(test, feature = "chrono"))]
mod tests {
    use super::DefaultNow;

    #[test]
    fn keeps_whole_microseconds() {
        let now = chrono::DateTime::<chrono::Utc>::default_now();
        assert_eq!(chrono::Timelike::nanosecond(&now) % 1000, 0);
        assert!(Option::<chrono::NaiveDateTime>::default_now().is_some());
    }
}
