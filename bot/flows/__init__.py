"""Conversation logic, independent of any front end.

A step takes the user's stored state and one event and returns the new state, the changes to
store and the views to show. The Telegram layer and the console render the same views.
"""
