"""The staff web console (`acsm-bot staff web`): aiohttp.web, Jinja2 templates, the database only."""
