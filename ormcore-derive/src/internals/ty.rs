//! What can be told about a field's type from its syntax alone. A macro
//! sees tokens, not types: these look at the last path segment, so
//! `std::string::String` counts as `String` and a type alias does not.

use syn::{GenericArgument, PathArguments, PathSegment, Type};

/// The integer types an auto-increment key may have (SMALLINT, INTEGER and
/// BIGINT), plain or in an `Option`.
pub const AUTO_INTEGERS: &[&str] = &["i16", "i32", "i64"];

/// The last path segment of `ty`, looking through parentheses and
/// invisible groups.
fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// The single type argument of `ty` if its last segment is `name<T>`.
fn argument_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty).filter(|s| s.ident == name)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is the plain identifier `name` (`String`, `i64`).
fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_none())
}

/// `T` for `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    argument_of(ty, "Option")
}

/// `ty` itself, or `T` if `ty` is `Option<T>`.
fn non_null(ty: &Type) -> &Type {
    option_inner(ty).unwrap_or(ty)
}

/// `String` or `Option<String>`.
pub fn is_string(ty: &Type) -> bool {
    is_named(non_null(ty), "String")
}

/// `Decimal` (`rust_decimal::Decimal`) or `Option<Decimal>`.
pub fn is_decimal(ty: &Type) -> bool {
    is_named(non_null(ty), "Decimal")
}

/// One of [`AUTO_INTEGERS`], or an `Option` of one.
pub fn is_auto_integer(ty: &Type) -> bool {
    let inner = non_null(ty);
    AUTO_INTEGERS.iter().any(|name| is_named(inner, name))
}

/// The integer types the macro knows by name.
pub const INTEGERS: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32"];

/// The name of `ty` if it is one of the integer, float or `bool`
/// primitives (`i32`, `f64`, ...).
pub fn primitive(ty: &Type) -> Option<&'static str> {
    INTEGERS.iter().chain(&["f32", "f64", "bool"]).copied().find(|name| is_named(ty, name))
}

/// The scalar kind of a field type known by name, for checking defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Integer,
    Float,
    Bool,
    Text,
}

/// The [`Scalar`] kind of `ty` (or of `T` in `Option<T>`), when its name
/// is one of the built-in integer, float, bool or `String` types.
pub fn scalar(ty: &Type) -> Option<Scalar> {
    let inner = non_null(ty);
    if INTEGERS.iter().any(|name| is_named(inner, name)) {
        Some(Scalar::Integer)
    } else if is_named(inner, "f32") || is_named(inner, "f64") {
        Some(Scalar::Float)
    } else if is_named(inner, "bool") {
        Some(Scalar::Bool)
    } else if is_named(inner, "String") {
        Some(Scalar::Text)
    } else {
        None
    }
}

/// `M` for `ForeignKey<M>`, `ForeignKeyId<M>` or an `Option` of either.
pub fn foreign_key_target(ty: &Type) -> Option<&Type> {
    let ty = non_null(ty);
    argument_of(ty, "ForeignKey").or_else(|| argument_of(ty, "ForeignKeyId"))
}

/// `ty` as the user would write it, for messages: `Option<i32>`, not
/// `Option < i32 >`.
pub fn display(ty: &Type) -> String {
    let text = quote::ToTokens::to_token_stream(ty).to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let drop_space = c == ' '
            && (out.ends_with(['<', '&', ':', '(', '[']) || matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']')));
        if !drop_space {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        syn::parse_str(text).expect("test types parse")
    }

    #[test]
    fn strings() {
        assert!(is_string(&ty("String")));
        assert!(is_string(&ty("std::string::String")));
        assert!(is_string(&ty("Option<String>")));
        assert!(!is_string(&ty("Vec<String>")));
        assert!(!is_string(&ty("i64")));
    }

    #[test]
    fn decimals() {
        assert!(is_decimal(&ty("rust_decimal::Decimal")));
        assert!(is_decimal(&ty("Option<Decimal>")));
        assert!(!is_decimal(&ty("f64")));
    }

    #[test]
    fn integers() {
        assert!(is_auto_integer(&ty("i64")));
        assert!(is_auto_integer(&ty("Option<i32>")));
        assert!(!is_auto_integer(&ty("u64")));
        assert!(!is_auto_integer(&ty("String")));
    }

    #[test]
    fn foreign_keys() {
        assert!(foreign_key_target(&ty("ForeignKey<User>")).is_some());
        assert!(foreign_key_target(&ty("Option<ormcore::ForeignKey<crate::User>>")).is_some());
        assert!(foreign_key_target(&ty("User")).is_none());
    }

    #[test]
    fn displays() {
        assert_eq!(display(&ty("Option < i32 >")), "Option<i32>");
        assert_eq!(display(&ty("std :: string :: String")), "std::string::String");
        assert_eq!(display(&ty("HashMap<String, i64>")), "HashMap<String, i64>");
    }
}
