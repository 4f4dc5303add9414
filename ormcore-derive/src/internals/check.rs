//! Rules that involve several attributes or fields, one small function
//! each. They only report; nothing here changes the model.

use std::collections::HashMap;

use super::ast::{Container, Field};
use super::attr::{Literal, OnDelete};
use super::case::upper_snake_case;
use super::ctxt::Ctxt;
use super::symbol::{
    AUTO_INCREMENT, BACKREF, COLUMN, DECIMAL_PLACES, DEFAULT_NOW, MAX_DIGITS, PRIMARY_KEY, RELATIONS, SKIP, STATE,
    Symbol,
};
use super::ty::{self, Scalar};

/// Run every check on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_has_columns(cx, cont);
    check_non_columns(cx, cont);
    check_primary_key(cx, cont);
    for field in cont.columns() {
        check_field_type(cx, field);
        check_decimal(cx, field);
        check_default(cx, field);
    }
    check_column_names(cx, cont);
    check_meta_constant(cx, cont);
    check_backref_names(cx, cont);
}

/// A table needs at least one column.
fn check_has_columns(cx: &Ctxt, cont: &Container<'_>) {
    if cont.columns().next().is_none() {
        cx.error_spanned_by(
            cont.ident,
            "a model needs at least one column: every field is `state`, `relations` or `skip`",
        );
    }
}

/// `state`, `relations` and `skip` fields are not columns and take no
/// other attribute; a model has at most one `state` and one `relations`
/// field.
fn check_non_columns(cx: &Ctxt, cont: &Container<'_>) {
    // The markers a model may give one field only, and whether one was seen.
    let mut single = [(STATE, false), (RELATIONS, false)];
    for field in &cont.fields {
        let marker: Symbol = if field.attrs.state {
            STATE
        } else if field.attrs.relations {
            RELATIONS
        } else if field.attrs.skip {
            SKIP
        } else {
            continue;
        };
        for &(key, span) in field.attrs.keys() {
            if key != marker {
                cx.error_at(
                    span,
                    format!("`{key}` cannot be combined with `{marker}`: a `{marker}` field is not a column"),
                );
            }
        }
        if let Some((_, seen)) = single.iter_mut().find(|(name, _)| *name == marker) {
            if *seen {
                cx.error_at(
                    field.attrs.key(marker).unwrap_or_else(|| field.ident.span()),
                    format!("only one field can be `#[orm({marker})]`"),
                );
            }
            *seen = true;
        }
    }
}

/// The key is given in one place: the struct's `primary_key(..)`, or one
/// field marked `primary_key`/`auto_increment`.
fn check_primary_key(cx: &Ctxt, cont: &Container<'_>) {
    let marked = cont.columns().filter(|f| f.attrs.primary_key || f.attrs.auto_increment);
    if cont.attrs.primary_key.is_some() {
        for field in marked {
            for name in [PRIMARY_KEY, AUTO_INCREMENT] {
                if let Some(span) = field.attrs.key(name) {
                    cx.error_at(
                        span,
                        format!("`{name}` on a field conflicts with `primary_key(...)` on the struct: give the key in one place"),
                    );
                }
            }
        }
    } else {
        for field in marked.skip(1) {
            let span = field.attrs.key(PRIMARY_KEY).or(field.attrs.key(AUTO_INCREMENT));
            cx.error_at(
                span.unwrap_or_else(|| field.ident.span()),
                "only one field can be the primary key; for a composite key, list the fields on the struct: `#[orm(primary_key(a, b))]`",
            );
        }
    }
}

/// Attributes that only make sense for some field types, reported at the
/// field's type.
fn check_field_type(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if attrs.max_length.is_some() && !ty::is_string(field.ty) {
        cx.error_spanned_by(field.ty, "`max_length` applies to `String` and `Option<String>` fields only");
    }
    if attrs.auto_increment && !ty::is_auto_integer(field.ty) {
        cx.error_spanned_by(
            field.ty,
            format!(
                "`auto_increment` needs an integer field: {} (or an `Option` of one)",
                ty::AUTO_INTEGERS.join(", ")
            ),
        );
    }
    let foreign_key = ty::foreign_key_target(field.ty).is_some();
    if attrs.backref.is_some() && !foreign_key {
        cx.error_spanned_by(field.ty, "`backref` applies to `ForeignKey<M>` and `Option<ForeignKey<M>>` fields only");
    }
    if attrs.on_delete.is_some() && !foreign_key {
        cx.error_spanned_by(field.ty, "`on_delete` applies to `ForeignKey<M>` and `Option<ForeignKey<M>>` fields only");
    } else if attrs.on_delete == Some(OnDelete::SetNull) && ty::option_inner(field.ty).is_none() {
        cx.error_spanned_by(field.ty, "`on_delete = \"set null\"` needs a nullable field: `Option<ForeignKey<M>>`");
    }
}

/// `max_digits` and `decimal_places` are given together, on a decimal
/// field, with no more places than digits.
fn check_decimal(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    let (digits, places) = (field.attrs.key(MAX_DIGITS), field.attrs.key(DECIMAL_PLACES));
    if digits.is_none() && places.is_none() {
        return;
    }
    if !ty::is_decimal(field.ty) {
        cx.error_spanned_by(
            field.ty,
            "`max_digits` and `decimal_places` apply to `Decimal` and `Option<Decimal>` fields only",
        );
        return;
    }
    match (digits, places) {
        (Some(span), None) | (None, Some(span)) => cx.error_at(
            span,
            "`max_digits` and `decimal_places` go together: `#[orm(max_digits = 10, decimal_places = 2)]`",
        ),
        _ => {
            if let Some((digits, places)) = attrs.decimal().filter(|(digits, places)| places > digits) {
                cx.error_at(
                    field.attrs.key(DECIMAL_PLACES).unwrap_or_else(|| field.ident.span()),
                    format!(
                        "`decimal_places = {places}` exceeds `max_digits = {digits}`: the places count among the digits"
                    ),
                );
            }
        }
    }
}

/// A column has one default, of a kind its type can hold (checked for the
/// built-in types the macro can recognise by name).
fn check_default(cx: &Ctxt, field: &Field<'_>) {
    if let (Some(_), Some(span)) = (&field.attrs.default, field.attrs.key(DEFAULT_NOW)) {
        cx.error_at(span, "`default_now` conflicts with `default`: a column has one default");
    }
    let Some(scalar) = ty::scalar(field.ty) else {
        return;
    };
    let fits = match &field.attrs.default {
        None => true,
        Some(Literal::Int(_)) => matches!(scalar, Scalar::Integer | Scalar::Float),
        Some(Literal::Float(_)) => scalar == Scalar::Float,
        Some(Literal::Bool(_)) => scalar == Scalar::Bool,
        Some(Literal::Text(_)) => scalar == Scalar::Text,
    };
    if !fits {
        let given = match &field.attrs.default {
            Some(Literal::Int(_)) => "an integer",
            Some(Literal::Float(_)) => "a float",
            Some(Literal::Bool(_)) => "a bool",
            Some(Literal::Text(_)) | None => "a string",
        };
        cx.error_spanned_by(
            field.ty,
            format!("`default` is {given}, which does not fit the field's type `{}`", ty::display(field.ty)),
        );
    }
    if let (Some(Literal::Int(value)), Some(name)) =
        (&field.attrs.default, ty::primitive(ty::option_inner(field.ty).unwrap_or(field.ty)))
        && !integer_fits(*value, name)
    {
        cx.error_spanned_by(field.ty, format!("`default` is {value}, which does not fit in `{name}`"));
    }
    if field.attrs.default_now && scalar != Scalar::Text {
        cx.error_spanned_by(
            field.ty,
            format!("`default_now` needs a date/time or text column, not `{}`", ty::display(field.ty)),
        );
    }
}

/// Whether `value` fits the primitive type `name` (floats take any
/// integer the attribute can hold).
fn integer_fits(value: i64, name: &str) -> bool {
    match name {
        "i8" => i8::try_from(value).is_ok(),
        "i16" => i16::try_from(value).is_ok(),
        "i32" => i32::try_from(value).is_ok(),
        "u8" => u8::try_from(value).is_ok(),
        "u16" => u16::try_from(value).is_ok(),
        "u32" => u32::try_from(value).is_ok(),
        _ => true,
    }
}

/// Two fields cannot map to one column.
fn check_column_names(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    for field in cont.columns() {
        let name = field.column_name();
        if let Some(first) = seen.get(&name) {
            cx.error_at(
                field.attrs.key(COLUMN).unwrap_or_else(|| field.ident.span()),
                format!("column `{name}` is already used by field `{}`", first.name),
            );
        } else {
            seen.insert(name, field);
        }
    }
}

/// A field named `meta` would generate the constant `META`, which hides
/// `Record::META` behind `User::META`.
fn check_meta_constant(cx: &Ctxt, cont: &Container<'_>) {
    for field in cont.columns() {
        if upper_snake_case(&field.name) == "META" {
            cx.error_spanned_by(
                field.ident,
                format!(
                    "a field named `{}` would generate the column constant `{}::META`, hiding `Record::META`; \
                     rename the field and keep the column name with `#[orm(column = \"{}\")]`",
                    field.name,
                    cont.ident,
                    field.column_name(),
                ),
            );
        }
    }
}

/// The methods of `Model` and `PrimaryKey`, which an inherent method of the
/// same name would hide (`User::select()` would find the back-reference).
const MODEL_METHODS: &[&str] = &[
    "select",
    "insert",
    "insert_many",
    "insert_rows",
    "create",
    "update",
    "delete",
    "acreate",
    "aget",
    "aget_or_none",
    "aget_or_create",
    "abulk_create",
    "abulk_update",
    "asave",
    "adelete_instance",
    "aget_by_id",
    "adelete_by_id",
    "column_values",
    "column_value",
    "primary_key_values",
    "set_auto_id",
    "state",
    "state_mut",
    "key",
    "from_row",
];

/// A back-reference method must not hide a model method of the referenced
/// model.
fn check_backref_names(cx: &Ctxt, cont: &Container<'_>) {
    for field in cont.columns() {
        let Some(name) = &field.attrs.backref else {
            continue;
        };
        let name = name.to_string();
        if MODEL_METHODS.contains(&name.as_str()) {
            cx.error_at(
                field.attrs.key(BACKREF).unwrap_or_else(|| field.ident.span()),
                format!(
                    "`backref = \"{name}\"` would hide `Model::{name}` on the referenced model; choose another name"
                ),
            );
        }
    }
}
