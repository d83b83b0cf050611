"""A gunicorn worker that notes when each request arrived, before it waits for a thread.

gunicorn's threaded worker accepts connections in one thread and queues them for a pool of
request threads. Under a rush (the last seconds before a submission deadline) a request may
wait in that queue, or behind the GIL, for a good while before any of our code runs. This
worker stamps the moment a connection is accepted, or a kept-alive connection has a new
request to read, in the accepting thread, and hands it to the application as
``environ["anbud.received_at"]`` (Unix seconds). The key cannot come from a client: header
names arrive as ``HTTP_*``. ``audit.middleware.RequestContextMiddleware`` uses it as the
time of receipt.

    gunicorn config.wsgi:application --worker-class config.gunicorn_worker.ReceiptThreadWorker \\
        --workers 2 --threads 2
"""

import socket
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

ENVIRON_KEY = "anbud.received_at"
_current = threading.local()


# A response up to this size goes into the kernel at once, so a request thread is free again
# without waiting for the client to read (a page of the criteria library is about 80 KB; with
# the kernel's initial 16 KB a slow reader held one of the few threads for the rest).
SEND_BUFFER_BYTES = 256 * 1024


class ReceiptThreadWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.anbud_received_at = time.time()
        if not getattr(conn, "anbud_buffered", False):
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
            conn.anbud_buffered = True
        super().enqueue_req(conn)

    def handle_request(self, req, conn):
        _current.received_at = getattr(conn, "anbud_received_at", None)
        try:
            return super().handle_request(req, conn)
        finally:
            _current.received_at = None

    def load_wsgi(self):
        super().load_wsgi()
        application = self.wsgi

        def stamped(environ, start_response):
            received = getattr(_current, "received_at", None)
            if received is not None:
                environ[ENVIRON_KEY] = received
            return application(environ, start_response)

        self.wsgi = stamped
