"""ChatServer SDK."""
