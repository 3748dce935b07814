//! `template.yaml` against the code: the tables match the store's definitions, every function
//! crate is deployed with its routes, the routes are exactly those the OpenAPI document lists,
//! no policy allows a Scan, and the domain stays free of infrastructure crates.

use std::collections::BTreeSet;
use std::process::Command;

use store::tables::{ALL, TableSpec};
use tests::repo_root;
use yaml_serde::Value;

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    yaml_serde::from_str(&text).expect("template.yaml is YAML")
}

fn resources(template: &Value) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, resource)| (name.as_str().unwrap().to_owned(), resource.clone()))
        .collect()
}

fn strings(value: &Value, field: &str) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .map(|item| item[field].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn function_crates() -> BTreeSet<String> {
    std::fs::read_dir(repo_root().join("crates/functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[test]
fn tables_match_the_store_definitions() {
    let template = template();
    for spec in ALL {
        let table = &template["Resources"][spec.logical_id];
        assert_eq!(table["Type"], "AWS::DynamoDB::Table", "{}", spec.logical_id);
        let properties = &table["Properties"];
        check_table(spec, properties);
    }
    let declared: BTreeSet<String> = resources(&template)
        .into_iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::DynamoDB::Table")
        .map(|(name, _)| name)
        .collect();
    let defined: BTreeSet<String> = ALL.iter().map(|spec| spec.logical_id.to_owned()).collect();
    assert_eq!(
        declared, defined,
        "every table in template.yaml is defined in crates/store"
    );
}

fn check_table(spec: &TableSpec, properties: &Value) {
    let id = spec.logical_id;
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST", "{id}");
    let mut key = vec![spec.partition_key];
    key.extend(spec.sort_key);
    assert_eq!(
        strings(&properties["KeySchema"], "AttributeName"),
        key,
        "{id}"
    );
    let mut expected_attributes: Vec<String> = key.iter().map(|name| (*name).to_owned()).collect();
    for index in spec.indexes {
        expected_attributes.push(index.partition_key.to_owned());
        expected_attributes.extend(index.sort_key.map(str::to_owned));
    }
    expected_attributes.sort();
    expected_attributes.dedup();
    let mut attributes = strings(&properties["AttributeDefinitions"], "AttributeName");
    attributes.sort();
    assert_eq!(
        attributes, expected_attributes,
        "{id} attribute definitions"
    );
    assert!(
        strings(&properties["AttributeDefinitions"], "AttributeType")
            .iter()
            .all(|t| t == "S"),
        "{id}: key attributes are strings"
    );

    let indexes = properties["GlobalSecondaryIndexes"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    assert_eq!(indexes.len(), spec.indexes.len(), "{id} index count");
    for index in spec.indexes {
        let declared = indexes
            .iter()
            .find(|declared| declared["IndexName"] == index.name)
            .unwrap_or_else(|| panic!("{id} lacks index {}", index.name));
        let mut keys = vec![index.partition_key.to_owned()];
        keys.extend(index.sort_key.map(str::to_owned));
        assert_eq!(
            strings(&declared["KeySchema"], "AttributeName"),
            keys,
            "{id}.{}",
            index.name
        );
        assert_eq!(
            declared["Projection"]["ProjectionType"], "ALL",
            "{id}.{}",
            index.name
        );
    }

    let stream = &properties["StreamSpecification"]["StreamViewType"];
    if spec.stream {
        assert_eq!(stream, "NEW_AND_OLD_IMAGES", "{id} stream");
    } else {
        assert!(
            stream.is_null(),
            "{id} streams but the store does not expect it"
        );
    }
    match spec.ttl_attribute {
        Some(attribute) => {
            assert_eq!(
                properties["TimeToLiveSpecification"]["AttributeName"], attribute,
                "{id}"
            );
            assert_eq!(
                properties["TimeToLiveSpecification"]["Enabled"], true,
                "{id}"
            );
        }
        None => assert!(properties["TimeToLiveSpecification"].is_null(), "{id} TTL"),
    }
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true,
        "{id} point-in-time recovery"
    );
}

#[test]
fn every_function_crate_is_deployed_as_a_rust_lambda() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"][0], "arm64");
    assert_eq!(globals["CodeUri"], ".");
    let mut deployed = BTreeSet::new();
    for (name, resource) in resources(&template) {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        assert_eq!(
            resource["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{name}"
        );
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_owned();
        let events = repo_root().join("events").join(&binary);
        assert!(
            events.is_dir(),
            "{binary} has no sample events in events/{binary}/"
        );
        deployed.insert(binary);
    }
    assert_eq!(
        deployed,
        function_crates(),
        "crates/functions/* and template.yaml agree"
    );
}

#[test]
fn no_policy_allows_a_scan_or_a_wildcard() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    assert!(!text.contains("dynamodb:Scan"), "no function may Scan");
    assert!(!text.contains("dynamodb:*"), "no wildcard DynamoDB actions");
    assert!(
        !text.contains("DynamoDBCrudPolicy") && !text.contains("DynamoDBReadPolicy"),
        "SAM's DynamoDB policy templates include Scan; write the statements out"
    );
}

#[test]
fn routes_in_the_template_are_exactly_those_in_the_openapi_document() {
    let template = template();
    let mut routed = BTreeSet::new();
    for (_, resource) in resources(&template) {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"] == "HttpApi" {
                let properties = &event["Properties"];
                routed.insert((
                    properties["Method"].as_str().unwrap().to_lowercase(),
                    properties["Path"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    let document = serde_json::to_value(api_docs::document()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        // HTTP API routes cannot end in `/` and route `/x/` to `/x` (seed 004 documents
        // `GET /api/tickets/`), so the template declares the path without it.
        let routed_path = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed.to_owned(),
            _ => path.clone(),
        };
        for method in operations.as_object().unwrap().keys() {
            documented.insert((method.clone(), routed_path.clone()));
        }
    }
    assert_eq!(routed, documented);
}

#[test]
fn the_domain_and_the_http_functions_stay_lean() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let tree = |package: &str| {
        let output = Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "-p",
                package,
            ])
            .current_dir(repo_root())
            .output()
            .expect("cargo tree runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let domain = tree("domain");
    for forbidden in ["aws-", "lambda", "axum", "rdkafka", "hyper", "reqwest"] {
        assert!(
            !domain.contains(forbidden),
            "domain depends on {forbidden}:\n{domain}"
        );
    }
    // Only the relay talks to Kafka; the API functions never wait on the broker.
    for function in function_crates() {
        let links_kafka = tree(&function).contains("rdkafka");
        assert_eq!(
            links_kafka,
            function == "stream-relay",
            "{function}: links rdkafka = {links_kafka}"
        );
    }
}
