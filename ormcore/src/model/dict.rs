//! [`model_to_dict`] and [`dict_to_model`]: a model instance as a map from
//! field names to values and back (the reference's `playhouse.shortcuts`).

use std::collections::BTreeMap;

use super::Model;
use crate::error::{Error, Result};
use crate::row::Row;
use crate::value::{Value, ValueRef};

/// A model's columns by field name, as [`model_to_dict`] makes them.
pub type Dict = BTreeMap<String, Value>;

/// Every column of `model`, keyed by its field name (a foreign key gives
/// its key value): the reference's `model_to_dict(obj)`. Related objects
/// are not followed (a `Value` holds no model); to write a model out with
/// its loaded relations, derive `serde::Serialize` and use
/// [`related_or_key`](crate::serde::related_or_key).
///
/// ```
/// use ormcore::prelude::*;
/// use ormcore::{dict_to_model, model_to_dict};
///
/// #[derive(Model, Debug, Default, PartialEq)]
/// struct User { id: i64, name: String, email: Option<String> }
///
/// let huey = User { id: 1, name: "huey".into(), email: None };
/// let dict = model_to_dict(&huey);
/// assert_eq!(dict["name"], Value::Text("huey".into()));
/// assert_eq!(dict["email"], Value::Null);
/// assert_eq!(dict_to_model::<User>(&dict)?, huey);
/// # Ok::<(), ormcore::Error>(())
/// ```
pub fn model_to_dict<M: Model>(model: &M) -> Dict {
    M::META.columns.iter().map(|c| c.field.to_owned()).zip(model.column_values()).collect()
}

/// A model made from `dict`'s values, by field name: the reference's
/// `dict_to_model(Model, data)`. A field missing from it is NULL, so it
/// must be an `Option` (or the conversion fails naming it); a key that
/// names no field, or a value of the wrong kind, is an error, as the
/// reference's is without `ignore_unknown`. The instance is new: with a
/// [`ModelState`](crate::ModelState), every column counts as changed.
pub fn dict_to_model<M: Model>(dict: &Dict) -> Result<M> {
    let meta = M::META;
    if let Some(unknown) = dict.keys().find(|key| !meta.columns.iter().any(|c| c.field == key.as_str())) {
        return Err(Error::interface(format!("`{}` has no field named {unknown:?}", meta.model)));
    }
    let values: Vec<&Value> = meta.columns.iter().map(|c| dict.get(c.field).unwrap_or(&Value::Null)).collect();
    let mut model = M::from_row(&DictRow { names: meta.columns.iter().map(|c| c.field).collect(), values }, &mut 0)?;
    if let Some(state) = model.state_mut() {
        state.forget();
    }
    Ok(model)
}

/// A dict's values as a row, in column order.
struct DictRow<'a> {
    names: Vec<&'static str>,
    values: Vec<&'a Value>,
}

impl Row for DictRow<'_> {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn column_name(&self, index: usize) -> &str {
        self.names.get(index).copied().unwrap_or("?")
    }

    fn value(&self, index: usize) -> Result<ValueRef<'_>> {
        match self.values.get(index) {
            Some(value) => Ok(value.as_ref()),
            None => Err(Error::interface(format!("column index {index} out of range for a row of {}", self.len()))),
        }
    }
}
