//! Identifier case conversions: table names and column constants.

/// `TweetLike` → `tweet_like`, `HTTPRequest` → `http_request`,
/// `user_id` → `user_id`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) => {
                    p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
                }
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `user_id` → `USER_ID`: the name of a field's column constant.
pub fn upper_snake_case(name: &str) -> String {
    snake_case(name).to_uppercase()
}

/// `tweets` → `Tweets`, `liked_tweets` → `LikedTweets`: a back-reference's
/// trait name, after its model's.
pub fn upper_camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("TweetLike"), "tweet_like");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("V2Api"), "v2_api");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }

    #[test]
    fn upper() {
        assert_eq!(upper_snake_case("user_id"), "USER_ID");
        assert_eq!(upper_snake_case("createdAt"), "CREATED_AT");
        assert_eq!(upper_snake_case("id"), "ID");
    }
}
