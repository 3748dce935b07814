//! The tables Frontdesk uses, defined once: the local stack creates them from here and a test
//! checks `template.yaml` against the same definitions.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use domain::settings::Settings;

use crate::StoreError;

/// One table: its key, indexes, stream and expiry attribute. Every key attribute is a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// The table's resource name in `template.yaml`.
    pub logical_id: &'static str,
    /// The variable that carries the deployed table's name to the functions.
    pub env_var: &'static str,
    pub partition_key: &'static str,
    pub sort_key: Option<&'static str>,
    pub indexes: &'static [IndexSpec],
    /// Whether the table streams new and old images (for the event relay).
    pub stream: bool,
    /// The attribute DynamoDB's TTL reads, epoch seconds.
    pub ttl_attribute: Option<&'static str>,
}

/// A global secondary index projecting all attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: Option<&'static str>,
}

/// Leads from every source, each with its conversation: the lead is one item (`entryKey` =
/// `lead`) and each message another (`chat#<written, ns>#<position>`), so a conversation of any
/// length works and a lead with its latest messages is one Query. Only lead items carry the index
/// attributes: `tenantUserId` = `<tenant>#<userId>` and `tenantEmail` = `<tenant>#<email>` keep
/// each tenant's lookups to its own leads; `leadTenant` = `<tenant>` and `tenantStage` =
/// `<tenant>#<pipeline status>`, sorted by `leadActivity` (the last change, zero-padded epoch
/// milliseconds), list a tenant's leads by latest activity, all or at one stage.
pub const LEADS: TableSpec = TableSpec {
    logical_id: "LeadsTable",
    env_var: "DYNAMODB_LEADS_TABLE",
    partition_key: "leadId",
    sort_key: Some("entryKey"),
    indexes: &[
        IndexSpec {
            name: "UserIdIndex",
            partition_key: "tenantUserId",
            sort_key: None,
        },
        IndexSpec {
            name: "EmailIndex",
            partition_key: "tenantEmail",
            sort_key: None,
        },
        IndexSpec {
            name: "TenantActivityIndex",
            partition_key: "leadTenant",
            sort_key: Some("leadActivity"),
        },
        IndexSpec {
            name: "TenantStageIndex",
            partition_key: "tenantStage",
            sort_key: Some("leadActivity"),
        },
    ],
    stream: true,
    ttl_attribute: None,
};

/// Uniqueness claims: one item per natural key that must belong to exactly one owner (a tenant's
/// user id → its lead). Written in the same transaction as the owner, so no query-then-insert
/// race can make two. Claims that only guard a time window expire through `expiresAt`.
pub const CLAIMS: TableSpec = TableSpec {
    logical_id: "ClaimsTable",
    env_var: "DYNAMODB_CLAIMS_TABLE",
    partition_key: "claim",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: Some("expiresAt"),
};

/// Tenant API keys, stored only as the SHA-256 of the key.
pub const API_KEYS: TableSpec = TableSpec {
    logical_id: "ApiKeysTable",
    env_var: "DYNAMODB_API_KEYS_TABLE",
    partition_key: "keyHash",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: None,
};

/// Tickets and their timelines. Each ticket is one item (`entry_key` = `ticket`) and each
/// timeline entry another (`timeline#<written, ns>#<position>#<message id>`), so a ticket with
/// any number of messages works and the ticket with its first timeline page is one Query. Only ticket items
/// carry the index attributes, so the indexes hold tickets alone: `tenant_status` =
/// `<tenant>#<status>`, `tenant_assignee` = `<tenant>#<agent>`, `status_timestamp` =
/// `<status>#<created_at>` (seed 004's `CustomerIndex`); `TenantActivityIndex` orders a tenant's
/// tickets by their last change (`updated_at`), for the inbox.
pub const TICKETS: TableSpec = TableSpec {
    logical_id: "TicketsTable",
    env_var: "DYNAMODB_TICKETS_TABLE",
    partition_key: "ticket_id",
    sort_key: Some("entry_key"),
    indexes: &[
        IndexSpec {
            name: "TenantCreatedIndex",
            partition_key: "tenant_id",
            sort_key: Some("created_at"),
        },
        IndexSpec {
            name: "TenantActivityIndex",
            partition_key: "tenant_id",
            sort_key: Some("updated_at"),
        },
        IndexSpec {
            name: "TenantStatusIndex",
            partition_key: "tenant_status",
            sort_key: Some("created_at"),
        },
        IndexSpec {
            name: "TenantAssigneeIndex",
            partition_key: "tenant_assignee",
            sort_key: Some("created_at"),
        },
        IndexSpec {
            name: "CustomerIndex",
            partition_key: "customer_id",
            sort_key: Some("status_timestamp"),
        },
        IndexSpec {
            name: "CustomerCreatedIndex",
            partition_key: "customer_id",
            sort_key: Some("created_at"),
        },
    ],
    stream: true,
    ttl_attribute: None,
};

/// Customer profiles. `channel_identity` = `<tenant>#<channel>#<handle>` of the identity the
/// customer was first seen with; each identity's uniqueness is a claim in [`CLAIMS`].
pub const CUSTOMERS: TableSpec = TableSpec {
    logical_id: "CustomersTable",
    env_var: "DYNAMODB_CUSTOMERS_TABLE",
    partition_key: "internal_id",
    sort_key: None,
    indexes: &[IndexSpec {
        name: "ChannelIdentityIndex",
        partition_key: "channel_identity",
        sort_key: None,
    }],
    stream: true,
    ttl_attribute: None,
};

/// The channel accounts tenants connect, and their webhook secrets (`account#<channel>#<id>`,
/// and `verify#<channel>#<sha256 of the verify token>` for Meta's handshake).
pub const CHANNEL_ACCOUNTS: TableSpec = TableSpec {
    logical_id: "ChannelAccountsTable",
    env_var: "DYNAMODB_CHANNEL_ACCOUNTS_TABLE",
    partition_key: "account_key",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: None,
};

/// Each tenant's running counters: its leads' analytics (see `domain::analytics`, `shard` =
/// `<tenant>#<n>`) and its tickets per status (`<tenant>#tickets#<n>`), each spread over a few
/// shard items so concurrent writes rarely touch the same item; a read takes them all in one
/// `BatchGetItem`.
pub const LEAD_ANALYTICS: TableSpec = TableSpec {
    logical_id: "LeadAnalyticsTable",
    env_var: "DYNAMODB_LEAD_ANALYTICS_TABLE",
    partition_key: "shard",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: None,
};

/// Each tenant's profile: the name and domain its widget shows, the topics its assistant keeps
/// to, and where its alerts go.
pub const TENANTS: TableSpec = TableSpec {
    logical_id: "TenantsTable",
    env_var: "DYNAMODB_TENANTS_TABLE",
    partition_key: "tenantId",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: None,
};

/// The users a tenant's Lex bot registers (seed 003): `userKey` = `<tenant>#<username,
/// lower-case>`.
pub const BOT_USERS: TableSpec = TableSpec {
    logical_id: "BotUsersTable",
    env_var: "DYNAMODB_BOT_USERS_TABLE",
    partition_key: "userKey",
    sort_key: None,
    indexes: &[],
    stream: false,
    ttl_attribute: None,
};

pub const ALL: &[TableSpec] = &[
    LEADS,
    CLAIMS,
    API_KEYS,
    TICKETS,
    CUSTOMERS,
    CHANNEL_ACCOUNTS,
    LEAD_ANALYTICS,
    TENANTS,
    BOT_USERS,
];

/// The deployed names of the tables, read from the environment once per cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub leads: String,
    pub claims: String,
    pub api_keys: String,
    pub tickets: String,
    pub customers: String,
    pub channel_accounts: String,
    pub lead_analytics: String,
    pub tenants: String,
    pub bot_users: String,
}

impl TableNames {
    /// Reads every table variable; missing ones are reported through `settings`.
    pub fn read<F: Fn(&str) -> Option<String>>(settings: &mut Settings<F>) -> Self {
        Self {
            leads: settings.required(LEADS.env_var),
            claims: settings.required(CLAIMS.env_var),
            api_keys: settings.required(API_KEYS.env_var),
            tickets: settings.required(TICKETS.env_var),
            customers: settings.required(CUSTOMERS.env_var),
            channel_accounts: settings.required(CHANNEL_ACCOUNTS.env_var),
            lead_analytics: settings.required(LEAD_ANALYTICS.env_var),
            tenants: settings.required(TENANTS.env_var),
            bot_users: settings.required(BOT_USERS.env_var),
        }
    }

    /// Names with a common prefix, for the local stack and for tests that need isolated tables.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            leads: format!("{prefix}Leads"),
            claims: format!("{prefix}Claims"),
            api_keys: format!("{prefix}ApiKeys"),
            tickets: format!("{prefix}Tickets"),
            customers: format!("{prefix}Customers"),
            channel_accounts: format!("{prefix}ChannelAccounts"),
            lead_analytics: format!("{prefix}LeadAnalytics"),
            tenants: format!("{prefix}Tenants"),
            bot_users: format!("{prefix}BotUsers"),
        }
    }

    /// Each table's spec with its deployed name.
    pub fn specs(&self) -> [(&TableSpec, &str); 9] {
        [
            (&LEADS, &self.leads),
            (&CLAIMS, &self.claims),
            (&API_KEYS, &self.api_keys),
            (&TICKETS, &self.tickets),
            (&CUSTOMERS, &self.customers),
            (&CHANNEL_ACCOUNTS, &self.channel_accounts),
            (&LEAD_ANALYTICS, &self.lead_analytics),
            (&TENANTS, &self.tenants),
            (&BOT_USERS, &self.bot_users),
        ]
    }

    /// The variables a function needs to find these tables, as `(name, value)` pairs.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        self.specs()
            .iter()
            .map(|(spec, name)| (spec.env_var, (*name).to_owned()))
            .collect()
    }
}

/// Creates any of the tables that do not exist yet (local stack and tests; deployed tables come
/// from `template.yaml`).
pub async fn ensure_tables(client: &Client, names: &TableNames) -> Result<(), StoreError> {
    for (spec, name) in names.specs() {
        match client.describe_table().table_name(name).send().await {
            Ok(_) => continue,
            Err(SdkError::ServiceError(error))
                if matches!(
                    error.err(),
                    DescribeTableError::ResourceNotFoundException(_)
                ) =>
            {
                create_table(client, spec, name).await?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

async fn create_table(client: &Client, spec: &TableSpec, name: &str) -> Result<(), StoreError> {
    let mut attributes = vec![spec.partition_key];
    attributes.extend(spec.sort_key);
    for index in spec.indexes {
        attributes.push(index.partition_key);
        attributes.extend(index.sort_key);
    }
    attributes.sort_unstable();
    attributes.dedup();

    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(
            std::iter::once(key(spec.partition_key, KeyType::Hash))
                .chain(spec.sort_key.map(|sort| key(sort, KeyType::Range)))
                .collect(),
        ));
    for attribute in attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
        );
    }
    for index in spec.indexes {
        let mut schema = vec![key(index.partition_key, KeyType::Hash)];
        schema.extend(index.sort_key.map(|sort| key(sort, KeyType::Range)));
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(schema))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
        );
    }
    if spec.stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(|e| StoreError::Malformed(e.to_string()))?,
        );
    }
    request.send().await?;

    if let Some(attribute) = spec.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(attribute)
                    .build()
                    .map_err(|e| StoreError::Malformed(e.to_string()))?,
            )
            .send()
            .await?;
    }
    Ok(())
}

fn key(attribute: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(attribute)
        .key_type(key_type)
        .build()
        .expect("attribute name and key type are both set")
}
