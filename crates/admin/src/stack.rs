//! The table names of a deployed stack, from its CloudFormation outputs: `template.yaml` gives
//! each table an output named `<table resource>Name`, so an operator names the stack instead of
//! setting nine variables.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::DisplayErrorContext;
use domain::settings::Settings;
use store::TableNames;
use store::tables::{ALL, TableSpec};

/// The stack output that carries a table's deployed name.
pub fn output_name(spec: &TableSpec) -> String {
    format!("{}Name", spec.logical_id)
}

/// The outputs of a stack, by key.
pub async fn outputs(config: &SdkConfig, stack: &str) -> Result<HashMap<String, String>, String> {
    let described = Client::new(config)
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .map_err(|error| format!("stack {stack}: {}", DisplayErrorContext(error)))?;
    let found = described
        .stacks()
        .first()
        .ok_or_else(|| format!("there is no stack {stack}"))?;
    Ok(found
        .outputs()
        .iter()
        .filter_map(|output| {
            Some((
                output.output_key()?.to_owned(),
                output.output_value()?.to_owned(),
            ))
        })
        .collect())
}

/// The tables a stack's outputs name, read the way the functions read theirs from the
/// environment. Every missing output is named at once.
pub fn table_names(stack: &str, outputs: &HashMap<String, String>) -> Result<TableNames, String> {
    let missing: Vec<String> = ALL
        .iter()
        .map(output_name)
        .filter(|name| {
            outputs
                .get(name)
                .is_none_or(|value| value.trim().is_empty())
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "stack {stack} has no output {}; update it with the current template.yaml",
            missing.join(", ")
        ));
    }
    let mut settings = Settings::new(|variable: &str| {
        let spec = ALL.iter().find(|spec| spec.env_var == variable)?;
        outputs.get(&output_name(spec)).cloned()
    });
    let names = TableNames::read(&mut settings);
    settings.finish().map_err(|error| error.to_string())?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outputs CloudFormation would report for a stack deployed from `template.yaml`: each
    /// output that is a `!Ref` to a resource gets that resource's name in a stack called `demo`.
    fn outputs_of_the_template() -> HashMap<String, String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
        let template: yaml_serde::Value =
            yaml_serde::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        template["Outputs"]
            .as_mapping()
            .unwrap()
            .iter()
            .filter_map(|(key, output)| match &output["Value"] {
                yaml_serde::Value::Tagged(tagged) if tagged.tag == "Ref" => Some((
                    key.as_str()?.to_owned(),
                    format!("demo-{}-1X2Y3Z", tagged.value.as_str()?),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_template_outputs_name_every_table_the_store_needs() {
        let names = table_names("demo", &outputs_of_the_template()).unwrap();
        for (spec, name) in names.specs() {
            assert_eq!(name, format!("demo-{}-1X2Y3Z", spec.logical_id));
        }
    }

    #[test]
    fn a_stack_without_some_outputs_is_refused_naming_them_all() {
        let mut outputs = outputs_of_the_template();
        outputs.remove("TenantsTableName");
        outputs.insert("BotUsersTableName".to_owned(), " ".to_owned());
        let error = table_names("old", &outputs).unwrap_err();
        assert!(error.starts_with("stack old has no output "), "{error}");
        assert!(error.contains("TenantsTableName"), "{error}");
        assert!(error.contains("BotUsersTableName"), "{error}");
        assert!(!error.contains("LeadsTableName"), "{error}");
    }
}
