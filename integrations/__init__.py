"""Calls the platform makes to other systems on someone's behalf: signed webhooks and the bot's HTTP actions."""
