//! `serde` for the field types a model holds (feature `serde`): a
//! [`ForeignKey`] as its key, a [`Json`](crate::types::Json) as its
//! document; and [`related_or_key`], to write a loaded relation out whole.

use ::serde::de::{Deserialize, DeserializeOwned, Deserializer};
use ::serde::ser::{Serialize, Serializer};

use super::{ForeignKey, ForeignKeyId, PrimaryKey};
use crate::types::Json;

/// A foreign key (either kind) serializes as its key (`"user": 7`),
/// whether or not the related object is loaded, so that a model's shape
/// does not depend on how it was queried ([`related_or_key`] writes the
/// object when loaded), and deserializes from its key, with nothing loaded.
macro_rules! key_serde {
    ($ty:ident) => {
        impl<M: PrimaryKey> Serialize for $ty<M>
        where
            M::Key: Serialize,
        {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.key().serialize(serializer)
            }
        }

        impl<'de, M: PrimaryKey> Deserialize<'de> for $ty<M>
        where
            M::Key: DeserializeOwned,
        {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                M::Key::deserialize(deserializer).map($ty::new)
            }
        }
    };
}

key_serde!(ForeignKey);
key_serde!(ForeignKeyId);

/// Write a foreign key as the related object when it is loaded (by a
/// join, an eager load or `afetch`), else as its key: for
/// `#[serde(serialize_with = "ormcore::serde::related_or_key")]` on a
/// `ForeignKey` field (the reference's `model_to_dict(recurse=True)`).
/// Reading it back takes the key form only: deserialize such a field with
/// the default impl, from its key.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use ormcore::prelude::*;
///
/// #[derive(Model, Debug, Default, serde::Serialize)]
/// struct User { id: i64, name: String }
///
/// #[derive(Model, Debug, serde::Serialize)]
/// struct Tweet {
///     id: i64,
///     #[serde(serialize_with = "ormcore::serde::related_or_key")]
///     user: ForeignKey<User>,
/// }
///
/// let lazy = Tweet { id: 1, user: ForeignKey::new(7) };
/// assert_eq!(serde_json::to_string(&lazy).unwrap(), r#"{"id":1,"user":7}"#);
/// let loaded = Tweet { id: 1, user: ForeignKey::to(User { id: 7, name: "huey".into() }) };
/// assert_eq!(serde_json::to_string(&loaded).unwrap(), r#"{"id":1,"user":{"id":7,"name":"huey"}}"#);
/// # }
/// ```
pub fn related_or_key<F, S>(field: &F, serializer: S) -> Result<S::Ok, S::Error>
where
    F: RelatedOrKey,
    S: Serializer,
{
    field.serialize_related_or_key(serializer)
}

/// A foreign-key field that [`related_or_key`] can write: `ForeignKey<M>`
/// or `Option<ForeignKey<M>>` (a NULL key writes as `null`).
pub trait RelatedOrKey {
    /// Write the related object if loaded, else the key.
    fn serialize_related_or_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<M: PrimaryKey + Serialize> RelatedOrKey for ForeignKey<M>
where
    M::Key: Serialize,
{
    fn serialize_related_or_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.get() {
            Some(related) => related.serialize(serializer),
            None => self.key().serialize(serializer),
        }
    }
}

impl<M: PrimaryKey + Serialize> RelatedOrKey for Option<ForeignKey<M>>
where
    M::Key: Serialize,
{
    fn serialize_related_or_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(fk) => fk.serialize_related_or_key(serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// A JSON field serializes as its document, transparently.
impl<T: Serialize> Serialize for Json<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Json<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Json)
    }
}
