//! Finding the person first, for each target. Each file in `tests/search/`
//! holds a configuration and, in the sandbox's own answer shapes (its seed
//! and its list routes, as `crates/sandbox/README.md` documents them): the
//! exact URLs a query plans, pages of answers with the people and next page
//! they must read into, and the answers a chosen person prefills.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use intake_engine::targets::{
    parse_search, person_changes, person_record, plan_search, possible_duplicates, prefill_answers,
    AnswerBody, FoundPerson, PersonQuery, SearchPage, SearchRefusal, TargetConfig, TargetKind,
};
use intake_engine::{load_form, Form, FormState};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

fn form(relative: &str) -> Form {
    load_form(&read(&dir().join(relative)))
        .expect("the form loads")
        .form
}

fn query(value: &Value) -> PersonQuery {
    PersonQuery {
        first_name: value["first_name"].as_str().unwrap_or_default().to_string(),
        last_name: value["last_name"].as_str().unwrap_or_default().to_string(),
        date_of_birth: value["date_of_birth"].as_str().map(str::to_string),
    }
}

/// A found person without its record, in the fixtures' `people` shape.
fn summary(person: &FoundPerson) -> Value {
    json!({
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "email": person.email,
        "phone": person.phone,
        "city": person.city,
        "inactive": person.inactive,
    })
}

fn config(fixture: &Value) -> TargetConfig {
    TargetConfig::from_json(&fixture["config"]).expect("the configuration is accepted")
}

/// The answer body of page `index`; a page may reuse an earlier one's.
fn body(fixture: &Value, index: usize) -> String {
    let page = &fixture["pages"][index];
    match page["same_body_as"].as_u64() {
        Some(other) => body(fixture, other as usize),
        None => page["body"].to_string(),
    }
}

fn parsed(fixture: &Value, index: usize) -> SearchPage {
    let page = &fixture["pages"][index];
    parse_search(
        &config(fixture),
        &query(&page["query"]),
        &AnswerBody::from_text(&body(fixture, index)),
    )
    .unwrap_or_else(|error| panic!("page {index} ({}): {error}", page["about"]))
}

/// Checks every planned URL, page and prefill of the fixture `name`.
fn check(name: &str) {
    let fixture = read(&dir().join(format!("{name}.json")));
    let config = config(&fixture);
    for plan in fixture["plans"].as_array().expect("plans") {
        let request = plan_search(&config, &query(&plan["query"]), plan["page"].as_str());
        let about = &plan["about"];
        assert_eq!(request.method.as_str(), "GET", "{name}: {about}");
        assert_eq!(
            request.url,
            plan["url"].as_str().expect("url"),
            "{name}: {about}"
        );
        assert_eq!(request.body, None, "{name}: {about}");
        assert_eq!(request.capture_id, None, "{name}: {about}");
        assert!(!request.needs_captured_id, "{name}: {about}");
        let header_names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(header_names, ["Accept"], "{name}: {about}");
    }
    let pages = fixture["pages"].as_array().expect("pages");
    for (index, page) in pages.iter().enumerate() {
        let read = parsed(&fixture, index);
        let people: Vec<Value> = read.people.iter().map(summary).collect();
        let about = &page["about"];
        assert_eq!(Value::Array(people), page["people"], "{name}: {about}");
        assert_eq!(
            read.next_page.as_deref(),
            page["next_page"].as_str(),
            "{name}: {about}"
        );
    }
    for prefill in fixture["prefill"].as_array().expect("prefill") {
        let about = &prefill["about"];
        let page = parsed(&fixture, prefill["page"].as_u64().expect("page") as usize);
        let found = &page.people[prefill["person"].as_u64().expect("person") as usize];
        let form = form(prefill["form"].as_str().expect("form"));
        let answers = prefill_answers(&config, &form, found);
        assert_eq!(
            Value::Object(answers.clone()),
            prefill["answers"],
            "{name}: {about}"
        );
        let mut state = FormState::new(form);
        let problems = state.set_answers_from_json(&answers);
        assert!(problems.is_empty(), "{name}: {about}: {problems:?}");
    }
}

#[test]
fn a_search_needs_the_last_name_and_unite_us_the_first_name_too() {
    let named = |first: &str, last: &str| PersonQuery {
        first_name: first.into(),
        last_name: last.into(),
        date_of_birth: Some("1980-02-01".into()),
    };
    for target in TargetKind::ALL {
        let first_name_needed =
            (target == TargetKind::UniteUs).then_some(SearchRefusal::NoFirstName);
        let cases = [
            (named("Rosa", "Diaz"), None),
            (named("", "Diaz"), first_name_needed),
            (named("  ", "Diaz"), first_name_needed),
            (named("Rosa", ""), Some(SearchRefusal::NoLastName)),
            (named("Rosa", " "), Some(SearchRefusal::NoLastName)),
            (named("", ""), Some(SearchRefusal::NoLastName)),
        ];
        for (query, refusal) in cases {
            assert_eq!(query.search_refusal(target), refusal, "{target} {query:?}");
        }
    }
}

#[test]
fn unite_us_searches_global_contacts_by_name_with_epoch_birth_dates_and_pages() {
    check("unite-us");
}

#[test]
fn casebook_filters_by_name_and_birth_date_and_pages_by_links_or_page_count() {
    check("casebook");
}

#[test]
fn charity_crm_pages_by_cursor_and_keeps_only_matching_people() {
    check("charity-crm");
}

#[test]
fn persons_v1_gets_everyone_and_reads_birth_dates_and_inactive_from_the_person() {
    check("persons-v1");
}

#[test]
fn caspen_pages_by_cursor_and_keeps_only_matching_people() {
    check("caspen");
}

#[test]
fn the_found_record_is_the_targets_own_shape_for_prefill() {
    let fixture = read(&dir().join("casebook.json"));
    let person = &parsed(&fixture, 0).people[0];
    assert_eq!(person.record["type"], "people");
    assert_eq!(person.record["attributes"]["hispanic_or_latino"], "yes");
    let fixture = read(&dir().join("charity-crm.json"));
    let person = &parsed(&fixture, 0).people[1];
    assert_eq!(person.record["optInEmail"], true);
    assert_eq!(person.record["address"]["zipCode"], "3031LS");
}

#[test]
fn odd_bodies_are_errors_that_name_the_target_and_never_panic() {
    let deep = "[".repeat(10_000);
    let odd = [
        "",
        "not json",
        "<html><body>Bad gateway</body></html>",
        "null",
        "[]",
        "{}",
        "\"data\"",
        r#"{"data": "people"}"#,
        r#"{"data": {"id": "1"}}"#,
        r#"{"edges": {"node": {}}}"#,
        r#"{"message": "Unauthenticated."}"#,
        r#"{"errors": [{"status": "404", "title": "Not Found"}]}"#,
        deep.as_str(),
    ];
    let query = PersonQuery {
        first_name: "Maria".into(),
        last_name: "Garcia".into(),
        date_of_birth: None,
    };
    for target in TargetKind::ALL {
        let config = TargetConfig::from_json(
            &json!({"target": target.as_str(), "mode": "staff", "group_id": "demo-group"}),
        )
        .expect("the configuration is accepted");
        for body in odd {
            let Err(message) = parse_search(&config, &query, &AnswerBody::from_text(body)) else {
                panic!("{target}: {body:.40} was read as a page");
            };
            let expected = format!(
                "The search answer from {} could not be read.",
                target.display_name()
            );
            assert!(message.starts_with(&expected), "{target}: {message}");
        }
    }
}

#[test]
fn odd_items_in_a_list_are_skipped_and_odd_values_read_as_unknown() {
    let cases = [
        (
            "unite_us",
            json!({"data": [1, null, {"first_name": "No id"}, {"id": "c-1", "first_name": "Maria", "last_name": "Garcia", "date_of_birth": 1e300, "email_addresses": "x", "phone_numbers": [null, 5], "addresses": [{"city": ["Austin"]}]}], "paging": {"next_page": -3}}),
        ),
        (
            "casebook",
            json!({"data": [{"id": "c-1", "attributes": {"first_name": "Maria", "last_name": "Garcia", "date_of_birth": "12/04/1985", "email": ["maria@example.org"]}}, {"attributes": {}}], "links": {"self": "%%%?page%5Bnumber%5D=%zz", "next": 3}, "meta": {"page_count": "many"}}),
        ),
        (
            "charity_crm",
            json!({"edges": [{"node": {"uuid": "c-1", "firstName": "Maria", "lastName": "Garcia", "dateOfBirth": "9999-99-99", "address": "Utrecht"}}, {"cursor": "x"}, 4], "pageInfo": {"hasNextPage": true}}),
        ),
        (
            "persons_v1",
            json!({"data": [{"personId": "c-1", "firstName": "Maria", "lastName": "Garcia", "information": "Born ünïcödé Born 1985-13-01 born"}, {"personId": -0.5}]}),
        ),
        (
            "caspen",
            json!({"data": [{"id": "c-1", "first_name": "Maria", "last_name": "Garcia", "date_of_birth": i64::MIN, "phone_numbers": {"0": {}}, "address": []}], "meta": {"next_cursor": ""}, "links": {"next": "?cursor"}}),
        ),
    ];
    let query = PersonQuery {
        first_name: "maria".into(),
        last_name: "garcia".into(),
        date_of_birth: Some("1985-04-12".into()),
    };
    for (target, body) in cases {
        let config = TargetConfig::from_json(
            &json!({"target": target, "mode": "staff", "group_id": "demo-group"}),
        )
        .expect("the configuration is accepted");
        let page = parse_search(&config, &query, &AnswerBody::from_text(&body.to_string()))
            .unwrap_or_else(|error| panic!("{target}: {error}"));
        let people: Vec<Value> = page.people.iter().map(summary).collect();
        assert_eq!(
            people,
            [
                json!({"id": "c-1", "first_name": "Maria", "last_name": "Garcia", "date_of_birth": null, "email": null, "phone": null, "city": null, "inactive": false})
            ],
            "{target}"
        );
        assert_eq!(page.next_page, None, "{target}");
    }
}

fn person(id: &str, first: &str, last: &str, born: Option<&str>) -> FoundPerson {
    FoundPerson {
        id: id.into(),
        first_name: first.into(),
        last_name: last.into(),
        date_of_birth: born.map(str::to_string),
        email: None,
        phone: None,
        city: None,
        inactive: false,
        record: Value::Null,
    }
}

#[test]
fn possible_duplicates_need_both_names_and_no_differing_birth_date() {
    let people = [
        person("1", "Maria", "Garcia", Some("1985-04-12")),
        person("2", " maria ", "GARCIA", None),
        person("3", "Maria", "Garcia", Some("1985-04-13")),
        person("4", "Mario", "Garcia", Some("1985-04-12")),
        person("5", "Maria", "Garcia-Lopez", Some("1985-04-12")),
        person("6", "", "Garcia", Some("1985-04-12")),
    ];
    let ids = |query: PersonQuery| -> Vec<String> {
        possible_duplicates(&query, &people)
            .into_iter()
            .map(|person| person.id)
            .collect()
    };
    let born = PersonQuery {
        first_name: "Maria".into(),
        last_name: " Garcia".into(),
        date_of_birth: Some("1985-04-12".into()),
    };
    assert_eq!(ids(born.clone()), ["1", "2"]);
    let unknown_birth = PersonQuery {
        date_of_birth: None,
        ..born.clone()
    };
    assert_eq!(ids(unknown_birth), ["1", "2", "3"]);
    // A duplicate needs the same first name: an empty one is not a wildcard here.
    let no_first_name = PersonQuery {
        first_name: String::new(),
        ..born
    };
    assert_eq!(ids(no_first_name), ["6"]);
}

/// The person record a form gives with `answers`.
fn record_of(answers: Value) -> intake_engine::targets::PersonRecord {
    let mut state = FormState::new(form("../targets/person-form.json"));
    let problems = state.set_answers_from_json(answers.as_object().expect("an object"));
    assert!(problems.is_empty(), "{problems:?}");
    person_record(&state, &Default::default())
}

#[test]
fn person_changes_lists_changed_and_new_fields_and_the_emptied_ones_in_form_order() {
    let before = record_of(json!({
        "q-first": "Maria", "q-last": "Garcia", "q-born": "1985-04-12",
        "q-email": "maria@example.org", "q-phone": "5125550101", "q-gender": "o-f",
        "q-city": "Austin",
    }));
    let after = record_of(json!({
        "q-first": "Maria", "q-last": "Garcia-Lopez", "q-born": "1985-04-12",
        "q-gender": "o-f", "q-city": "Austin", "q-postcode": "78701",
    }));
    let (changed, emptied) = person_changes(&before, &after);
    let expected: BTreeSet<String> = ["person.last_name", "person.address.postal_code"]
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(changed, expected);
    assert_eq!(emptied, ["person.email", "person.phones[0].number"]);
    let (changed, emptied) = person_changes(&before, &before);
    assert!(changed.is_empty() && emptied.is_empty());
}

#[test]
fn changes_feed_an_update_that_sends_only_what_changed() {
    let config = TargetConfig::from_json(&json!({"target": "casebook", "mode": "staff"}))
        .expect("the configuration is accepted");
    let before =
        record_of(json!({"q-first": "Maria", "q-last": "Garcia", "q-email": "maria@example.org"}));
    let after = record_of(json!({"q-first": "Maria", "q-last": "Garcia", "q-born": "1985-04-12"}));
    let (changed, cleared) = person_changes(&before, &after);
    let input = intake_engine::targets::SubmissionInput {
        reference: "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f".into(),
        person: after,
        existing_id: Some("1".into()),
        changed: Some(changed),
        cleared,
        ..Default::default()
    };
    let plan = intake_engine::targets::plan(&config, &input);
    assert_eq!(
        plan.to_preview_json()[0]["body"],
        json!({"data": {"type": "people", "id": "1", "attributes": {"date_of_birth": "1985-04-12", "email": null}}})
    );
}

/// What the mapping writes into a persons_v1 record's `information` (the
/// golden create request) is what the search reads the birth date from, so
/// the duplicate check can compare birth dates of people the app created.
#[test]
fn a_persons_v1_birth_date_written_by_the_app_is_read_back() {
    let golden = read(&dir().join("../targets/persons-v1-create.json"));
    let information = golden["expect"]["requests"][0]["body"]["data"][0]["information"]
        .as_str()
        .expect("the golden create carries information")
        .to_string();
    let config =
        TargetConfig::from_json(&json!({"target": "persons_v1", "mode": "staff"})).unwrap();
    let body = json!({"data": [{"personId": 7, "firstName": "Rosa", "lastName": "Diaz", "information": information}]});
    let query = PersonQuery {
        first_name: "Rosa".into(),
        last_name: "Diaz".into(),
        date_of_birth: Some("1990-05-06".into()),
    };
    let page = parse_search(&config, &query, &AnswerBody::from_text(&body.to_string()))
        .expect("the answer reads");
    assert_eq!(page.people[0].date_of_birth.as_deref(), Some("1990-05-06"));
}
