//! The OpenAPI document is true to the wire: valid by an OpenAPI validator nobody here wrote
//! (openapi-spec-validator, installed by `make test`), and every enum in it exactly the values the
//! server sends and accepts, so a client generated from it is never refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use domain::conversation::ChatRole;
use domain::lead::{LeadIntent, LeadSource, LeadStatus};
use domain::ticket::{Channel, DeliveryState, Priority, SenderType, TicketStatus, Visibility};
use http_kit::catalogue::{ANY_ROUTE, ErrorCode};
use serde_json::Value;

fn document() -> Value {
    api_docs::document()
}

fn validator() -> PathBuf {
    let cache = std::env::var_os("FRONTDESK_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/frontdesk"));
    let validator = cache.join("venv-openapi-validator/bin/openapi-spec-validator");
    assert!(
        validator.exists(),
        "{} is missing: run `infra/tools.sh openapi-validator` (make test does)",
        validator.display()
    );
    validator
}

#[test]
fn the_document_is_valid_openapi() {
    let path = std::env::temp_dir().join(format!("frontdesk-openapi-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&document()).unwrap()).unwrap();
    let output = Command::new(validator()).arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn operation_ids_are_unique() {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, operations) in document()["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            seen.entry(id).or_default().push(format!("{method} {path}"));
        }
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, uses)| uses.len() > 1).collect();
    assert!(repeated.is_empty(), "{repeated:#?}");
}

fn spellings<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|value| as_str(*value).to_owned()).collect()
}

/// Every closed set of wire values, as the server spells them.
fn wire_enums() -> BTreeMap<&'static str, Vec<String>> {
    BTreeMap::from([
        ("Channel", spellings(Channel::ALL, Channel::as_str)),
        ("ChatRole", spellings(ChatRole::ALL, ChatRole::as_str)),
        (
            "DeliveryState",
            spellings(DeliveryState::ALL, DeliveryState::as_str),
        ),
        ("LeadIntent", spellings(LeadIntent::ALL, LeadIntent::as_str)),
        ("LeadSource", spellings(LeadSource::ALL, LeadSource::as_str)),
        ("LeadStatus", spellings(LeadStatus::ALL, LeadStatus::as_str)),
        ("Priority", spellings(Priority::ALL, Priority::as_str)),
        ("SenderType", spellings(SenderType::ALL, SenderType::as_str)),
        (
            "TicketStatus",
            spellings(TicketStatus::ALL, TicketStatus::as_str),
        ),
        ("Visibility", spellings(Visibility::ALL, Visibility::as_str)),
        ("ErrorCode", spellings(ErrorCode::ALL, ErrorCode::as_str)),
    ])
}

/// Every `enum` array anywhere in `value`, with where it is.
fn enums_in(value: &Value, at: &str, found: &mut Vec<(String, Vec<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
                let values = values
                    .iter()
                    .map(|value| value.as_str().unwrap_or_default().to_owned())
                    .collect();
                found.push((at.to_owned(), values));
            }
            for (key, child) in map {
                enums_in(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                enums_in(child, &format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_enum_is_spelt_as_the_server_sends_and_accepts_it() {
    let document = document();
    let wire = wire_enums();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let with_enum: BTreeSet<&str> = schemas
        .iter()
        .filter(|(_, schema)| schema.get("enum").is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    let known: BTreeSet<&str> = wire.keys().copied().collect();
    assert_eq!(
        with_enum, known,
        "every enum schema is a wire enum this test checks"
    );
    for (name, values) in &wire {
        assert_eq!(
            &schemas[*name]["enum"],
            &serde_json::json!(values),
            "{name}"
        );
    }
    // Enums written inline (a parameter, a field) must be one of the same sets.
    let mut found = Vec::new();
    enums_in(&document, "", &mut found);
    for (at, values) in found {
        assert!(
            wire.values().any(|spelt| *spelt == values),
            "{at}: {values:?} is no wire enum"
        );
    }
}

/// The parameter `name` of `method path`.
fn parameter(document: &Value, method: &str, path: &str, name: &str) -> Value {
    document["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has parameters"))
        .iter()
        .find(|parameter| parameter["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} documents {name}"))
        .clone()
}

#[test]
fn constraints_the_server_enforces_are_documented() {
    let document = document();
    for (method, path) in [
        ("post", "/api/chatbot/chat"),
        ("post", "/api/chatbot/chat/internal"),
        ("post", "/api/v1/chat/respond"),
        ("post", "/api/v1/lead/"),
        ("post", "/api/webhooks/chatbot"),
    ] {
        let key = parameter(&document, method, path, "Idempotency-Key");
        assert_eq!(key["in"], "header", "{path}");
        assert_eq!(key["schema"]["minLength"], 1, "{path}");
        assert_eq!(key["schema"]["maxLength"], 128, "{path}");
        assert!(key["schema"]["pattern"].is_string(), "{path}");
        assert!(
            document["paths"][path][method]["responses"]["422"].is_object(),
            "{path} documents 422 for a reused key"
        );
    }
    let status = parameter(&document, "get", "/api/tickets/", "status");
    assert_eq!(
        status["schema"],
        serde_json::json!({"$ref": "#/components/schemas/TicketStatus"}),
        "{status}"
    );
    let tag = parameter(&document, "get", "/api/tickets/", "tag");
    assert_eq!(tag["schema"]["minLength"], 1);
    let agent = parameter(&document, "put", "/api/tickets/{id}/assign", "agent_id");
    assert_eq!(agent["required"], true);
    let crc = parameter(&document, "get", "/api/webhooks/twitter", "crc_token");
    assert_eq!(crc["required"], true);
    let handoff = &document["components"]["schemas"]["ChatbotHandoffRequest"];
    assert_eq!(handoff["properties"]["session_id"]["minLength"], 1);
    for path in ["/api/chatbot/session", "/api/chatbot/session/internal"] {
        let operation = &document["paths"][path]["post"];
        assert_ne!(
            operation["requestBody"]["required"], true,
            "{path}: the body is optional"
        );
        assert!(operation["responses"]["400"].is_object(), "{path}");
    }
    for path in [
        "/api/tickets/",
        "/api/tickets/{id}",
        "/api/customers/{id}/tickets",
    ] {
        let bad_request = document["paths"][path]["get"]["responses"]["400"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            bad_request.contains("invalid_cursor"),
            "{path}: {bad_request}"
        );
    }
}

#[test]
fn every_route_lists_the_error_codes_it_answers_and_every_code_is_answered_somewhere() {
    let document = document();
    let catalogue: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    let mut answered = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let route = format!("{method} {path}");
            let codes: Vec<&str> = operation["x-error-codes"]
                .as_array()
                .unwrap_or_else(|| panic!("{route} lists its error codes"))
                .iter()
                .map(|code| code.as_str().unwrap())
                .collect();
            for code in &codes {
                assert!(
                    catalogue.contains(code),
                    "{route}: {code} is in the catalogue"
                );
                answered.insert(*code);
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                let status: u16 = status.parse().unwrap();
                let is_error_body = response["content"]["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/ErrorBody";
                if status < 400 || (response.get("content").is_some() && !is_error_body) {
                    continue;
                }
                let with_status = ErrorCode::ALL
                    .iter()
                    .filter(|code| code.status().as_u16() == status)
                    .any(|code| codes.contains(&code.as_str()));
                assert!(
                    with_status && is_error_body,
                    "{route}: its {status} says which codes come with it: {response}"
                );
            }
        }
    }
    let unanswered: Vec<&str> = ErrorCode::ALL
        .iter()
        .filter(|code| !ANY_ROUTE.contains(code))
        .map(|code| code.as_str())
        .filter(|code| !answered.contains(code))
        .collect();
    assert!(
        unanswered.is_empty(),
        "codes in the catalogue that no route answers: {unanswered:?}"
    );
}
