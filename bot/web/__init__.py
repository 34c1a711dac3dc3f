"""Webhook workers: the bot as an ASGI app, several of which can sit behind one load balancer."""
