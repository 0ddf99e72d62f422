use serde::Deserialize;
use utoipa::IntoParams;

use super::*;
use crate::domain::{Slug, Tier};
use crate::http::formats::{Format, ListFormat};
use crate::http::params::{Bounded, Cursor, Limit, SearchText};

/// What a list route's query looks like.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this tier.
    #[serde(default, deserialize_with = "from_str")]
    #[param(inline)]
    tier: Option<Tier>,
    /// Only this roadmap.
    #[serde(default, deserialize_with = "from_str")]
    roadmap: Option<Slug>,
    /// At most this many months.
    #[param(inline)]
    max_months: Option<Bounded<0, 1200>>,
    /// Words. More words.
    #[param(inline)]
    q: Option<SearchText>,
    #[serde(default)]
    #[param(inline)]
    limit: Limit,
    #[param(inline)]
    cursor: Option<Cursor>,
    #[serde(default)]
    #[param(inline)]
    format: ListFormat,
}

/// A query with a required parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Required {
    /// Study hours a week, 1 to 80.
    #[param(inline)]
    hours: Bounded<1, 80>,
}

fn refused<T: DeserializeOwned + IntoParams + fmt::Debug>(query: &str) -> (&'static str, String) {
    match parse::<T>(query) {
        Err(ApiError::BadParameter { name, detail }) => (name, detail),
        other => panic!("{query}: {other:?}"),
    }
}

#[test]
fn a_query_reads_into_its_struct() {
    let query: ListQuery =
        parse("tier=skip&roadmap=a-b&max_months=12&q=clinical+nlp&limit=5&format=csv")
            .expect("valid");
    let req = actix_web::test::TestRequest::default().to_http_request();
    assert_eq!(query.format.negotiate(&req).ok(), Some(Format::Csv));
    assert_eq!(query.tier, Some(Tier::Skip));
    assert_eq!(query.roadmap.as_ref().map(Slug::as_str), Some("a-b"));
    assert_eq!(query.max_months.map(Bounded::get), Some(12));
    assert_eq!(
        query.q.map(SearchText::into_fts).as_deref(),
        Some(r#""clinical" "nlp""#)
    );
    assert_eq!(query.limit.get(), 5);
    let defaults: ListQuery = parse("").expect("all optional");
    assert_eq!(defaults.limit, Limit::default());
    assert!(defaults.tier.is_none() && defaults.cursor.is_none());
}

#[test]
fn parameter_order_does_not_matter() {
    let one: ListQuery = parse("limit=5&tier=helpful&q=x").expect("valid");
    let other: ListQuery = parse("q=x&tier=helpful&limit=5").expect("valid");
    assert_eq!(format!("{one:?}"), format!("{other:?}"));
}

#[test]
fn a_declared_parameter_given_twice_is_refused_by_name() {
    assert_eq!(
        refused::<ListQuery>("tier=skip&limit=5&tier=skip"),
        ("tier", "is given more than once".to_owned())
    );
    assert_eq!(refused::<ListQuery>("limit=5&limit=6").0, "limit");
    let ignored: ListQuery = parse("utm=a&utm=b&_=1").expect("undeclared ones are ignored");
    assert_eq!(ignored.limit, Limit::default());
}

#[test]
fn out_of_range_numbers_name_the_parameter_and_the_bound() {
    let (name, detail) = refused::<ListQuery>("max_months=1201");
    assert_eq!(name, "max_months");
    assert_eq!(detail, "must be a whole number from 0 to 1200; got `1201`");
    let (name, detail) = refused::<ListQuery>("limit=0");
    assert_eq!(name, "limit");
    assert!(
        detail.contains(&format!("from 1 to {}", Limit::MAX)),
        "{detail}"
    );
}

#[test]
fn bad_values_name_their_parameter_and_say_why() {
    assert_eq!(
        refused::<ListQuery>("tier=gold"),
        (
            "tier",
            "must be one of: high_signal, helpful, skip; got `gold`".to_owned()
        )
    );
    assert_eq!(refused::<ListQuery>("tier=").0, "tier");
    assert_eq!(refused::<ListQuery>("roadmap=Not%20A%20Slug").0, "roadmap");
    assert_eq!(refused::<ListQuery>("q=%20").0, "q");
    assert_eq!(
        refused::<ListQuery>("format=xml"),
        ("format", "must be one of: json, csv, ndjson".to_owned())
    );
}

#[test]
fn a_value_that_is_not_utf8_is_refused_by_name() {
    assert_eq!(
        refused::<ListQuery>("tier=%FF"),
        ("tier", "is not UTF-8 once percent-decoded".to_owned())
    );
    // An encoded U+FFFD is text like any other.
    assert_eq!(
        refused::<ListQuery>("tier=%EF%BF%BD").1,
        "must be one of: high_signal, helpful, skip; got `\u{FFFD}`"
    );
    let ignored: ListQuery = parse("other=%FF&%FF=1").expect("not ours");
    assert!(ignored.tier.is_none());
}

#[test]
fn a_missing_required_parameter_says_what_it_is() {
    assert_eq!(
        parse::<Required>("hours=8").ok().map(|r| r.hours.get()),
        Some(8)
    );
    assert_eq!(
        refused::<Required>("other=1"),
        (
            "hours",
            "is required: study hours a week, 1 to 80".to_owned()
        )
    );
    assert_eq!(
        summary("Plain words, 1 to 200 characters; a hit ..."),
        "plain words, 1 to 200 characters"
    );
    assert_eq!(summary("URL of a roadmap.\nMore."), "URL of a roadmap");
}

#[test]
fn an_overlong_query_is_refused_whole() {
    assert!(matches!(
        parse::<ListQuery>(&"a".repeat(MAX_QUERY_LEN + 1)),
        Err(ApiError::QueryTooLong(MAX_QUERY_LEN))
    ));
    assert!(parse::<ListQuery>(&"a".repeat(MAX_QUERY_LEN)).is_ok());
}

#[test]
fn plus_and_percent_decode_as_forms_do() {
    let query: ListQuery = parse("q=a+b%2Bc&roadmap=%61-b").expect("valid");
    assert_eq!(
        query.q.map(SearchText::into_fts).as_deref(),
        Some(r#""a" "b+c""#)
    );
    assert_eq!(query.roadmap.as_ref().map(Slug::as_str), Some("a-b"));
}

#[test]
fn what_is_read_is_what_is_documented() {
    assert_documented::<ListQuery>();
    assert_eq!(
        declared::<ListQuery>(),
        [
            "tier",
            "roadmap",
            "max_months",
            "q",
            "limit",
            "cursor",
            "format"
        ]
    );
}
