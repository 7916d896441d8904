"""Server tests: the real `python -m cog.server.http` driven over HTTP on 127.0.0.1."""
