//! The SDK floor of the cold-start benchmark: the bare floor plus what any function that uses
//! DynamoDB needs, set up the way the SDK's documentation does it (`aws_config::load_defaults`,
//! then a client), and one GetItem per request. A function that reads DynamoDB pays at least
//! this; what it pays beyond it is its own.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let table = std::env::var("DYNAMODB_TENANTS_TABLE")?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let app = Router::new().fallback(move || get_tenant(client.clone(), table.clone()));
    lambda_http::run(app).await
}

async fn get_tenant(client: aws_sdk_dynamodb::Client, table: String) -> String {
    let found = client
        .get_item()
        .table_name(table)
        .key("tenantId", AttributeValue::S("acme".to_owned()))
        .send()
        .await;
    match found {
        Ok(output) => format!("found: {}", output.item.is_some()),
        Err(error) => format!("error: {error}"),
    }
}
