"""The prediction server: an asyncio HTTP front (http.py) and a worker process (worker.py)."""
