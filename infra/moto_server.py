"""Serves moto with one request processed at a time.

DynamoDB applies each write (a conditional update, a transaction) atomically. moto's own server
handles requests on concurrent threads without a lock, so two concurrent `list_append` updates of
one item can both read the old list and one append is lost - a behaviour real DynamoDB never
shows. Connections stay concurrent (HTTP/1.1 keep-alive works); only request processing is
serialised, which is what makes moto a faithful stand-in for the concurrency tests.

usage: moto_server.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    moto_app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            # moto builds whole bodies; materialise anyway so nothing runs outside the lock.
            return list(moto_app(environ, start_response))

    run_simple(host, port, serialised, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
