//! The store floor of the cold-start benchmark: the SDK floor's one GetItem per request, with the
//! client built by `store::Backend` as every function builds it. Next to `floor-sdk` it shows
//! what the project's own connection set-up costs or saves against the SDK's documented one.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let backend = store::Backend::from_env().await?;
    let client = backend.dynamodb.clone();
    let table = backend.tables.tenants.clone();
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
