#!/usr/bin/python3
# kdcproxy_server.py - an MS-KKDCP KDC proxy (Debian's python3-kdcproxy,
# the proxy FreeIPA runs) served over TLS on 127.0.0.1, for the tests.
#
#   kdcproxy_server.py CERT KEY READY-FILE
#
# Listens on a port the kernel picks and writes it to READY-FILE once it
# accepts connections. Which KDCs it forwards a realm to comes from the
# file KDCPROXY_CONFIG names ([REALM] kerberos = kerberos+tcp://...).
# Each request is logged to stderr ("POST /KdcProxy ... 200"), so a test
# can tell that a ticket came through the proxy. Stopped by a signal.
import ssl
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import kdcproxy


class Handler(WSGIRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("kdcproxy: " + (fmt % args) + "\n")
        sys.stderr.flush()


def main():
    cert, key, ready = sys.argv[1:4]
    httpd = make_server("127.0.0.1", 0, kdcproxy.Application(),
                        handler_class=Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(ready + ".new", "w") as f:
        f.write("%d\n" % httpd.server_port)
    import os
    os.rename(ready + ".new", ready)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
