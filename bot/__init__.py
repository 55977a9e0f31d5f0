"""Wiring: settings, the Application builder, the CLI, the Telegram emulator."""
