"""localstripe (a Stripe-compatible fake from PyPI) served on 127.0.0.1 from a thread."""

import asyncio
import threading
import time
import urllib.request

from tests.support.postgres import free_port


class LocalStripe:
    """Runs localstripe's aiohttp app on a free loopback port, with disk dumps turned off."""

    def __init__(self) -> None:
        from localstripe import resources

        resources.Store.dump_to_disk = lambda self: None  # never pickle state into /tmp
        from localstripe.server import app

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._app = app
        #: Checkout Sessions asked for (localstripe has none: see `_add_checkout_sessions`).
        self.sessions: list[dict] = []
        _add_checkout_sessions(app, self)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        self._wait_until_answering()

    def _serve(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self._app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            request = urllib.request.Request(f"{self.base}/v1/balance",
                                             headers={"Authorization": "Bearer sk_test_x"})
            try:
                with urllib.request.urlopen(request, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _call(self, method: str, path: str, data: bytes | None = None) -> None:
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method,
                                         headers={"Authorization": "Bearer sk_test_x"})
        with urllib.request.urlopen(request, timeout=5):
            pass

    def reset(self) -> None:
        """Forget every object (DELETE /_config/data)."""
        self._call("DELETE", "/_config/data")

    def register_webhook(self, hook_id: str, url: str, secret: str, events=()) -> None:
        """Ask localstripe to POST signed events to `url`."""
        from urllib.parse import urlencode

        fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events]
        self._call("POST", f"/_config/webhooks/{hook_id}", urlencode(fields).encode())

    def stop(self) -> None:
        async def shutdown():
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def _add_checkout_sessions(app, server: LocalStripe) -> None:
    """The smallest Checkout Session endpoint: records the form and answers with a page URL."""
    from aiohttp import web

    async def create_session(request):
        form = await request.post()
        number = len(server.sessions) + 1
        server.sessions.append({**form, "idempotency_key": request.headers.get("Idempotency-Key")})
        return web.json_response({"id": f"cs_test_{number}", "object": "checkout.session",
                                  "url": f"{server.base}/pay/cs_test_{number}",
                                  "payment_status": "unpaid"})

    if not any(getattr(r, "resource", None) and r.resource.canonical == "/v1/checkout/sessions"
               for r in app.router.routes()):
        app.router.add_post("/v1/checkout/sessions", create_session)
