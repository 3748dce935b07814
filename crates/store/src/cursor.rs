//! Opaque paging cursors: the key of the last item a page returned, bound to the index it came
//! from, so a client can continue a listing and cannot point it anywhere else.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A cursor that is not one this service handed out for this listing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cursor is not valid for this listing")]
pub struct InvalidCursor;

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// Which index (or `table`) the key belongs to.
    i: String,
    /// The key's string attributes.
    k: BTreeMap<String, String>,
}

/// Encodes the string attributes named in `key_attributes` of `item` as a cursor for `index`.
pub fn encode(
    index: &str,
    item: &HashMap<String, AttributeValue>,
    key_attributes: &[&str],
) -> String {
    let key = key_attributes
        .iter()
        .filter_map(|name| {
            let value = item.get(*name)?.as_s().ok()?;
            Some(((*name).to_owned(), value.clone()))
        })
        .collect();
    let json = serde_json::to_vec(&Cursor {
        i: index.to_owned(),
        k: key,
    })
    .expect("a map of strings always serialises");
    URL_SAFE_NO_PAD.encode(json)
}

/// The `ExclusiveStartKey` a cursor stands for. It must come from `index`, carry exactly
/// `key_attributes`, and have `partition_value` under `partition_attribute`, so a crafted cursor
/// cannot start a query in another tenant's partition.
pub fn decode(
    cursor: &str,
    index: &str,
    key_attributes: &[&str],
    partition: (&str, &str),
) -> Result<HashMap<String, AttributeValue>, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| InvalidCursor)?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
    let (partition_attribute, partition_value) = partition;
    let same_attributes = cursor.k.len() == key_attributes.len()
        && key_attributes
            .iter()
            .all(|name| cursor.k.contains_key(*name));
    if cursor.i != index
        || !same_attributes
        || cursor.k.get(partition_attribute).map(String::as_str) != Some(partition_value)
    {
        return Err(InvalidCursor);
    }
    Ok(cursor
        .k
        .into_iter()
        .map(|(name, value)| (name, AttributeValue::S(value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("ticket_id".to_owned(), AttributeValue::S("tkt_1".into())),
            ("tenant_id".to_owned(), AttributeValue::S("acme".into())),
            ("subject".to_owned(), AttributeValue::S("ignored".into())),
        ])
    }

    #[test]
    fn round_trips_only_the_key() {
        let keys = ["ticket_id", "tenant_id"];
        let cursor = encode("TenantCreatedIndex", &item(), &keys);
        let key = decode(&cursor, "TenantCreatedIndex", &keys, ("tenant_id", "acme")).unwrap();
        assert_eq!(key.len(), 2);
        assert_eq!(key["ticket_id"], AttributeValue::S("tkt_1".into()));
    }

    #[test]
    fn refuses_other_indexes_partitions_and_garbage() {
        let keys = ["ticket_id", "tenant_id"];
        let cursor = encode("TenantCreatedIndex", &item(), &keys);
        assert!(decode(&cursor, "TenantStatusIndex", &keys, ("tenant_id", "acme")).is_err());
        assert!(
            decode(
                &cursor,
                "TenantCreatedIndex",
                &keys,
                ("tenant_id", "globex")
            )
            .is_err()
        );
        assert!(
            decode(
                "not a cursor",
                "TenantCreatedIndex",
                &keys,
                ("tenant_id", "acme")
            )
            .is_err()
        );
        assert!(
            decode(
                &cursor,
                "TenantCreatedIndex",
                &["ticket_id"],
                ("ticket_id", "tkt_1")
            )
            .is_err()
        );
    }
}
