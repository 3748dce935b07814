//! What the DynamoDB client sends and gets, seen from inside the SDK: an interceptor that logs
//! every attempt (operation, tables, answer), and an in-process stand-in for DynamoDB that
//! answers from such a log, so a handler's own CPU can be measured without any network.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents, SharedHttpClient};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

/// One round trip to DynamoDB (a retry is another).
#[derive(Debug, Clone)]
pub struct Call {
    /// The operation, from the `X-Amz-Target` header: `GetItem`, `TransactWriteItems`…
    pub operation: String,
    /// Every table the request names, with `:index` when it queries one.
    pub tables: Vec<String>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response: Vec<u8>,
}

impl Call {
    pub fn kind(&self) -> CallKind {
        match self.operation.as_str() {
            "GetItem" | "Query" | "BatchGetItem" | "TransactGetItems" => CallKind::Read,
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" => CallKind::Write,
            "TransactWriteItems" => CallKind::Transaction,
            "Scan" => CallKind::Scan,
            _ => CallKind::Other,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "operation": self.operation,
            "tables": self.tables,
            "status": self.status,
            "response_headers": self.response_headers,
            "response": String::from_utf8_lossy(&self.response),
        })
    }

    pub fn from_json(value: &Value) -> Option<Self> {
        Some(Self {
            operation: value["operation"].as_str()?.to_owned(),
            tables: serde_json::from_value(value["tables"].clone()).ok()?,
            status: u16::try_from(value["status"].as_u64()?).ok()?,
            response_headers: serde_json::from_value(value["response_headers"].clone()).ok()?,
            response: value["response"].as_str()?.as_bytes().to_vec(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Read,
    Write,
    Transaction,
    Scan,
    Other,
}

/// Logs every DynamoDB attempt of the client it is registered on.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    calls: Arc<Mutex<Vec<Call>>>,
}

impl CallLog {
    /// The calls logged since the last `take`.
    pub fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let operation = operation(request);
        let body: Value = request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(Value::Null);
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Call {
                operation,
                tables: tables(&body),
                status: 0,
                response_headers: Vec::new(),
                response: Vec::new(),
            });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(call) = calls.last_mut() {
            call.status = response.status().as_u16();
            call.response_headers = response
                .headers()
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect();
            call.response = response.body().bytes().unwrap_or_default().to_vec();
        }
        Ok(())
    }
}

fn operation(request: &HttpRequest) -> String {
    request
        .headers()
        .get("x-amz-target")
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("unknown")
        .to_owned()
}

/// The tables (and indexes) a request body names, wherever the operation puts them.
fn tables(body: &Value) -> Vec<String> {
    let mut tables = Vec::new();
    let mut add = |table: &Value, index: &Value| {
        if let Some(table) = table.as_str() {
            let name = match index.as_str() {
                Some(index) => format!("{table}:{index}"),
                None => table.to_owned(),
            };
            if !tables.contains(&name) {
                tables.push(name);
            }
        }
    };
    add(&body["TableName"], &body["IndexName"]);
    if let Some(items) = body["RequestItems"].as_object() {
        for table in items.keys() {
            add(&Value::String(table.clone()), &Value::Null);
        }
    }
    for item in body["TransactItems"].as_array().into_iter().flatten() {
        for action in ["Put", "Update", "Delete", "ConditionCheck", "Get"] {
            add(&item[action]["TableName"], &Value::Null);
        }
    }
    tables
}

/// A DynamoDB that answers at once from recorded calls: first `opening` in order (what a cold
/// function's first request did), then `steady` over and over (what every later request did).
/// A request whose operation is not the next one recorded gets the first recorded answer of
/// its operation, so a handler never waits and never sees an answer of the wrong shape.
#[derive(Debug, Clone)]
pub struct Replay {
    state: Arc<Mutex<ReplayState>>,
}

#[derive(Debug)]
struct ReplayState {
    opening: VecDeque<Call>,
    steady: Vec<Call>,
    next: usize,
}

impl Replay {
    pub fn new(opening: Vec<Call>, steady: Vec<Call>) -> Self {
        Self {
            state: Arc::new(Mutex::new(ReplayState {
                opening: opening.into(),
                steady,
                next: 0,
            })),
        }
    }

    pub fn http_client(&self) -> SharedHttpClient {
        let replay = self.clone();
        http_client_fn(move |_, _| SharedHttpConnector::new(replay.clone()))
    }

    pub fn answer(&self, operation: &str) -> Option<Call> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(call) = state.opening.pop_front()
            && call.operation == operation
        {
            return Some(call);
        }
        if !state.steady.is_empty() {
            let index = state.next % state.steady.len();
            if state.steady[index].operation == operation {
                state.next += 1;
                return Some(state.steady[index].clone());
            }
        }
        state
            .steady
            .iter()
            .chain(state.opening.iter())
            .find(|call| call.operation == operation)
            .cloned()
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let operation = operation(&request);
        let response = match self.answer(&operation) {
            Some(call) => {
                let mut response = HttpResponse::new(
                    StatusCode::try_from(call.status).unwrap_or_else(|_| {
                        StatusCode::try_from(200).expect("200 is a status code")
                    }),
                    SdkBody::from(call.response),
                );
                for (name, value) in call.response_headers {
                    // The body is handed over whole, so its length needs no header.
                    if !name.eq_ignore_ascii_case("content-length") {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
            None => HttpResponse::new(
                StatusCode::try_from(400).expect("400 is a status code"),
                SdkBody::from(format!(
                    "{{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"nothing recorded for {operation}\"}}"
                )),
            ),
        };
        HttpConnectorFuture::ready(Ok(response))
    }
}
