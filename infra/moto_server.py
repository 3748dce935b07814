"""Serves moto as a faithful, long-running local DynamoDB (with Streams) and Cognito.

Three things of moto's own server are changed here, each because it made the local stack behave
unlike AWS:

1. Requests are processed one at a time. DynamoDB applies each write (a conditional update, a
   transaction) atomically; moto's server handles requests on concurrent threads without a lock,
   so two concurrent `list_append` updates of one item can both read the old list and one append
   is lost. Connections stay concurrent (HTTP/1.1 keep-alive works); only request processing is
   serialised, which is what makes moto a stand-in the concurrency tests can trust.

2. A refused transaction is rolled back in place. moto backs up every table a
   `TransactWriteItems` touches with a deep copy, and when the transaction is refused it swaps the
   copy in for the table. The copy has a stream of its own, so a reader of the table's stream
   (the devserver's stream feed, as Lambda's event source mapping reads it in AWS) keeps following
   a stream that never gets another record: after the first refused transaction on a table, its
   events stop for good. Copying whole tables also makes every transaction cost the size of the
   tables it touches. Here the backup is the previous version of each item the transaction
   touches, and the rollback puts those back and drops the stream records the partial write
   made, keeping the table, its stream and every reader of it.

3. DynamoDB's objects are not kept for moto's dashboard. moto records every model object it ever
   creates (every item version, every stream record, every shard iterator) in a list that nothing
   empties, so under sustained use the server grows by gigabytes in minutes. The dashboard
   (`/moto-api/data.json`) then lists the other services only. Shard iterators also expire
   after 15 minutes, as DynamoDB Streams' do, instead of being kept for ever.

usage: moto_server.py HOST PORT
"""

import copy
import sys
import threading
import time

from moto.core.model_instances import model_data
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodbstreams import models as streams_models
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

# DynamoDB Streams' iterators are valid for 15 minutes.
SHARD_ITERATOR_SECONDS = 15 * 60


class _Untracked(list):
    """A list that keeps nothing: what moto's instance tracking appends to for the services whose
    objects are created on every request."""

    def append(self, _instance):
        pass


def stop_tracking(services):
    for service in services:
        for model in model_data.get(service, {}).values():
            model.instances_tracked = _Untracked()


class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB backend while a transaction runs:
    the table backup moto would deep-copy is the table itself (left untouched here), and the
    rollback below restores what the transaction changed."""

    @staticmethod
    def deepcopy(value, *args, **kwargs):
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, *args, **kwargs)


def _item_key(table, op):
    """The key an operation of a transaction writes to, as moto's table indexes it."""
    attrs = op["Item"] if "Item" in op else op["Key"]
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = None
    if table.range_key_attr is not None:
        range_value = DynamoType(attrs[table.range_key_attr])
    return hash_value, range_value


def _restore(table, hash_value, range_value, previous):
    """Puts an item back as it was, without a stream record (the write being undone never
    happened for a reader of the stream)."""
    if range_value is None:
        if previous is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = previous
    else:
        versions = table.items[hash_value]
        if previous is None:
            versions.pop(range_value, None)
            if not versions:
                table.items.pop(hash_value, None)
        else:
            versions[range_value] = previous


_original_transact_write_items = DynamoDBBackend.transact_write_items


def transact_write_items_in_place(self, transact_items):
    before = []
    stream_lengths = {}
    for item in transact_items:
        try:
            _, op = next(iter(item.items()))
            table = self.get_table(op["TableName"])
            hash_value, range_value = _item_key(table, op)
            previous = table.get_item(hash_value, range_value)
        except Exception:
            # A malformed operation: moto refuses the whole transaction before writing anything.
            continue
        before.append((table, hash_value, range_value, copy.deepcopy(previous)))
        if table.stream_shard is not None and table.name not in stream_lengths:
            stream_lengths[table.name] = (table, len(table.stream_shard.items))
    dynamodb_models.copy = _TablesNotCopied
    try:
        return _original_transact_write_items(self, transact_items)
    except Exception:
        for table, hash_value, range_value, previous in reversed(before):
            _restore(table, hash_value, range_value, previous)
        for table, length in stream_lengths.values():
            del table.stream_shard.items[length:]
        raise
    finally:
        dynamodb_models.copy = copy


_original_iterator_init = streams_models.ShardIterator.__init__


def iterator_init_with_birth(self, *args, **kwargs):
    _original_iterator_init(self, *args, **kwargs)
    self.created_at = time.monotonic()


_original_get_records = streams_models.DynamoDBStreamsBackend.get_records


# How often the iterators are swept for expired ones: a sweep walks them all.
SWEEP_SECONDS = 30


def get_records_expiring_old_iterators(self, iterator_arn, limit):
    now = time.monotonic()
    if now - getattr(self, "swept_at", 0.0) >= SWEEP_SECONDS:
        self.swept_at = now
        oldest = now - SHARD_ITERATOR_SECONDS
        expired = [
            arn
            for arn, iterator in self.shard_iterators.items()
            if getattr(iterator, "created_at", now) < oldest and arn != iterator_arn
        ]
        for arn in expired:
            del self.shard_iterators[arn]
    return _original_get_records(self, iterator_arn, limit)


def patch_moto():
    stop_tracking(["dynamodb", "dynamodbstreams"])
    DynamoDBBackend.transact_write_items = transact_write_items_in_place
    streams_models.ShardIterator.__init__ = iterator_init_with_birth
    streams_models.DynamoDBStreamsBackend.get_records = get_records_expiring_old_iterators


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    patch_moto()
    moto_app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            # moto builds whole bodies; materialise anyway so nothing runs outside the lock.
            return list(moto_app(environ, start_response))

    run_simple(host, port, serialised, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
