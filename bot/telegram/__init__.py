"""The Telegram front end: python-telegram-bot v22 delivering the flows' views."""
