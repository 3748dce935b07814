//! `frontdesk-admin --stack` against a CloudFormation stack in the local moto server that holds
//! the tables of `template.yaml` and its table outputs: the key it issues lands in that stack's
//! table and is revoked there, with no table variable set. Run under `make test` (moto).

use std::collections::HashMap;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use auth::api_key::hash_key;
use aws_sdk_cloudformation::Client;
use serde_json::{Value as Json, json};
use store::tables::ALL;
use store::{Backend, TableNames};
use yaml_serde::Value as Yaml;

/// The tables of `template.yaml` with their outputs, as a plain CloudFormation template.
fn tables_of_the_template() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let template: Yaml = yaml_serde::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut resources = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    for spec in ALL {
        let table = &template["Resources"][spec.logical_id];
        let properties: Json = serde_json::to_value(&table["Properties"]).unwrap();
        resources.insert(
            spec.logical_id.to_owned(),
            json!({ "Type": "AWS::DynamoDB::Table", "Properties": properties }),
        );
    }
    for (key, output) in template["Outputs"].as_mapping().unwrap() {
        if let Yaml::Tagged(reference) = &output["Value"]
            && reference.tag == "Ref"
            && resources.contains_key(reference.value.as_str().unwrap())
        {
            outputs.insert(
                key.as_str().unwrap().to_owned(),
                json!({ "Value": { "Ref": reference.value } }),
            );
        }
    }
    json!({ "Resources": resources, "Outputs": outputs })
}

fn admin(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_frontdesk-admin"));
    command.args(args);
    for spec in ALL {
        command.env_remove(spec.env_var);
    }
    command.output().expect("frontdesk-admin runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn config() -> aws_config::SdkConfig {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "AWS_ENDPOINT_URL is not set: run the tests with `make test` (it starts moto)"
    );
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

#[tokio::test]
async fn keys_are_issued_and_revoked_in_the_tables_of_the_named_stack() {
    let config = config().await;
    let cloudformation = Client::new(&config);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let stack = format!("admin-{}-{nanos}", std::process::id());
    cloudformation
        .create_stack()
        .stack_name(&stack)
        .template_body(tables_of_the_template().to_string())
        .send()
        .await
        .expect("moto creates the stack");
    let described = cloudformation
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let outputs: HashMap<&str, &str> = described.stacks()[0]
        .outputs()
        .iter()
        .map(|output| (output.output_key().unwrap(), output.output_value().unwrap()))
        .collect();
    let api_keys = outputs["ApiKeysTableName"].to_owned();
    assert!(api_keys.starts_with(&stack), "{api_keys}");

    let issued = admin(&[
        "--stack",
        &stack,
        "create-api-key",
        "--tenant",
        "acme",
        "--label",
        "website",
    ]);
    assert!(issued.status.success(), "{}", text(&issued.stderr));
    let key = text(&issued.stdout).trim().to_owned();
    assert!(!key.is_empty());

    // Only the ApiKeys table is read here, so the others may have any name.
    let mut tables = TableNames::with_prefix("unused-");
    tables.api_keys = api_keys;
    let backend = Backend::connect(tables).await;
    let stored = backend.api_keys().find(&hash_key(&key)).await.unwrap();
    let record = stored.expect("the key is in the stack's ApiKeys table");
    assert_eq!(record.tenant_id.as_str(), "acme");
    assert_eq!(record.label, "website");

    let revoked = admin(&["--stack", &stack, "revoke-api-key", &key]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(
        backend
            .api_keys()
            .find(&hash_key(&key))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_stack_that_does_not_exist_is_named_in_the_error() {
    config().await;
    let refused = admin(&[
        "--stack",
        "no-such-frontdesk",
        "create-api-key",
        "--tenant",
        "acme",
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("no-such-frontdesk"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn without_a_stack_every_table_variable_is_asked_for_at_once() {
    let refused = admin(&["create-api-key", "--tenant", "acme"]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    for spec in ALL {
        assert!(
            stderr.contains(spec.env_var),
            "{} not named: {stderr}",
            spec.env_var
        );
    }
}
