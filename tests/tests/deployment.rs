//! `template.yaml` against the code: the tables match the store's definitions, every function
//! crate is deployed with its routes, the routes are exactly those the OpenAPI document lists,
//! no policy allows a Scan, and the domain stays free of infrastructure crates. And what operators
//! rely on: logs, traces, alarms, the dashboard, failure destinations, secrets, table outputs.

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
    let document = api_docs::document();
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

// ---------------------------------------------------------------- operations

/// The resource a `!Ref` names.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => None,
    }
}

/// The resource and attribute of a `!GetAtt Resource.Attribute`.
fn attribute(value: &Value) -> Option<(&str, &str)> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => tagged.value.as_str()?.split_once('.'),
        _ => None,
    }
}

/// A value, or each branch of an `!If` that holds one (`AWS::NoValue` is none).
fn branches(value: &Value) -> Vec<&Value> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "If" => tagged
            .value
            .as_sequence()
            .map(|parts| parts.iter().skip(1).flat_map(branches).collect())
            .unwrap_or_default(),
        _ if reference(value) == Some("AWS::NoValue") => Vec::new(),
        _ => vec![value],
    }
}

fn functions(template: &Value) -> Vec<(String, Value)> {
    resources(template)
        .into_iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
        .collect()
}

fn of_type(template: &Value, kind: &str) -> Vec<(String, Value)> {
    resources(template)
        .into_iter()
        .filter(|(_, resource)| resource["Type"] == kind)
        .collect()
}

/// Every statement a function's inline policies may hold, whichever way their conditions go.
fn statements(function: &Value) -> Vec<Value> {
    let policies = function["Properties"]["Policies"].as_sequence();
    policies
        .into_iter()
        .flatten()
        .filter_map(|policy| policy["Statement"].as_sequence())
        .flatten()
        .flat_map(branches)
        .cloned()
        .collect()
}

fn listed(value: &Value) -> Vec<Value> {
    match value.as_sequence() {
        Some(items) => items.clone(),
        None => vec![value.clone()],
    }
}

/// Whether a function's policies allow `action` on exactly the resource `target` picks out.
fn allows(function: &Value, action: &str, target: impl Fn(&Value) -> bool) -> bool {
    statements(function).iter().any(|statement| {
        statement["Effect"] == "Allow"
            && listed(&statement["Action"]).iter().any(|a| a == action)
            && listed(&statement["Resource"]).iter().all(&target)
    })
}

/// A metric an alarm watches: its namespace, name, statistic and dimensions (name, value).
struct Watched {
    namespace: String,
    metric: String,
    statistic: String,
    dimensions: Vec<(String, Value)>,
}

/// What an alarm watches: its metric, or each metric of a metric-math alarm.
fn watched(alarm: &Value) -> Vec<Watched> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let dimensions = |value: &Value| {
        value
            .as_sequence()
            .map(|items| {
                items
                    .iter()
                    .map(|item| (text(&item["Name"]), item["Value"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let properties = &alarm["Properties"];
    if let Some(metrics) = properties["Metrics"].as_sequence() {
        return metrics
            .iter()
            .filter(|metric| !metric["MetricStat"].is_null())
            .map(|metric| {
                let stat = &metric["MetricStat"];
                Watched {
                    namespace: text(&stat["Metric"]["Namespace"]),
                    metric: text(&stat["Metric"]["MetricName"]),
                    statistic: text(&stat["Stat"]),
                    dimensions: dimensions(&stat["Metric"]["Dimensions"]),
                }
            })
            .collect();
    }
    let statistic = match properties["ExtendedStatistic"].as_str() {
        Some(extended) => extended.to_owned(),
        None => text(&properties["Statistic"]),
    };
    vec![Watched {
        namespace: text(&properties["Namespace"]),
        metric: text(&properties["MetricName"]),
        statistic,
        dimensions: dimensions(&properties["Dimensions"]),
    }]
}

/// The alarms that watch `metric` in `namespace` with a dimension `dimension` that `is_target`.
fn alarms_on(
    template: &Value,
    namespace: &str,
    metric: &str,
    dimension: &str,
    is_target: impl Fn(&Value) -> bool,
) -> Vec<(String, Value)> {
    of_type(template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, alarm)| {
            watched(alarm).iter().any(|watched| {
                watched.namespace == namespace
                    && watched.metric == metric
                    && watched
                        .dimensions
                        .iter()
                        .any(|(key, value)| key == dimension && is_target(value))
            })
        })
        .collect()
}

fn parameter<'t>(template: &'t Value, name: &str) -> &'t Value {
    let parameter = &template["Parameters"][name];
    assert!(
        parameter.is_mapping(),
        "template.yaml lacks parameter {name}"
    );
    parameter
}

#[test]
fn every_function_logs_to_a_group_of_its_own_kept_for_the_retention_parameter() {
    let template = template();
    let retention = parameter(&template, "LogRetentionDays");
    assert_eq!(
        retention["Default"], 30,
        "logs are kept 30 days unless told"
    );
    let mut groups = BTreeSet::new();
    for (name, function) in functions(&template) {
        let group = reference(&function["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name} has no LoggingConfig.LogGroup: !Ref <group>"));
        let resource = &template["Resources"][group];
        assert_eq!(resource["Type"], "AWS::Logs::LogGroup", "{name} → {group}");
        assert_eq!(
            reference(&resource["Properties"]["RetentionInDays"]),
            Some("LogRetentionDays"),
            "{group} keeps its logs for LogRetentionDays"
        );
        assert!(groups.insert(group.to_owned()), "{group} is shared");
    }
    // The JSON format the functions' log lines rely on stays on for all of them.
    assert_eq!(
        template["Globals"]["Function"]["LoggingConfig"]["LogFormat"],
        "JSON"
    );
}

#[test]
fn every_function_is_traced_with_x_ray() {
    let template = template();
    assert_eq!(template["Globals"]["Function"]["Tracing"], "Active");
    for (name, function) in functions(&template) {
        let own = &function["Properties"]["Tracing"];
        assert!(own.is_null() || own == "Active", "{name} turns tracing off");
    }
}

#[test]
fn every_function_has_an_errors_and_a_throttles_alarm() {
    let template = template();
    for (name, _) in functions(&template) {
        for metric in ["Errors", "Throttles"] {
            let alarms = alarms_on(&template, "AWS/Lambda", metric, "FunctionName", |value| {
                reference(value) == Some(name.as_str())
            });
            assert!(!alarms.is_empty(), "no alarm on {name}'s {metric}");
        }
    }
}

#[test]
fn the_alarms_operators_rely_on_exist_and_every_alarm_tells_the_topic() {
    let template = template();
    let queue_depth =
        |queue: &'static str| move |value: &Value| attribute(value) == Some((queue, "QueueName"));
    let expected = [
        (
            "relay dead-letter queue not empty",
            alarms_on(
                &template,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                queue_depth("RelayFailuresQueue"),
            ),
        ),
        (
            "outbound dead-letter queue not empty",
            alarms_on(
                &template,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                queue_depth("OutboundFailuresQueue"),
            ),
        ),
        (
            "relay iterator age",
            alarms_on(
                &template,
                "AWS/Lambda",
                "IteratorAge",
                "FunctionName",
                |v| reference(v) == Some("StreamRelayFunction"),
            ),
        ),
        (
            "outbound offset lag",
            alarms_on(&template, "AWS/Lambda", "OffsetLag", "FunctionName", |v| {
                reference(v) == Some("OutboundDeliveryFunction")
            }),
        ),
        (
            "API 5xx rate",
            alarms_on(&template, "AWS/ApiGateway", "5xx", "ApiId", |v| {
                reference(v) == Some("HttpApi")
            }),
        ),
    ];
    for (what, alarms) in &expected {
        assert!(!alarms.is_empty(), "no alarm on the {what}");
    }
    // A rate, not a count: the 5xx alarm divides by the requests.
    let (_, errors) = &expected[4];
    assert!(
        errors.iter().all(|(_, alarm)| watched(alarm)
            .iter()
            .any(|watched| watched.metric == "Count")),
        "the 5xx alarm is not a rate of the requests"
    );
    let latency = alarms_on(&template, "AWS/ApiGateway", "Latency", "ApiId", |v| {
        reference(v) == Some("HttpApi")
    });
    assert!(
        latency.iter().any(|(_, alarm)| watched(alarm)
            .iter()
            .any(|watched| watched.statistic == "p99")),
        "no alarm on the API's p99 latency"
    );

    assert_eq!(
        template["Resources"]["AlarmTopic"]["Type"],
        "AWS::SNS::Topic"
    );
    let subscription = &template["Resources"]["AlarmEmailSubscription"];
    assert_eq!(
        subscription["Condition"], "HasAlarmEmail",
        "subscribes only when set"
    );
    assert_eq!(
        reference(&subscription["Properties"]["Endpoint"]),
        Some("AlarmEmail")
    );
    let alarms = of_type(&template, "AWS::CloudWatch::Alarm");
    assert!(alarms.len() >= 2 * functions(&template).len() + 6);
    for (name, alarm) in alarms {
        for actions in ["AlarmActions", "OKActions"] {
            assert!(
                listed(&alarm["Properties"][actions])
                    .iter()
                    .any(|action| reference(action) == Some("AlarmTopic")),
                "{name}'s {actions} do not tell AlarmTopic"
            );
        }
    }
}

#[test]
fn the_dashboard_shows_the_api_the_event_pipeline_and_every_business_figure() {
    let template = template();
    let dashboards = of_type(&template, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let body = match &dashboards[0].1["Properties"]["DashboardBody"] {
        Value::Tagged(tagged) if tagged.tag == "Sub" => tagged.value.as_str().unwrap().to_owned(),
        other => panic!("DashboardBody is not a !Sub string: {other:?}"),
    };
    // What the functions emit in Embedded Metric Format, under these names.
    let figures = [
        "TicketsOpened",
        "MessagesIn",
        "MessagesOut",
        "LeadsCaptured",
        "HotLeads",
        "WebhookDeliveriesAccepted",
        "WebhookDeliveriesDuplicate",
        "WebhookSignatureRefused",
        "OutboundSent",
        "OutboundFailed",
        "EventsPublished",
        "EventsFailed",
    ];
    for figure in figures {
        assert!(
            body.contains(&format!(
                r#"["Frontdesk", "{figure}", "Service", "${{AWS::StackName}}""#
            )),
            "the dashboard lacks {figure} (namespace Frontdesk, dimension Service)"
        );
    }
    for per_route in ["Requests", "Errors", "ClientErrors", "Latency"] {
        assert!(
            body.contains(&format!(
                r#"SEARCH('{{Frontdesk,Service,Route}} MetricName=\"{per_route}\" Service=\"${{AWS::StackName}}\"'"#
            )),
            "the dashboard lacks the per-route {per_route}"
        );
    }
    for pipeline in [
        r#""IteratorAge", "FunctionName", "${StreamRelayFunction}""#,
        r#""Errors", "FunctionName", "${StreamRelayFunction}""#,
        r#""QueueName", "${RelayFailuresQueue.QueueName}""#,
        r#""QueueName", "${OutboundFailuresQueue.QueueName}""#,
        r#""OffsetLag", "FunctionName", "${OutboundDeliveryFunction}""#,
        r#""Errors", "FunctionName", "${OutboundDeliveryFunction}""#,
        r#""AWS/ApiGateway", "5xx", "ApiId", "${HttpApi}""#,
        r#""AWS/ApiGateway", "4xx", "ApiId", "${HttpApi}""#,
        r#""Latency", "ApiId", "${HttpApi}", {"stat": "p99""#,
        r#""Latency", "ApiId", "${HttpApi}", {"stat": "p50""#,
    ] {
        assert!(body.contains(pipeline), "the dashboard lacks {pipeline}");
    }
    // Once CloudFormation has substituted the variables, the body is the JSON CloudWatch reads.
    let substituted = body
        .replace("${!PROP(", "PROP(")
        .replace("${ApiLatencyAlarmMs}", "5000")
        .replace("${RelayIteratorAgeAlarmMs}", "300000")
        .replace("${OutboundOffsetLagAlarmRecords}", "1000");
    let dashboard: serde_json::Value =
        serde_json::from_str(&substituted).expect("the dashboard body is JSON");
    assert!(dashboard["widgets"].as_array().unwrap().len() >= 10);
}

#[test]
fn every_function_gets_the_service_name_its_metrics_carry() {
    let template = template();
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(
        reference(&variables["FRONTDESK_SERVICE"]),
        Some("AWS::StackName")
    );
}

#[test]
fn the_api_logs_each_request_without_credentials_and_throttles_every_route() {
    let template = template();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let logs = &api["AccessLogSettings"];
    let group = attribute(&logs["DestinationArn"]).expect("access logs go to a log group");
    assert_eq!(group.1, "Arn");
    let resource = &template["Resources"][group.0];
    assert_eq!(resource["Type"], "AWS::Logs::LogGroup");
    assert_eq!(
        reference(&resource["Properties"]["RetentionInDays"]),
        Some("LogRetentionDays")
    );
    let format = logs["Format"].as_str().unwrap();
    let line: serde_json::Value =
        serde_json::from_str(format).expect("the access log format is one JSON object");
    for field in ["requestId", "route", "status", "latencyMs", "ip"] {
        assert!(line.get(field).is_some(), "access log lacks {field}");
    }
    for secret in [
        "header",
        "authorization",
        "body",
        "claims",
        "apikey",
        "api-key",
    ] {
        assert!(
            !format.to_lowercase().contains(secret),
            "the access log format reads {secret}"
        );
    }
    let throttling = &api["DefaultRouteSettings"];
    assert_eq!(
        reference(&throttling["ThrottlingBurstLimit"]),
        Some("ApiThrottlingBurstLimit")
    );
    assert_eq!(
        reference(&throttling["ThrottlingRateLimit"]),
        Some("ApiThrottlingRateLimit")
    );
    parameter(&template, "ApiThrottlingBurstLimit");
    parameter(&template, "ApiThrottlingRateLimit");
}

/// The header names of a `CorsConfiguration` list, in lower case (HTTP names are case-blind).
fn header_names(list: &Value) -> BTreeSet<String> {
    list.as_sequence()
        .expect("a list of header names")
        .iter()
        .map(|name| name.as_str().unwrap().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn browsers_on_other_origins_may_send_and_read_the_validators_as_the_devserver_allows() {
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use tower::ServiceExt;

    let template = template();
    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let own = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
    assert_eq!(
        header_names(&cors["AllowHeaders"]),
        own(&devserver::CORS_ALLOWED_HEADERS)
    );
    assert_eq!(
        header_names(&cors["ExposeHeaders"]),
        own(&devserver::CORS_EXPOSED_HEADERS)
    );

    // A dashboard on another origin moves a lead only while it is the version it read.
    let app = axum::Router::new()
        .route(
            "/api/v1/leads/{id}",
            axum::routing::get(|| async { ([("etag", "\"v3\"")], "{}") }),
        )
        .layer(devserver::cors(Some("https://crm.example")));
    let preflight = app
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/v1/leads/lead-1")
                .header("origin", "https://crm.example")
                .header("access-control-request-method", "PATCH")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type,if-match",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.split(',').any(|name| name.trim() == "if-match"),
        "{allowed}"
    );
    let read = app
        .oneshot(
            Request::builder()
                .uri("/api/v1/leads/lead-1")
                .header("origin", "https://crm.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let exposed = read.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.split(',').any(|name| name.trim() == "etag"),
        "{exposed}"
    );
}

#[test]
fn every_table_name_is_a_stack_output() {
    let template = template();
    for spec in ALL {
        let output = &template["Outputs"][format!("{}Name", spec.logical_id).as_str()];
        assert_eq!(
            reference(&output["Value"]),
            Some(spec.logical_id),
            "output {}Name gives the table's name",
            spec.logical_id
        );
    }
}

#[test]
fn the_outbound_mappings_retry_a_bounded_number_of_times_then_record_the_batch() {
    let template = template();
    let mappings: Vec<_> = of_type(&template, "AWS::Lambda::EventSourceMapping")
        .into_iter()
        .filter(|(_, mapping)| {
            reference(&mapping["Properties"]["FunctionName"]) == Some("OutboundDeliveryFunction")
        })
        .collect();
    assert_eq!(mappings.len(), 2, "one mapping per topic");
    let outbound = &template["Resources"]["OutboundDeliveryFunction"];
    for (name, mapping) in mappings {
        let properties = &mapping["Properties"];
        let retries = properties["MaximumRetryAttempts"]
            .as_i64()
            .unwrap_or_else(|| panic!("{name} retries forever"));
        assert!((0..=10_000).contains(&retries), "{name}: {retries} retries");
        let age = properties["MaximumRecordAgeInSeconds"]
            .as_i64()
            .unwrap_or_else(|| panic!("{name} keeps records forever"));
        assert!(
            (60..=604_800).contains(&age),
            "{name}: records kept {age} s"
        );
        assert_eq!(properties["BisectBatchOnFunctionError"], true, "{name}");
        // Kafka mappings honour the settings above only in provisioned mode.
        assert!(
            properties["ProvisionedPollerConfig"]["MinimumPollers"].as_i64() >= Some(1),
            "{name} is not in provisioned mode"
        );
        let (queue, arn) = attribute(&properties["DestinationConfig"]["OnFailure"]["Destination"])
            .unwrap_or_else(|| panic!("{name} has no on-failure destination"));
        assert_eq!(arn, "Arn");
        let queue_resource = &template["Resources"][queue];
        assert_eq!(
            queue_resource["Type"], "AWS::SQS::Queue",
            "{name} → {queue}"
        );
        let encrypted = &queue_resource["Properties"];
        assert!(
            encrypted["SqsManagedSseEnabled"] == true || !encrypted["KmsMasterKeyId"].is_null(),
            "{queue} is not encrypted"
        );
        assert_ne!(
            queue, "RelayFailuresQueue",
            "outbound has a queue of its own"
        );
        assert!(
            allows(outbound, "sqs:SendMessage", |resource| attribute(resource)
                == Some((queue, "Arn"))),
            "outbound-delivery's role may not send to {queue}"
        );
        let watched = alarms_on(
            &template,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            |value| attribute(value) == Some((queue, "QueueName")),
        );
        assert!(!watched.is_empty(), "no alarm on {queue}");
    }
}

/// What the function that asks the model needs for DynamoDB (reads, a conditional write, a retry)
/// and its own start, on top of the model's timeout.
const DYNAMODB_MARGIN_MS: i64 = 5_000;

#[test]
fn functions_that_ask_the_model_outlast_its_timeout() {
    let template = template();
    let ai_timeout = parameter(&template, "AiTimeoutMs");
    let longest = ai_timeout["MaxValue"]
        .as_i64()
        .expect("AiTimeoutMs has a MaxValue the function timeouts are sized against");
    let default = ai_timeout["Default"].as_i64().unwrap();
    // The assistant's own default, so a deployment without the parameter behaves the same.
    assert_eq!(
        default,
        assistant::config::DEFAULT_TIMEOUT.as_millis() as i64,
        "AiTimeoutMs defaults to the assistant's timeout"
    );
    let global = template["Globals"]["Function"]["Timeout"].as_i64().unwrap();
    let mut asking = 0;
    for (name, function) in functions(&template) {
        let variables = &function["Properties"]["Environment"]["Variables"];
        if variables["AI_PROVIDER"].is_null() {
            assert!(
                variables["AI_TIMEOUT_MS"].is_null(),
                "{name} has a model timeout but no model"
            );
            continue;
        }
        asking += 1;
        assert_eq!(
            reference(&variables["AI_TIMEOUT_MS"]),
            Some("AiTimeoutMs"),
            "{name} takes the model's timeout from AiTimeoutMs"
        );
        let timeout = function["Properties"]["Timeout"].as_i64().unwrap_or(global);
        assert!(
            timeout * 1000 > longest + DYNAMODB_MARGIN_MS,
            "{name}: {timeout} s does not cover a {longest} ms model call and its DynamoDB work"
        );
        // API Gateway gives up on an integration after 30 s.
        assert!(timeout < 30, "{name}: {timeout} s outlives the API's 30 s");
    }
    assert!(asking >= 5, "the chat and webhook functions ask the model");
}

#[test]
fn secrets_come_from_secrets_manager_never_from_a_parameter() {
    let template = template();
    for (name, parameter) in template["Parameters"].as_mapping().unwrap() {
        assert!(
            parameter["NoEcho"].is_null(),
            "{name:?} is a secret passed as a parameter"
        );
    }
    for (name, function) in functions(&template) {
        let variables = &function["Properties"]["Environment"]["Variables"];
        for plain in ["AI_API_KEY", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"] {
            assert!(
                variables[plain].is_null(),
                "{name} gets {plain} in plain text"
            );
        }
        if !variables["AI_PROVIDER"].is_null() {
            assert_eq!(
                secret_of(variables, "AI_API_KEY_SECRET_ARN"),
                Some("AiApiKeySecretArn"),
                "{name} is not told where the model's key is"
            );
            assert!(
                allows(&function, "secretsmanager:GetSecretValue", |resource| {
                    reference(resource) == Some("AiApiKeySecretArn")
                }),
                "{name} may not read the model's key"
            );
        }
        // Nothing reads secrets beyond the one it is given.
        for statement in statements(&function) {
            if listed(&statement["Action"])
                .iter()
                .any(|action| action == "secretsmanager:GetSecretValue" || action == "kms:Decrypt")
            {
                for resource in listed(&statement["Resource"]) {
                    assert!(
                        reference(&resource).is_some_and(|parameter| parameter.ends_with("Arn")),
                        "{name} reads secrets beyond its own: {resource:?}"
                    );
                }
            }
        }
    }
    let relay = &template["Resources"]["StreamRelayFunction"];
    let variables = &relay["Properties"]["Environment"]["Variables"];
    assert_eq!(
        secret_of(variables, "KAFKA_SASL_SECRET_ARN"),
        Some("KafkaScramSecretArn")
    );
    assert!(allows(relay, "secretsmanager:GetSecretValue", |resource| {
        reference(resource) == Some("KafkaScramSecretArn")
    }));
}

/// The parameter a variable is set from when it is set at all (`!If [Has…, !Ref P, NoValue]`).
fn secret_of<'t>(variables: &'t Value, name: &str) -> Option<&'t str> {
    let branches = branches(&variables[name]);
    match branches.as_slice() {
        [value] => reference(value),
        _ => None,
    }
}
