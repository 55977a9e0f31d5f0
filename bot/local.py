"""Run the real Application in-process with long polling (demo, chat tests, benchmarks)."""

from __future__ import annotations

from types import TracebackType

from bot.app import processing_of
from bot.polling import Poller
from handlers.context import ChatApplication


class PollingBot:
    """`async with PollingBot(app):` — initialize, start, take up what the inbox holds, poll;
    stop cleanly on exit (the updates in hand finish first)."""

    def __init__(self, application: ChatApplication, poll_timeout: int = 1) -> None:
        self.application = application
        self.processing = processing_of(application)
        self.poller = Poller(
            application,
            self.processing.database,
            self.processing.dispatcher,
            timeout=poll_timeout,
        )

    async def __aenter__(self) -> ChatApplication:
        app = self.application
        await app.initialize()
        if app.post_init is not None:  # as run_polling() does
            await app.post_init(app)
        await app.start()
        await self.processing.dispatcher.start()
        await self.poller.start()
        return app

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        app = self.application
        await self.poller.stop()
        await self.processing.dispatcher.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:  # as run_polling() does
            await app.post_shutdown(app)
