"""The prediction server: an epoll-driven HTTP front (http.py) and a worker process (worker.py)."""
